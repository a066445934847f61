/* SPDX-License-Identifier: MIT */
/*
 * IOVA allocation (tc_iova.c) and the sim domain's table (tc_sim_domain.c):
 * guard pages, first-fit reuse, and bounds checks that reject every range
 * not wholly inside one mapping, including ones that wrap 2^64.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tc_driver_internal.h"

static void test_alloc_guard_pages(void **state)
{
	struct tc_iova_space s;
	uint64_t a, b, c;

	(void)state;
	tc_iova_init(&s, TC_IOVA_BASE, TC_IOVA_LIMIT);
	assert_int_equal(tc_iova_alloc(&s, 1, &a), 0);
	assert_int_equal(a, TC_IOVA_BASE);
	/* One page used, one guard page, then the next range. */
	assert_int_equal(tc_iova_alloc(&s, 4096, &b), 0);
	assert_int_equal(b, a + 4096 + TC_IOVA_GUARD);
	assert_int_equal(tc_iova_alloc(&s, 4097, &c), 0);
	assert_int_equal(c, b + 4096 + TC_IOVA_GUARD);
	assert_int_equal(c % 4096, 0);
	tc_iova_fini(&s);
}

static void test_alloc_reuse_first_fit(void **state)
{
	struct tc_iova_space s;
	uint64_t a, b, c, d;

	(void)state;
	tc_iova_init(&s, TC_IOVA_BASE, TC_IOVA_LIMIT);
	assert_int_equal(tc_iova_alloc(&s, 8192, &a), 0);
	assert_int_equal(tc_iova_alloc(&s, 4096, &b), 0);
	assert_int_equal(tc_iova_alloc(&s, 4096, &c), 0);
	assert_int_equal(tc_iova_free(&s, a), 0);
	assert_int_equal(tc_iova_free(&s, a), -ENOENT);
	assert_int_equal(tc_iova_free(&s, a + 4096), -ENOENT);
	/* A page fits in the hole left by a (two pages + guard). */
	assert_int_equal(tc_iova_alloc(&s, 4096, &d), 0);
	assert_int_equal(d, a);
	/* Three pages do not: they go after c. */
	assert_int_equal(tc_iova_alloc(&s, 3 * 4096, &d), 0);
	assert_int_equal(d, c + 4096 + TC_IOVA_GUARD);
	tc_iova_fini(&s);
}

static void test_alloc_limits(void **state)
{
	struct tc_iova_space s;
	uint64_t a;

	(void)state;
	tc_iova_init(&s, 0x100000, 0x100000 + 4 * 4096);
	assert_int_equal(tc_iova_alloc(&s, 0, &a), -EINVAL);
	assert_int_equal(tc_iova_alloc(&s, UINT64_MAX, &a), -ENOMEM);
	assert_int_equal(tc_iova_alloc(&s, UINT64_MAX - 100, &a), -ENOMEM);
	/* Two pages + guard leave one page, which cannot hold page + guard. */
	assert_int_equal(tc_iova_alloc(&s, 2 * 4096, &a), 0);
	assert_int_equal(tc_iova_alloc(&s, 4096, &a), -ENOMEM);
	tc_iova_fini(&s);
}

struct dom_fixture {
	struct tc_sim_domain *d;
	unsigned char a[8192], b[4096];
};

static int dom_setup(void **state)
{
	struct dom_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(tc_sim_domain_create(&f->d), 0);
	/* a at 0x10000000 (2 pages), guard, b at 0x10003000 (1 page). */
	assert_int_equal(tc_sim_domain_insert(f->d, 0x10000000, 8192, f->a), 0);
	assert_int_equal(tc_sim_domain_insert(f->d, 0x10003000, 4096, f->b), 0);
	*state = f;
	return 0;
}

static int dom_teardown(void **state)
{
	struct dom_fixture *f = *state;

	tc_sim_domain_destroy(f->d);
	free(f);
	return 0;
}

