/* SPDX-License-Identifier: MIT */
/*
 * Interrupts and coalescing (tc_irq.c, with the timer thread): by count,
 * by time, on idle, IRQ_NOW, every completion, vector routing, and none
 * without IRQ_ENABLE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_host.h"

#define VEC      5u
#define IRQ_CTRL (TC_QP_CTRL_IRQ_ENABLE | VEC << TC_QP_CTRL_VECTOR_SHIFT)

static uint32_t coalesce(unsigned count, unsigned time_us)
{
	return count << TC_QP_COALESCE_COUNT_SHIFT |
	       time_us << TC_QP_COALESCE_TIME_SHIFT;
}

static void setup(struct fh_host *h, struct fh_queue *fq, const char *spec,
                  unsigned qid, uint32_t ctrl, uint32_t co)
{
	assert_int_equal(fh_create(h, spec), 0);
	/* Submit while the card is disabled so a batch is fetched as one. */
	assert_int_equal(fh_queue_setup(h, fq, qid, 6, 6, ctrl, co),
	                 TC_QP_STATUS_ENABLED);
}

/* Submit n NOPs, enable the card, wait for all n completions. */
static void run_batch(struct fh_host *h, struct fh_queue *fq, unsigned n)
{
	struct tc_cqe c[64];

	fh_submit_nops(h, fq, 0, n);
	fh_enable(h);
	assert_int_equal(fh_reap(h, fq, c, n, FH_WAIT_MS), n);
}

static void test_count(void **state)
{
	struct fh_host h;
	struct fh_queue fq;

	(void)state;
	setup(&h, &fq, "engines=2", 0, IRQ_CTRL, coalesce(4, 0));
	run_batch(&h, &fq, 16);
	/* 16 / 4, and the last one also found the queue idle. */
	fh_sleep_ms(20);
	assert_int_equal(fh_irqs(&h, VEC), 4);
	assert_int_equal(fh_rd(&h, TC_QP_REG(0, TC_QP_STAT_IRQS)), 4);
	fh_destroy(&h);
}

static void test_count_idle_flush(void **state)
{
	struct fh_host h;
	struct fh_queue fq;

	(void)state;
	setup(&h, &fq, "engines=2", 0, IRQ_CTRL, coalesce(4, 0));
	run_batch(&h, &fq, 18);
	/* 4 by count, then the 2 left over when the queue went idle. */
	fh_sleep_ms(20);
	assert_int_equal(fh_irqs(&h, VEC), 5);
	fh_destroy(&h);
}

static void test_idle_below_count(void **state)
{
	struct fh_host h;
	struct fh_queue fq;

	(void)state;
	setup(&h, &fq, "", 0, IRQ_CTRL, coalesce(32, 0));
	run_batch(&h, &fq, 3);
	assert_true(fh_wait_irqs(&h, VEC, 1, FH_WAIT_MS));
	fh_sleep_ms(20);
	assert_int_equal(fh_irqs(&h, VEC), 1);
	fh_destroy(&h);
}

static void test_every_completion(void **state)
{
	struct fh_host h;
	struct fh_queue fq;

	(void)state;
	setup(&h, &fq, "", 0, IRQ_CTRL, coalesce(1, 1000));
	run_batch(&h, &fq, 8);
	fh_sleep_ms(20);
	assert_int_equal(fh_irqs(&h, VEC), 8);
	fh_destroy(&h);

	setup(&h, &fq, "", 0, IRQ_CTRL, coalesce(0, 0));
	run_batch(&h, &fq, 8);
	fh_sleep_ms(20);
	assert_int_equal(fh_irqs(&h, VEC), 8);
	fh_destroy(&h);
}

/*
 * One engine at 10 jobs/s (100 ms each), two jobs, count 255, time 30 ms:
 * job 1 completes at ~100 ms with job 2 still in the engine, so only the
 * timer can signal it (~130 ms); job 2 is signalled on idle (~200 ms).
 */
