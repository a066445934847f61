/* SPDX-License-Identifier: MIT */
/*
 * DMA memory: page-aligned anonymous mappings with an IOVA each, mapped for
 * every card of the context; and buffer pools carved from one of them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tc_driver_internal.h"

int tc_dma_alloc(struct tc_ctx *ctx, size_t len, struct tc_dma_buf *out)
{
	size_t maplen;
	uint64_t iova;
	void *va;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!len || len > TC_IOVA_LIMIT)
		return -EINVAL;
	maplen = (len + TC_PAGE_SIZE - 1) & ~(size_t)(TC_PAGE_SIZE - 1);
	ret = tc_iova_alloc(&ctx->iova, maplen, &iova);
	if (ret)
		return ret;
	/* Anonymous mappings are zeroed and page-aligned. */
	va = mmap(NULL, maplen, PROT_READ | PROT_WRITE,
	          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (va == MAP_FAILED) {
		tc_iova_free(&ctx->iova, iova);
		return -ENOMEM;
	}
	ret = tc_ctx_buf_add(ctx, va, iova, maplen);
	if (ret) {
		munmap(va, maplen);
		tc_iova_free(&ctx->iova, iova);
		return ret;
	}
	out->va = va;
	out->iova = iova;
	out->len = len;
	return 0;
}

void tc_dma_free(struct tc_ctx *ctx, struct tc_dma_buf *buf)
{
	long i;

	if (!buf || !buf->va)
		return;
	i = tc_ctx_buf_find(ctx, buf->va);
	if (i < 0 || ctx->bufs[i].va != buf->va) {
		fprintf(stderr, "tlscard: tc_dma_free of unknown buffer %p\n",
		        buf->va);
		return;
	}
	/* Unmap from the domain first, so the card faults rather than
	 * touching freed memory. */
	tc_ctx_buf_remove(ctx, (size_t)i);
	tc_iova_free(&ctx->iova, buf->iova);
	munmap(buf->va,
	       (buf->len + TC_PAGE_SIZE - 1) & ~(size_t)(TC_PAGE_SIZE - 1));
	memset(buf, 0, sizeof(*buf));
}

uint64_t tc_dma_iova(struct tc_ctx *ctx, const void *va)
{
	long i = tc_ctx_buf_find(ctx, va);

	if (i < 0)
		return 0;
	return ctx->bufs[i].iova + ((uintptr_t)va - (uintptr_t)ctx->bufs[i].va);
}

/* ---- buffer pools ------------------------------------------------------ */

struct tc_bufpool {
	struct tc_ctx *ctx;
	struct tc_dma_buf mem;
	size_t stride; /* bufsize rounded up to a cache line */
	unsigned count, nfree;
	unsigned *free_idx;     /* stack */
	unsigned char *is_free; /* catches double puts */
};

int tc_bufpool_create(struct tc_ctx *ctx, size_t bufsize, unsigned count,
                      struct tc_bufpool **out)
{
	struct tc_bufpool *bp;
	unsigned i;
	int ret;

	if (!bufsize || !count || bufsize > ((size_t)1 << 30))
		return -EINVAL;
	bp = calloc(1, sizeof(*bp));
	if (!bp)
		return -ENOMEM;
	bp->ctx = ctx;
	bp->stride = (bufsize + 63) & ~(size_t)63;
	if (bp->stride > TC_IOVA_LIMIT / count) {
		free(bp);
		return -EINVAL;
	}
	bp->count = count;
	bp->free_idx = calloc(count, sizeof(*bp->free_idx));
	bp->is_free = calloc(count, 1);
	if (!bp->free_idx || !bp->is_free) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = tc_dma_alloc(ctx, bp->stride * count, &bp->mem);
	if (ret)
		goto fail;
	/* Hand out low addresses first. */
	for (i = 0; i < count; i++) {
		bp->free_idx[i] = count - 1 - i;
		bp->is_free[i] = 1;
	}
	bp->nfree = count;
	*out = bp;
	return 0;
fail:
	free(bp->free_idx);
	free(bp->is_free);
	free(bp);
	return ret;
}

void tc_bufpool_destroy(struct tc_bufpool *bp)
{
	if (!bp)
		return;
	tc_dma_free(bp->ctx, &bp->mem);
	free(bp->free_idx);
	free(bp->is_free);
	free(bp);
}

void *tc_bufpool_get(struct tc_bufpool *bp, uint64_t *iova)
{
	unsigned i;

	if (!bp->nfree)
		return NULL;
	i = bp->free_idx[--bp->nfree];
	bp->is_free[i] = 0;
	if (iova)
		*iova = bp->mem.iova + (uint64_t)i * bp->stride;
	return (unsigned char *)bp->mem.va + (size_t)i * bp->stride;
}

void tc_bufpool_put(struct tc_bufpool *bp, void *buf)
{
	uintptr_t off = (uintptr_t)buf - (uintptr_t)bp->mem.va;
	unsigned i;

	if (!buf)
		return;
	if (off % bp->stride || off / bp->stride >= bp->count) {
		fprintf(stderr, "tlscard: bufpool put of foreign buffer %p\n",
		        buf);
		return;
	}
	i = (unsigned)(off / bp->stride);
	if (bp->is_free[i]) {
		fprintf(stderr, "tlscard: bufpool double put of %p\n", buf);
		return;
	}
	bp->is_free[i] = 1;
	bp->free_idx[bp->nfree++] = i;
}

unsigned tc_bufpool_free_count(const struct tc_bufpool *bp)
{
	return bp->nfree;
}
