// SPDX-License-Identifier: MIT
/* The learned CPU-vs-card rule (daemon/tls/tls_card_thresh.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tls_card_thresh.h"

static void test_no_sample_runs_cpu_first(void **state)
{
	struct tls_thresh t;

	(void)state;
	tls_thresh_init(&t, 0);
	/* Nothing measured: the CPU goes first, even with a fast card. */
	assert_false(tls_thresh_use_card(&t, 0, 100, 1.0));
	assert_int_equal(t.cls[0].to_cpu, 1);
}

static void test_no_card_means_cpu(void **state)
{
	struct tls_thresh t;

	(void)state;
	tls_thresh_init(&t, 1e9);
	tls_thresh_cpu_sample(&t, 1, 100, 50000);
	assert_false(tls_thresh_use_card(&t, 1, 100, -1));
}

static void test_per_byte_learning(void **state)
{
	struct tls_thresh t;

	(void)state;
	tls_thresh_init(&t, 0);
	/* 2 ns per byte on the CPU, learned from large jobs. */
	for (int i = 0; i < 50; i++)
		tls_thresh_cpu_sample(&t, 3, 16384, 32768);
	tls_thresh_cpu_sample(&t, 3, 64, 500);
	assert_true(tls_thresh_cpu_estimate(&t, 3, 16384) > 32000);
	assert_true(tls_thresh_cpu_estimate(&t, 3, 16384) < 33000);
	/* A small record costs the fixed part. */
	assert_true(tls_thresh_cpu_estimate(&t, 3, 64) >= 500);
	/* Card 10 us: worth it for 16 KiB (32 us CPU), not for 64 B. */
	assert_true(tls_thresh_use_card(&t, 3, 16384, 10000));
	assert_false(tls_thresh_use_card(&t, 3, 64, 10000));
}

static void test_budget_admits_slower_card(void **state)
{
	struct tls_thresh t;

	(void)state;
	tls_thresh_init(&t, 20000);
	tls_thresh_cpu_sample(&t, 0, 0, 40000);
	/* 55 us card vs 40 us CPU + 20 us budget: card. */
	assert_true(tls_thresh_use_card(&t, 0, 0, 55000));
	/* 70 us: over the budget. */
	assert_false(tls_thresh_use_card(&t, 0, 0, 70000));
}

static void test_ewma_follows_change(void **state)
{
	struct tls_thresh t;

	(void)state;
	tls_thresh_init(&t, 0);
	tls_thresh_cpu_sample(&t, 2, 10, 1000);
	for (int i = 0; i < 100; i++)
		tls_thresh_cpu_sample(&t, 2, 10, 9000);
	assert_true(tls_thresh_cpu_estimate(&t, 2, 10) > 8900);
}

static void test_explores_one_in_n(void **state)
{
	struct tls_thresh t;
	unsigned card = 0;

	(void)state;
	tls_thresh_init(&t, 0);
	tls_thresh_cpu_sample(&t, 0, 0, 1000);
	/* The card always loses, but 1 in TLS_THRESH_EXPLORE tries it. */
	for (unsigned i = 0; i < 10 * TLS_THRESH_EXPLORE; i++)
		card += tls_thresh_use_card(&t, 0, 0, 1e9);
	assert_int_equal(card, 10);
	assert_int_equal(t.cls[0].to_card, 10);
}

static void test_bad_class(void **state)
{
	struct tls_thresh t;

	(void)state;
	tls_thresh_init(&t, 0);
	tls_thresh_cpu_sample(&t, TLS_THRESH_CLASSES, 1, 1);
	assert_false(tls_thresh_use_card(&t, TLS_THRESH_CLASSES, 1, 1));
	assert_true(tls_thresh_cpu_estimate(&t, TLS_THRESH_CLASSES, 1) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_sample_runs_cpu_first),
	    cmocka_unit_test(test_no_card_means_cpu),
	    cmocka_unit_test(test_per_byte_learning),
	    cmocka_unit_test(test_budget_admits_slower_card),
	    cmocka_unit_test(test_ewma_follows_change),
	    cmocka_unit_test(test_explores_one_in_n),
	    cmocka_unit_test(test_bad_class),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
