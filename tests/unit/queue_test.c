/* SPDX-License-Identifier: MIT */
/*
 * Queue pairs (tc_queue.c, tc_cq.c): setup validation, ring wrap and the
 * phase bit, doorbell validation, CQ back-pressure, descriptor checks,
 * DMA faults on the rings and queue teardown with work in flight.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_host.h"

static void create(struct fh_host *h, const char *spec)
{
	assert_int_equal(fh_create(h, spec), 0);
	fh_enable(h);
}

/* Program queue 0 by hand and set ENABLE; returns QP_STATUS. */
static uint32_t try_enable(struct fh_host *h, uint64_t sq, uint64_t cq,
                           uint32_t size, uint32_t ctrl)
{
	uint32_t q = TC_QP_REG(0, 0);

	fh_wr(h, q + TC_QP_CTRL, 0);
	fh_wr64(h, q + TC_QP_SQ_BASE_LO, sq);
	fh_wr64(h, q + TC_QP_CQ_BASE_LO, cq);
	fh_wr(h, q + TC_QP_SIZE, size);
	fh_wr(h, q + TC_QP_CTRL, ctrl | TC_QP_CTRL_ENABLE);
	return fh_rd(h, q + TC_QP_STATUS);
}

static void test_setup_validation(void **state)
{
	struct fh_host h;
	uint64_t sq, cq;
	uint32_t q = TC_QP_REG(0, 0);
	uint32_t ok = 3u | 3u << 8;

	(void)state;
	create(&h, "ring_log2=6");
	sq = fh_alloc(&h, 64 * 64, 4096, NULL);
	cq = fh_alloc(&h, 64 * 16, 4096, NULL);

	assert_int_equal(try_enable(&h, sq + 32, cq, ok, 0),
	                 TC_QP_STATUS_ERROR);
	assert_int_equal(try_enable(&h, sq, cq + 8, ok, 0), TC_QP_STATUS_ERROR);
	assert_int_equal(try_enable(&h, sq, cq, 0u | 3u << 8, 0),
	                 TC_QP_STATUS_ERROR);
	assert_int_equal(try_enable(&h, sq, cq, 3u, 0), TC_QP_STATUS_ERROR);
	assert_int_equal(try_enable(&h, sq, cq, 7u | 3u << 8, 0),
	                 TC_QP_STATUS_ERROR);
	assert_int_equal(try_enable(&h, sq, cq, 3u | 7u << 8, 0),
	                 TC_QP_STATUS_ERROR);
	assert_int_equal(
	    try_enable(&h, sq, cq, ok,
	               TC_QP_CTRL_IRQ_ENABLE | TC_MSIX_VECTORS
	                                           << TC_QP_CTRL_VECTOR_SHIFT),
	    TC_QP_STATUS_ERROR);
	/* A rejected queue reads back without ENABLE... */
	assert_int_equal(fh_rd(&h, q + TC_QP_CTRL) & TC_QP_CTRL_ENABLE, 0);
	/* ...refuses doorbells... */
	fh_wr(&h, TC_DB_SQ_TAIL(0), 1);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DOORBELLS), 1);
	/* ...and clearing ENABLE clears ERROR. */
	fh_wr(&h, q + TC_QP_CTRL, 0);
	assert_int_equal(fh_rd(&h, q + TC_QP_STATUS), 0);
	/* Without IRQ_ENABLE the vector is not checked. */
	assert_int_equal(try_enable(&h, sq, cq, ok,
	                            TC_MSIX_VECTORS << TC_QP_CTRL_VECTOR_SHIFT),
	                 TC_QP_STATUS_ENABLED);
	/* Largest rings are fine. */
	assert_int_equal(
	    try_enable(&h, sq, cq, 6u | 6u << 8,
	               TC_QP_CTRL_IRQ_ENABLE | 16u << TC_QP_CTRL_VECTOR_SHIFT),
	    TC_QP_STATUS_ENABLED);
	assert_int_equal(fh_rd(&h, q + TC_QP_CTRL),
	                 TC_QP_CTRL_ENABLE | TC_QP_CTRL_IRQ_ENABLE |
	                     16u << TC_QP_CTRL_VECTOR_SHIFT);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), 0);
	/* A bad vector while enabled: ignored, counted, still enabled. */
	fh_wr(&h, q + TC_QP_CTRL,
	      TC_QP_CTRL_ENABLE | TC_QP_CTRL_IRQ_ENABLE |
	          TC_MSIX_VECTORS << TC_QP_CTRL_VECTOR_SHIFT);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), 1);
	assert_int_equal(fh_rd(&h, q + TC_QP_STATUS), TC_QP_STATUS_ENABLED);
	assert_int_equal(fh_rd(&h, q + TC_QP_CTRL),
	                 TC_QP_CTRL_ENABLE | TC_QP_CTRL_IRQ_ENABLE |
	                     16u << TC_QP_CTRL_VECTOR_SHIFT);

	/* Base and size are locked while enabled: ignored, counted. */
	fh_wr(&h, q + TC_QP_SQ_BASE_LO, 0);
	fh_wr64(&h, q + TC_QP_CQ_BASE_LO, 0);
	fh_wr(&h, q + TC_QP_SIZE, ok);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), 4);
	assert_true(fh_rd64(&h, q + TC_QP_SQ_BASE_LO) == sq);
	assert_true(fh_rd64(&h, q + TC_QP_CQ_BASE_LO) == cq);
	assert_int_equal(fh_rd(&h, q + TC_QP_SIZE), 6u | 6u << 8);
	/* COALESCE may change at any time. */
	fh_wr(&h, q + TC_QP_COALESCE, 0xffffffff);
	assert_int_equal(fh_rd(&h, q + TC_QP_COALESCE), 0xffff00ff);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), 4);
	fh_destroy(&h);
}

