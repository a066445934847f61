/* SPDX-License-Identifier: MIT */
/*
 * Reset (CTRL.RESET, FLR, fault injection) and the teardown work it shares
 * with disabling a queue: take tasks away from the engines, then complete
 * everything the card had accepted with ABORTED_RESET, so a host never
 * loses a job silently.  Resets and queue teardowns are serialised
 * (tc_ctl_begin/end); neither waits for a thread that holds no task, so
 * an engine or the timer thread can run a reset itself.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>

#include "tc_model_internal.h"

void tc_ctl_begin(struct tc_model *m)
{
	while (m->ctl_busy) {
		tc_irq_handoff(m);
		pthread_cond_wait(&m->ctl_cond, &m->lock);
	}
	m->ctl_busy = true;
}

void tc_ctl_end(struct tc_model *m)
{
	m->ctl_busy = false;
	pthread_cond_broadcast(&m->ctl_cond);
}

void tc_reset_quiesce(struct tc_model *m, struct tc_queue *q)
{
	for (;;) {
		bool waiting = false;
		unsigned i;

		for (i = 0; i < m->cfg.nengines; i++) {
			struct tc_engine *e = &m->engines[i];

			if (!e->task || (q && e->task->q != q))
				continue;
			e->abandon = true;
			waiting = true;
		}
		if (!waiting)
			return;
		/* Wake engines in timing sleeps, stalls and CQ waits; one in
		 * an op notices when the op returns. */
		pthread_cond_broadcast(&m->engine_cond);
		tc_irq_handoff(m);
		pthread_cond_wait(&m->ctl_cond, &m->lock);
	}
}

/* Progress of posting ABORTED_RESET completions to one queue.  The first
 * failure (CQ full, or a faulting CQ write) drops the rest. */
struct tc_abort {
	unsigned posted, dropped;
	int err;
};

static void tc_abort_one(struct tc_model *m, struct tc_queue *q, uint16_t cid,
                         struct tc_abort *a)
{
	if (!a->err)
		a->err = tc_cq_post(m, q, cid, TC_STS_ABORTED_RESET, 0, 0);
	if (a->err)
		a->dropped++;
	else
		a->posted++;
}

static void tc_abort_log(struct tc_model *m, struct tc_queue *q,
                         const struct tc_abort *a)
{
	if (!a->dropped)
		return;
	tc_model_log(m, TC_LOG_ABORT,
	             "queue %u: %u ABORTED_RESET completions dropped (%s)",
	             q->id, a->dropped,
	             a->err == -EAGAIN ? "CQ full" : "CQ write faulted");
}

/* Fetched-but-unfinished tasks, in fetch order (the list is appended at
 * fetch); every task is released. */
static void tc_abort_fetched(struct tc_model *m, struct tc_queue *q,
                             struct tc_abort *a)
{
	struct tc_task *t;

	while ((t = TAILQ_FIRST(&q->inflight_list))) {
		tc_abort_one(m, q, le16toh(t->sqe.cid), a);
		tc_queue_task_release(m, t);
	}
}

/* The descriptors between SQ head and the last accepted tail.  Each is
 * read for its cid; one that cannot be read ends the walk. */
static void tc_abort_unfetched(struct tc_model *m, struct tc_queue *q,
                               struct tc_abort *a)
{
	uint32_t head = atomic_load_explicit(&q->sq_head, memory_order_relaxed);
	/* Acquire, as in tc_queue_fetch: the descriptors are in memory. */
	uint32_t tail = atomic_load_explicit(&q->sq_tail, memory_order_acquire);
	uint32_t n = tail - head;

	if (n > q->sq_size)
		n = q->sq_size;
	for (; n; n--, head++) {
		uint64_t addr =
		    q->sq_base +
		    (uint64_t)(head & (q->sq_size - 1)) * TC_SQE_SIZE;
		struct tc_sqe sqe;

		if (a->err) {
			a->dropped++;
			continue;
		}
		if (tc_dma_read(&m->dma, addr, &sqe, sizeof(sqe))) {
			tc_model_log(m, TC_LOG_ABORT,
			             "queue %u: descriptor at 0x%" PRIx64
			             " unreadable: %u descriptors not aborted",
			             q->id, addr, n);
			return;
		}
		/* Consumed: the CQE's sq_head shows the slot is free. */
		atomic_store_explicit(&q->sq_head, head + 1,
		                      memory_order_relaxed);
		tc_abort_one(m, q, le16toh(sqe.cid), a);
	}
}

unsigned tc_reset_abort_inflight(struct tc_model *m, struct tc_queue *q)
{
	struct tc_abort a = {0};

	tc_abort_fetched(m, q, &a);
	tc_abort_log(m, q, &a);
	return a.posted;
}

void tc_reset_locked(struct tc_model *m, const char *why)
{
	unsigned i, aborted = 0;

	if (m->stopping)
		return;
	tc_ctl_begin(m);
	m->resetting = true;
	tc_model_log(m, TC_LOG_RESET, "reset (%s)", why);
	tc_reset_quiesce(m, NULL);

	for (i = 0; i < m->cfg.nqueues; i++) {
		struct tc_queue *q = &m->queues[i];
		struct tc_abort a = {0};

		if (!q->active)
			continue;
		atomic_store_explicit(&q->enabled, false, memory_order_release);
		tc_abort_fetched(m, q, &a);
		tc_abort_unfetched(m, q, &a);
		tc_abort_log(m, q, &a);
		aborted += a.posted;
		tc_irq_raise_queue(m, q);
	}
	tc_irq_raise_vector(m, m->err_vector);

	for (i = 0; i < TC_MAX_QUEUES; i++)
		tc_queue_clear(m, &m->queues[i], false);
	tc_ops_state_clear(m->ops);
	for (i = 0; i < m->cfg.nengines; i++) {
		m->engines[i].busy_until = 0;
		m->engines[i].idled = true;
	}
	m->ctrl_enable = false;
	m->fatal = false;
	m->fatal_code = TC_FATAL_NONE;
	m->fi.completed = 0;
	m->fi.reset_due = false;
	m->rr_next = 0;
	tc_inc32(&m->reset_count);
	m->resetting = false;
	tc_model_log(m, TC_LOG_RESET, "reset done, %u jobs aborted", aborted);
	tc_ctl_end(m);
	tc_model_wake_all(m);
}
