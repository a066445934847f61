/* SPDX-License-Identifier: MIT */
/*
 * The doorbells: the host's SQ-tail and CQ-head writes.  This is the hot
 * path of every batch and runs in the host's thread (the driver's, in the
 * sim host), so accepting one costs a few atomics and takes the model lock
 * only to wake a sleeping engine or a poster waiting for CQ space.  Both
 * values are free-running 32-bit counts; a write that would move a counter
 * backwards or past the other side of its ring is ignored and counted.
 */
#include <inttypes.h>

#include "tc_model_internal.h"

static void tc_queue_bad_doorbell(struct tc_model *m, unsigned qid,
                                  const char *which, uint32_t val,
                                  const char *why)
{
	tc_inc32(&m->bad_doorbells);
	tc_model_log(m, TC_LOG_BAD_DOORBELL,
	             "bad %s doorbell, queue %u, value %" PRIu32 ": %s", which,
	             qid, val, why);
}

void tc_queue_sq_doorbell(struct tc_model *m, unsigned qid, uint32_t tail)
{
	struct tc_queue *q;
	uint32_t head, old;

	if (qid >= m->cfg.nqueues) {
		tc_queue_bad_doorbell(m, qid, "SQ", tail, "no such queue");
		return;
	}
	q = &m->queues[qid];
	/* Acquire pairs with the release in tc_queue_enable: sq_size is
	 * valid once enabled reads true. */
	if (!atomic_load_explicit(&q->enabled, memory_order_acquire)) {
		tc_queue_bad_doorbell(m, qid, "SQ", tail, "queue disabled");
		return;
	}
	head = atomic_load_explicit(&q->sq_head, memory_order_relaxed);
	old = atomic_load_explicit(&q->sq_tail, memory_order_relaxed);
	if (tail - head > q->sq_size) {
		tc_queue_bad_doorbell(m, qid, "SQ", tail,
		                      "more than the ring beyond the head");
		return;
	}
	if (tail - old > q->sq_size) {
		tc_queue_bad_doorbell(m, qid, "SQ", tail, "tail moved back");
		return;
	}
	tc_inc32(&q->st_doorbells);
	/*
	 * The release point of the batch.  seq_cst store: (1) release, so the
	 * descriptors the host wrote before this doorbell are visible to an
	 * engine that loads the tail with acquire (tc_queue_fetch); (2) a
	 * full barrier before the sleepers load below, the other half of the
	 * Dekker pair in tc_engine_idle: either the engine's re-check sees
	 * this tail, or we see it asleep and wake it.
	 */
	atomic_store(&q->sq_tail, tail);
	if (atomic_load(&m->sleepers)) {
		pthread_mutex_lock(&m->lock);
		pthread_cond_signal(&m->work_cond);
		pthread_mutex_unlock(&m->lock);
	}
}

void tc_queue_cq_doorbell(struct tc_model *m, unsigned qid, uint32_t head)
{
	struct tc_queue *q;
	uint32_t tail, old;

	if (qid >= m->cfg.nqueues) {
		tc_queue_bad_doorbell(m, qid, "CQ", head, "no such queue");
		return;
	}
	q = &m->queues[qid];
	if (!atomic_load_explicit(&q->enabled, memory_order_acquire)) {
		tc_queue_bad_doorbell(m, qid, "CQ", head, "queue disabled");
		return;
	}
	tail = atomic_load_explicit(&q->cq_tail, memory_order_relaxed);
	old = atomic_load_explicit(&q->cq_head, memory_order_relaxed);
	if (tail - head > q->cq_size) {
		tc_queue_bad_doorbell(m, qid, "CQ", head, "head beyond tail");
		return;
	}
	if (head - old > q->cq_size) {
		tc_queue_bad_doorbell(m, qid, "CQ", head, "head moved back");
		return;
	}
	/*
	 * seq_cst store: (1) release, so the host's reads of the entries it
	 * consumed happen before the card reuses those slots (the acquire
	 * load in tc_cq_post); (2) a full barrier before the cq_waiters load,
	 * the Dekker pair with a poster going to sleep on a full CQ.
	 */
	atomic_store(&q->cq_head, head);
	if (atomic_load(&q->cq_waiters)) {
		pthread_mutex_lock(&m->lock);
		pthread_cond_broadcast(&m->engine_cond);
		pthread_cond_signal(&m->timer_cond);
		pthread_mutex_unlock(&m->lock);
	}
}
