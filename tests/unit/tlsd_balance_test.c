// SPDX-License-Identifier: MIT
/*
 * The backend pool's decisions (daemon/tls/tlsd_balance.c): the
 * least-connections choice and the fall/rise health state machine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tlsd_balance.h"

static struct tlsd_lb_node up_node(unsigned active)
{
	return (struct tlsd_lb_node){.up = true, .active = active};
}

static void test_fewest_active_wins(void **state)
{
	struct tlsd_lb_node n[3] = {up_node(5), up_node(2), up_node(7)};
	unsigned cursor = 0;

	(void)state;
	assert_int_equal(tlsd_lb_choose(n, 3, 0, &cursor), 1);
	n[1].active = 9;
	assert_int_equal(tlsd_lb_choose(n, 3, 0, &cursor), 0);
}

static void test_ties_take_turns(void **state)
{
	struct tlsd_lb_node n[3] = {up_node(0), up_node(0), up_node(0)};
	unsigned cursor = 0, seen[3] = {0, 0, 0};

	(void)state;
	/* Equal loads that never change (short connections): in turn. */
	for (unsigned i = 0; i < 9; i++)
		seen[tlsd_lb_choose(n, 3, 0, &cursor)]++;
	assert_int_equal(seen[0], 3);
	assert_int_equal(seen[1], 3);
	assert_int_equal(seen[2], 3);
}

static void test_loads_even_out(void **state)
{
	struct tlsd_lb_node n[3] = {up_node(0), up_node(0), up_node(0)};
	unsigned cursor = 0;

	(void)state;
	/* Long connections: each choice adds one; the spread stays even. */
	for (unsigned i = 0; i < 12; i++)
		n[tlsd_lb_choose(n, 3, 0, &cursor)].active++;
	assert_int_equal(n[0].active, 4);
	assert_int_equal(n[1].active, 4);
	assert_int_equal(n[2].active, 4);
	/* One drains: every new connection goes there until it catches up. */
	n[0].active = 0;
	for (unsigned i = 0; i < 4; i++) {
		int k = tlsd_lb_choose(n, 3, 0, &cursor);

		assert_int_equal(k, 0);
		n[k].active++;
	}
}

static void test_down_and_excluded_are_skipped(void **state)
{
	struct tlsd_lb_node n[3] = {up_node(0), up_node(8), up_node(9)};
	unsigned cursor = 0;

	(void)state;
	n[0].up = false;
	assert_int_equal(tlsd_lb_choose(n, 3, 0, &cursor), 1);
	/* Bit 1: tried already for this client. */
	assert_int_equal(tlsd_lb_choose(n, 3, 1u << 1, &cursor), 2);
	/* Only a down one left: still tried rather than refusing. */
	assert_int_equal(tlsd_lb_choose(n, 3, (1u << 1) | (1u << 2), &cursor),
	                 0);
	assert_int_equal(tlsd_lb_choose(n, 3, 7, &cursor), -1);
	assert_int_equal(tlsd_lb_choose(n, 0, 0, &cursor), -1);
	assert_int_equal(tlsd_lb_choose(n, 33, 0, &cursor), -1);
}

static void test_up_nodes_before_down_ones(void **state)
{
	struct tlsd_lb_node n[2] = {up_node(100), up_node(0)};
	unsigned cursor = 0;

	(void)state;
	n[1].up = false;
	/* A loaded live backend beats an idle dead one. */
	assert_int_equal(tlsd_lb_choose(n, 2, 0, &cursor), 0);
}

static void test_fall_takes_down(void **state)
{
	struct tlsd_health_rule rule = {.fall = 3, .rise = 2};
	struct tlsd_lb_node n = up_node(0);

	(void)state;
	assert_int_equal(tlsd_lb_check(&n, false, &rule), TLSD_LB_SAME);
	assert_int_equal(tlsd_lb_check(&n, false, &rule), TLSD_LB_SAME);
	/* A success in between starts the count again. */
	assert_int_equal(tlsd_lb_check(&n, true, &rule), TLSD_LB_SAME);
	assert_int_equal(tlsd_lb_check(&n, false, &rule), TLSD_LB_SAME);
	assert_int_equal(tlsd_lb_check(&n, false, &rule), TLSD_LB_SAME);
	assert_true(n.up);
	assert_int_equal(tlsd_lb_check(&n, false, &rule), TLSD_LB_WENT_DOWN);
	assert_false(n.up);
	assert_int_equal(tlsd_lb_check(&n, false, &rule), TLSD_LB_SAME);
	assert_false(n.up);
}

static void test_rise_brings_back(void **state)
{
	struct tlsd_health_rule rule = {.fall = 1, .rise = 2};
	struct tlsd_lb_node n = up_node(0);

	(void)state;
	assert_int_equal(tlsd_lb_check(&n, false, &rule), TLSD_LB_WENT_DOWN);
	assert_int_equal(tlsd_lb_check(&n, true, &rule), TLSD_LB_SAME);
	assert_int_equal(tlsd_lb_check(&n, false, &rule), TLSD_LB_SAME);
	assert_int_equal(tlsd_lb_check(&n, true, &rule), TLSD_LB_SAME);
	assert_false(n.up);
	assert_int_equal(tlsd_lb_check(&n, true, &rule), TLSD_LB_WENT_UP);
	assert_true(n.up);
	assert_int_equal(tlsd_lb_check(&n, true, &rule), TLSD_LB_SAME);
}

static void test_failure_in_use_is_down_at_once(void **state)
{
	struct tlsd_health_rule rule = {.fall = 3, .rise = 2};
	struct tlsd_lb_node n = up_node(4);

	(void)state;
	/* Two good checks in a row already: the failure still counts. */
	tlsd_lb_check(&n, true, &rule);
	tlsd_lb_check(&n, true, &rule);
	assert_int_equal(tlsd_lb_fail_now(&n), TLSD_LB_WENT_DOWN);
	assert_false(n.up);
	assert_int_equal(tlsd_lb_fail_now(&n), TLSD_LB_SAME);
	/* It needs rise fresh good checks to return. */
	assert_int_equal(tlsd_lb_check(&n, true, &rule), TLSD_LB_SAME);
	assert_int_equal(tlsd_lb_check(&n, true, &rule), TLSD_LB_WENT_UP);
}

static void test_zero_thresholds_mean_one(void **state)
{
	struct tlsd_health_rule rule = {.fall = 0, .rise = 0};
	struct tlsd_lb_node n = up_node(0);

	(void)state;
	assert_int_equal(tlsd_lb_check(&n, false, &rule), TLSD_LB_WENT_DOWN);
	assert_int_equal(tlsd_lb_check(&n, true, &rule), TLSD_LB_WENT_UP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fewest_active_wins),
	    cmocka_unit_test(test_ties_take_turns),
	    cmocka_unit_test(test_loads_even_out),
	    cmocka_unit_test(test_down_and_excluded_are_skipped),
	    cmocka_unit_test(test_up_nodes_before_down_ones),
	    cmocka_unit_test(test_fall_takes_down),
	    cmocka_unit_test(test_rise_brings_back),
	    cmocka_unit_test(test_failure_in_use_is_down_at_once),
	    cmocka_unit_test(test_zero_thresholds_mean_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
