/* SPDX-License-Identifier: MIT */
/*
 * Queue pairs: a submission ring of 64-byte descriptors and a completion
 * ring of 16-byte entries with a phase bit, both in DMA memory, with
 * free-running indices masked on use (card-spec.md "Submitting",
 * "Completing").
 *
 * A job's cid is its index in the job table; free cids sit on a stack.
 * The fast path (submit, flush, poll) makes no syscall, no allocation and
 * no MMIO read: one doorbell write per flush and one per polled batch.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tc_driver_internal.h"

#define TC_QP_MAX_LOG2        15u /* cids and SQ heads are 16-bit */
#define TC_QP_DISABLE_WAIT_NS 100000000ull
#define TC_QP_BAD_LOG_PER_SEC 10u
#define TC_QP_KICK_POLLS      1024u /* empty polls before repeating CQ head */
/*
 * Interrupt coalescing (card-spec.md "Interrupts").  An interrupt per
 * completion costs the card an MSI-X write (in the sim, an eventfd write
 * that wakes the driver) per job, as much as a 4 KB hash.  With
 * TC_QP_COALESCE_ADAPTIVE the count adapts to the jobs in flight
 * (tc_qp_tune_coalesce); it is not the default yet because the pool's
 * self-reset stress test (pool_test: test_card_resets_itself) then fails
 * now and then, which wants looking into first.  The time bounds how
 * long a completion can wait for its interrupt when the count is not
 * reached and the queue is not idle.  It is not smaller because every
 * expiry wakes the card's timer thread, which costs the sim card far more
 * than the interrupts it saves (measured: 200 us cost ~0.5 us per 4 KB
 * digest job more than 1000 us).
 */
#define TC_QP_COALESCE_MAX    32u
#define TC_QP_COALESCE_US     1000u

static void tc_qp_reset_free(struct tc_qp *qp)
{
	unsigned i;

	/* Lowest cids first: easier to read in traces. */
	for (i = 0; i < qp->depth; i++)
		qp->free_cids[i] = (uint16_t)(qp->depth - 1 - i);
	qp->nfree = (uint16_t)qp->depth;
}

void tc_qp_rings_clear(struct tc_qp *qp)
{
	memset(qp->sq_buf.va, 0, qp->sq_buf.len);
	memset(qp->cq_buf.va, 0, qp->cq_buf.len);
	qp->sq_tail = qp->sq_tail_db = 0;
	qp->sq_head = 0;
	qp->cq_head = 0;
	qp->phase = TC_CQE_PHASE; /* 1 on the first pass (card-spec.md) */
	memset(qp->jobs, 0, qp->depth * sizeof(qp->jobs[0]));
	tc_qp_reset_free(qp);
}

int tc_qp_program(struct tc_qp *qp)
{
	struct tc_dev *dev = qp->dev;
	unsigned q = qp->qid;
	uint32_t st;

	/* Bases and size can change only while the queue is disabled. */
	tc_dev_write32(dev, TC_QP_REG(q, TC_QP_CTRL), 0);
	tc_dev_write32(dev, TC_QP_REG(q, TC_QP_SQ_BASE_LO),
	               (uint32_t)qp->sq_buf.iova);
	tc_dev_write32(dev, TC_QP_REG(q, TC_QP_SQ_BASE_HI),
	               (uint32_t)(qp->sq_buf.iova >> 32));
	tc_dev_write32(dev, TC_QP_REG(q, TC_QP_CQ_BASE_LO),
	               (uint32_t)qp->cq_buf.iova);
	tc_dev_write32(dev, TC_QP_REG(q, TC_QP_CQ_BASE_HI),
	               (uint32_t)(qp->cq_buf.iova >> 32));
	tc_dev_write32(dev, TC_QP_REG(q, TC_QP_SIZE),
	               qp->depth_log2 << TC_QP_SIZE_SQ_SHIFT |
	                   qp->depth_log2 << TC_QP_SIZE_CQ_SHIFT);
	tc_dev_write32(dev, TC_QP_REG(q, TC_QP_COALESCE), qp->coalesce);
	tc_dev_write32(dev, TC_QP_REG(q, TC_QP_CTRL),
	               TC_QP_CTRL_ENABLE | TC_QP_CTRL_IRQ_ENABLE |
	                   q << TC_QP_CTRL_VECTOR_SHIFT);
	st = tc_dev_read32(dev, TC_QP_REG(q, TC_QP_STATUS));
	if (!(st & TC_QP_STATUS_ENABLED) || (st & TC_QP_STATUS_ERROR)) {
		fprintf(stderr, "tlscard: %s: queue %u not enabled (%#x)\n",
		        dev->info.name, q, st);
		return -EIO;
	}
	qp->ready = true;
	return 0;
}