/* Ring of 8, 100 jobs: every cid once, phases flip on every wrap. */
static void run_wrap(const char *spec, bool ordered)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c[8];
	uint8_t seen[100] = {0};
	unsigned done = 0, next_cid = 0, i;

	create(&h, spec);
	assert_int_equal(fh_queue_setup(&h, &fq, 0, 3, 3, 0, 0),
	                 TC_QP_STATUS_ENABLED);
	while (done < 100) {
		/* Keep the ring full (host view: done + 8). */
		unsigned n = 0;

		while (next_cid < 100 && next_cid - done < 8) {
			struct tc_sqe sqe;

			fh_sqe_nop(&sqe, (uint16_t)next_cid++);
			fh_submit(&fq, &sqe);
			n++;
		}
		if (n)
			fh_ring_sq(&h, &fq);
		n = fh_reap(&h, &fq, c, 1, FH_WAIT_MS);
		assert_int_equal(n, 1);
		/* fh_poll only accepts the expected phase: check it too. */
		assert_int_equal(c[0].status & TC_CQE_PHASE,
		                 ((done >> 3) & 1) ? 0 : 1);
		assert_int_equal(fh_status(&c[0]), TC_STS_OK);
		assert_true(c[0].cid < 100);
		assert_int_equal(seen[c[0].cid], 0);
		seen[c[0].cid] = 1;
		if (ordered)
			assert_int_equal(c[0].cid, done);
		/* The SQ head reported never passes what was submitted. */
		assert_true((uint16_t)(next_cid - c[0].sq_head) <= 8);
		done++;
	}
	for (i = 0; i < 100; i++)
		assert_int_equal(seen[i], 1);
	assert_true(fh_rd64(&h, TC_QP_REG(0, TC_QP_STAT_JOBS_LO)) == 100);
	assert_int_equal(fh_rd(&h, TC_QP_REG(0, TC_QP_STAT_COMPLETED)), 100);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DOORBELLS), 0);
	fh_destroy(&h);
}

static void test_wrap_one_engine(void **state)
{
	(void)state;
	run_wrap("engines=1", true);
}

static void test_wrap_four_engines(void **state)
{
	(void)state;
	run_wrap("engines=4", false);
}

