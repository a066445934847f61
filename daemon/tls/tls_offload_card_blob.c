// SPDX-License-Identifier: MIT
/*
 * Card offload: the precomputed Certificate messages in every card's blob
 * store (M2), so a transcript digest names them by blob id instead of
 * moving them over the bus for every handshake.
 *
 * The pool does not manage blobs, so this file loads each blob on every
 * card itself, through a short-lived queue pair of its own on the card,
 * and again on a card whose reset count moved (a reset empties the blob
 * store).  A digest that still lands on a card without the blob fails
 * with BAD_BLOB and is redone on the CPU: nothing depends on the reload
 * racing the next handshake.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "tls_offload_card_int.h"

#define TLS_BLOB_WAIT_MS 1000

static void tls_blob_job_done(struct tc_job *job)
{
	*(bool *)job->user = true;
}

/* Load every blob on card i; 0 or -errno.  Blocks up to 1 s (start-up
 * and after a card reset only). */
static int tls_card_blobs_load_on(struct tls_offload_card *c, unsigned i)
{
	struct tc_dev *dev = tc_pool_card(c->pool, i);
	const struct tc_dev_info *info = tc_dev_info(dev);
	struct tc_job jobs[TLS_CARD_MAX_BLOBS];
	bool done[TLS_CARD_MAX_BLOBS] = {0};
	struct tc_job *list[TLS_CARD_MAX_BLOBS];
	uint64_t deadline = tc_now_ns() + TLS_BLOB_WAIT_MS * 1000000ull;
	struct tc_qp *qp = NULL;
	unsigned qid, left, n = 0;
	int ret = -ENODEV;

	/* The pool's queue is the first free one; take another. */
	for (qid = info->nqueues; qid-- > 0;)
		if (!tc_qp_create(dev, qid, 4, &qp))
			break;
	if (!qp)
		return -EBUSY;
	for (unsigned b = 0; b < c->nblobs; b++) {
		struct tc_blob_cmd *cmd = &jobs[b].sqe.u.blob;

		done[b] = !c->blobs[b].base; /* a removed blob's free slot */
		if (done[b])
			continue;
		memset(&jobs[b], 0, sizeof(jobs[b]));
		jobs[b].sqe.opcode = TC_OP_BLOB_LOAD;
		cmd->blob_id = htole32(b);
		cmd->len = htole32((uint32_t)c->blobs[b].len);
		cmd->addr = htole64(c->blobs[b].mem.iova);
		jobs[b].done = tls_blob_job_done;
		jobs[b].user = &done[b];
		list[n++] = &jobs[b];
	}
	if (tc_qp_submit(qp, list, n) != n)
		goto out;
	tc_qp_flush(qp);
	c->cnt->blob_loads += n;
	do {
		struct pollfd pfd = {.fd = tc_qp_eventfd(qp), .events = POLLIN};
		uint64_t v;

		tc_qp_poll(qp, TLS_CARD_MAX_BLOBS);
		left = 0;
		for (unsigned b = 0; b < c->nblobs; b++)
			left += !done[b];
		if (!left)
			break;
		if (poll(&pfd, 1, 10) > 0 &&
		    read(pfd.fd, &v, sizeof(v)) != sizeof(v))
			break;
	} while (tc_now_ns() < deadline);
	ret = 0;
	for (unsigned b = 0; b < c->nblobs; b++) {
		bool ok = !c->blobs[b].base ||
		          (done[b] && jobs[b].status == TC_STS_OK);

		c->blobs[b].loaded[i] = ok;
		if (!ok)
			ret = -EIO;
	}
out:
	/* Unfinished jobs complete (aborted) into done[] here. */
	tc_qp_destroy(qp);
	return ret;
}

static uint64_t tls_card_resets(struct tls_offload_card *c, unsigned i)
{
	struct tc_pool_card_stats st;

	return tc_pool_card_stats(c->pool, i, &st) ? 0 : st.resets;
}

int tls_offload_card_add_blob(struct tls_offload *o, const uint8_t *base,
                              size_t len)
{
	struct tls_offload_card *c = tls_card(o);
	struct tls_card_blob *b;
	int ret = 0;

	if (!tls_offload_is_card(o) || !base || !len || len > TC_BLOB_MAX_LEN)
		return -EINVAL;
	/* Reuse the slot of a blob removed at a reload, else a new one. */
	for (b = c->blobs; b < c->blobs + c->nblobs && b->base; b++)
		;
	if (b == c->blobs + TLS_CARD_MAX_BLOBS)
		return -ENOSPC;
	memset(b, 0, sizeof(*b));
	if (tc_dma_alloc(c->ctx, len, &b->mem))
		return -ENOMEM;
	memcpy(b->mem.va, base, len);
	b->base = base;
	b->len = len;
	if (b == c->blobs + c->nblobs)
		c->nblobs++;
	for (unsigned i = 0; i < tc_pool_ncards(c->pool) && i < 16; i++) {
		int r;

		b->loaded_gen[i] = tls_card_resets(c, i);
		r = tls_card_blobs_load_on(c, i);
		if (r)
			ret = r;
	}
	return ret;
}

unsigned tls_offload_card_refresh(struct tls_offload *o)
{
	struct tls_offload_card *c = tls_card(o);
	unsigned reloaded = 0;

	if (!tls_offload_is_card(o) || !c->nblobs)
		return 0;
	for (unsigned i = 0; i < tc_pool_ncards(c->pool) && i < 16; i++) {
		uint64_t gen = tls_card_resets(c, i);
		struct tc_pool_card_stats st;

		if (gen == c->blobs[0].loaded_gen[i] ||
		    tc_pool_card_stats(c->pool, i, &st) ||
		    st.state != TC_CARD_UP)
			continue;
		for (unsigned b = 0; b < c->nblobs; b++)
			c->blobs[b].loaded_gen[i] = gen;
		tls_card_blobs_load_on(c, i);
		reloaded++;
	}
	return reloaded;
}

int tls_offload_card_remove_blob(struct tls_offload *o, const uint8_t *base)
{
	struct tls_offload_card *c = tls_card(o);

	if (!tls_offload_is_card(o) || !base)
		return -EINVAL;
	for (unsigned b = 0; b < c->nblobs; b++) {
		struct tls_card_blob *bl = &c->blobs[b];

		if (bl->base != base)
			continue;
		/* The id stays loaded on the cards until the slot is reused
		 * (and reloaded); no digest names it, as find skips it. */
		tc_dma_free(c->ctx, &bl->mem);
		bl->base = NULL;
		bl->len = 0;
		return 0;
	}
	return -ENOENT;
}

int tls_card_blob_find(const struct tls_offload_card *c, const uint8_t *p,
                       size_t len, uint32_t *off)
{
	for (unsigned b = 0; b < c->nblobs; b++) {
		const struct tls_card_blob *bl = &c->blobs[b];

		if (bl->base && p >= bl->base &&
		    p + len <= bl->base + bl->len) {
			*off = (uint32_t)(p - bl->base);
			return (int)b;
		}
	}
	return -1;
}

void tls_card_blobs_free(struct tls_offload_card *c)
{
	for (unsigned b = 0; b < c->nblobs; b++)
		if (c->blobs[b].base)
			tc_dma_free(c->ctx, &c->blobs[b].mem);
	c->nblobs = 0;
}
