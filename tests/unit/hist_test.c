/* SPDX-License-Identifier: MIT */
/* Log2 latency histograms (tc_hist.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tc_hist.h"

static void test_buckets(void **state)
{
	struct tc_hist h;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(tc_hist_percentile(&h, 50), 0);
	tc_hist_add(&h, 0);
	tc_hist_add(&h, 1);
	tc_hist_add(&h, 1023);
	tc_hist_add(&h, 1024);
	tc_hist_add(&h, UINT64_MAX);
	assert_int_equal(h.count, 5);
	assert_int_equal(h.bucket[0], 1);
	assert_int_equal(h.bucket[1], 1);
	assert_int_equal(h.bucket[10], 1);
	assert_int_equal(h.bucket[11], 1);
	assert_int_equal(h.bucket[64], 1);
	assert_int_equal(tc_hist_percentile(&h, 100), UINT64_MAX);
}

static void test_percentiles(void **state)
{
	struct tc_hist h;
	unsigned i;

	(void)state;
	memset(&h, 0, sizeof(h));
	/* 98 fast samples (~1 us), 2 slow ones (~1 ms). */
	for (i = 0; i < 98; i++)
		tc_hist_add(&h, 1000);
	tc_hist_add(&h, 1000000);
	tc_hist_add(&h, 1000000);
	assert_int_equal(tc_hist_percentile(&h, 50), 1023);
	assert_int_equal(tc_hist_percentile(&h, 98), 1023);
	assert_int_equal(tc_hist_percentile(&h, 99), (1u << 20) - 1);
	assert_int_equal(tc_hist_percentile(&h, 0), 1023);
	assert_int_equal(tc_hist_percentile(&h, 250), (1u << 20) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buckets),
	    cmocka_unit_test(test_percentiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
