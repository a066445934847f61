/* SPDX-License-Identifier: MIT */
/*
 * Interrupts and their coalescing.  After posting completions to a queue
 * with IRQ_ENABLE, its vector is raised when any of these holds:
 *   - the completions not yet signalled reach COALESCE.COUNT (0 or 1:
 *     every completion);
 *   - the oldest of them is COALESCE.TIME us old (the timer thread);
 *   - the queue went idle (nothing in flight and SQ head == tail, or the
 *     card stopped fetching), so nothing is stranded behind the count;
 *   - a poster has to wait for CQ space (the host must drain first);
 *   - the descriptor had TC_SQE_F_IRQ_NOW.
 * Vectors raised under the model lock collect in m->irq_mask; the bus
 * callback runs only after the lock is dropped (tc_model_unlock), and only
 * in a thread that holds no task: an engine that owns a task hands pending
 * vectors to the timer thread instead (tc_irq_handoff).  A reset waits for
 * exactly those engines, so a host whose irq callback blocks on a lock the
 * resetting thread holds (QEMU's BQL) cannot deadlock it.
 */
#include "tc_model_internal.h"

void tc_irq_raise_vector(struct tc_model *m, unsigned vector)
{
	if (vector < TC_MSIX_VECTORS)
		m->irq_mask |= 1u << vector;
}

void tc_irq_raise_queue(struct tc_model *m, struct tc_queue *q)
{
	q->irq_pending = 0;
	if (!(q->ctrl_reg & TC_QP_CTRL_IRQ_ENABLE))
		return;
	tc_irq_raise_vector(m, tc_queue_vector_of(q));
	tc_inc32(&q->st_irqs);
}

static unsigned tc_irq_count(const struct tc_queue *q)
{
	return (q->coalesce_reg >> TC_QP_COALESCE_COUNT_SHIFT) &
	       TC_QP_COALESCE_COUNT_MASK;
}

static uint64_t tc_irq_time_ns(const struct tc_queue *q)
{
	return ((q->coalesce_reg >> TC_QP_COALESCE_TIME_SHIFT) &
	        TC_QP_COALESCE_TIME_MASK) *
	       TC_NS_PER_US;
}

void tc_irq_after_post(struct tc_model *m, struct tc_queue *q, bool irq_now)
{
	unsigned count = tc_irq_count(q);
	uint64_t window = tc_irq_time_ns(q);

	if (!(q->ctrl_reg & TC_QP_CTRL_IRQ_ENABLE))
		return;
	/*
	 * Only the first completion of a batch reads the clock: it starts
	 * the window.  Later ones leave the window's end to the timer thread
	 * (kicked below, normally a no-op compare), which is what raises it
	 * when the window runs out first; a clock read per completion cost
	 * more than the rest of this function.
	 */
	if (!q->irq_pending++)
		q->irq_oldest_ns = tc_model_now_ns();
	if (irq_now || count <= 1 || q->irq_pending >= count ||
	    tc_queue_idle(m, q)) {
		tc_irq_raise_queue(m, q);
		return;
	}
	if (window)
		tc_timer_kick(m, q->irq_oldest_ns + window);
}

void tc_irq_cq_full(struct tc_model *m, struct tc_queue *q)
{
	if (q->irq_pending)
		tc_irq_raise_queue(m, q);
}

void tc_irq_flush_pending(struct tc_model *m)
{
	unsigned i;

	for (i = 0; i < m->cfg.nqueues; i++)
		if (m->queues[i].active && m->queues[i].irq_pending)
			tc_irq_raise_queue(m, &m->queues[i]);
}

uint64_t tc_irq_expire(struct tc_model *m, uint64_t now)
{
	uint64_t next = TC_NO_DEADLINE;
	unsigned i;

	for (i = 0; i < m->cfg.nqueues; i++) {
		struct tc_queue *q = &m->queues[i];
		uint64_t window = tc_irq_time_ns(q), deadline;

		if (!q->active || !q->irq_pending || !window)
			continue;
		deadline = q->irq_oldest_ns + window;
		if (deadline <= now)
			tc_irq_raise_queue(m, q);
		else if (deadline < next)
			next = deadline;
	}
	return next;
}

void tc_irq_handoff(struct tc_model *m)
{
	if (m->irq_mask)
		pthread_cond_signal(&m->timer_cond);
}

void tc_irq_deliver(struct tc_model *m, uint32_t mask)
{
	unsigned v;

	if (!m->bus.irq)
		return;
	for (v = 0; mask; v++, mask >>= 1)
		if (mask & 1)
			m->bus.irq(m->bus.opaque, v);
}
