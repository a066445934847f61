/* SPDX-License-Identifier: MIT */
/*
 * Fault injection (tc_fault.c): error rate (reproducible by seed), stall,
 * spontaneous and periodic resets, injected fatal errors, and FI settings
 * surviving resets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_host.h"

static void create(struct fh_host *h, struct fh_queue *fq, const char *spec)
{
	assert_int_equal(fh_create(h, spec), 0);
	fh_enable(h);
	assert_int_equal(fh_queue_setup(h, fq, 0, 6, 6, 0, 0),
	                 TC_QP_STATUS_ENABLED);
}

static void test_error_every_job(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c[10];
	unsigned i;

	(void)state;
	create(&h, &fq, "");
	fh_wr(&h, TC_REG_FI_ERROR_PPM, 1000000);
	fh_submit_nops(&h, &fq, 0, 10);
	assert_int_equal(fh_reap(&h, &fq, c, 10, FH_WAIT_MS), 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(fh_status(&c[i]), TC_STS_INTERNAL);
	assert_int_equal(fh_rd(&h, TC_REG_FI_INJECTED), 10);
	assert_int_equal(fh_rd(&h, TC_QP_REG(0, TC_QP_STAT_ERRORS)), 10);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DESCS), 0);
	/* Off again: jobs succeed. */
	fh_wr(&h, TC_REG_FI_ERROR_PPM, 0);
	fh_submit_nops(&h, &fq, 10, 1);
	assert_int_equal(fh_reap(&h, &fq, c, 1, FH_WAIT_MS), 1);
	assert_int_equal(fh_status(&c[0]), TC_STS_OK);
	fh_destroy(&h);
}

/* The failing cids at 50% for a seed, as a bitmap of 64 jobs. */
static uint64_t failures(uint32_t seed)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c[64];
	uint64_t mask = 0;
	unsigned i;

	create(&h, &fq, "engines=3");
	fh_wr(&h, TC_REG_FI_SEED, seed);
	fh_wr(&h, TC_REG_FI_ERROR_PPM, 500000);
	fh_submit_nops(&h, &fq, 0, 64);
	assert_int_equal(fh_reap(&h, &fq, c, 64, FH_WAIT_MS), 64);
	for (i = 0; i < 64; i++) {
		assert_true(c[i].cid < 64);
		if (fh_status(&c[i]) == TC_STS_INTERNAL)
			mask |= 1ull << c[i].cid;
		else
			assert_int_equal(fh_status(&c[i]), TC_STS_OK);
	}
	assert_int_equal(fh_rd(&h, TC_REG_FI_INJECTED),
	                 __builtin_popcountll(mask));
	fh_destroy(&h);
	return mask;
}

static void test_error_rate_seeded(void **state)
{
	uint64_t a = failures(42), b = failures(42), c = failures(7);
	int n = __builtin_popcountll(a);

	(void)state;
	assert_true(a == b);
	assert_true(a != c);
	assert_true(n >= 16 && n <= 48);
}

/*
 * Two engines at 5 jobs/s, five jobs: two are fetched, then STALL.  Nothing
 * completes, even after the 200 ms service time; a reset aborts the jobs in
 * flight (fetch order), then those never fetched (SQ order): cids in order.
 */
static void test_stall_then_reset(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c[5];
	uint64_t jobs, end;
	unsigned i;

	(void)state;
	create(&h, &fq, "engines=2,nop_ops=5");
	fh_submit_nops(&h, &fq, 10, 5);
	end = fh_now_ms() + FH_WAIT_MS;
	while (fh_rd64(&h, TC_QP_REG(0, TC_QP_STAT_JOBS_LO)) < 2 &&
	       fh_now_ms() < end)
		fh_sleep_ms(1);
	fh_wr(&h, TC_REG_FI_CTRL, TC_FI_CTRL_STALL);
	jobs = fh_rd64(&h, TC_QP_REG(0, TC_QP_STAT_JOBS_LO));
	assert_true(jobs >= 2 && jobs < 5);
	assert_int_equal(fh_rd(&h, TC_REG_FI_CTRL), TC_FI_CTRL_STALL);
	/* READY is enabled, not fatal, not resetting: a stalled card
	 * still looks ready, as a hung one would. */
	assert_int_equal(fh_rd(&h, TC_REG_STATUS),
	                 TC_STATUS_READY | TC_STATUS_STALLED);
	assert_false(fh_wait_cqe(&fq, &c[0], 300));
	assert_true(fh_rd64(&h, TC_QP_REG(0, TC_QP_STAT_JOBS_LO)) == jobs);

	fh_wr(&h, TC_REG_CTRL, TC_CTRL_RESET);
	for (i = 0; i < 5; i++) {
		assert_true(fh_poll(&fq, &c[i]));
		assert_int_equal(fh_status(&c[i]), TC_STS_ABORTED_RESET);
		assert_int_equal(c[i].cid, 10 + i);
	}
	assert_false(fh_poll(&fq, &c[0]));
	/* STALL survives the reset: a broken card stays broken. */
	assert_int_equal(fh_rd(&h, TC_REG_FI_CTRL), TC_FI_CTRL_STALL);
	assert_int_equal(fh_rd(&h, TC_REG_RESET_COUNT), 1);
	assert_int_equal(fh_rd(&h, TC_QP_REG(0, TC_QP_STATUS)), 0);
	fh_destroy(&h);
}

