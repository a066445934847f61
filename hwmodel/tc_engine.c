/* SPDX-License-Identifier: MIT */
/*
 * Engine threads.  An idle engine takes the next descriptor from the
 * enabled queues (round-robin across queues, FIFO within one), runs it
 * with the model lock dropped, holds it for its modelled service time,
 * then posts the completion or hands it to the timer thread when an added
 * latency applies.  Idle engines sleep on work_cond; a doorbell wakes one,
 * and an engine that finds more work queued wakes the next.
 *
 * A task an engine holds can be taken away by a reset or queue teardown
 * (e->abandon) at each point where the engine holds the lock: the engine
 * then lets go without touching it, and the reset completes it.
 */
#include <errno.h>
#include <string.h>

#include "tc_model_internal.h"

/* Sleep until there may be work.  Lock held. */
static void tc_engine_idle(struct tc_model *m, struct tc_engine *e)
{
	/*
	 * Dekker pair with the SQ doorbell (tc_queue_sq_doorbell): announce
	 * the sleep (seq_cst), then look again (seq_cst tail loads).  Either
	 * we see the doorbell's new tail, or it sees sleepers > 0 and takes
	 * the lock to signal, which it cannot do before we are waiting.
	 */
	atomic_fetch_add(&m->sleepers, 1);
	/* Re-check stopping too: the caller may have dropped the lock (to
	 * deliver interrupts, or in a reset) since it last looked. */
	if (!m->stopping && !tc_queue_pick(m, false)) {
		pthread_cond_wait(&m->work_cond, &m->lock);
		e->idled = true;
	}
	atomic_fetch_sub(&m->sleepers, 1);
}

/* If the engine's task was taken away (or the model is stopping), let go
 * of it and tell the waiting reset.  Lock held. */
static bool tc_engine_lost_task(struct tc_model *m, struct tc_engine *e)
{
	if (!e->abandon && !m->stopping)
		return false;
	/* The task memory lives until the reset that waits for us is done. */
	if (e->task_admin)
		e->task->q->fetch_busy = false;
	e->task = NULL;
	e->task_admin = false;
	e->abandon = false;
	e->idled = true;
	pthread_cond_broadcast(&m->ctl_cond);
	return true;
}

/* Run the descriptor.  Called without the lock. */
static uint16_t tc_engine_execute(struct tc_model *m, struct tc_engine *e,
                                  const struct tc_sqe *sqe, bool fi_fail,
                                  struct tc_op_ctx *ctx)
{
	uint16_t status;

	memset(ctx, 0, sizeof(*ctx));
	ctx->st = m->ops;
	ctx->dma = &m->dma;
	ctx->engine = e->id;
	if (fi_fail)
		return TC_STS_INTERNAL;
	if (sqe->rsvd4)
		return TC_STS_INVALID_DESC;
	if (tc_opcode_class(sqe->opcode) == TC_CLASS_COUNT)
		return TC_STS_UNSUPPORTED;
	status = tc_op_execute(ctx, sqe);
	/* The status field is 15 bits wide. */
	return status > TC_CQE_STATUS_MASK ? TC_STS_INTERNAL : status;
}

/* Post t's completion, waiting for CQ space, a stall or a fatal error to
 * clear.  Lock held. */
static void tc_engine_post(struct tc_model *m, struct tc_engine *e,
                           struct tc_task *t)
{
	struct tc_queue *q = t->q;
	int ret;

	for (;;) {
		if (tc_engine_lost_task(m, e))
			return;
		if (!tc_model_post_allowed(m)) {
			/* Stalled or fatal: the job hangs in the engine. */
			e->idled = true;
			tc_irq_handoff(m);
			pthread_cond_wait(&m->engine_cond, &m->lock);
			continue;
		}
		ret = tc_cq_complete_task(m, t);
		if (ret != -EAGAIN) {
			if (!ret)
				break;
			continue; /* -EFAULT: now fatal, wait above */
		}
		/* The host must drain: signal what it has not seen. */
		tc_irq_cq_full(m, q);
		tc_irq_handoff(m);
		/* Dekker pair with the CQ-head doorbell: register as a
		 * waiter (seq_cst), then re-check the head (seq_cst). */
		atomic_fetch_add(&q->cq_waiters, 1);
		if (tc_cq_full(q))
			pthread_cond_wait(&m->engine_cond, &m->lock);
		atomic_fetch_sub(&q->cq_waiters, 1);
		e->idled = true;
	}
	e->task = NULL;
	tc_fault_run_due_reset(m);
}

