/* SPDX-License-Identifier: MIT */
/*
 * Telling the sanitizers about tlsd_task's stack switches.  swapcontext
 * moves the stack pointer behind their backs: ASan would see a task's
 * frames as the loop's (and report stack-buffer errors or lose its fake
 * stacks), TSan would mix the happens-before state of the loop and every
 * task.  Each switch is bracketed by the documented fiber hooks:
 *
 *   ASan: __sanitizer_start_switch_fiber() just before swapcontext, naming
 *   the stack switched to (a NULL save slot when the leaving task ends),
 *   and __sanitizer_finish_switch_fiber() first thing after it.
 *   TSan: a fiber per task (__tsan_create_fiber), __tsan_switch_to_fiber()
 *   just before swapcontext, __tsan_destroy_fiber() with the stack.
 *
 * Without a sanitizer every hook is an empty inline.
 */
#ifndef TLSD_TASK_SAN_H
#define TLSD_TASK_SAN_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define TLSD_TASK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TLSD_TASK_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define TLSD_TASK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TLSD_TASK_TSAN 1
#endif
#endif

#ifdef TLSD_TASK_ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef TLSD_TASK_TSAN
#include <sanitizer/tsan_interface.h>
#endif

/* About to switch to the stack [bottom, bottom + size); *save keeps the
 * leaving side's fake stack, NULL when the leaving side never resumes. */
static inline void tlsd_san_start_switch(void **save, const void *bottom,
                                         size_t size)
{
#ifdef TLSD_TASK_ASAN
	__sanitizer_start_switch_fiber(save, bottom, size);
#else
	(void)save;
	(void)bottom;
	(void)size;
#endif
}

/* Just switched in: restore save; old_bottom and old_size (may be NULL)
 * get the stack that was left. */
static inline void tlsd_san_finish_switch(void *save, const void **old_bottom,
                                          size_t *old_size)
{
#ifdef TLSD_TASK_ASAN
	__sanitizer_finish_switch_fiber(save, old_bottom, old_size);
#else
	(void)save;
	(void)old_bottom;
	(void)old_size;
#endif
}

static inline void *tlsd_san_fiber_create(void)
{
#ifdef TLSD_TASK_TSAN
	return __tsan_create_fiber(0);
#else
	return NULL;
#endif
}

static inline void *tlsd_san_fiber_current(void)
{
#ifdef TLSD_TASK_TSAN
	return __tsan_get_current_fiber();
#else
	return NULL;
#endif
}

static inline void tlsd_san_fiber_switch(void *fiber)
{
#ifdef TLSD_TASK_TSAN
	if (fiber)
		__tsan_switch_to_fiber(fiber, 0);
#else
	(void)fiber;
#endif
}

static inline void tlsd_san_fiber_destroy(void *fiber)
{
#ifdef TLSD_TASK_TSAN
	if (fiber)
		__tsan_destroy_fiber(fiber);
#else
	(void)fiber;
#endif
}

#endif /* TLSD_TASK_SAN_H */
