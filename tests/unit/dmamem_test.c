/* SPDX-License-Identifier: MIT */
/*
 * DMA memory (tc_dmamem.c) and the context (tc_ctx.c): buffers are
 * page-aligned, zeroed and mapped into the domain whenever one is
 * attached, even if they were allocated before it; buffer pools run dry
 * and refuse foreign or double puts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tc_driver_internal.h"

static void test_alloc_free_iova(void **state)
{
	struct tc_dma_buf a, b;
	struct tc_ctx *ctx;
	unsigned char zero[100] = {0};

	(void)state;
	assert_int_equal(tc_ctx_create(&ctx), 0);
	assert_int_equal(tc_dma_alloc(ctx, 0, &a), -EINVAL);
	assert_int_equal(tc_dma_alloc(ctx, 100, &a), 0);
	assert_int_equal(tc_dma_alloc(ctx, 5000, &b), 0);
	assert_int_equal((uintptr_t)a.va % 4096, 0);
	assert_int_equal(a.iova % 4096, 0);
	assert_int_equal(a.len, 100);
	assert_memory_equal(a.va, zero, sizeof(zero));
	/* Guard page between the two IOVA ranges. */
	assert_true(b.iova >= a.iova + 8192 || a.iova >= b.iova + 12288);
	assert_int_equal(tc_dma_iova(ctx, a.va), a.iova);
	assert_int_equal(tc_dma_iova(ctx, (char *)b.va + 4999), b.iova + 4999);
	/* Inside the mapped page tail, outside the buffer's pages. */
	assert_int_equal(tc_dma_iova(ctx, (char *)a.va + 4095), a.iova + 4095);
	/* Past b's pages: 0, unless mmap put a right there. */
	if ((char *)b.va + 8192 != (char *)a.va)
		assert_int_equal(tc_dma_iova(ctx, (char *)b.va + 8192), 0);
	else
		assert_int_equal(tc_dma_iova(ctx, (char *)b.va + 8192), a.iova);
	assert_int_equal(tc_dma_iova(ctx, (char *)b.va - 1),
	                 (char *)b.va - 1 == (char *)a.va + 4095 ? a.iova + 4095
	                                                         : 0);
	assert_int_equal(tc_dma_iova(ctx, zero), 0);
	tc_dma_free(ctx, &a);
	assert_null(a.va);
	tc_dma_free(ctx, &a); /* no-op */
	assert_int_equal(tc_dma_iova(ctx, b.va), b.iova);
	tc_ctx_destroy(ctx); /* frees b */
}

static void test_domain_attach_maps_earlier_buffers(void **state)
{
	struct tc_sim_domain *d;
	struct tc_dma_buf a, b;
	struct tc_ctx *ctx;
	uint32_t v = 0x11223344, r = 0;

	(void)state;
	assert_int_equal(tc_ctx_create(&ctx), 0);
	assert_int_equal(tc_dma_alloc(ctx, 64, &a), 0);
	assert_int_equal(tc_sim_domain_create(&d), 0);
	assert_int_equal(tc_ctx_attach_domain(ctx, &tc_sim_backend,
	                                      &tc_sim_domain_ops, d, NULL,
	                                      tc_sim_domain_seq(d)),
	                 0);
	assert_int_equal(tc_ctx_attach_domain(ctx, &tc_sim_backend,
	                                      &tc_sim_domain_ops, d, NULL,
	                                      NULL),
	                 -EBUSY);
	/* Allocated before the domain: mapped on attach. */
	assert_int_equal(tc_sim_domain_write(d, a.iova + 8, &v, 4), 0);
	assert_memory_equal((char *)a.va + 8, &v, 4);
	/* Allocated after: mapped at once. */
	assert_int_equal(tc_dma_alloc(ctx, 64, &b), 0);
	assert_int_equal(tc_sim_domain_read(d, b.iova, &r, 4), 0);
	assert_int_equal(tc_sim_domain_count(d), 2);
	/* Freed: unmapped before the memory goes. */
	tc_dma_free(ctx, &a);
	assert_int_equal(tc_sim_domain_count(d), 1);
	tc_ctx_detach_domain(ctx);
	assert_null(ctx->dom);
	assert_int_equal(tc_sim_domain_count(d), 0);
	tc_sim_domain_destroy(d);
	tc_ctx_destroy(ctx);
}

static void test_bufpool_exhaustion(void **state)
{
	struct tc_bufpool *bp;
	struct tc_ctx *ctx;
	void *p[4], *q;
	uint64_t iova[4];
	unsigned i;

	(void)state;
	assert_int_equal(tc_ctx_create(&ctx), 0);
	assert_int_equal(tc_bufpool_create(ctx, 0, 4, &bp), -EINVAL);
	assert_int_equal(tc_bufpool_create(ctx, 100, 0, &bp), -EINVAL);
	assert_int_equal(tc_bufpool_create(ctx, 100, 4, &bp), 0);
	assert_int_equal(tc_bufpool_free_count(bp), 4);
	for (i = 0; i < 4; i++) {
		p[i] = tc_bufpool_get(bp, &iova[i]);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 64, 0);
		assert_int_equal(tc_dma_iova(ctx, p[i]), iova[i]);
		memset(p[i], (int)i, 100); /* no overlap between buffers */
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(((unsigned char *)p[i])[99], i);
	assert_null(tc_bufpool_get(bp, NULL));
	assert_int_equal(tc_bufpool_free_count(bp), 0);
	tc_bufpool_put(bp, p[2]);
	tc_bufpool_put(bp, p[2]);             /* double put: ignored */
	tc_bufpool_put(bp, (char *)p[1] + 1); /* not a buffer start */
	tc_bufpool_put(bp, &i);               /* foreign */
	assert_int_equal(tc_bufpool_free_count(bp), 1);
	q = tc_bufpool_get(bp, NULL);
	assert_ptr_equal(q, p[2]);
	assert_null(tc_bufpool_get(bp, NULL));
	tc_bufpool_destroy(bp);
	tc_ctx_destroy(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alloc_free_iova),
	    cmocka_unit_test(test_domain_attach_maps_earlier_buffers),
	    cmocka_unit_test(test_bufpool_exhaustion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