static void tc_engine_account(struct tc_engine *e, unsigned op_class,
                              uint64_t bytes, uint64_t busy_ns, uint16_t status)
{
	tc_add64(&e->st_jobs, 1);
	tc_add64(&e->st_bytes, bytes);
	tc_add64(&e->st_busy_ns, busy_ns);
	if (status != TC_STS_OK)
		tc_inc32(&e->st_errors);
	atomic_store_explicit(&e->st_class, op_class, memory_order_relaxed);
}

/* Own, execute and complete one task.  Lock held on entry and return. */
static void tc_engine_run(struct tc_model *m, struct tc_engine *e,
                          struct tc_task *t)
{
	struct tc_queue *q = t->q;
	struct tc_sqe sqe = t->sqe;
	unsigned op_class = tc_opcode_class(sqe.opcode);
	bool fi_fail = t->fi_fail;
	struct tc_op_ctx ctx;
	uint64_t t0, t1, busy, latency;
	uint16_t status;

	e->task = t;
	/* Admin ops take effect before any later descriptor of their queue
	 * starts: nobody fetches from it until this one is done. */
	if (op_class == TC_CLASS_ADMIN) {
		q->fetch_busy = true;
		e->task_admin = true;
	}
	/* More queued: pass the baton to a sleeping engine. */
	if (atomic_load(&m->sleepers) && tc_queue_pick(m, false))
		pthread_cond_signal(&m->work_cond);
	/* We own a task now: no bus callbacks from this thread. */
	tc_irq_handoff(m);
	pthread_mutex_unlock(&m->lock);

	t0 = tc_model_now_ns();
	status = tc_engine_execute(m, e, &sqe, fi_fail, &ctx);
	t1 = tc_model_now_ns();

	tc_model_lock(m);
	if (tc_engine_lost_task(m, e))
		return;
	if (!tc_timing_engine_wait(m, e, op_class, ctx.bytes, t0, t1, &busy)) {
		tc_engine_lost_task(m, e);
		return;
	}
	tc_engine_account(e, op_class, ctx.bytes, busy, status);
	tc_add64(&q->st_bytes, ctx.bytes);
	if (e->task_admin) {
		q->fetch_busy = false;
		e->task_admin = false;
		if (atomic_load(&m->sleepers))
			pthread_cond_signal(&m->work_cond);
	}
	t->status = status;
	t->result = ctx.result;
	t->aux = ctx.aux;

	latency = tc_timing_latency_ns(m, op_class);
	if (latency) {
		/* A latency set after the fetch (fetch_ns 0: the fetch did
		 * not read the clock) counts from when the job started. */
		uint64_t due = (t->fetch_ns ? t->fetch_ns : t0) + latency;

		if (due > tc_model_now_ns()) {
			/* The completion waits; the engine does not. */
			tc_timer_delay_task(m, t, due);
			e->task = NULL;
			return;
		}
	}
	tc_engine_post(m, e, t);
}

static void *tc_engine_main(void *arg)
{
	struct tc_engine *e = arg;
	struct tc_model *m = e->m;

	tc_model_lock(m);
	while (!m->stopping) {
		struct tc_queue *q;
		struct tc_task *t = NULL;

		tc_model_flush_irqs_locked(m);
		q = tc_queue_pick(m, true);
		if (q)
			t = tc_queue_fetch(m, q);
		if (t)
			tc_engine_run(m, e, t);
		else if (!q)
			tc_engine_idle(m, e);
		/* q && !t: the fetch faulted and the card is now fatal. */
	}
	tc_model_unlock(m);
	return NULL;
}

int tc_engines_start(struct tc_model *m)
{
	unsigned i;
	int ret;

	for (i = 0; i < m->cfg.nengines; i++) {
		struct tc_engine *e = &m->engines[i];
		/* pthread names are at most 15 characters. */
		char name[16] = "tc-engine";

		e->idled = true;
		ret = pthread_create(&e->thread, NULL, tc_engine_main, e);
		if (ret)
			return -ret;
		e->started = true;
		name[9] = (char)('a' + i); /* i < TC_MAX_ENGINES */
		pthread_setname_np(e->thread, name);
	}
	return 0;
}

void tc_engines_join(struct tc_model *m)
{
	unsigned i;

	for (i = 0; i < m->cfg.nengines; i++) {
		if (!m->engines[i].started)
			continue;
		pthread_join(m->engines[i].thread, NULL);
		m->engines[i].started = false;
	}
}
