/* SPDX-License-Identifier: MIT */
/*
 * The model's DMA layer (hwmodel/tc_dma.c): reads and writes through the
 * bus, counted faults, zero-copy windows when the bus maps and bounce
 * buffers when it does not, the window size bound.
 */
#include "ops_fakebus.h"

static void test_read_write(void **state)
{
	struct fakebus *fb = *state;
	struct tc_dma *dma = &fb->dma;
	uint64_t a = fb_alloc(fb, 64);
	uint8_t buf[64];

	assert_int_equal(tc_dma_write(dma, a, "hello", 5), 0);
	assert_memory_equal(fb_ptr(fb, a), "hello", 5);
	assert_int_equal(tc_dma_read(dma, a, buf, 5), 0);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(atomic_load(&dma->faults), 0);

	assert_int_equal(tc_dma_read(dma, FB_BAD, buf, 1), -EFAULT);
	assert_int_equal(tc_dma_write(dma, FB_BAD, buf, 1), -EFAULT);
	/* Straddling the end of the region. */
	assert_int_equal(tc_dma_read(dma, FB_BASE + FB_SIZE - 4, buf, 8),
	                 -EFAULT);
	/* Wrapping the address space never reaches the bus. */
	assert_int_equal(tc_dma_read(dma, UINT64_MAX - 2, buf, 8), -EFAULT);
	assert_int_equal(atomic_load(&dma->faults), 4);
	/* Zero length: nothing to fault on. */
	assert_int_equal(tc_dma_read(dma, FB_BAD, buf, 0), 0);
	assert_int_equal(tc_dma_write(dma, FB_BAD, buf, 0), 0);
	assert_int_equal(atomic_load(&dma->faults), 4);
}

static void test_window_mapped(void **state)
{
	struct fakebus *fb = *state;
	struct tc_dma_window w;
	uint64_t a = fb_put(fb, "zero copy", 9);

	assert_int_equal(tc_dma_acquire(&fb->dma, a, 9, false, &w), 0);
	assert_false(w.bounced);
	assert_ptr_equal(w.ptr, fb_ptr(fb, a));
	assert_int_equal(w.len, 9);
	assert_int_equal(tc_dma_release(&fb->dma, &w), 0);
	assert_null(w.ptr);
	assert_int_equal(atomic_load(&fb->maps), 1);
	assert_int_equal(atomic_load(&fb->unmaps), 1);
	/* Releasing twice is harmless. */
	assert_int_equal(tc_dma_release(&fb->dma, &w), 0);
	assert_int_equal(atomic_load(&fb->unmaps), 1);
}

static void test_window_bounced(void **state)
{
	struct fakebus *fb = *state;
	struct tc_dma_window w;
	uint64_t a = fb_put(fb, "bounce me", 9);

	fb->map_ok = false;
	assert_int_equal(tc_dma_acquire(&fb->dma, a, 9, false, &w), 0);
	assert_true(w.bounced);
	assert_ptr_not_equal(w.ptr, fb_ptr(fb, a));
	assert_memory_equal(w.ptr, "bounce me", 9);
	assert_int_equal(tc_dma_release(&fb->dma, &w), 0);

	/* Writes reach host memory on release, not before. */
	assert_int_equal(tc_dma_acquire(&fb->dma, a, 9, true, &w), 0);
	memcpy(w.ptr, "flushed!!", 9);
	assert_memory_equal(fb_ptr(fb, a), "bounce me", 9);
	assert_int_equal(tc_dma_release(&fb->dma, &w), 0);
	assert_memory_equal(fb_ptr(fb, a), "flushed!!", 9);

	/* A bounced read of a bad range faults at acquire. */
	assert_int_equal(tc_dma_acquire(&fb->dma, FB_BAD, 9, false, &w),
	                 -EFAULT);
	assert_null(w.ptr);
	/* A bounced write of a bad range faults at release. */
	assert_int_equal(tc_dma_acquire(&fb->dma, FB_BAD, 9, true, &w), 0);
	assert_int_equal(tc_dma_release(&fb->dma, &w), -EFAULT);
	assert_int_equal(atomic_load(&fb->dma.faults), 2);
	assert_int_equal(atomic_load(&fb->maps), 0);
}

/* Without a dma_map callback at all. */
static void test_window_no_map_callback(void **state)
{
	struct fakebus *fb = *state;
	struct tc_dma_window w;
	uint64_t a = fb_put(fb, "abc", 3);

	fb->bus.dma_map = NULL;
	fb->bus.dma_unmap = NULL;
	assert_int_equal(tc_dma_acquire(&fb->dma, a, 3, false, &w), 0);
	assert_true(w.bounced);
	assert_memory_equal(w.ptr, "abc", 3);
	assert_int_equal(tc_dma_release(&fb->dma, &w), 0);
}

static void test_window_limits(void **state)
{
	struct fakebus *fb = *state;
	struct tc_dma_window w;

	/* A mapped-range failure (outside) falls back and faults. */
	assert_int_equal(tc_dma_acquire(&fb->dma, FB_BAD, 16, false, &w),
	                 -EFAULT);
	/* Bounded: more than 16 MiB is refused before anything else. */
	assert_int_equal(
	    tc_dma_acquire(&fb->dma, FB_BASE, (16u << 20) + 1, false, &w),
	    -ENOMEM);
	assert_null(w.ptr);
	assert_int_equal(tc_dma_acquire(&fb->dma, UINT64_MAX, 2, false, &w),
	                 -EFAULT);
	/* Zero length: an empty window, no map, no fault. */
	assert_int_equal(tc_dma_acquire(&fb->dma, FB_BAD, 0, true, &w), 0);
	assert_null(w.ptr);
	assert_int_equal(tc_dma_release(&fb->dma, &w), 0);
	assert_int_equal(atomic_load(&fb->maps), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fb_setup, fb_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_read_write),     T(test_window_mapped),
	    T(test_window_bounced), T(test_window_no_map_callback),
	    T(test_window_limits),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
