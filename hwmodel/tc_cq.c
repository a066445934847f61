/* SPDX-License-Identifier: MIT */
/*
 * Completion posting.  A CQE becomes visible to the host through its phase
 * bit, so the entry is written in two parts: bytes 0..11, a release fence,
 * then bytes 12..15 (cid and status with the phase).  A host that sees the
 * new phase with an acquire load therefore sees the whole entry.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>

#include "tc_model_internal.h"

bool tc_cq_full(const struct tc_queue *q)
{
	/* seq_cst load of the head: it pairs with the CQ-head doorbell's
	 * store, so (1) the host's reads of the slots below the head happen
	 * before we overwrite them, and (2) a poster that registered as a
	 * waiter and then finds the CQ full cannot miss the doorbell's wake
	 * (Dekker pair, see tc_queue_cq_doorbell). */
	uint32_t head = atomic_load(&q->cq_head);

	return atomic_load_explicit(&q->cq_tail, memory_order_relaxed) - head >=
	       q->cq_size;
}

int tc_cq_post(struct tc_model *m, struct tc_queue *q, uint16_t cid,
               uint16_t status, uint32_t result, uint32_t aux)
{
	uint32_t tail = atomic_load_explicit(&q->cq_tail, memory_order_relaxed);
	uint32_t sq_head =
	    atomic_load_explicit(&q->sq_head, memory_order_relaxed);
	/* Phase 1 on the first pass after enable, flipping on every wrap. */
	uint16_t phase = ((tail >> q->cq_log2) & 1) ? 0 : TC_CQE_PHASE;
	struct tc_cqe cqe;
	uint64_t addr;

	if (tc_cq_full(q))
		return -EAGAIN;
	cqe.result = htole32(result);
	cqe.aux = htole32(aux);
	cqe.sq_head = htole16((uint16_t)sq_head);
	cqe.sq_id = htole16((uint16_t)q->id);
	cqe.cid = htole16(cid);
	cqe.status = htole16((uint16_t)(status << TC_CQE_STATUS_SHIFT) | phase);
	addr = q->cq_base + (uint64_t)(tail & (q->cq_size - 1)) * TC_CQE_SIZE;

	if (tc_dma_write(&m->dma, addr, &cqe, 12))
		goto fault;
	/*
	 * Publish the new tail before the phase word: once the host can see
	 * the entry it may at once write a CQ-head doorbell covering it, and
	 * that doorbell is validated against cq_tail.  Publishing later let a
	 * fast host's valid doorbell be refused as "head beyond tail".
	 */
	atomic_store_explicit(&q->cq_tail, tail + 1, memory_order_release);
	/* Bytes 0..11 are globally visible before the phase word. */
	atomic_thread_fence(memory_order_release);
	if (tc_dma_write(&m->dma, addr + 12, &cqe.cid, 4))
		goto fault;

	tc_add64(&q->st_completed, 1);
	if (status != TC_STS_OK)
		tc_inc32(&q->st_errors);
	if (status == TC_STS_INVALID_DESC)
		tc_inc32(&m->bad_descs);
	return 0;

fault:
	q->error = true;
	tc_model_log(m, TC_LOG_FATAL,
	             "queue %u: completion write at 0x%" PRIx64 " faulted",
	             q->id, addr);
	return -EFAULT;
}

int tc_cq_complete_task(struct tc_model *m, struct tc_task *t)
{
	struct tc_queue *q = t->q;
	bool irq_now = t->sqe.flags & TC_SQE_F_IRQ_NOW;
	int ret;

	ret =
	    tc_cq_post(m, q, le16toh(t->sqe.cid), t->status, t->result, t->aux);
	if (ret == -EFAULT)
		tc_model_set_fatal(m, TC_FATAL_CQ_DMA);
	if (ret)
		return ret;
	tc_queue_task_release(m, t);
	tc_irq_after_post(m, q, irq_now);
	tc_fault_count_completion(m);
	return 0;
}