static void test_bad_sq_doorbells(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c;
	unsigned bad = 0;

	(void)state;
	create(&h, "queues=2");
	fh_queue_setup(&h, &fq, 0, 3, 3, 0, 0);
	/* Beyond the ring: tail - head = 9 > 8. */
	fh_wr(&h, TC_DB_SQ_TAIL(0), 9);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DOORBELLS), ++bad);
	/* Far beyond, and "negative" (wraps to a huge distance). */
	fh_wr(&h, TC_DB_SQ_TAIL(0), 0x80000000u);
	fh_wr(&h, TC_DB_SQ_TAIL(0), 0xffffffffu);
	bad += 2;
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DOORBELLS), bad);
	assert_false(fh_wait_cqe(&fq, &c, 30));
	assert_int_equal(fh_rd(&h, TC_QP_REG(0, TC_QP_STAT_DOORBELLS)), 0);

	/* A good batch of 2 runs. */
	fh_submit_nops(&h, &fq, 40, 2);
	assert_int_equal(fh_reap(&h, &fq, &c, 1, FH_WAIT_MS), 1);
	assert_int_equal(fh_reap(&h, &fq, &c, 1, FH_WAIT_MS), 1);
	/* Backwards (2 -> 1) is refused even though it is within the ring
	 * of the head. */
	fh_wr(&h, TC_DB_SQ_TAIL(0), 1);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DOORBELLS), ++bad);
	assert_false(fh_wait_cqe(&fq, &c, 30));
	/* Same tail again: accepted, nothing new. */
	fh_wr(&h, TC_DB_SQ_TAIL(0), 2);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DOORBELLS), bad);
	assert_int_equal(fh_rd(&h, TC_QP_REG(0, TC_QP_STAT_DOORBELLS)), 2);
	/* Each rule on its own, with the card stopped so the head stays
	 * at 2: a tail 8 ahead of the head is fine, 9 is not, even though
	 * it is only 1 ahead of the previous tail... */
	fh_wr(&h, TC_REG_CTRL, 0);
	fh_wr(&h, TC_DB_SQ_TAIL(0), 10);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DOORBELLS), bad);
	fh_wr(&h, TC_DB_SQ_TAIL(0), 11);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DOORBELLS), ++bad);
	/* ...and 7 is within the ring of the head but behind the tail. */
	fh_wr(&h, TC_DB_SQ_TAIL(0), 7);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DOORBELLS), ++bad);
	assert_int_equal(fh_rd(&h, TC_QP_REG(0, TC_QP_STAT_DOORBELLS)), 3);
	/* Disabled queue (1) and queues that do not exist. */
	fh_wr(&h, TC_DB_SQ_TAIL(1), 1);
	fh_wr(&h, TC_DB_SQ_TAIL(2), 1);
	fh_wr(&h, TC_DB_SQ_TAIL(15), 1);
	fh_wr(&h, TC_DB_BASE + 0x800, 1);
	bad += 4;
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DOORBELLS), bad);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), 0);
	assert_true(fh_rd64(&h, TC_QP_REG(0, TC_QP_STAT_JOBS_LO)) == 2);
	fh_destroy(&h);
}

static void test_bad_cq_doorbells(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c[2];

	(void)state;
	create(&h, "");
	fh_queue_setup(&h, &fq, 0, 3, 3, 0, 0);
	/* Head beyond the tail (nothing posted yet). */
	fh_wr(&h, TC_DB_CQ_HEAD(0), 1);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DOORBELLS), 1);
	fh_submit_nops(&h, &fq, 0, 2);
	assert_int_equal(fh_reap(&h, &fq, c, 2, FH_WAIT_MS), 2);
	/* Back from 2 to 1. */
	fh_wr(&h, TC_DB_CQ_HEAD(0), 1);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DOORBELLS), 2);
	fh_wr(&h, TC_DB_CQ_HEAD(4), 0);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DOORBELLS), 3);
	fh_destroy(&h);
}

static void test_cq_full_backpressure(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c[8];
	unsigned i;

	(void)state;
	create(&h, "");
	/* SQ of 8, CQ of 4. */
	fh_queue_setup(&h, &fq, 0, 3, 2, 0, 0);
	fh_submit_nops(&h, &fq, 100, 8);
	for (i = 0; i < 4; i++)
		assert_true(fh_wait_cqe(&fq, &c[i], FH_WAIT_MS));
	/* The card holds the rest until the head moves. */
	assert_true(fh_wait_reg(&h, TC_QP_REG(0, TC_QP_STATUS),
	                        TC_QP_STATUS_CQ_FULL, TC_QP_STATUS_CQ_FULL,
	                        FH_WAIT_MS));
	fh_sleep_ms(30);
	assert_int_equal(fh_rd(&h, TC_QP_REG(0, TC_QP_STAT_COMPLETED)), 4);
	/* Phase 0 is the next pass: nothing of it may be there yet. */
	assert_false(fh_poll(&fq, &c[4]));
	fh_ring_cq(&h, &fq);
	for (i = 4; i < 8; i++) {
		assert_true(fh_wait_cqe(&fq, &c[i], FH_WAIT_MS));
		assert_int_equal(c[i].status & TC_CQE_PHASE, 0);
	}
	fh_ring_cq(&h, &fq);
	for (i = 0; i < 8; i++)
		assert_int_equal(fh_status(&c[i]), TC_STS_OK);
	assert_true(fh_wait_reg(&h, TC_QP_REG(0, TC_QP_STATUS),
	                        TC_QP_STATUS_CQ_FULL, 0, FH_WAIT_MS));
	fh_destroy(&h);
}

