/* SPDX-License-Identifier: MIT */
/*
 * Reset (tc_reset.c): it cuts engines' timing sleeps short, aborts jobs
 * held for added latency, drops what does not fit the CQ, leaves a
 * quiescent card, serialises concurrent resets, and never deadlocks with
 * an irq callback that calls back into the model.  Destroy joins busy
 * threads promptly.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_host.h"

static void create(struct fh_host *h, struct fh_queue *fq, const char *spec,
                   unsigned sq_log2, unsigned cq_log2)
{
	assert_int_equal(fh_create(h, spec), 0);
	fh_enable(h);
	assert_int_equal(fh_queue_setup(h, fq, 0, sq_log2, cq_log2, 0, 0),
	                 TC_QP_STATUS_ENABLED);
}

static void expect_aborts(struct fh_queue *fq, uint16_t first, unsigned n)
{
	struct tc_cqe c;
	unsigned i;

	for (i = 0; i < n; i++) {
		assert_true(fh_poll(fq, &c));
		assert_int_equal(fh_status(&c), TC_STS_ABORTED_RESET);
		assert_int_equal(c.cid, first + i);
		assert_int_equal(c.sq_id, fq->qid);
	}
	assert_false(fh_poll(fq, &c));
}

/* An engine in a 500 ms service time gives the job up at once. */
static void test_reset_cuts_service_time(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	uint64_t t0, jobs;

	(void)state;
	create(&h, &fq, "engines=1,nop_ops=2", 3, 3);
	fh_submit_nops(&h, &fq, 50, 4);
	assert_true(fh_wait_reg(&h, TC_QP_REG(0, TC_QP_STAT_JOBS_LO), ~0u, 1,
	                        FH_WAIT_MS));
	t0 = fh_now_ms();
	fh_wr(&h, TC_REG_CTRL, TC_CTRL_RESET);
	assert_true(fh_now_ms() - t0 < 250);
	/* The one in the engine, then the three never fetched. */
	expect_aborts(&fq, 50, 4);
	/* Quiescent: nothing is fetched or run afterwards. */
	jobs = fh_rd64(&h, TC_ENG_REG(0, TC_ENG_STAT_JOBS_LO));
	fh_sleep_ms(30);
	assert_true(fh_rd64(&h, TC_ENG_REG(0, TC_ENG_STAT_JOBS_LO)) == jobs);
	assert_true(jobs == 0);
	fh_destroy(&h);
}

/* Jobs whose completions wait out an added latency are aborted too. */
static void test_reset_delayed(void **state)
{
	struct fh_host h;
	struct fh_queue fq;

	(void)state;
	create(&h, &fq, "engines=2,nop_lat_us=10000000", 3, 3);
	fh_submit_nops(&h, &fq, 7, 3);
	assert_true(fh_wait_reg(&h, TC_QP_REG(0, TC_QP_STAT_JOBS_LO), ~0u, 3,
	                        FH_WAIT_MS));
	/* Let the engines finish and hand the jobs to the timer. */
	fh_sleep_ms(20);
	tc_model_reset(h.m);
	expect_aborts(&fq, 7, 3);
	fh_destroy(&h);
}

/* A CQ of 2 with 6 jobs stuck: 2 aborts fit, 4 are dropped and logged. */
static void test_reset_cq_full_drops(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	char line[256];

	(void)state;
	create(&h, &fq, "", 3, 1);
	fh_wr(&h, TC_REG_FI_CTRL, TC_FI_CTRL_STALL);
	fh_submit_nops(&h, &fq, 0, 6);
	fh_wr(&h, TC_REG_CTRL, TC_CTRL_RESET);
	expect_aborts(&fq, 0, 2);
	fh_last_log(&h, line, sizeof(line));
	assert_non_null(strstr(line, "reset done, 2 jobs aborted"));
	assert_true(fh_log_contains(
	    &h, "queue 0: 4 ABORTED_RESET completions dropped (CQ full)"));
	assert_int_equal(fh_rd(&h, TC_REG_RESET_COUNT), 1);
	fh_destroy(&h);
}

struct resetter {
	struct fh_host *h;
	unsigned n;
};

static void *reset_thread(void *arg)
{
	struct resetter *r = arg;
	unsigned i;

	for (i = 0; i < r->n; i++)
		tc_model_reset(r->h->m);
	return NULL;
}

/* Resets from two threads while engines work: each runs whole. */
static void test_concurrent_resets(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct resetter r;
	pthread_t t[2];
	unsigned i;

	(void)state;
	create(&h, &fq, "engines=3,nop_ops=1000,nop_lat_us=2000", 6, 6);
	fh_submit_nops(&h, &fq, 0, 64);
	r.h = &h;
	r.n = 5;
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reset_thread, &r),
		                 0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(fh_rd(&h, TC_REG_RESET_COUNT), 10);
	assert_int_equal(fh_rd(&h, TC_REG_STATUS), 0);
	/* Every job got exactly one completion, OK or aborted. */
	{
		struct tc_cqe c;
		uint8_t seen[64] = {0};
		unsigned n = 0;

		while (fh_poll(&fq, &c)) {
			assert_true(c.cid < 64);
			assert_int_equal(seen[c.cid], 0);
			seen[c.cid] = 1;
			n++;
		}
		assert_int_equal(n, 64);
	}
	fh_destroy(&h);
}