int tc_qp_create(struct tc_dev *dev, unsigned qid, unsigned depth_log2,
                 struct tc_qp **out)
{
	unsigned max_log2 = dev->info.max_ring_log2;
	struct tc_qp *qp;
	int ret;

	*out = NULL;
	if (max_log2 > TC_QP_MAX_LOG2)
		max_log2 = TC_QP_MAX_LOG2;
	if (qid >= dev->info.nqueues || depth_log2 < 1 || depth_log2 > max_log2)
		return -EINVAL;
	if (dev->qps[qid])
		return -EBUSY;
	if (dev->broken)
		return -EIO;
	qp = calloc(1, sizeof(*qp));
	if (!qp)
		return -ENOMEM;
	qp->dev = dev;
	qp->qid = qid;
	qp->depth_log2 = depth_log2;
	qp->depth = 1u << depth_log2;
	qp->mask = qp->depth - 1;
	/* An interrupt per completion until jobs pile up (tc_qp_flush). */
	qp->coalesce = 0; /* an interrupt per completion batch */
	qp->efd = dev->ops->irq_eventfd ? dev->ops->irq_eventfd(dev, qid) : -1;
	qp->dma_seq = dev->ctx->dma_seq;
	qp->jobs = calloc(qp->depth, sizeof(*qp->jobs));
	qp->free_cids = calloc(qp->depth, sizeof(*qp->free_cids));
	if (!qp->jobs || !qp->free_cids) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = tc_dma_alloc(dev->ctx, (size_t)qp->depth * TC_SQE_SIZE,
	                   &qp->sq_buf);
	if (ret)
		goto fail;
	ret = tc_dma_alloc(dev->ctx, (size_t)qp->depth * TC_CQE_SIZE,
	                   &qp->cq_buf);
	if (ret)
		goto fail;
	qp->sq = qp->sq_buf.va;
	qp->cq = qp->cq_buf.va;
	tc_qp_rings_clear(qp);
	ret = tc_qp_program(qp);
	if (ret)
		goto fail_disable;
	dev->qps[qid] = qp;
	*out = qp;
	return 0;

fail_disable:
	tc_dev_write32(dev, TC_QP_REG(qid, TC_QP_CTRL), 0);
fail:
	tc_dma_free(dev->ctx, &qp->cq_buf);
	tc_dma_free(dev->ctx, &qp->sq_buf);
	free(qp->free_cids);
	free(qp->jobs);
	free(qp);
	return ret;
}

static void tc_qp_deliver(struct tc_qp *qp, struct tc_job *job)
{
	if (qp->complete)
		qp->complete(qp, job, qp->complete_arg);
	else if (job->done)
		job->done(job);
}

void tc_qp_abort_all(struct tc_qp *qp, uint16_t status)
{
	unsigned cid;

	for (cid = 0; cid < qp->depth; cid++) {
		struct tc_job *job = qp->jobs[cid];

		if (!job)
			continue;
		/* Free the cid before the callback: it may submit again. */
		qp->jobs[cid] = NULL;
		qp->free_cids[qp->nfree++] = (uint16_t)cid;
		job->status = status;
		job->result = 0;
		job->aux = 0;
		qp->st.completed++;
		qp->st.errors++;
		tc_qp_deliver(qp, job);
	}
}