static void test_domain_bounds(void **state)
{
	struct dom_fixture *f = *state;
	unsigned char buf[64];

	memset(f->a, 0xaa, sizeof(f->a));
	assert_int_equal(tc_sim_domain_read(f->d, 0x10000000, buf, 64), 0);
	assert_int_equal(buf[0], 0xaa);
	/* Last byte of a, and a range ending exactly at its end. */
	assert_int_equal(tc_sim_domain_read(f->d, 0x10001fff, buf, 1), 0);
	assert_int_equal(tc_sim_domain_read(f->d, 0x10001fc0, buf, 64), 0);
	/* One byte past: the guard page. */
	assert_int_equal(tc_sim_domain_read(f->d, 0x10001fc1, buf, 64),
	                 -EFAULT);
	assert_int_equal(tc_sim_domain_read(f->d, 0x10002000, buf, 1), -EFAULT);
	assert_int_equal(tc_sim_domain_write(f->d, 0x10002800, buf, 8),
	                 -EFAULT);
	/* Straddling a's end, the guard and b's start. */
	assert_int_equal(tc_sim_domain_read(f->d, 0x10001000, buf, 0), 0);
	assert_null(tc_sim_domain_map(f->d, 0x10001000, 0x2100));
	/* Below every mapping. */
	assert_int_equal(tc_sim_domain_read(f->d, 0x0fffffff, buf, 2), -EFAULT);
	assert_int_equal(tc_sim_domain_read(f->d, 0, buf, 1), -EFAULT);
}

static void test_domain_zero_and_wrap(void **state)
{
	struct dom_fixture *f = *state;
	unsigned char buf[16];

	/* Zero length: valid at a mapped address, a fault elsewhere. */
	assert_int_equal(tc_sim_domain_read(f->d, 0x10003000, buf, 0), 0);
	assert_int_equal(tc_sim_domain_read(f->d, 0x10004000, buf, 0), -EFAULT);
	assert_null(tc_sim_domain_map(f->d, 0x10003000, 0));
	/* Lengths that would wrap 2^64 from a mapped address. */
	assert_int_equal(tc_sim_domain_read(f->d, 0x10003000, buf, SIZE_MAX),
	                 -EFAULT);
	assert_null(tc_sim_domain_map(f->d, 0x10003008, SIZE_MAX - 7));
	assert_int_equal(tc_sim_domain_read(f->d, UINT64_MAX - 7, buf, 16),
	                 -EFAULT);
	/* Mappings that would wrap are refused. */
	assert_int_equal(
	    tc_sim_domain_insert(f->d, UINT64_MAX - 4095, 8192, buf), -EINVAL);
	assert_int_equal(tc_sim_domain_insert(f->d, 0x20000000, 0, buf),
	                 -EINVAL);
}

static void test_domain_map_overlap_remove(void **state)
{
	struct dom_fixture *f = *state;
	unsigned char buf[8] = {1, 2, 3, 4, 5, 6, 7, 8}, c[16];

	/* Zero copy: the host address itself. */
	assert_ptr_equal(tc_sim_domain_map(f->d, 0x10000010, 16), f->a + 16);
	assert_ptr_equal(tc_sim_domain_map(f->d, 0x10003ff0, 16), f->b + 4080);
	assert_int_equal(tc_sim_domain_write(f->d, 0x10003004, buf, 8), 0);
	assert_memory_equal(f->b + 4, buf, 8);
	/* Overlaps refused, either side. */
	assert_int_equal(tc_sim_domain_insert(f->d, 0x10001000, 4096, c),
	                 -EEXIST);
	assert_int_equal(tc_sim_domain_insert(f->d, 0x0ffff000, 8192, c),
	                 -EEXIST);
	assert_int_equal(tc_sim_domain_insert(f->d, 0x10002000, 4096, c), 0);
	assert_int_equal(tc_sim_domain_count(f->d), 3);
	/* Remove needs the exact range. */
	assert_int_equal(tc_sim_domain_remove(f->d, 0x10002000, 4095), -ENOENT);
	assert_int_equal(tc_sim_domain_remove(f->d, 0x10002000, 4096), 0);
	assert_int_equal(tc_sim_domain_remove(f->d, 0x10003000, 4096), 0);
	assert_int_equal(tc_sim_domain_read(f->d, 0x10003004, c, 4), -EFAULT);
	assert_int_equal(tc_sim_domain_count(f->d), 1);
}

/*
 * Map lookups are served from a per-thread copy of the last mapping hit:
 * it must keep the exact bounds and never outlive a remove, even when the
 * same iova is mapped again to another buffer, or a new domain reuses the
 * old one's memory.
 */
