/* SPDX-License-Identifier: MIT */
/*
 * Queue pairs from the driver side (tc_qp.c, tc_dev.c reset), against a
 * fake card: this test plays the device, fetching descriptors from the SQ
 * memory and writing completion entries straight into the CQ, so it can
 * post exactly the entries it wants, including bad ones.
 *
 * Covers ring wrap and phase over many wraps of a tiny ring,
 * backpressure, completion validation (bad, duplicate and foreign cids,
 * wrong queue, SQ head beyond the tail), one doorbell per flush and per
 * polled batch, and resets (ours and the card's own) completing every job
 * exactly once.
 */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tc_driver_internal.h"

/* ---- the fake card ---------------------------------------------------- */

struct fake {
	uint32_t regs[TC_BAR0_SIZE / 4];
	unsigned sq_db, cq_db;     /* doorbell writes */
	uint32_t sq_tail, cq_head; /* last doorbell values */
	uint32_t sq_head, cq_tail; /* the fake's own free-running counts */
	struct tc_qp *qp;          /* queue 0 as the device sees it */
	bool abort_on_reset;       /* post ABORTED_RESET entries on reset */
};

static struct fake *fake_of(struct tc_dev *dev)
{
	return dev->priv;
}

static uint32_t fake_read32(struct tc_dev *dev, uint32_t off)
{
	struct fake *f = fake_of(dev);
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

/* Device side: post one completion entry, phase last. */
static void fake_post(struct fake *f, uint16_t cid, uint16_t sq_id,
                      uint16_t sq_head, uint16_t status, uint32_t result)
{
	struct tc_qp *qp = f->qp;
	unsigned log2 = qp->depth_log2;
	struct tc_cqe *e =
	    (struct tc_cqe *)qp->cq_buf.va + (f->cq_tail & (qp->depth - 1));
	uint16_t phase = ((f->cq_tail >> log2) & 1) ? 0 : TC_CQE_PHASE;

	e->result = htole32(result);
	e->aux = htole32(~result);
	e->sq_head = htole16(sq_head);
	e->sq_id = htole16(sq_id);
	e->cid = htole16(cid);
	e->status = htole16((uint16_t)(status << 1) | phase);
	f->cq_tail++;
}

/* Device side: complete up to n fetched descriptors, in order, OK. */
static unsigned fake_run(struct fake *f, unsigned n)
{
	struct tc_qp *qp = f->qp;
	unsigned done = 0;

	while (done < n && f->sq_head != f->sq_tail) {
		const struct tc_sqe *sqe =
		    (const struct tc_sqe *)qp->sq_buf.va +
		    (f->sq_head & (qp->depth - 1));

		f->sq_head++;
		fake_post(f, le16toh(sqe->cid), 0, (uint16_t)f->sq_head, 0,
		          sqe->opcode == TC_OP_NOP ? 7u : 0u);
		done++;
	}
	return done;
}

static void fake_reset(struct fake *f)
{
	unsigned q;

	if (f->abort_on_reset && f->qp)
		while (f->sq_head != f->sq_tail) {
			const struct tc_sqe *sqe =
			    (const struct tc_sqe *)f->qp->sq_buf.va +
			    (f->sq_head & (f->qp->depth - 1));

			f->sq_head++;
			fake_post(f, le16toh(sqe->cid), 0, (uint16_t)f->sq_head,
			          TC_STS_ABORTED_RESET, 0);
		}
	for (q = 0; q < 16; q++)
		memset(&f->regs[TC_QP_REG(q, 0) / 4], 0, TC_QP_STRIDE);
	f->regs[TC_REG_CTRL / 4] = 0;
	f->regs[TC_REG_RESET_COUNT / 4]++;
	f->sq_head = f->sq_tail = f->cq_tail = f->cq_head = 0;
}

static void fake_write32(struct tc_dev *dev, uint32_t off, uint32_t val)
{
	struct fake *f = fake_of(dev);

	if (off == TC_REG_CTRL && (val & TC_CTRL_RESET)) {
		fake_reset(f);
		return;
	}
	if (off == TC_DB_SQ_TAIL(0)) {
		f->sq_db++;
		f->sq_tail = val;
		return;
	}
	if (off == TC_DB_CQ_HEAD(0)) {
		f->cq_db++;
		f->cq_head = val;
		return;
	}
	if (off == TC_QP_REG(0, TC_QP_CTRL) && (val & TC_QP_CTRL_ENABLE))
		f->sq_head = f->sq_tail = f->cq_tail = f->cq_head = 0;
	if (off < TC_BAR0_SIZE)
		f->regs[off / 4] = val;
}

static const struct tc_backend_ops fake_ops = {
    .name = "fake",
    .read32 = fake_read32,
    .write32 = fake_write32,
};

struct fixture {
	struct tc_ctx *ctx;
	struct tc_dev dev;
	struct fake fake;
	struct tc_qp *qp;
	struct tc_job jobs[64];
	unsigned done_count[64];
	unsigned done_total;
	uint16_t last_status[64];
};

static struct fixture *cur;

static void job_done(struct tc_job *job)
{
	unsigned i = (unsigned)(job - cur->jobs);

	cur->done_count[i]++;
	cur->done_total++;
	cur->last_status[i] = job->status;
}

static int setup_log2(void **state, unsigned log2)
{
	struct fixture *f = calloc(1, sizeof(*f));
	unsigned i;

	assert_non_null(f);
	cur = f;
	assert_int_equal(tc_ctx_create(&f->ctx), 0);
	f->dev.ctx = f->ctx;
	f->dev.ops = &fake_ops;
	f->dev.priv = &f->fake;
	f->dev.info.nqueues = 4;
	f->dev.info.max_ring_log2 = 12;
	snprintf(f->dev.info.name, sizeof(f->dev.info.name), "fake0");
	f->fake.regs[TC_REG_CTRL / 4] = TC_CTRL_ENABLE;
	assert_int_equal(tc_qp_create(&f->dev, 0, log2, &f->qp), 0);
	f->fake.qp = f->qp;
	for (i = 0; i < 64; i++) {
		tc_job_prep_nop(&f->jobs[i]);
		f->jobs[i].done = job_done;
	}
	*state = f;
	return 0;
}

static int setup_small(void **state)
{
	return setup_log2(state, 2); /* 4 entries */
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tc_qp_destroy(f->qp);
	tc_ctx_destroy(f->ctx);
	free(f);
	return 0;
}

static void test_create_rejects(void **state)
{
	struct fixture *f = *state;
	struct tc_qp *qp;

	assert_int_equal(tc_qp_create(&f->dev, 0, 2, &qp), -EBUSY);
	assert_int_equal(tc_qp_create(&f->dev, 4, 2, &qp), -EINVAL);
	assert_int_equal(tc_qp_create(&f->dev, 1, 0, &qp), -EINVAL);
	assert_int_equal(tc_qp_create(&f->dev, 1, 13, &qp), -EINVAL);
	/* The registers describe the rings. */
	assert_int_equal(f->fake.regs[TC_QP_REG(0, TC_QP_SIZE) / 4],
	                 2 | 2 << 8);
	assert_int_equal(f->fake.regs[TC_QP_REG(0, TC_QP_SQ_BASE_LO) / 4],
	                 (uint32_t)f->qp->sq_buf.iova);
	assert_int_equal(f->fake.regs[TC_QP_REG(0, TC_QP_CQ_BASE_LO) / 4],
	                 (uint32_t)f->qp->cq_buf.iova);
	assert_int_equal(f->fake.regs[TC_QP_REG(0, TC_QP_CTRL) / 4],
	                 TC_QP_CTRL_ENABLE | TC_QP_CTRL_IRQ_ENABLE);
}

/* 1000 jobs through a 4-entry ring: 250 wraps, the phase flips each. */
static void test_wrap_and_phase(void **state)
{
	struct fixture *f = *state;
	unsigned round, total = 0;

	for (round = 0; round < 250; round++) {
		struct tc_job *batch[4];
		unsigned i, n;

		for (i = 0; i < 4; i++)
			batch[i] = &f->jobs[i];
		n = tc_qp_submit(f->qp, batch, 4);
		assert_int_equal(n, 4);
		tc_qp_flush(f->qp);
		/* Complete in two halves to exercise partial batches. */
		fake_run(&f->fake, 3);
		assert_int_equal(tc_qp_poll(f->qp, 64), 3);
		fake_run(&f->fake, 1);
		assert_int_equal(tc_qp_poll(f->qp, 64), 1);
		assert_int_equal(tc_qp_poll(f->qp, 64), 0);
		total += 4;
		assert_int_equal(f->done_total, total);
		assert_int_equal(f->jobs[0].result, 7);
		assert_int_equal(f->jobs[0].aux, ~7u);
	}
	assert_int_equal(f->fake.sq_tail, 1000); /* free-running */
	assert_int_equal(f->fake.cq_head, 1000);
	assert_int_equal(f->fake.sq_db, 250);
	assert_int_equal(f->fake.cq_db, 500);
	for (round = 0; round < 4; round++)
		assert_int_equal(f->done_count[round], 250);
	assert_int_equal(f->qp->st.bad_completions, 0);
	assert_int_equal(f->qp->st.completed, 1000);
	assert_int_equal(f->qp->st.cq_doorbells, 500);
}

static void test_backpressure(void **state)
{
	struct fixture *f = *state;
	struct tc_job *batch[8];
	unsigned i;

	for (i = 0; i < 8; i++)
		batch[i] = &f->jobs[i];
	assert_int_equal(tc_qp_space(f->qp), 4);
	assert_int_equal(tc_qp_submit(f->qp, batch, 8), 4);
	assert_int_equal(tc_qp_submit(f->qp, batch + 4, 4), 0);
	assert_int_equal(tc_qp_inflight(f->qp), 4);
	assert_int_equal(tc_qp_space(f->qp), 0);
	tc_qp_flush(f->qp);
	tc_qp_flush(f->qp); /* nothing new: no second doorbell */
	assert_int_equal(f->fake.sq_db, 1);
	/* Two complete: two cids and two SQ slots come back. */
	fake_run(&f->fake, 2);
	assert_int_equal(tc_qp_poll(f->qp, 64), 2);
	assert_int_equal(tc_qp_space(f->qp), 2);
	assert_int_equal(tc_qp_submit(f->qp, batch + 4, 4), 2);
	tc_qp_flush(f->qp);
	fake_run(&f->fake, 4);
	/* max bounds the batch. */
	assert_int_equal(tc_qp_poll(f->qp, 3), 3);
	assert_int_equal(tc_qp_poll(f->qp, 3), 1);
	assert_int_equal(f->done_total, 6);
	assert_int_equal(tc_qp_inflight(f->qp), 0);
}

/* The SQ head the card reports gates ring space, not only free cids. */
static void test_space_follows_device_head(void **state)
{
	struct fixture *f = *state;
	struct tc_job *batch[4] = {&f->jobs[0], &f->jobs[1], &f->jobs[2],
	                           &f->jobs[3]};

	assert_int_equal(tc_qp_submit(f->qp, batch, 4), 4);
	tc_qp_flush(f->qp);
	/* Complete cid of job 3 (the 4th) while reporting SQ head 1: only
	 * one slot was consumed, so only one is free although a cid is. */
	f->fake.sq_head = 4;
	fake_post(&f->fake, le16toh(f->qp->sq[3].cid), 0, 1, 0, 0);
	assert_int_equal(tc_qp_poll(f->qp, 8), 1);
	assert_int_equal(tc_qp_space(f->qp), 1);
	fake_post(&f->fake, le16toh(f->qp->sq[0].cid), 0, 4, 0, 0);
	fake_post(&f->fake, le16toh(f->qp->sq[1].cid), 0, 4, 0, 0);
	fake_post(&f->fake, le16toh(f->qp->sq[2].cid), 0, 4, 0, 0);
	assert_int_equal(tc_qp_poll(f->qp, 8), 3);
	assert_int_equal(tc_qp_space(f->qp), 4);
}

static void test_bad_completions_dropped(void **state)
{
	struct fixture *f = *state;
	struct tc_job *batch[2] = {&f->jobs[0], &f->jobs[1]};
	uint16_t cid0, cid1;

	assert_int_equal(tc_qp_submit(f->qp, batch, 2), 2);
	tc_qp_flush(f->qp);
	cid0 = le16toh(f->qp->sq[0].cid);
	cid1 = le16toh(f->qp->sq[1].cid);
	f->fake.sq_head = 2;
	fake_post(&f->fake, 9, 0, 1, 0, 0);    /* cid beyond depth */
	fake_post(&f->fake, cid0, 3, 1, 0, 0); /* wrong queue */
	fake_post(&f->fake, cid0, 0, 7, 0, 0); /* head past tail */
	fake_post(&f->fake, cid0, 0, 1, 0, 0); /* valid */
	assert_int_equal(tc_qp_poll(f->qp, 16), 1);
	assert_int_equal(f->qp->st.bad_completions, 3);
	assert_int_equal(f->done_count[0], 1);
	/* Duplicate of cid0 (no longer in flight) and a cid never used. */
	fake_post(&f->fake, cid0, 0, 2, 0, 0);
	fake_post(&f->fake, 3, 0, 2, 0, 0); /* never issued */
	fake_post(&f->fake, cid1, 0, 2, TC_STS_AUTH_FAIL, 0);
	assert_int_equal(tc_qp_poll(f->qp, 16), 1);
	assert_int_equal(f->qp->st.bad_completions, 5);
	assert_int_equal(f->done_count[0], 1); /* never twice */
	assert_int_equal(f->done_count[1], 1);
	assert_int_equal(f->last_status[1], TC_STS_AUTH_FAIL);
	assert_int_equal(f->qp->st.errors, 1);
	/* Every entry was consumed, good or bad: the head covers all 7. */
	assert_int_equal(f->fake.cq_head, 7);
	/* A status the ABI does not define is a card fault: retryable. */
	assert_int_equal(tc_qp_submit(f->qp, batch, 1), 1);
	tc_qp_flush(f->qp);
	f->fake.sq_head = 3;
	fake_post(&f->fake, le16toh(f->qp->sq[2].cid), 0, 3, 0x77, 0);
	assert_int_equal(tc_qp_poll(f->qp, 16), 1);
	assert_int_equal(f->last_status[0], TC_STS_INTERNAL);
	assert_int_equal(tc_qp_inflight(f->qp), 0);
}

static void test_destroy_aborts_once(void **state)
{
	struct fixture *f = *state;
	struct tc_job *batch[3] = {&f->jobs[0], &f->jobs[1], &f->jobs[2]};

	assert_int_equal(tc_qp_submit(f->qp, batch, 3), 3);
	tc_qp_flush(f->qp);
	fake_run(&f->fake, 1); /* posted, not yet reaped */
	tc_qp_destroy(f->qp);
	f->qp = NULL;
	assert_int_equal(f->done_total, 3);
	assert_int_equal(f->done_count[0], 1);
	assert_int_equal(f->last_status[0], TC_STS_OK);
	assert_int_equal(f->last_status[1], TC_STS_ABORTED_RESET);
	assert_int_equal(f->last_status[2], TC_STS_ABORTED_RESET);
	assert_null(f->dev.qps[0]);
	assert_int_equal(f->fake.regs[TC_QP_REG(0, TC_QP_CTRL) / 4], 0);
}

static void test_reset_completes_each_once(void **state)
{
	struct fixture *f = *state;
	struct tc_job *batch[4] = {&f->jobs[0], &f->jobs[1], &f->jobs[2],
	                           &f->jobs[3]};
	unsigned i;

	f->fake.abort_on_reset = true;
	assert_int_equal(tc_qp_submit(f->qp, batch, 4), 4);
	tc_qp_flush(f->qp);
	fake_run(&f->fake, 1);
	/* Two more were fetched by the card (posted as aborted at reset),
	 * one was still in the SQ ring; one OK entry is not yet reaped. */
	assert_int_equal(tc_dev_reset(&f->dev), 0);
	assert_int_equal(f->done_total, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(f->done_count[i], 1);
	assert_int_equal(f->last_status[0], TC_STS_OK);
	assert_int_equal(f->last_status[3], TC_STS_ABORTED_RESET);
	assert_int_equal(f->qp->st.bad_completions, 0);
	assert_int_equal(f->dev.reset_gen, 1);
	/* Fresh rings: the queue works again from index 0, phase 1. */
	assert_true(f->qp->ready);
	assert_int_equal(f->qp->sq_tail, 0);
	assert_int_equal(f->qp->phase, TC_CQE_PHASE);
	assert_int_equal(tc_qp_submit(f->qp, batch, 4), 4);
	tc_qp_flush(f->qp);
	fake_run(&f->fake, 4);
	assert_int_equal(tc_qp_poll(f->qp, 16), 4);
	assert_int_equal(f->done_total, 8);
}

/* The card resets itself: the first ABORTED_RESET entry gives it away. */
static void test_card_initiated_reset(void **state)
{
	struct fixture *f = *state;
	struct tc_job *batch[3] = {&f->jobs[0], &f->jobs[1], &f->jobs[2]};
	unsigned i;

	f->fake.abort_on_reset = true;
	assert_int_equal(tc_qp_submit(f->qp, batch, 3), 3);
	tc_qp_flush(f->qp);
	fake_reset(&f->fake); /* no driver involvement */
	assert_false(f->fake.regs[TC_REG_CTRL / 4] & TC_CTRL_ENABLE);
	tc_qp_poll(f->qp, 1); /* sees one abort, then recovers */
	assert_int_equal(f->done_total, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(f->done_count[i], 1);
		assert_int_equal(f->last_status[i], TC_STS_ABORTED_RESET);
	}
	assert_int_equal(f->dev.reset_gen, 1);
	assert_true(f->fake.regs[TC_REG_CTRL / 4] & TC_CTRL_ENABLE);
	assert_true(f->qp->ready);
	assert_int_equal(tc_qp_submit(f->qp, batch, 3), 3);
	tc_qp_flush(f->qp);
	fake_run(&f->fake, 3);
	assert_int_equal(tc_qp_poll(f->qp, 16), 3);
	assert_int_equal(f->qp->st.bad_completions, 0);
}

/* Done callbacks may submit again (the cid is free before the call). */
static struct tc_qp *resubmit_qp;
static unsigned resubmits;

static void resubmit_done(struct tc_job *job)
{
	job_done(job);
	if (resubmits) {
		resubmits--;
		assert_int_equal(tc_qp_submit(resubmit_qp, &job, 1), 1);
	}
}

static void test_resubmit_from_done(void **state)
{
	struct fixture *f = *state;
	struct tc_job *jp = &f->jobs[0];
	unsigned i;

	f->jobs[0].done = resubmit_done;
	resubmit_qp = f->qp;
	resubmits = 10;
	assert_int_equal(tc_qp_submit(f->qp, &jp, 1), 1);
	for (i = 0; i < 11; i++) {
		tc_qp_flush(f->qp);
		fake_run(&f->fake, 1);
		assert_int_equal(tc_qp_poll(f->qp, 4), 1);
	}
	assert_int_equal(f->done_count[0], 11);
	assert_int_equal(tc_qp_inflight(f->qp), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create_rejects, setup_small,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_wrap_and_phase, setup_small,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_backpressure, setup_small,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_space_follows_device_head,
	                                    setup_small, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_completions_dropped,
	                                    setup_small, teardown),
	    cmocka_unit_test_setup_teardown(test_destroy_aborts_once,
	                                    setup_small, teardown),
	    cmocka_unit_test_setup_teardown(test_reset_completes_each_once,
	                                    setup_small, teardown),
	    cmocka_unit_test_setup_teardown(test_card_initiated_reset,
	                                    setup_small, teardown),
	    cmocka_unit_test_setup_teardown(test_resubmit_from_done,
	                                    setup_small, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