void tc_qp_destroy(struct tc_qp *qp)
{
	struct tc_dev *dev;
	uint64_t deadline;

	if (!qp)
		return;
	dev = qp->dev;
	/* The card must not sit on a completion waiting for CQ space we
	 * already returned: repeat the head before stopping the queue. */
	tc_qp_kick(qp);
	qp->ready = false;
	tc_dev_write32(dev, TC_QP_REG(qp->qid, TC_QP_CTRL), 0);
	/* Let the card quiesce the queue before its rings go away. */
	deadline = tc_now_ns() + TC_QP_DISABLE_WAIT_NS;
	while (!dev->broken &&
	       (tc_dev_read32(dev, TC_QP_REG(qp->qid, TC_QP_STATUS)) &
	        TC_QP_STATUS_ENABLED) &&
	       tc_now_ns() < deadline) {
		struct timespec ts = {0, 100000};

		nanosleep(&ts, NULL);
	}
	tc_qp_reap(qp);
	tc_qp_abort_all(qp, TC_STS_ABORTED_RESET);
	dev->qps[qp->qid] = NULL;
	tc_dma_free(dev->ctx, &qp->cq_buf);
	tc_dma_free(dev->ctx, &qp->sq_buf);
	free(qp->free_cids);
	free(qp->jobs);
	free(qp);
}

unsigned tc_qp_submit(struct tc_qp *qp, struct tc_job **jobs, unsigned n)
{
	uint32_t used, space, i;
	uint64_t now = 0;

	if (!qp->ready)
		return 0;
	/* Ring space from the SQ head the card last reported. */
	used = (uint16_t)((uint16_t)qp->sq_tail - qp->sq_head);
	space = qp->depth - used;
	if (space > qp->nfree)
		space = qp->nfree;
	if (n > space)
		n = space;
	if (qp->stamp_submit && n)
		now = tc_now_ns();
	for (i = 0; i < n; i++) {
		struct tc_job *job = jobs[i];
		uint16_t cid = qp->free_cids[--qp->nfree];
		struct tc_sqe *sqe = &qp->sq[qp->sq_tail & qp->mask];

		*sqe = job->sqe;
		sqe->cid = htole16(cid);
		qp->jobs[cid] = job;
		job->submit_ns = now;
		qp->sq_tail++;
	}
	qp->st.submitted += n;
	return n;
}

/*
 * Adaptive interrupt coalescing: an interrupt per half of the jobs in
 * flight (rounded down to a power of two, 1..TC_QP_COALESCE_MAX), so a
 * deep pipeline is woken about twice per round, while the card still has
 * the other half queued, and a shallow one per job or two.  The count
 * never exceeds the jobs in flight, so it is always reached; the card's
 * idle rule covers the tail when submissions stop.  It drops only when it
 * is 4x too high (hysteresis): a register write costs the card a lock,
 * so it must not flap with every batch.
 */
static void tc_qp_tune_coalesce(struct tc_qp *qp)
{
	unsigned inflight = qp->depth - qp->nfree, want = 1, cur;

	if (!qp->coalesce_adaptive)
		return;
	while (want * 2 <= inflight / 2 && want < TC_QP_COALESCE_MAX)
		want *= 2;
	cur = (qp->coalesce >> TC_QP_COALESCE_COUNT_SHIFT) &
	      TC_QP_COALESCE_COUNT_MASK;
	if (want == cur || (want < cur && want * 4 > cur))
		return;
	qp->coalesce = (qp->coalesce & ~(TC_QP_COALESCE_COUNT_MASK
	                                 << TC_QP_COALESCE_COUNT_SHIFT)) |
	               want << TC_QP_COALESCE_COUNT_SHIFT;
	tc_dev_write32(qp->dev, TC_QP_REG(qp->qid, TC_QP_COALESCE),
	               qp->coalesce);
}

void tc_qp_set_coalesce(struct tc_qp *qp, uint32_t reg)
{
	qp->coalesce_adaptive = reg == TC_QP_COALESCE_ADAPTIVE;
	if (qp->coalesce_adaptive)
		reg = 1u << TC_QP_COALESCE_COUNT_SHIFT |
		      TC_QP_COALESCE_US << TC_QP_COALESCE_TIME_SHIFT;
	qp->coalesce = reg;
	if (qp->ready)
		tc_dev_write32(qp->dev, TC_QP_REG(qp->qid, TC_QP_COALESCE),
		               reg);
}

