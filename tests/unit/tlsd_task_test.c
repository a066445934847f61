/* SPDX-License-Identifier: MIT */
/*
 * Parkable tasks (tlsd_task.c): a task runs until it parks or returns,
 * parked tasks resume when woken or at their deadline, each on its own
 * stack, and the loop's sleep follows them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tlsd_task.h"

struct probe {
	struct tlsd_sched *s;
	struct tlsd_task *t;
	int step;
	int parks; /* how often to park before returning */
	uint64_t deadline;
	int local_after; /* a stack variable read back after each park */
};

static void probe_fn(void *arg)
{
	struct probe *p = arg;
	int local = 1000 + p->parks;

	p->step = 1;
	for (int i = 0; i < p->parks; i++) {
		tlsd_task_park(p->s, p->t, p->deadline);
		p->step++;
	}
	p->local_after = local;
	p->step = 100;
}

static void test_runs_to_end_without_parking(void **state)
{
	struct tlsd_sched s = {0};
	struct tlsd_task t = {0};
	struct probe p = {.s = &s, .t = &t, .parks = 0};

	(void)state;
	assert_int_equal(tlsd_task_run(&s, &t, probe_fn, &p), 0);
	assert_int_equal(p.step, 100);
	assert_false(t.active);
	assert_null(s.current);
	assert_int_equal(tlsd_sched_timeout(&s, 0, 10), -1);
	tlsd_task_free(&t);
}

static void test_park_wake_resume(void **state)
{
	struct tlsd_sched s = {0};
	struct tlsd_task t = {0};
	struct probe p = {.s = &s, .t = &t, .parks = 2, .deadline = 1000000000};

	(void)state;
	assert_int_equal(tlsd_task_run(&s, &t, probe_fn, &p), 0);
	/* Parked: back in the loop, the task still active. */
	assert_int_equal(p.step, 1);
	assert_true(t.active && t.parked);
	assert_null(s.current);
	/* Not woken, deadline far: nothing resumes, the loop may sleep. */
	assert_int_equal(tlsd_sched_resume(&s, 0), 0);
	assert_int_equal(tlsd_sched_timeout(&s, 0, 10), 10);
	tlsd_task_wake(&s, &t);
	assert_int_equal(tlsd_sched_timeout(&s, 0, 10), 0);
	assert_int_equal(tlsd_sched_resume(&s, 0), 1);
	assert_int_equal(p.step, 2); /* parked again */
	tlsd_task_wake(&s, &t);
	assert_int_equal(tlsd_sched_resume(&s, 0), 1);
	assert_int_equal(p.step, 100);
	assert_int_equal(p.local_after, 1002); /* its stack survived */
	assert_false(t.active);
	assert_int_equal(s.nparked, 0);
	assert_int_equal(s.parks, 2);
	assert_int_equal(s.resumes, 2);
	assert_int_equal(s.max_parked, 1);
	tlsd_task_free(&t);
}

static void test_deadline_resumes(void **state)
{
	struct tlsd_sched s = {0};
	struct tlsd_task t = {0};
	struct probe p = {.s = &s, .t = &t, .parks = 1, .deadline = 5000000};

	(void)state;
	assert_int_equal(tlsd_task_run(&s, &t, probe_fn, &p), 0);
	/* 3 ms before the deadline: sleep at most 3 ms. */
	assert_int_equal(tlsd_sched_timeout(&s, 2000000, 10), 3);
	assert_int_equal(tlsd_sched_resume(&s, 4999999), 0);
	assert_int_equal(tlsd_sched_resume(&s, 5000000), 1);
	assert_int_equal(p.step, 100);
	tlsd_task_free(&t);
}

/* A wake for a task that is not parked is dropped: it re-checks its jobs
 * before parking, and the runnable count stays exact. */
static void test_wake_unparked_ignored(void **state)
{
	struct tlsd_sched s = {0};
	struct tlsd_task t = {0};

	(void)state;
	tlsd_task_wake(&s, &t);
	assert_false(t.runnable);
	assert_int_equal(s.nrunnable, 0);
}

static void test_many_interleave(void **state)
{
	struct tlsd_sched s = {0};
	struct tlsd_task t[8];
	struct probe p[8];

	(void)state;
	memset(t, 0, sizeof(t));
	for (int i = 0; i < 8; i++) {
		p[i] = (struct probe){.s = &s,
		                      .t = &t[i],
		                      .parks = 1 + i % 3,
		                      .deadline = UINT64_MAX};
		assert_int_equal(tlsd_task_run(&s, &t[i], probe_fn, &p[i]), 0);
	}
	assert_int_equal(s.nparked, 8);
	assert_int_equal(s.max_parked, 8);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 8; i += 2)
			tlsd_task_wake(&s, &t[i]);
		tlsd_sched_resume(&s, 0);
	}
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 8; i++)
			tlsd_task_wake(&s, &t[i]);
		tlsd_sched_resume(&s, 0);
	}
	for (int i = 0; i < 8; i++) {
		assert_int_equal(p[i].step, 100);
		assert_int_equal(p[i].local_after, 1000 + 1 + i % 3);
		tlsd_task_free(&t[i]);
	}
	assert_int_equal(s.nparked, 0);
	assert_int_equal(s.nrunnable, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_runs_to_end_without_parking),
	    cmocka_unit_test(test_park_wake_resume),
	    cmocka_unit_test(test_deadline_resumes),
	    cmocka_unit_test(test_wake_unparked_ignored),
	    cmocka_unit_test(test_many_interleave),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