static void test_time(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c;

	(void)state;
	setup(&h, &fq, "engines=1,nop_ops=10", 0, IRQ_CTRL,
	      coalesce(255, 30000));
	fh_submit_nops(&h, &fq, 0, 2);
	fh_enable(&h);
	assert_true(fh_wait_irqs(&h, VEC, 1, FH_WAIT_MS));
	/* The first interrupt came with job 2 still running. */
	assert_true(fh_poll(&fq, &c));
	assert_false(fh_poll(&fq, &c));
	assert_int_equal(fh_irqs(&h, VEC), 1);
	assert_true(fh_wait_irqs(&h, VEC, 2, FH_WAIT_MS));
	assert_true(fh_wait_cqe(&fq, &c, FH_WAIT_MS));
	fh_destroy(&h);
}

static void test_irq_now(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_sqe sqe;
	struct tc_cqe c;

	(void)state;
	/* No timer, high count: only IRQ_NOW and idle can signal. */
	setup(&h, &fq, "engines=1,nop_ops=10", 0, IRQ_CTRL, coalesce(255, 0));
	fh_sqe_nop(&sqe, 1);
	sqe.flags = TC_SQE_F_IRQ_NOW;
	fh_submit(&fq, &sqe);
	fh_sqe_nop(&sqe, 2);
	fh_submit(&fq, &sqe);
	fh_ring_sq(&h, &fq);
	fh_enable(&h);
	assert_true(fh_wait_irqs(&h, VEC, 1, FH_WAIT_MS));
	assert_true(fh_poll(&fq, &c));
	assert_int_equal(c.cid, 1);
	assert_false(fh_poll(&fq, &c));
	assert_true(fh_wait_irqs(&h, VEC, 2, FH_WAIT_MS));
	assert_true(fh_wait_cqe(&fq, &c, FH_WAIT_MS));
	assert_int_equal(c.cid, 2);
	fh_destroy(&h);
}

static void test_routing_and_disable(void **state)
{
	struct fh_host h;
	struct fh_queue fq, fq2;
	unsigned v;

	(void)state;
	/* Queue 2 on vector 5; queue 3 without IRQ_ENABLE. */
	setup(&h, &fq, "", 2, IRQ_CTRL, coalesce(1, 0));
	assert_int_equal(fh_queue_setup(&h, &fq2, 3, 6, 6,
	                                9u << TC_QP_CTRL_VECTOR_SHIFT,
	                                coalesce(1, 0)),
	                 TC_QP_STATUS_ENABLED);
	run_batch(&h, &fq, 3);
	run_batch(&h, &fq2, 3);
	fh_sleep_ms(20);
	for (v = 0; v < TC_MSIX_VECTORS; v++)
		assert_int_equal(fh_irqs(&h, v), v == VEC ? 3 : 0);
	assert_int_equal(fh_rd(&h, TC_QP_REG(3, TC_QP_STAT_IRQS)), 0);
	fh_destroy(&h);
}

/* A count the host never reaches, with a CQ smaller than the batch: the
 * card signals when it has to wait for CQ space, so nothing deadlocks. */
static void test_cq_full_signals(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c[16];
	unsigned got = 0, seen = 0;

	(void)state;
	assert_int_equal(fh_create(&h, ""), 0);
	assert_int_equal(
	    fh_queue_setup(&h, &fq, 0, 4, 2, IRQ_CTRL, coalesce(255, 0)),
	    TC_QP_STATUS_ENABLED);
	fh_submit_nops(&h, &fq, 0, 16);
	fh_enable(&h);
	while (got < 16) {
		/* Interrupt-driven host: reap only after an interrupt. */
		assert_true(fh_wait_irqs(&h, VEC, seen + 1, FH_WAIT_MS));
		seen = fh_irqs(&h, VEC);
		while (got < 16 && fh_poll(&fq, &c[got]))
			got++;
		fh_ring_cq(&h, &fq);
	}
	fh_destroy(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_count),
	    cmocka_unit_test(test_count_idle_flush),
	    cmocka_unit_test(test_idle_below_count),
	    cmocka_unit_test(test_every_completion),
	    cmocka_unit_test(test_time),
	    cmocka_unit_test(test_irq_now),
	    cmocka_unit_test(test_routing_and_disable),
	    cmocka_unit_test(test_cq_full_signals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
