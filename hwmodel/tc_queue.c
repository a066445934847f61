/* SPDX-License-Identifier: MIT */
/*
 * Queue pairs: register decode, setup and teardown, and descriptor fetch
 * (the doorbells are in tc_doorbell.c).  Indices are free-running 32-bit
 * counters, masked with size - 1 only to address a ring entry (as NVMe and
 * io_uring do).
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "tc_model_internal.h"

#define TC_QP_CTRL_WRITABLE                          \
	(TC_QP_CTRL_ENABLE | TC_QP_CTRL_IRQ_ENABLE | \
	 TC_QP_CTRL_VECTOR_MASK << TC_QP_CTRL_VECTOR_SHIFT)
#define TC_QP_SIZE_WRITABLE                          \
	(TC_QP_SIZE_SQ_MASK << TC_QP_SIZE_SQ_SHIFT | \
	 TC_QP_SIZE_CQ_MASK << TC_QP_SIZE_CQ_SHIFT)
#define TC_QP_COALESCE_WRITABLE                                    \
	(TC_QP_COALESCE_COUNT_MASK << TC_QP_COALESCE_COUNT_SHIFT | \
	 TC_QP_COALESCE_TIME_MASK << TC_QP_COALESCE_TIME_SHIFT)

void tc_queue_init(struct tc_model *m, struct tc_queue *q, unsigned id)
{
	(void)m;
	q->id = id;
	TAILQ_INIT(&q->inflight_list);
	atomic_init(&q->enabled, false);
	atomic_init(&q->sq_tail, 0);
	atomic_init(&q->sq_head, 0);
	atomic_init(&q->cq_head, 0);
	atomic_init(&q->cq_tail, 0);
	atomic_init(&q->cq_waiters, 0);
}

static unsigned tc_queue_vector(const struct tc_queue *q)
{
	return (q->ctrl_reg >> TC_QP_CTRL_VECTOR_SHIFT) &
	       TC_QP_CTRL_VECTOR_MASK;
}

int tc_queue_read(struct tc_model *m, struct tc_queue *q, unsigned reg,
                  unsigned size, uint64_t *val)
{
	uint32_t st;

	(void)m;
	switch (reg) {
	case TC_QP_SQ_BASE_LO:
	case TC_QP_SQ_BASE_HI:
		return tc_reg_pair(reg, TC_QP_SQ_BASE_LO, size, q->sq_base,
		                   val);
	case TC_QP_CQ_BASE_LO:
	case TC_QP_CQ_BASE_HI:
		return tc_reg_pair(reg, TC_QP_CQ_BASE_LO, size, q->cq_base,
		                   val);
	case TC_QP_SIZE: return tc_reg32(size, q->size_reg, val);
	case TC_QP_CTRL:
		st = q->ctrl_reg & ~TC_QP_CTRL_ENABLE;
		return tc_reg32(size, q->active ? st | TC_QP_CTRL_ENABLE : st,
		                val);
	case TC_QP_COALESCE: return tc_reg32(size, q->coalesce_reg, val);
	case TC_QP_STATUS:
		st = (q->active ? TC_QP_STATUS_ENABLED : 0) |
		     (q->error ? TC_QP_STATUS_ERROR : 0) |
		     (tc_load32(&q->cq_waiters) ? TC_QP_STATUS_CQ_FULL : 0);
		return tc_reg32(size, st, val);
	case TC_QP_STAT_JOBS_LO:
	case TC_QP_STAT_JOBS_HI:
		return tc_reg_pair(reg, TC_QP_STAT_JOBS_LO, size,
		                   tc_load64(&q->st_jobs), val);
	case TC_QP_STAT_BYTES_LO:
	case TC_QP_STAT_BYTES_HI:
		return tc_reg_pair(reg, TC_QP_STAT_BYTES_LO, size,
		                   tc_load64(&q->st_bytes), val);
	case TC_QP_STAT_ERRORS:
		return tc_reg32(size, tc_load32(&q->st_errors), val);
	case TC_QP_STAT_DOORBELLS:
		return tc_reg32(size, tc_load32(&q->st_doorbells), val);
	case TC_QP_STAT_IRQS:
		return tc_reg32(size, tc_load32(&q->st_irqs), val);
	case TC_QP_STAT_COMPLETED:
		return tc_reg32(size, (uint32_t)tc_load64(&q->st_completed),
		                val);
	default: return -ENOENT;
	}
}

/* Check the configuration registers; NULL if the queue can be enabled. */
static const char *tc_queue_check(const struct tc_model *m,
                                  const struct tc_queue *q, uint32_t ctrl)
{
	unsigned sq = (q->size_reg >> TC_QP_SIZE_SQ_SHIFT) & TC_QP_SIZE_SQ_MASK;
	unsigned cq = (q->size_reg >> TC_QP_SIZE_CQ_SHIFT) & TC_QP_SIZE_CQ_MASK;
	unsigned vec =
	    (ctrl >> TC_QP_CTRL_VECTOR_SHIFT) & TC_QP_CTRL_VECTOR_MASK;

	if (q->sq_base % TC_SQE_SIZE)
		return "SQ base not 64-byte aligned";
	if (q->cq_base % TC_CQE_SIZE)
		return "CQ base not 16-byte aligned";
	if (sq < 1 || sq > m->cfg.max_ring_log2)
		return "SQ size out of range";
	if (cq < 1 || cq > m->cfg.max_ring_log2)
		return "CQ size out of range";
	if ((ctrl & TC_QP_CTRL_IRQ_ENABLE) && vec >= TC_MSIX_VECTORS)
		return "MSI-X vector out of range";
	return NULL;
}