static void test_descriptor_checks(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_sqe sqe;
	struct tc_cqe c[3];
	unsigned i;

	(void)state;
	create(&h, "engines=1");
	fh_queue_setup(&h, &fq, 0, 3, 3, 0, 0);
	fh_sqe_nop(&sqe, 1);
	sqe.rsvd4 = htole32(1);
	fh_submit(&fq, &sqe);
	fh_sqe_nop(&sqe, 2);
	sqe.opcode = 0x7f;
	fh_submit(&fq, &sqe);
	fh_sqe_nop(&sqe, 3);
	sqe.opcode = TC_OP_COUNT;
	fh_submit(&fq, &sqe);
	fh_ring_sq(&h, &fq);
	assert_int_equal(fh_reap(&h, &fq, c, 3, FH_WAIT_MS), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(c[i].cid, i + 1);
	assert_int_equal(fh_status(&c[0]), TC_STS_INVALID_DESC);
	assert_int_equal(fh_status(&c[1]), TC_STS_UNSUPPORTED);
	assert_int_equal(fh_status(&c[2]), TC_STS_UNSUPPORTED);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DESCS), 1);
	assert_int_equal(fh_rd(&h, TC_QP_REG(0, TC_QP_STAT_ERRORS)), 3);
	assert_int_equal(fh_rd(&h, TC_ENG_REG(0, TC_ENG_STAT_ERRORS)), 3);
	/* The card keeps working. */
	fh_submit_nops(&h, &fq, 4, 1);
	assert_int_equal(fh_reap(&h, &fq, c, 1, FH_WAIT_MS), 1);
	assert_int_equal(fh_status(&c[0]), TC_STS_OK);
	fh_destroy(&h);
}

/* An op's own INVALID_DESC counts in BAD_DESCS too. */
static void test_op_invalid_counted(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_sqe sqe;
	struct tc_cqe c;

	(void)state;
	create(&h, "");
	fh_queue_setup(&h, &fq, 0, 3, 3, 0, 0);
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = TC_OP_DIGEST;
	sqe.cid = htole16(5);
	sqe.u.digest.hash = TC_HASH_SHA256;
	sqe.u.digest.nseg = htole16(1);
	sqe.u.digest.rsvd48 = htole64(1);
	fh_submit(&fq, &sqe);
	fh_ring_sq(&h, &fq);
	assert_true(fh_wait_cqe(&fq, &c, FH_WAIT_MS));
	assert_int_equal(fh_status(&c), TC_STS_INVALID_DESC);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DESCS), 1);
	fh_destroy(&h);
}

static void test_sq_fetch_fault(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c;
	uint32_t st;

	(void)state;
	create(&h, "");
	fh_queue_setup(&h, &fq, 0, 3, 3, 0, 0);
	/* Re-point the SQ at an unmapped IOVA. */
	fh_wr(&h, TC_QP_REG(0, TC_QP_CTRL), 0);
	fh_wr64(&h, TC_QP_REG(0, TC_QP_SQ_BASE_LO), FH_UNMAPPED);
	fh_wr(&h, TC_QP_REG(0, TC_QP_CTRL), TC_QP_CTRL_ENABLE);
	fh_wr(&h, TC_DB_SQ_TAIL(0), 1);
	assert_true(fh_wait_reg(&h, TC_REG_STATUS, TC_STATUS_FATAL,
	                        TC_STATUS_FATAL, FH_WAIT_MS));
	st = fh_rd(&h, TC_REG_STATUS);
	assert_int_equal(st >> TC_STATUS_FATAL_CODE_SHIFT, TC_FATAL_SQ_DMA);
	assert_int_equal(st & TC_STATUS_READY, 0);
	assert_true(fh_rd(&h, TC_REG_DMA_FAULTS) >= 1);
	assert_true(fh_wait_irqs(&h, TC_MAX_QUEUES, 1, FH_WAIT_MS));
	assert_false(fh_wait_cqe(&fq, &c, 20));
	/* Reset: the unreadable descriptor cannot be aborted; the card comes
	 * back clean. */
	fh_wr(&h, TC_REG_CTRL, TC_CTRL_RESET);
	assert_int_equal(fh_rd(&h, TC_REG_STATUS), 0);
	assert_int_equal(fh_rd(&h, TC_REG_RESET_COUNT), 1);
	fh_destroy(&h);
}