/*
 * A QEMU-like host: MMIO runs under a big lock, and the irq callback takes
 * that lock too (and reads a register, which takes the model's lock).  A
 * reset issued under the big lock while engines post completions and
 * raise interrupts must not deadlock: the reset waits only for engines
 * that own a task, and those never call the bus.
 */
static pthread_mutex_t big_lock;
static atomic_uint hook_calls;

static void big_lock_hook(struct fh_host *h, unsigned vector)
{
	(void)vector;
	pthread_mutex_lock(&big_lock);
	atomic_fetch_add(&hook_calls, 1);
	(void)tc_model_mmio_read(h->m, TC_REG_STATUS, 4);
	pthread_mutex_unlock(&big_lock);
}

static void test_irq_callback_takes_host_lock(void **state)
{
	pthread_mutexattr_t ma;
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c[32];
	unsigned round;

	(void)state;
	/* Recursive: the resetting thread itself raises vectors at the end
	 * of the reset, as QEMU's vCPU thread would with the BQL held. */
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&big_lock, &ma);
	pthread_mutexattr_destroy(&ma);
	atomic_store(&hook_calls, 0);
	assert_int_equal(fh_create(&h, "engines=4,nop_lat_us=200"), 0);
	h.irq_hook = big_lock_hook;
	for (round = 0; round < 20; round++) {
		fh_enable(&h);
		fh_queue_setup(&h, &fq, 0, 5, 5, TC_QP_CTRL_IRQ_ENABLE, 0);
		fh_submit_nops(&h, &fq, 0, 32);
		fh_sleep_ms(round % 3);
		pthread_mutex_lock(&big_lock);
		fh_wr(&h, TC_REG_CTRL, TC_CTRL_RESET);
		pthread_mutex_unlock(&big_lock);
		/* Every job has its completion: OK or aborted. */
		assert_int_equal(fh_reap(&h, &fq, c, 32, FH_WAIT_MS), 32);
	}
	assert_int_equal(fh_rd(&h, TC_REG_RESET_COUNT), 20);
	assert_true(atomic_load(&hook_calls) >= 20);

	/* A periodic reset run by an engine, interrupts on every job. */
	fh_enable(&h);
	fh_queue_setup(&h, &fq, 0, 5, 5, TC_QP_CTRL_IRQ_ENABLE, 0);
	fh_wr(&h, TC_REG_FI_RESET_AFTER, 10);
	fh_submit_nops(&h, &fq, 0, 32);
	assert_true(fh_wait_reg(&h, TC_REG_RESET_COUNT, ~0u, 21, FH_WAIT_MS));
	assert_int_equal(fh_reap(&h, &fq, c, 32, FH_WAIT_MS), 32);
	fh_destroy(&h);

	/* No added latency, and a CQ the host does not drain: engines
	 * hold completions waiting for CQ space, after raising the vector
	 * so the host drains, when the reset comes. */
	assert_int_equal(fh_create(&h, "engines=4"), 0);
	h.irq_hook = big_lock_hook;
	for (round = 0; round < 10; round++) {
		/* The whole round under the big lock, as vCPU MMIO would
		 * be: every callback blocks until the reset is done. */
		pthread_mutex_lock(&big_lock);
		fh_enable(&h);
		fh_queue_setup(&h, &fq, 0, 5, 2, TC_QP_CTRL_IRQ_ENABLE,
		               255u << TC_QP_COALESCE_COUNT_SHIFT);
		fh_submit_nops(&h, &fq, 0, 32);
		fh_sleep_ms(5);
		fh_wr(&h, TC_REG_CTRL, TC_CTRL_RESET);
		pthread_mutex_unlock(&big_lock);
	}
	assert_int_equal(fh_rd(&h, TC_REG_RESET_COUNT), 10);
	fh_destroy(&h);
	pthread_mutex_destroy(&big_lock);
}

/* Destroy with engines in long service times and completions delayed. */
static void test_destroy_while_busy(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	uint64_t t0;

	(void)state;
	create(&h, &fq, "engines=2,nop_ops=1,nop_lat_us=5000000", 3, 3);
	fh_submit_nops(&h, &fq, 0, 6);
	assert_true(fh_wait_reg(&h, TC_QP_REG(0, TC_QP_STAT_JOBS_LO), ~0u, 2,
	                        FH_WAIT_MS));
	t0 = fh_now_ms();
	fh_destroy(&h);
	assert_true(fh_now_ms() - t0 < 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reset_cuts_service_time),
	    cmocka_unit_test(test_reset_delayed),
	    cmocka_unit_test(test_reset_cq_full_drops),
	    cmocka_unit_test(test_concurrent_resets),
	    cmocka_unit_test(test_irq_callback_takes_host_lock),
	    cmocka_unit_test(test_destroy_while_busy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
