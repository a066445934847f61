/* SPDX-License-Identifier: MIT */
/*
 * The timer thread: posts completions held back by an added latency (the
 * delay list, sorted by due time) and raises interrupts whose coalescing
 * time has run out.  It sleeps to the earliest deadline on timer_cond;
 * whoever adds an earlier one kicks it.
 */
#include <errno.h>

#include "tc_model_internal.h"

void tc_timer_kick(struct tc_model *m, uint64_t deadline)
{
	/* timer_wake_ns is 0 while the thread is awake: it rescans anyway
	 * before sleeping again. */
	if (deadline < m->timer_wake_ns)
		pthread_cond_signal(&m->timer_cond);
}

void tc_timer_delay_task(struct tc_model *m, struct tc_task *t, uint64_t due)
{
	struct tc_task *pos;

	t->due_ns = due;
	t->delayed = true;
	/* Latencies are mostly equal per class: scan from the tail. */
	TAILQ_FOREACH_REVERSE(pos, &m->delayed, tc_task_list, delay_link)
	if (pos->due_ns <= due)
		break;
	if (pos)
		TAILQ_INSERT_AFTER(&m->delayed, pos, t, delay_link);
	else
		TAILQ_INSERT_HEAD(&m->delayed, t, delay_link);
	tc_timer_kick(m, due);
}

void tc_timer_undelay_task(struct tc_model *m, struct tc_task *t)
{
	TAILQ_REMOVE(&m->delayed, t, delay_link);
	t->delayed = false;
}

/* Register as a CQ-space waiter of q.  Returns true if the CQ is still
 * full, false if the host freed space meanwhile (retry at once). */
static bool tc_timer_block(struct tc_model *m, struct tc_queue *q)
{
	tc_irq_cq_full(m, q);
	q->timer_blocked = true;
	/* Dekker pair with the CQ-head doorbell: register (seq_cst), then
	 * re-check the head (seq_cst, in tc_cq_full). */
	atomic_fetch_add(&q->cq_waiters, 1);
	return tc_cq_full(q);
}

/* Post every due completion that can be posted.  Returns the next due
 * time, or 0 to rescan at once. */
static uint64_t tc_timer_post_due(struct tc_model *m, uint64_t now)
{
	struct tc_task *t, *next;
	uint64_t next_due = TC_NO_DEADLINE;
	unsigned i;
	int ret;

	for (i = 0; i < m->cfg.nqueues; i++) {
		struct tc_queue *q = &m->queues[i];

		if (q->timer_blocked) {
			q->timer_blocked = false;
			atomic_fetch_sub(&q->cq_waiters, 1);
		}
	}
	/* Stalled, fatal or resetting: nothing completes; whatever clears
	 * that wakes us (tc_model_wake_all). */
	if (!tc_model_post_allowed(m))
		return TC_NO_DEADLINE;
	for (t = TAILQ_FIRST(&m->delayed); t; t = next) {
		struct tc_queue *q = t->q;

		next = TAILQ_NEXT(t, delay_link);
		if (t->due_ns > now) {
			if (t->due_ns < next_due)
				next_due = t->due_ns;
			break;
		}
		if (q->timer_blocked)
			continue;
		ret = tc_cq_complete_task(m, t);
		if (ret == -EAGAIN) {
			if (!tc_timer_block(m, q))
				next_due = 0;
			continue;
		}
		if (ret)
			return TC_NO_DEADLINE; /* the card went fatal */
		if (m->fi.reset_due) {
			/* The reset empties the list under our feet. */
			tc_fault_run_due_reset(m);
			return 0;
		}
	}
	return next_due;
}

static void *tc_timer_main(void *arg)
{
	struct tc_model *m = arg;

	tc_model_lock(m);
	while (!m->stopping) {
		uint64_t now = tc_model_now_ns();
		uint64_t next = tc_timer_post_due(m, now);
		uint64_t irq_next = tc_irq_expire(m, now);
		struct timespec ts;

		if (irq_next < next)
			next = irq_next;
		if (m->irq_mask) {
			tc_model_flush_irqs_locked(m);
			continue;
		}
		/* A reset run above may have dropped the lock: look again
		 * before sleeping. */
		if (next <= now || m->stopping)
			continue;
		m->timer_wake_ns = next;
		if (next == TC_NO_DEADLINE) {
			pthread_cond_wait(&m->timer_cond, &m->lock);
		} else {
			ts.tv_sec = (time_t)(next / TC_NS_PER_SEC);
			ts.tv_nsec = (long)(next % TC_NS_PER_SEC);
			pthread_cond_timedwait(&m->timer_cond, &m->lock, &ts);
		}
		m->timer_wake_ns = 0;
	}
	tc_model_unlock(m);
	return NULL;
}

int tc_timer_start(struct tc_model *m)
{
	int ret = pthread_create(&m->timer_thread, NULL, tc_timer_main, m);

	if (ret)
		return -ret;
	m->timer_started = true;
	pthread_setname_np(m->timer_thread, "tc-timer");
	return 0;
}

void tc_timer_join(struct tc_model *m)
{
	if (!m->timer_started)
		return;
	pthread_join(m->timer_thread, NULL);
	m->timer_started = false;
}