static void test_stall_release(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c[4];
	unsigned i;

	(void)state;
	create(&h, &fq, "");
	fh_wr(&h, TC_REG_FI_CTRL, TC_FI_CTRL_STALL);
	fh_submit_nops(&h, &fq, 0, 4);
	assert_false(fh_wait_cqe(&fq, &c[0], 50));
	fh_wr(&h, TC_REG_FI_CTRL, 0);
	assert_int_equal(fh_rd(&h, TC_REG_STATUS), TC_STATUS_READY);
	assert_int_equal(fh_reap(&h, &fq, c, 4, FH_WAIT_MS), 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(fh_status(&c[i]), TC_STS_OK);
	fh_destroy(&h);
}

static void test_reset_after(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c[8];
	unsigned i, ok = 0, aborted = 0;

	(void)state;
	create(&h, &fq, "engines=2");
	fh_wr(&h, TC_REG_FI_RESET_AFTER, 5);
	fh_submit_nops(&h, &fq, 0, 8);
	assert_true(fh_wait_reg(&h, TC_REG_RESET_COUNT, ~0u, 1, FH_WAIT_MS));
	/* Exactly 5 completed; the rest were aborted by the reset. */
	assert_int_equal(fh_reap(&h, &fq, c, 8, FH_WAIT_MS), 8);
	for (i = 0; i < 8; i++) {
		if (fh_status(&c[i]) == TC_STS_OK)
			ok++;
		else if (fh_status(&c[i]) == TC_STS_ABORTED_RESET)
			aborted++;
	}
	assert_int_equal(ok, 5);
	assert_int_equal(aborted, 3);
	assert_int_equal(fh_rd(&h, TC_QP_REG(0, TC_QP_STATUS)), 0);
	assert_int_equal(fh_rd(&h, TC_REG_STATUS), 0);
	assert_true(fh_wait_irqs(&h, TC_MAX_QUEUES, 1, FH_WAIT_MS));
	/* It keeps doing it, every 5 jobs. */
	assert_int_equal(fh_rd(&h, TC_REG_FI_RESET_AFTER), 5);
	fh_enable(&h);
	fh_queue_setup(&h, &fq, 0, 6, 6, 0, 0);
	fh_submit_nops(&h, &fq, 0, 5);
	assert_true(fh_wait_reg(&h, TC_REG_RESET_COUNT, ~0u, 2, FH_WAIT_MS));
	fh_destroy(&h);
}

static void test_fatal_now(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c;

	(void)state;
	create(&h, &fq, "");
	fh_wr(&h, TC_REG_ERR_VECTOR, 7);
	fh_wr(&h, TC_REG_FI_SEED, 99);
	fh_wr(&h, TC_REG_FI_CTRL, TC_FI_CTRL_FATAL_NOW);
	assert_int_equal(fh_rd(&h, TC_REG_STATUS),
	                 TC_STATUS_FATAL | TC_FATAL_INJECTED
	                                       << TC_STATUS_FATAL_CODE_SHIFT);
	assert_true(fh_wait_irqs(&h, 7, 1, FH_WAIT_MS));
	/* FATAL_NOW is W1: it does not read back. */
	assert_int_equal(fh_rd(&h, TC_REG_FI_CTRL), 0);
	/* The card stopped. */
	fh_submit_nops(&h, &fq, 1, 1);
	assert_false(fh_wait_cqe(&fq, &c, 50));
	/* Reset: the unfetched job is aborted, the card is clean, the FI
	 * settings remain. */
	tc_model_reset(h.m);
	assert_true(fh_poll(&fq, &c));
	assert_int_equal(fh_status(&c), TC_STS_ABORTED_RESET);
	assert_int_equal(fh_rd(&h, TC_REG_STATUS), 0);
	assert_int_equal(fh_rd(&h, TC_REG_FI_SEED), 99);
	fh_destroy(&h);
}

static void test_reset_now_and_persistence(void **state)
{
	struct fh_host h;
	struct fh_queue fq;

	(void)state;
	create(&h, &fq, "");
	fh_wr(&h, TC_REG_FI_ERROR_PPM, 123);
	fh_wr(&h, TC_REG_FI_LATENCY_US, 456);
	fh_wr(&h, TC_REG_FI_SEED, 789);
	fh_wr(&h, TC_REG_FI_RESET_AFTER, 1000);
	fh_wr(&h, TC_REG_FI_CTRL, TC_FI_CTRL_RESET_NOW);
	assert_int_equal(fh_rd(&h, TC_REG_RESET_COUNT), 1);
	assert_int_equal(fh_rd(&h, TC_QP_REG(0, TC_QP_STATUS)), 0);
	assert_int_equal(fh_rd(&h, TC_REG_CTRL), 0);
	fh_wr(&h, TC_REG_CTRL, TC_CTRL_RESET);
	tc_model_reset(h.m);
	assert_int_equal(fh_rd(&h, TC_REG_RESET_COUNT), 3);
	assert_int_equal(fh_rd(&h, TC_REG_FI_ERROR_PPM), 123);
	assert_int_equal(fh_rd(&h, TC_REG_FI_LATENCY_US), 456);
	assert_int_equal(fh_rd(&h, TC_REG_FI_SEED), 789);
	assert_int_equal(fh_rd(&h, TC_REG_FI_RESET_AFTER), 1000);
	assert_int_equal(fh_rd(&h, TC_REG_FI_CTRL), 0);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), 0);
	fh_destroy(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_error_every_job),
	    cmocka_unit_test(test_error_rate_seeded),
	    cmocka_unit_test(test_stall_then_reset),
	    cmocka_unit_test(test_stall_release),
	    cmocka_unit_test(test_reset_after),
	    cmocka_unit_test(test_fatal_now),
	    cmocka_unit_test(test_reset_now_and_persistence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