static void tc_queue_enable(struct tc_model *m, struct tc_queue *q,
                            uint32_t ctrl)
{
	const char *why = tc_queue_check(m, q, ctrl);
	uint32_t i;

	if (!why) {
		q->sq_log2 =
		    (q->size_reg >> TC_QP_SIZE_SQ_SHIFT) & TC_QP_SIZE_SQ_MASK;
		q->cq_log2 =
		    (q->size_reg >> TC_QP_SIZE_CQ_SHIFT) & TC_QP_SIZE_CQ_MASK;
		q->sq_size = 1u << q->sq_log2;
		q->cq_size = 1u << q->cq_log2;
		/* At most sq_size tasks in flight per queue (fetch stops at
		 * that), so one task per SQ entry is enough. */
		q->tasks = calloc(q->sq_size, sizeof(*q->tasks));
		if (!q->tasks)
			why = "out of memory";
	}
	if (why) {
		q->error = true;
		q->ctrl_reg = ctrl & ~TC_QP_CTRL_ENABLE;
		tc_model_log(m, TC_LOG_QUEUE, "queue %u: enable rejected: %s",
		             q->id, why);
		return;
	}
	q->free_tasks = NULL;
	for (i = q->sq_size; i-- > 0;) {
		q->tasks[i].next_free = q->free_tasks;
		q->free_tasks = &q->tasks[i];
	}
	q->ctrl_reg = ctrl;
	q->error = false;
	q->active = true;
	q->irq_pending = 0;
	atomic_store_explicit(&q->sq_tail, 0, memory_order_relaxed);
	atomic_store_explicit(&q->sq_head, 0, memory_order_relaxed);
	atomic_store_explicit(&q->cq_head, 0, memory_order_relaxed);
	atomic_store_explicit(&q->cq_tail, 0, memory_order_relaxed);
	/* Release: a doorbell that sees enabled (acquire) also sees the ring
	 * geometry and zeroed counters above. */
	atomic_store_explicit(&q->enabled, true, memory_order_release);
}

/* Tear the queue down; in-flight work completes ABORTED_RESET first. */
static void tc_queue_disable(struct tc_model *m, struct tc_queue *q)
{
	unsigned n;

	/* Doorbells and fetch stop first. */
	atomic_store_explicit(&q->enabled, false, memory_order_release);
	tc_reset_quiesce(m, q);
	n = tc_reset_abort_inflight(m, q);
	if (n || q->irq_pending)
		tc_irq_raise_queue(m, q);
	tc_queue_clear(m, q, true);
	tc_model_log(m, TC_LOG_QUEUE, "queue %u disabled (%u jobs aborted)",
	             q->id, n);
}