static void test_cq_write_fault(void **state)
{
	struct fh_host h;
	struct fh_queue fq;

	(void)state;
	create(&h, "");
	fh_queue_setup(&h, &fq, 0, 3, 3, 0, 0);
	fh_wr(&h, TC_QP_REG(0, TC_QP_CTRL), 0);
	fh_wr64(&h, TC_QP_REG(0, TC_QP_CQ_BASE_LO), FH_UNMAPPED);
	fh_wr(&h, TC_QP_REG(0, TC_QP_CTRL), TC_QP_CTRL_ENABLE);
	fh_submit_nops(&h, &fq, 1, 1);
	assert_true(fh_wait_reg(&h, TC_REG_STATUS, TC_STATUS_FATAL,
	                        TC_STATUS_FATAL, FH_WAIT_MS));
	assert_int_equal(fh_rd(&h, TC_REG_STATUS) >> TC_STATUS_FATAL_CODE_SHIFT,
	                 TC_FATAL_CQ_DMA);
	assert_int_equal(fh_rd(&h, TC_QP_REG(0, TC_QP_STATUS)),
	                 TC_QP_STATUS_ENABLED | TC_QP_STATUS_ERROR);
	assert_true(fh_wait_irqs(&h, TC_MAX_QUEUES, 1, FH_WAIT_MS));
	/* Reset with the job still held: its abort cannot be written
	 * either, and the reset still completes. */
	tc_model_reset(h.m);
	assert_int_equal(fh_rd(&h, TC_REG_STATUS), 0);
	assert_int_equal(fh_rd(&h, TC_QP_REG(0, TC_QP_STATUS)), 0);
	fh_destroy(&h);
}

/* Disabling a queue aborts what it had in flight, then reports disabled. */
static void test_disable_aborts_inflight(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c[3];
	unsigned i;

	(void)state;
	/* Completions held 10 s by an added latency: in flight for sure. */
	create(&h, "nop_lat_us=10000000");
	fh_queue_setup(&h, &fq, 0, 3, 3, 0, 0);
	fh_submit_nops(&h, &fq, 20, 3);
	assert_true(fh_wait_reg(&h, TC_QP_REG(0, TC_QP_STAT_JOBS_LO), ~0u, 3,
	                        FH_WAIT_MS));
	fh_wr(&h, TC_QP_REG(0, TC_QP_CTRL), 0);
	assert_int_equal(fh_rd(&h, TC_QP_REG(0, TC_QP_STATUS)), 0);
	/* Already posted when the write returned. */
	for (i = 0; i < 3; i++) {
		assert_true(fh_poll(&fq, &c[i]));
		assert_int_equal(fh_status(&c[i]), TC_STS_ABORTED_RESET);
		assert_int_equal(c[i].cid, 20 + i);
	}
	/* Re-enable: fresh rings, and it works. */
	fh_queue_rewind(&fq);
	fh_wr(&h, TC_QP_REG(0, TC_QP_CTRL), TC_QP_CTRL_ENABLE);
	assert_int_equal(fh_rd(&h, TC_QP_REG(0, TC_QP_STATUS)),
	                 TC_QP_STATUS_ENABLED);
	fh_destroy(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_setup_validation),
	    cmocka_unit_test(test_wrap_one_engine),
	    cmocka_unit_test(test_wrap_four_engines),
	    cmocka_unit_test(test_bad_sq_doorbells),
	    cmocka_unit_test(test_bad_cq_doorbells),
	    cmocka_unit_test(test_cq_full_backpressure),
	    cmocka_unit_test(test_descriptor_checks),
	    cmocka_unit_test(test_op_invalid_counted),
	    cmocka_unit_test(test_sq_fetch_fault),
	    cmocka_unit_test(test_cq_write_fault),
	    cmocka_unit_test(test_disable_aborts_inflight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
