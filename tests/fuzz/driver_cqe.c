// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the driver's completion decoding.  A fake card (a
 * backend ops table, as tests/unit/qp_test.c does) plays the device: the
 * fuzzer decides which jobs are submitted, which completion entries the
 * "card" writes into the CQ memory (any cid, queue id, SQ head, status,
 * right or wrong phase), when the driver polls, and when the card resets
 * (ours, or on its own with ABORTED_RESET entries).
 *
 * Input: byte 0 picks the ring depth (2, 4, 8 or 16 entries); then up to
 * 64 steps of 16 bytes each, kind = byte 0 % 4:
 *   0 submit byte 1 % 8 NOP jobs, flush if byte 2 bit 0;
 *   1 post one entry: byte 1 bit 0 wrong phase, bit 1 complete the next
 *     descriptor the card fetched (its cid, sq_head and queue) instead of
 *     taking cid, sq_id, sq_head from bytes 2..7; status[15:1] bytes 8..9
 *     (bit 0 replaced by the phase), result bytes 10..13;
 *   2 tc_qp_poll with max = byte 1 % 16;
 *   3 reset: byte 1 bit 0 tc_dev_reset (ours), else the card resets by
 *     itself and is noticed at the next poll; bit 1: the card posts
 *     ABORTED_RESET for what it held.
 *
 * Reaches: tc_qp_create, tc_qp_submit, tc_qp_flush, tc_qp_poll,
 * tc_qp_consume (every validation: unexpected cid, wrong queue, SQ head
 * beyond tail, bad status), tc_qp_reap, tc_qp_abort_all, tc_dev_check,
 * tc_dev_reset, tc_qp_rings_clear, tc_qp_program, tc_qp_destroy.
 *
 * Checks: no job's done callback runs twice; after tc_qp_destroy every
 * submitted job was completed exactly once; the queue's counters agree.
 *
 * fuzz-sources: driver/*.c hwmodel/*.c
 * fuzz-libs: -lcrypto -lpci -ljansson -lpthread -lm -latomic
 */
#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tc_driver_internal.h"

#define DC_MAX_JOBS  64u
#define DC_MAX_STEPS 64u
#define DC_STEP      16u

struct dc_fake {
	uint32_t regs[TC_BAR0_SIZE / 4];
	uint32_t sq_tail;          /* last SQ doorbell */
	uint32_t sq_head, cq_tail; /* the card's own free-running counts */
	struct tc_qp *qp;
	bool abort_on_reset;
};

static struct {
	struct tc_ctx *ctx;
	struct tc_dev dev;
	struct dc_fake fake;
	struct tc_job jobs[DC_MAX_JOBS];
	unsigned done[DC_MAX_JOBS];
	unsigned njobs;
} dc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t dc_read32(struct tc_dev *dev, uint32_t off)
{
	struct dc_fake *f = dev->priv;
	uint32_t ctrl;

	if (off == TC_REG_STATUS)
		return (f->regs[TC_REG_CTRL / 4] & TC_CTRL_ENABLE)
		           ? TC_STATUS_READY
		           : 0;
	if (off >= TC_QP_BASE && off < TC_QP_BASE + 16 * TC_QP_STRIDE &&
	    (off - TC_QP_BASE) % TC_QP_STRIDE == TC_QP_STATUS) {
		ctrl = f->regs[(off - TC_QP_STATUS + TC_QP_CTRL) / 4];
		return ctrl & TC_QP_CTRL_ENABLE ? TC_QP_STATUS_ENABLED : 0;
	}
	return off < TC_BAR0_SIZE ? f->regs[off / 4] : 0;
}

/* The card writes one entry at its CQ tail, phase last as real hardware
 * must; it does not wait for CQ space (a broken card would not). */
static void dc_post(struct dc_fake *f, uint16_t cid, uint16_t sq_id,
                    uint16_t sq_head, uint16_t status, uint32_t result,
                    bool wrong_phase)
{
	struct tc_qp *qp = f->qp;
	struct tc_cqe *e =
	    (struct tc_cqe *)qp->cq_buf.va + (f->cq_tail & (qp->depth - 1));
	uint16_t phase =
	    ((f->cq_tail >> qp->depth_log2) & 1) ? 0 : TC_CQE_PHASE;

	if (wrong_phase)
		phase ^= TC_CQE_PHASE;
	e->result = htole32(result);
	e->aux = htole32(~result);
	e->sq_head = htole16(sq_head);
	e->sq_id = htole16(sq_id);
	__atomic_store_n(&e->cid, htole16(cid), __ATOMIC_RELAXED);
	__atomic_store_n(&e->status,
	                 htole16((uint16_t)(status & ~TC_CQE_PHASE) | phase),
	                 __ATOMIC_RELEASE);
	if (!wrong_phase)
		f->cq_tail++;
}

/* The card takes the next descriptor it was told about, if any; its cid,
 * or -1. */
static int dc_fetch(struct dc_fake *f)
{
	const struct tc_sqe *sqe;

	if (f->sq_head == f->sq_tail)
		return -1;
	sqe = (const struct tc_sqe *)f->qp->sq_buf.va +
	      (f->sq_head & (f->qp->depth - 1));
	f->sq_head++;
	return le16toh(sqe->cid);
}