static int tc_queue_write_ctrl(struct tc_model *m, struct tc_queue *q,
                               uint32_t val)
{
	uint32_t ctrl = val & TC_QP_CTRL_WRITABLE;
	bool want = ctrl & TC_QP_CTRL_ENABLE;
	int ret = 0;

	tc_ctl_begin(m);
	if (q->active && !want) {
		tc_queue_disable(m, q);
		q->ctrl_reg = ctrl;
	} else if (!q->active && want) {
		tc_queue_enable(m, q, ctrl);
	} else if (q->active) {
		/* IRQ_ENABLE and the vector may change while enabled; a bad
		 * vector is ignored (and counted) like any bad write. */
		if (tc_queue_check(m, q, ctrl))
			ret = -EINVAL;
		else
			q->ctrl_reg = ctrl;
	} else {
		q->ctrl_reg = ctrl;
		q->error = false;
	}
	tc_ctl_end(m);
	return ret;
}

static int tc_queue_write_pair(uint64_t *pair, unsigned reg, unsigned lo,
                               unsigned size, uint64_t val)
{
	if (reg == lo && size == 8)
		*pair = val;
	else if (size != 4)
		return -EINVAL;
	else if (reg == lo)
		*pair = (*pair & ~(uint64_t)UINT32_MAX) | (uint32_t)val;
	else
		*pair = (*pair & UINT32_MAX) | (uint64_t)(uint32_t)val << 32;
	return 0;
}

int tc_queue_write(struct tc_model *m, struct tc_queue *q, unsigned reg,
                   unsigned size, uint64_t val)
{
	uint64_t dummy;
	int ret;

	switch (reg) {
	case TC_QP_SQ_BASE_LO:
	case TC_QP_SQ_BASE_HI:
	case TC_QP_CQ_BASE_LO:
	case TC_QP_CQ_BASE_HI:
		if (q->active)
			return -EBUSY;
		if (reg < TC_QP_CQ_BASE_LO)
			return tc_queue_write_pair(&q->sq_base, reg,
			                           TC_QP_SQ_BASE_LO, size, val);
		return tc_queue_write_pair(&q->cq_base, reg, TC_QP_CQ_BASE_LO,
		                           size, val);
	case TC_QP_SIZE:
		if (size != 4)
			return -EINVAL;
		if (q->active)
			return -EBUSY;
		q->size_reg = (uint32_t)val & TC_QP_SIZE_WRITABLE;
		return 0;
	case TC_QP_COALESCE:
		if (size != 4)
			return -EINVAL;
		q->coalesce_reg = (uint32_t)val & TC_QP_COALESCE_WRITABLE;
		return 0;
	case TC_QP_CTRL:
		if (size != 4)
			return -EINVAL;
		return tc_queue_write_ctrl(m, q, (uint32_t)val);
	default:
		ret = tc_queue_read(m, q, reg, size, &dummy);
		return ret ? ret : -EPERM;
	}
}

void tc_queue_clear(struct tc_model *m, struct tc_queue *q, bool keep_regs)
{
	(void)m;
	atomic_store_explicit(&q->enabled, false, memory_order_release);
	free(q->tasks);
	q->tasks = NULL;
	q->free_tasks = NULL;
	TAILQ_INIT(&q->inflight_list);
	q->inflight = 0;
	q->active = false;
	q->fetch_busy = false;
	q->irq_pending = 0;
	q->timer_blocked = false;
	q->error = false;
	atomic_store_explicit(&q->cq_waiters, 0, memory_order_relaxed);
	atomic_store_explicit(&q->sq_tail, 0, memory_order_relaxed);
	atomic_store_explicit(&q->sq_head, 0, memory_order_relaxed);
	atomic_store_explicit(&q->cq_head, 0, memory_order_relaxed);
	atomic_store_explicit(&q->cq_tail, 0, memory_order_relaxed);
	if (keep_regs) {
		q->ctrl_reg &= ~TC_QP_CTRL_ENABLE;
		return;
	}
	q->sq_base = 0;
	q->cq_base = 0;
	q->size_reg = 0;
	q->ctrl_reg = 0;
	q->coalesce_reg = 0;
}

