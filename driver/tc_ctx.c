/* SPDX-License-Identifier: MIT */
/*
 * The context: one DMA address space shared by every card opened in it.
 *
 * Buffers can be allocated before any card exists; they get IOVAs at once
 * and are mapped into the domain when the first card's backend attaches
 * it, so a job built against an IOVA stays valid on every card, present
 * and future (one VFIO container, one sim table).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tc_driver_internal.h"

int tc_ctx_create(struct tc_ctx **out)
{
	struct tc_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return -ENOMEM;
	tc_iova_init(&ctx->iova, TC_IOVA_BASE, TC_IOVA_LIMIT);
	*out = ctx;
	return 0;
}

void tc_ctx_destroy(struct tc_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->ncards) {
		/* The cards' engines may still DMA: leaking beats a crash. */
		fprintf(stderr,
		        "tlscard: tc_ctx_destroy with %u card(s) open; "
		        "leaking the context\n",
		        ctx->ncards);
		return;
	}
	if (ctx->dom)
		tc_ctx_detach_domain(ctx);
	while (ctx->nbufs) {
		struct tc_dma_rec *r = &ctx->bufs[ctx->nbufs - 1];

		munmap(r->va, r->len);
		tc_iova_free(&ctx->iova, r->iova);
		ctx->nbufs--;
	}
	free(ctx->bufs);
	tc_iova_fini(&ctx->iova);
	free(ctx);
}

int tc_ctx_attach_domain(struct tc_ctx *ctx,
                         const struct tc_backend_ops *backend,
                         const struct tc_domain_ops *dom, void *priv,
                         void (*release)(struct tc_ctx *ctx),
                         atomic_uint_fast64_t *dma_seq)
{
	size_t i;
	int ret;

	if (ctx->dom)
		return -EBUSY;
	ctx->dom = dom;
	ctx->dom_backend = backend;
	ctx->dom_priv = priv;
	ctx->dom_release = release;
	ctx->dma_seq = dma_seq;
	for (i = 0; i < ctx->nbufs; i++) {
		struct tc_dma_rec *r = &ctx->bufs[i];

		ret = dom->map(ctx, r->va, r->len, r->iova);
		if (ret)
			goto unwind;
	}
	return 0;

unwind:
	while (i--)
		dom->unmap(ctx, ctx->bufs[i].iova, ctx->bufs[i].len);
	ctx->dom = NULL;
	ctx->dom_backend = NULL;
	ctx->dom_priv = NULL;
	ctx->dom_release = NULL;
	ctx->dma_seq = NULL;
	return ret;
}

void tc_ctx_detach_domain(struct tc_ctx *ctx)
{
	size_t i;

	if (!ctx->dom)
		return;
	for (i = 0; i < ctx->nbufs; i++)
		ctx->dom->unmap(ctx, ctx->bufs[i].iova, ctx->bufs[i].len);
	if (ctx->dom_release)
		ctx->dom_release(ctx);
	ctx->dom = NULL;
	ctx->dom_backend = NULL;
	ctx->dom_priv = NULL;
	ctx->dom_release = NULL;
	ctx->dma_seq = NULL;
}

/* Index of the first buffer with va > p. */
static size_t tc_ctx_buf_upper(const struct tc_ctx *ctx, const void *p)
{
	size_t lo = 0, hi = ctx->nbufs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((uintptr_t)ctx->bufs[mid].va <= (uintptr_t)p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

long tc_ctx_buf_find(const struct tc_ctx *ctx, const void *va)
{
	size_t i = tc_ctx_buf_upper(ctx, va);
	const struct tc_dma_rec *r;

	if (i == 0)
		return -1;
	r = &ctx->bufs[i - 1];
	if ((uintptr_t)va - (uintptr_t)r->va >= r->len)
		return -1;
	return (long)(i - 1);
}

int tc_ctx_buf_add(struct tc_ctx *ctx, void *va, uint64_t iova, size_t len)
{
	size_t i;
	int ret;

	if (ctx->nbufs == ctx->bufs_cap) {
		size_t cap = ctx->bufs_cap ? ctx->bufs_cap * 2 : 32;
		struct tc_dma_rec *b = realloc(ctx->bufs, cap * sizeof(*b));

		if (!b)
			return -ENOMEM;
		ctx->bufs = b;
		ctx->bufs_cap = cap;
	}
	if (ctx->dom) {
		ret = ctx->dom->map(ctx, va, len, iova);
		if (ret)
			return ret;
	}
	i = tc_ctx_buf_upper(ctx, va);
	memmove(&ctx->bufs[i + 1], &ctx->bufs[i],
	        (ctx->nbufs - i) * sizeof(ctx->bufs[0]));
	ctx->bufs[i] = (struct tc_dma_rec){.va = va, .iova = iova, .len = len};
	ctx->nbufs++;
	return 0;
}

void tc_ctx_buf_remove(struct tc_ctx *ctx, size_t i)
{
	if (ctx->dom)
		ctx->dom->unmap(ctx, ctx->bufs[i].iova, ctx->bufs[i].len);
	memmove(&ctx->bufs[i], &ctx->bufs[i + 1],
	        (ctx->nbufs - i - 1) * sizeof(ctx->bufs[0]));
	ctx->nbufs--;
}