void tc_qp_flush(struct tc_qp *qp)
{
	if (qp->sq_tail == qp->sq_tail_db || !qp->ready)
		return;
	/* Before the doorbell: the new jobs count under the new value. */
	tc_qp_tune_coalesce(qp);
	/* Release: orders the descriptor stores above before the doorbell
	 * write, so the card never fetches a half-written SQE. */
	atomic_thread_fence(memory_order_release);
	tc_dev_write32(qp->dev, TC_DB_SQ_TAIL(qp->qid), qp->sq_tail);
	qp->sq_tail_db = qp->sq_tail;
	qp->st.doorbells++;
}

static void tc_qp_bad(struct tc_qp *qp, const char *why, unsigned cid,
                      unsigned sq_id, unsigned sq_head)
{
	uint64_t now;

	qp->st.bad_completions++;
	/* Rate-limited: a broken card must not flood the log. */
	now = tc_now_ns();
	if (now - qp->bad_log_ns >= 1000000000ull) {
		qp->bad_log_ns = now;
		qp->bad_logged = 0;
	}
	if (qp->bad_logged++ < TC_QP_BAD_LOG_PER_SEC)
		fprintf(stderr,
		        "tlscard: %s q%u: dropped completion: %s "
		        "(cid %u, sq_id %u, sq_head %u)\n",
		        qp->dev->info.name, qp->qid, why, cid, sq_id, sq_head);
}

/*
 * Consume new completion entries; *consumed counts every entry taken off
 * the ring, valid or not.  Never trusts the card: an entry whose cid is
 * not in flight, whose queue id is wrong or whose SQ head runs ahead of
 * what we rang is counted, logged and dropped.
 */
static unsigned tc_qp_consume(struct tc_qp *qp, unsigned max,
                              unsigned *consumed)
{
	unsigned done = 0, seen = 0, limit = max + qp->depth;

	while (done < max && seen < limit) {
		const struct tc_cqe *e = &qp->cq[qp->cq_head & qp->mask];
		uint32_t w1, w3, status, cid, sq_id;
		uint16_t sq_head, adv, outstanding;
		struct tc_job *job;
		uint64_t w0;

		/* Acquire: the card writes cid+status (with the phase) last;
		 * once the new phase shows, the rest of the entry and the
		 * job's output are visible. */
		w3 = le32toh(__atomic_load_n((const uint32_t *)&e->cid,
		                             __ATOMIC_ACQUIRE));
		status = w3 >> 16;
		if ((status & TC_CQE_PHASE) != qp->phase)
			break;
		if (qp->dma_seq)
			(void)atomic_load_explicit(qp->dma_seq,
			                           memory_order_acquire);
		w0 = le64toh(__atomic_load_n((const uint64_t *)&e->result,
		                             __ATOMIC_RELAXED));
		w1 = le32toh(__atomic_load_n((const uint32_t *)&e->sq_head,
		                             __ATOMIC_RELAXED));
		qp->cq_head++;
		if (!(qp->cq_head & qp->mask))
			qp->phase ^= TC_CQE_PHASE;
		seen++;

		cid = w3 & 0xffff;
		sq_head = (uint16_t)w1;
		sq_id = w1 >> 16;
		adv = (uint16_t)(sq_head - qp->sq_head);
		outstanding =
		    (uint16_t)((uint16_t)qp->sq_tail_db - qp->sq_head);
		if (cid >= qp->depth || !qp->jobs[cid]) {
			tc_qp_bad(qp, "unexpected cid", cid, sq_id, sq_head);
			continue;
		}
		if (sq_id != qp->qid) {
			tc_qp_bad(qp, "wrong queue", cid, sq_id, sq_head);
			continue;
		}
		if (adv > outstanding) {
			tc_qp_bad(qp, "SQ head beyond tail", cid, sq_id,
			          sq_head);
			continue;
		}
		qp->sq_head = sq_head;
		job = qp->jobs[cid];
		qp->jobs[cid] = NULL;
		qp->free_cids[qp->nfree++] = (uint16_t)cid;
		status >>= 1;
		if (status >= TC_STS_COUNT)
			status = TC_STS_INTERNAL; /* a card bug: retryable */
		job->status = (uint16_t)status;
		job->result = (uint32_t)w0;
		job->aux = (uint32_t)(w0 >> 32);
		qp->st.completed++;
		if (status) {
			qp->st.errors++;
			if (status == TC_STS_ABORTED_RESET &&
			    !qp->dev->in_reset)
				qp->dev->reset_suspect = true;
		}
		done++;
		tc_qp_deliver(qp, job);
	}
	*consumed = seen;
	return done;
}

