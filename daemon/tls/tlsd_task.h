/* SPDX-License-Identifier: MIT */
/*
 * Parkable tasks for the event loop: a connection's step runs on a stack
 * of its own, so a card op deep inside the TLS engine can suspend it
 * (park) while its job is in flight and the loop serves other
 * connections; the loop resumes it once the job completed.  The engine
 * keeps its synchronous shape: the call simply returns later.
 *
 * One thread: the loop, and the tasks it runs in turn.  A task runs until
 * its function returns or it parks; nothing preempts it.
 */
#ifndef TLSD_TASK_H
#define TLSD_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

struct tlsd_sched;

struct tlsd_task {
	ucontext_t uc;
	void *stack; /* kept across runs; freed by tlsd_task_free */
	size_t stack_len;
	void (*fn)(void *arg);
	void *arg;
	bool active;   /* started and not returned (running or parked) */
	bool parked;   /* suspended, on the scheduler's list */
	bool runnable; /* woken: resume it in the next pass */
	uint64_t deadline_ns;
	struct tlsd_task *next;
	/* Sanitizer state (tlsd_task_san.h): ASan's fake stack while
	 * switched out, the TSan fiber; NULL without sanitizers. */
	void *asan_fake;
	void *tsan_fiber;
};

struct tlsd_sched {
	ucontext_t loop;
	struct tlsd_task *current; /* NULL while the loop itself runs */
	struct tlsd_task *parked;
	unsigned nparked, nrunnable;
	unsigned max_parked; /* most tasks parked at once */
	uint64_t parks, resumes;
	/* The loop's side for the sanitizers: its stack and fiber. */
	void *asan_fake;
	const void *loop_bottom;
	size_t loop_size;
	void *tsan_loop;
};

/* Run fn(arg) as t until it returns or parks.  0, or -errno when no stack
 * could be made (then nothing ran: the caller runs fn itself). */
int tlsd_task_run(struct tlsd_sched *s, struct tlsd_task *t,
                  void (*fn)(void *arg), void *arg);
void tlsd_task_free(struct tlsd_task *t);
/* Inside a task: suspend it until tlsd_task_wake or the deadline. */
void tlsd_task_park(struct tlsd_sched *s, struct tlsd_task *t,
                    uint64_t deadline_ns);
void tlsd_task_wake(struct tlsd_sched *s, struct tlsd_task *t);
/* Resume every parked task that was woken or whose deadline passed;
 * returns how many ran. */
unsigned tlsd_sched_resume(struct tlsd_sched *s, uint64_t now_ns);
/* Milliseconds the loop may sleep for the parked tasks' sake: 0 with a
 * runnable one, else up to cap until the nearest deadline; -1 if none. */
int tlsd_sched_timeout(const struct tlsd_sched *s, uint64_t now_ns, int cap);

#endif /* TLSD_TASK_H */