static void dc_card_reset(struct dc_fake *f)
{
	unsigned q;
	int cid;

	if (f->abort_on_reset && f->qp)
		while ((cid = dc_fetch(f)) >= 0)
			dc_post(f, (uint16_t)cid, 0, (uint16_t)f->sq_head,
			        TC_STS_ABORTED_RESET << 1, 0, false);
	for (q = 0; q < 16; q++)
		memset(&f->regs[TC_QP_REG(q, 0) / 4], 0, TC_QP_STRIDE);
	f->regs[TC_REG_CTRL / 4] = 0;
	f->regs[TC_REG_RESET_COUNT / 4]++;
	f->sq_head = f->sq_tail = f->cq_tail = 0;
}

static void dc_write32(struct tc_dev *dev, uint32_t off, uint32_t val)
{
	struct dc_fake *f = dev->priv;

	if (off == TC_REG_CTRL && (val & TC_CTRL_RESET)) {
		dc_card_reset(f);
		return;
	}
	if (off == TC_DB_SQ_TAIL(0)) {
		f->sq_tail = val;
		return;
	}
	if (off == TC_DB_CQ_HEAD(0))
		return;
	if (off == TC_QP_REG(0, TC_QP_CTRL) && (val & TC_QP_CTRL_ENABLE))
		f->sq_head = f->sq_tail = f->cq_tail = 0;
	if (off < TC_BAR0_SIZE)
		f->regs[off / 4] = val;
}

static const struct tc_backend_ops dc_ops = {
    .name = "fuzz",
    .read32 = dc_read32,
    .write32 = dc_write32,
};

static void dc_job_done(struct tc_job *job)
{
	unsigned i = (unsigned)(job - dc.jobs);

	if (i >= dc.njobs || dc.done[i]++)
		__builtin_trap(); /* unknown job, or done twice */
}

static void dc_submit(struct tc_qp *qp, const uint8_t *s)
{
	struct tc_job *batch[8];
	unsigned i, n = s[1] % 8, got;

	if (n > DC_MAX_JOBS - dc.njobs)
		n = DC_MAX_JOBS - dc.njobs;
	for (i = 0; i < n; i++) {
		tc_job_prep_nop(&dc.jobs[dc.njobs + i]);
		dc.jobs[dc.njobs + i].done = dc_job_done;
		batch[i] = &dc.jobs[dc.njobs + i];
	}
	got = tc_qp_submit(qp, batch, n);
	if (got > n)
		__builtin_trap();
	dc.njobs += got;
	if (s[2] & 1)
		tc_qp_flush(qp);
}

static void dc_step_post(struct dc_fake *f, const uint8_t *s)
{
	uint16_t cid = (uint16_t)(s[2] | s[3] << 8);
	uint16_t sq_id = (uint16_t)(s[4] | s[5] << 8);
	uint16_t sq_head = (uint16_t)(s[6] | s[7] << 8);
	uint16_t status = (uint16_t)(s[8] | s[9] << 8);
	uint32_t result = (uint32_t)s[10] | (uint32_t)s[11] << 8 |
	                  (uint32_t)s[12] << 16 | (uint32_t)s[13] << 24;

	if (s[1] & 2) {
		int fetched = dc_fetch(f);

		if (fetched < 0)
			return;
		cid = (uint16_t)fetched;
		sq_id = 0;
		sq_head = (uint16_t)f->sq_head;
	}
	dc_post(f, cid, sq_id, sq_head, status, result, s[1] & 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tc_qp_stats st;
	struct tc_qp *qp;
	size_t off;
	unsigned i, steps = 0;

	if (size < 1)
		return 0;
	memset(&dc, 0, sizeof(dc));
	if (tc_ctx_create(&dc.ctx))
		__builtin_trap();
	dc.dev.ctx = dc.ctx;
	dc.dev.ops = &dc_ops;
	dc.dev.priv = &dc.fake;
	dc.dev.info.nqueues = 4;
	dc.dev.info.max_ring_log2 = 12;
	snprintf(dc.dev.info.name, sizeof(dc.dev.info.name), "fuzz0");
	dc.fake.regs[TC_REG_CTRL / 4] = TC_CTRL_ENABLE;
	if (tc_qp_create(&dc.dev, 0, 1 + (data[0] & 3), &qp))
		__builtin_trap();
	dc.fake.qp = qp;
	/* Every input makes a fresh queue, so the per-queue rate limit of the
	 * "dropped completion" line would let through hundreds of thousands
	 * a run: start it as if this second's quota were spent.  The drops
	 * are still counted (st.bad_completions). */
	qp->bad_log_ns = tc_now_ns();
	qp->bad_logged = 1u << 30;

	for (off = 1; off + DC_STEP <= size && steps < DC_MAX_STEPS;
	     off += DC_STEP, steps++) {
		const uint8_t *s = data + off;

		switch (s[0] % 4) {
		case 0: dc_submit(qp, s); break;
		case 1: dc_step_post(&dc.fake, s); break;
		case 2: (void)tc_qp_poll(qp, s[1] % 16); break;
		case 3:
			dc.fake.abort_on_reset = s[1] & 2;
			if (s[1] & 1)
				(void)tc_dev_reset(&dc.dev);
			else
				dc_card_reset(&dc.fake);
			break;
		}
	}

	tc_qp_get_stats(qp, &st);
	if (st.submitted != dc.njobs || st.completed > st.submitted)
		__builtin_trap();
	tc_qp_destroy(qp);
	for (i = 0; i < dc.njobs; i++)
		if (dc.done[i] != 1)
			__builtin_trap();
	tc_ctx_destroy(dc.ctx);
	return 0;
}