static void test_domain_map_cache(void **state)
{
	struct dom_fixture *f = *state;
	unsigned char other[4096];
	struct tc_sim_domain *d2;

	/* Fill the cache with a, then probe its edges through the cache. */
	assert_ptr_equal(tc_sim_domain_map(f->d, 0x10000000, 16), f->a);
	assert_ptr_equal(tc_sim_domain_map(f->d, 0x10001ff0, 16), f->a + 8176);
	assert_null(tc_sim_domain_map(f->d, 0x10001ff0, 17));
	assert_null(tc_sim_domain_map(f->d, 0x0ffffff0, 16));
	assert_null(tc_sim_domain_map(f->d, 0x10002000, 1));
	/* b still found after a miss on a, and then cached. */
	assert_ptr_equal(tc_sim_domain_map(f->d, 0x10003000, 4096), f->b);
	assert_ptr_equal(tc_sim_domain_map(f->d, 0x10003001, 8), f->b + 1);
	/* Removed: the cached copy must not hand out the old pointer. */
	assert_int_equal(tc_sim_domain_remove(f->d, 0x10003000, 4096), 0);
	assert_null(tc_sim_domain_map(f->d, 0x10003001, 8));
	/* Mapped again elsewhere: the new buffer, not the old one. */
	assert_int_equal(tc_sim_domain_insert(f->d, 0x10003000, 4096, other),
	                 0);
	assert_ptr_equal(tc_sim_domain_map(f->d, 0x10003001, 8), other + 1);
	/* A new domain (maybe at the old one's address) starts empty. */
	tc_sim_domain_destroy(f->d);
	assert_int_equal(tc_sim_domain_create(&d2), 0);
	f->d = d2;
	assert_null(tc_sim_domain_map(d2, 0x10003001, 8));
	assert_null(tc_sim_domain_map(d2, 0x10000000, 16));
}

/* Engines look up while the host maps and unmaps (run under TSan). */
struct reader_arg {
	struct tc_sim_domain *d;
	unsigned faults, hits;
};

static void *reader(void *p)
{
	struct reader_arg *r = p;
	unsigned char buf[32];
	unsigned i;

	for (i = 0; i < 20000; i++) {
		uint64_t addr = 0x10000000 + (i % 8) * 0x2000;

		if (tc_sim_domain_read(r->d, addr, buf, sizeof(buf)))
			r->faults++;
		else
			r->hits++;
		/* And through the lock-free map cache (the engines' path). */
		if (tc_sim_domain_map(r->d, addr + 8, 16))
			r->hits++;
	}
	return NULL;
}

static void test_domain_concurrent(void **state)
{
	static unsigned char mem[8][4096];
	struct tc_sim_domain *d;
	struct reader_arg ra[2];
	pthread_t th[2];
	unsigned i, k;

	(void)state;
	assert_int_equal(tc_sim_domain_create(&d), 0);
	for (k = 0; k < 2; k++) {
		ra[k] = (struct reader_arg){.d = d};
		assert_int_equal(pthread_create(&th[k], NULL, reader, &ra[k]),
		                 0);
	}
	for (i = 0; i < 2000; i++) {
		uint64_t iova = 0x10000000 + (i % 8) * 0x2000;

		assert_int_equal(
		    tc_sim_domain_insert(d, iova, 4096, mem[i % 8]), 0);
		assert_int_equal(tc_sim_domain_remove(d, iova, 4096), 0);
	}
	for (k = 0; k < 2; k++)
		pthread_join(th[k], NULL);
	assert_true(ra[0].faults + ra[0].hits >= 20000);
	tc_sim_domain_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alloc_guard_pages),
	    cmocka_unit_test(test_alloc_reuse_first_fit),
	    cmocka_unit_test(test_alloc_limits),
	    cmocka_unit_test_setup_teardown(test_domain_bounds, dom_setup,
	                                    dom_teardown),
	    cmocka_unit_test_setup_teardown(test_domain_zero_and_wrap,
	                                    dom_setup, dom_teardown),
	    cmocka_unit_test_setup_teardown(test_domain_map_overlap_remove,
	                                    dom_setup, dom_teardown),
	    cmocka_unit_test_setup_teardown(test_domain_map_cache, dom_setup,
	                                    dom_teardown),
	    cmocka_unit_test(test_domain_concurrent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