/* ---- fetch (engine threads, lock held) ---------------------------------- */

static bool tc_queue_has_work(const struct tc_queue *q)
{
	if (!q->active || q->fetch_busy || q->inflight >= q->sq_size ||
	    !atomic_load_explicit(&q->enabled, memory_order_relaxed))
		return false;
	/* seq_cst load: the engine half of the Dekker pair with the SQ
	 * doorbell (see tc_queue_sq_doorbell and tc_engine_idle). */
	return atomic_load(&q->sq_tail) !=
	       atomic_load_explicit(&q->sq_head, memory_order_relaxed);
}

struct tc_queue *tc_queue_pick(struct tc_model *m, bool advance)
{
	unsigned n = m->cfg.nqueues, i;

	if (!tc_model_fetch_allowed(m))
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned idx = (m->rr_next + i) % n;

		if (!tc_queue_has_work(&m->queues[idx]))
			continue;
		if (advance)
			m->rr_next = (idx + 1) % n;
		return &m->queues[idx];
	}
	return NULL;
}

struct tc_task *tc_queue_fetch(struct tc_model *m, struct tc_queue *q)
{
	uint32_t head = atomic_load_explicit(&q->sq_head, memory_order_relaxed);
	/* Acquire pairs with the doorbell's store: the descriptors up to
	 * the tail are in memory before the DMA read below. */
	uint32_t tail = atomic_load_explicit(&q->sq_tail, memory_order_acquire);
	struct tc_task *t = q->free_tasks;
	uint64_t addr;

	if (head == tail || !t)
		return NULL;
	addr = q->sq_base + (uint64_t)(head & (q->sq_size - 1)) * TC_SQE_SIZE;
	if (tc_dma_read(&m->dma, addr, &t->sqe, sizeof(t->sqe))) {
		tc_model_log(m, TC_LOG_FATAL,
		             "queue %u: descriptor fetch at 0x%" PRIx64
		             " faulted",
		             q->id, addr);
		tc_model_set_fatal(m, TC_FATAL_SQ_DMA);
		return NULL;
	}
	q->free_tasks = t->next_free;
	/* Relaxed: only the doorbell reads sq_head, to validate a tail. */
	atomic_store_explicit(&q->sq_head, head + 1, memory_order_relaxed);
	t->q = q;
	/* The fetch time only matters to an added latency: skip the clock
	 * read when none is configured (see tc_engine_run). */
	t->fetch_ns = tc_timing_latency_ns(m, tc_opcode_class(t->sqe.opcode))
	                  ? tc_model_now_ns()
	                  : 0;
	t->status = TC_STS_OK;
	t->result = 0;
	t->aux = 0;
	t->delayed = false;
	t->fi_fail = tc_fault_draw_error(m);
	TAILQ_INSERT_TAIL(&q->inflight_list, t, q_link);
	q->inflight++;
	tc_add64(&q->st_jobs, 1);
	return t;
}

void tc_queue_task_release(struct tc_model *m, struct tc_task *t)
{
	struct tc_queue *q = t->q;

	if (t->delayed)
		tc_timer_undelay_task(m, t);
	TAILQ_REMOVE(&q->inflight_list, t, q_link);
	/* A queue at its in-flight cap becomes fetchable again. */
	if (q->inflight-- == q->sq_size && atomic_load(&m->sleepers))
		pthread_cond_signal(&m->work_cond);
	t->q = NULL;
	t->next_free = q->free_tasks;
	q->free_tasks = t;
}

bool tc_queue_idle(const struct tc_model *m, const struct tc_queue *q)
{
	if (q->inflight)
		return false;
	/* Nothing more will be fetched when the card stopped fetching. */
	return atomic_load_explicit(&q->sq_tail, memory_order_relaxed) ==
	           atomic_load_explicit(&q->sq_head, memory_order_relaxed) ||
	       !tc_model_fetch_allowed(m);
}

unsigned tc_queue_vector_of(const struct tc_queue *q)
{
	return tc_queue_vector(q);
}