unsigned tc_qp_reap(struct tc_qp *qp)
{
	unsigned consumed;

	return tc_qp_consume(qp, qp->depth * 2u, &consumed);
}

unsigned tc_qp_poll(struct tc_qp *qp, unsigned max)
{
	unsigned consumed, n;

	qp->st.polls++;
	n = tc_qp_consume(qp, max, &consumed);
	/* A completion said "aborted by reset" outside a reset of ours: the
	 * card may have reset itself.  Recover (rare path, MMIO reads
	 * allowed); the recovery re-programs the rings, so no doorbell. */
	if (qp->dev->reset_suspect && !qp->dev->in_reset &&
	    tc_dev_check(qp->dev))
		return n;
	if (consumed && qp->ready) {
		/* One CQ-head doorbell for the batch: hands the consumed
		 * entries back to the card.  No fence needed: we only read
		 * the entries, and those reads are complete. */
		tc_dev_write32(qp->dev, TC_DB_CQ_HEAD(qp->qid), qp->cq_head);
		qp->st.cq_doorbells++;
		qp->idle_polls = 0;
	} else if (!consumed && qp->nfree != qp->depth &&
	           ++qp->idle_polls >= TC_QP_KICK_POLLS) {
		/* Jobs in flight and a long silence: if the card refused or
		 * lost our last CQ-head write it may be waiting for CQ space
		 * we already gave back, so say it again (never per job). */
		qp->idle_polls = 0;
		tc_qp_kick(qp);
	}
	return n;
}

void tc_qp_kick(struct tc_qp *qp)
{
	/* Same free-running value again: harmless if the card had it, and
	 * recovers a CQ-head write the card dropped or refused. */
	if (qp->ready)
		tc_dev_write32(qp->dev, TC_DB_CQ_HEAD(qp->qid), qp->cq_head);
}

int tc_qp_eventfd(const struct tc_qp *qp)
{
	return qp->efd;
}

bool tc_qp_drain_eventfd(struct tc_qp *qp)
{
	uint64_t v;

	if (qp->efd < 0 || read(qp->efd, &v, sizeof(v)) != sizeof(v))
		return false;
	qp->st.irqs++;
	return true;
}

unsigned tc_qp_inflight(const struct tc_qp *qp)
{
	return qp->depth - qp->nfree;
}

unsigned tc_qp_space(const struct tc_qp *qp)
{
	uint32_t used = (uint16_t)((uint16_t)qp->sq_tail - qp->sq_head);
	uint32_t space = qp->depth - used;

	if (!qp->ready)
		return 0;
	return space < qp->nfree ? space : qp->nfree;
}

void tc_qp_get_stats(const struct tc_qp *qp, struct tc_qp_stats *st)
{
	*st = qp->st;
	st->inflight = tc_qp_inflight(qp);
}

uint64_t tc_qp_oldest_submit_ns(const struct tc_qp *qp)
{
	uint64_t oldest = 0;
	unsigned cid;

	if (qp->nfree == qp->depth)
		return 0;
	for (cid = 0; cid < qp->depth; cid++) {
		const struct tc_job *job = qp->jobs[cid];

		if (job && (!oldest || job->submit_ns < oldest))
			oldest = job->submit_ns;
	}
	return oldest;
}

void tc_qp_set_complete(struct tc_qp *qp, tc_qp_complete_fn fn, void *arg)
{
	qp->complete = fn;
	qp->complete_arg = arg;
	qp->stamp_submit = fn != NULL;
}
