// SPDX-License-Identifier: MIT
/*
 * Parkable tasks on ucontext stacks (tlsd_task.h).  Stacks are mmap'd once
 * per task object (with a guard page below) and reused by the connection
 * object that owns the task, so a handshake costs no allocation.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tlsd_task.h"
#include "tlsd_task_san.h"

#define TLSD_TASK_STACK (256u * 1024u)

/* makecontext passes ints only: the scheduler of the running task. */
static struct tlsd_sched *tlsd_task_sched;

static void tlsd_task_entry(void)
{
	struct tlsd_sched *s = tlsd_task_sched;
	struct tlsd_task *t = s->current;

	/* Switched in from the loop: learn its stack for the way back. */
	tlsd_san_finish_switch(NULL, &s->loop_bottom, &s->loop_size);
	t->fn(t->arg);
	t->active = false;
	s->current = NULL;
	/* uc_link returns to the loop's context; this run's frames end
	 * (NULL: ASan may drop the task's fake stack). */
	tlsd_san_start_switch(NULL, s->loop_bottom, s->loop_size);
	tlsd_san_fiber_switch(s->tsan_loop);
}

static int tlsd_task_stack(struct tlsd_task *t)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (t->stack)
		return 0;
	p = mmap(NULL, TLSD_TASK_STACK, PROT_READ | PROT_WRITE,
	         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1,
	         0);
	if (p == MAP_FAILED)
		return -errno;
	/* An overflow faults instead of writing into a neighbour. */
	mprotect(p, (size_t)page, PROT_NONE);
	t->stack = p;
	t->stack_len = TLSD_TASK_STACK;
	t->tsan_fiber = tlsd_san_fiber_create();
	return 0;
}

/* Switch from the loop to t until it parks or returns. */
static void tlsd_task_enter(struct tlsd_sched *s, struct tlsd_task *t)
{
	tlsd_task_sched = s;
	s->current = t;
	if (!s->tsan_loop)
		s->tsan_loop = tlsd_san_fiber_current();
	tlsd_san_start_switch(&s->asan_fake, t->stack, t->stack_len);
	tlsd_san_fiber_switch(t->tsan_fiber);
	swapcontext(&s->loop, &t->uc);
	tlsd_san_finish_switch(s->asan_fake, NULL, NULL);
	s->current = NULL;
}

int tlsd_task_run(struct tlsd_sched *s, struct tlsd_task *t,
                  void (*fn)(void *arg), void *arg)
{
	int ret = tlsd_task_stack(t);

	if (ret)
		return ret;
	if (getcontext(&t->uc))
		return -errno;
	t->uc.uc_stack.ss_sp = t->stack;
	t->uc.uc_stack.ss_size = t->stack_len;
	t->uc.uc_link = &s->loop;
	makecontext(&t->uc, tlsd_task_entry, 0);
	t->fn = fn;
	t->arg = arg;
	t->active = true;
	t->parked = t->runnable = false;
	tlsd_task_enter(s, t);
	return 0;
}

void tlsd_task_free(struct tlsd_task *t)
{
	if (t->stack)
		munmap(t->stack, t->stack_len);
	t->stack = NULL;
	tlsd_san_fiber_destroy(t->tsan_fiber);
	t->tsan_fiber = NULL;
}

void tlsd_task_park(struct tlsd_sched *s, struct tlsd_task *t,
                    uint64_t deadline_ns)
{
	t->runnable = false;
	t->parked = true;
	t->deadline_ns = deadline_ns;
	t->next = s->parked;
	s->parked = t;
	s->parks++;
	if (++s->nparked > s->max_parked)
		s->max_parked = s->nparked;
	/* Back to the loop; tlsd_sched_resume switches here again. */
	tlsd_san_start_switch(&t->asan_fake, s->loop_bottom, s->loop_size);
	tlsd_san_fiber_switch(s->tsan_loop);
	swapcontext(&t->uc, &s->loop);
	tlsd_san_finish_switch(t->asan_fake, NULL, NULL);
}

void tlsd_task_wake(struct tlsd_sched *s, struct tlsd_task *t)
{
	/* A task not parked re-checks its jobs before it parks. */
	if (!t->parked || t->runnable)
		return;
	t->runnable = true;
	s->nrunnable++;
}

unsigned tlsd_sched_resume(struct tlsd_sched *s, uint64_t now_ns)
{
	struct tlsd_task *list = s->parked, *t;
	unsigned ran = 0;

	/* Tasks that park again while resumed go on the fresh list. */
	s->parked = NULL;
	while ((t = list)) {
		list = t->next;
		if (!t->runnable && now_ns < t->deadline_ns) {
			t->next = s->parked;
			s->parked = t;
			continue;
		}
		if (t->runnable)
			s->nrunnable--;
		t->runnable = false;
		t->parked = false;
		s->nparked--;
		s->resumes++;
		ran++;
		tlsd_task_enter(s, t);
	}
	return ran;
}

int tlsd_sched_timeout(const struct tlsd_sched *s, uint64_t now_ns, int cap)
{
	uint64_t next = UINT64_MAX;

	if (s->nrunnable)
		return 0;
	for (const struct tlsd_task *t = s->parked; t; t = t->next)
		if (t->deadline_ns < next)
			next = t->deadline_ns;
	if (next == UINT64_MAX)
		return -1;
	if (next <= now_ns)
		return 0;
	next = (next - now_ns + 999999) / 1000000;
	return next < (uint64_t)cap ? (int)next : cap;
}
