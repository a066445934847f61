/* SPDX-License-Identifier: MIT */
/*
 * Pool-wide key slots.  A key has the same slot number on every card; its
 * material stays in host DMA memory, and it is loaded on a card the first
 * time a job that uses it goes there: a KEY_LOAD queued just before the
 * job on the same queue (the card applies admin descriptors before later
 * ones of that queue).  A card reset forgets every key, so the card's
 * bitmap is cleared and keys load again on demand.
 *
 * Slots are allocated from 0 up; a caller that also uses card slots
 * directly (ephemeral ECDH keys) must keep those out of the pool's range.
 *
 * A slot's DMA page (TC_KEY_MAX_LEN, one page) outlives its key: the next
 * key in the slot reuses it.  Every handshake creates and destroys a few
 * keys, and an mmap plus munmap per key cost the loop a page fault and,
 * with the card's threads on other CPUs, a TLB shootdown each.  The page
 * is wiped when its key dies and unmapped with the pool.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tc_pool_internal.h"

static bool tc_bit(const uint64_t *map, uint32_t slot)
{
	return map[slot / 64] >> (slot % 64) & 1;
}

static void tc_bit_set(uint64_t *map, uint32_t slot)
{
	map[slot / 64] |= 1ull << (slot % 64);
}

static void tc_bit_clear(uint64_t *map, uint32_t slot)
{
	map[slot / 64] &= ~(1ull << (slot % 64));
}

unsigned tc_pool_keys_top(const struct tc_pool *pool)
{
	unsigned top = 0, i;

	for (i = 0; i < pool->nkeys; i++)
		if (pool->keys[i].live || pool->keys[i].dying)
			top = i + 1;
	return top;
}

bool tc_pool_keys_valid(const struct tc_pool *pool, const struct tc_job *job)
{
	unsigned i;

	if (job->nkeys && !job->keys)
		return false;
	for (i = 0; i < job->nkeys; i++)
		if (job->keys[i] >= pool->nkeys ||
		    !pool->keys[job->keys[i]].live)
			return false;
	return true;
}

unsigned tc_pool_keys_missing(const struct tc_pool_card *card,
                              const struct tc_job *job)
{
	unsigned i, n = 0;

	for (i = 0; i < job->nkeys; i++)
		if (!tc_bit(card->keys_loaded, job->keys[i]))
			n++;
	return n;
}

bool tc_pool_keys_loaded(const struct tc_pool_card *card,
                         const struct tc_job *job)
{
	return tc_pool_keys_missing(card, job) == 0;
}

static void tc_pool_key_maybe_free(struct tc_pool_key *k)
{
	struct tc_dma_buf mem = k->mem;

	if (!k->dying || k->loads_inflight || k->evicts_owed)
		return;
	/* Wiped by tc_pool_key_destroy; kept for the slot's next key. */
	memset(k, 0, sizeof(*k));
	k->mem = mem;
}

/* Is slot loaded on a card other than card?  Then loading it is a move. */
static bool tc_pool_key_elsewhere(const struct tc_pool *pool,
                                  const struct tc_pool_card *card,
                                  uint32_t slot)
{
	for (unsigned i = 0; i < pool->ncards; i++)
		if (pool->cards[i] != card &&
		    tc_bit(pool->cards[i]->keys_loaded, slot))
			return true;
	return false;
}

/* Queue the loads job needs on card, just ahead of it. */
int tc_pool_keys_prepare(struct tc_pool *pool, struct tc_pool_card *card,
                         const struct tc_job *job)
{
	unsigned i;

	for (i = 0; i < job->nkeys; i++) {
		uint32_t slot = job->keys[i];
		struct tc_pool_key *k = &pool->keys[slot];
		struct tc_pool_ijob *ij;
		struct tc_job *lj;

		if (tc_bit(card->keys_loaded, slot))
			continue;
		ij = tc_pool_ijob_new(TC_POOL_IJOB_KEY_LOAD);
		if (!ij)
			return -ENOMEM;
		ij->slot = slot;
		lj = &ij->job;
		tc_job_prep_key_load(lj, slot, k->type, k->mem.iova, k->len);
		if (tc_qp_submit(card->qp, &lj, 1) != 1) {
			free(ij);
			return -EAGAIN;
		}
		if (tc_pool_key_elsewhere(pool, card, slot))
			card->key_moves++;
		tc_bit_set(card->keys_loaded, slot);
		k->loads_inflight++;
		card->key_loads++;
		card->inflight[TC_CLASS_ADMIN]++;
	}
	return 0;
}

static bool tc_pool_evict_on(struct tc_pool *pool, struct tc_pool_card *card,
                             uint32_t slot)
{
	struct tc_pool_ijob *ij;
	struct tc_job *ej;

	(void)pool;
	if (!card->qp->ready || !tc_qp_space(card->qp))
		return false;
	ij = tc_pool_ijob_new(TC_POOL_IJOB_KEY_EVICT);
	if (!ij)
		return false;
	ij->slot = slot;
	ej = &ij->job;
	tc_job_prep_key_evict(ej, slot);
	if (tc_qp_submit(card->qp, &ej, 1) != 1) {
		free(ij);
		return false;
	}
	card->inflight[TC_CLASS_ADMIN]++;
	card->touched = true;
	return true;
}

void tc_pool_keys_ijob_done(struct tc_pool *pool, struct tc_pool_card *card,
                            struct tc_pool_ijob *ij)
{
	struct tc_pool_key *k =
	    ij->slot < pool->nkeys ? &pool->keys[ij->slot] : NULL;

	if (ij->kind == TC_POOL_IJOB_KEY_LOAD) {
		/* A failed load leaves the slot unloaded: the job behind it
		 * fails BAD_KEY_SLOT and is re-run after a fresh load. */
		if (ij->job.status != TC_STS_OK)
			tc_bit_clear(card->keys_loaded, ij->slot);
		if (k && k->loads_inflight)
			k->loads_inflight--;
	} else if (k && k->evicts_owed) {
		k->evicts_owed--;
	}
	if (k)
		tc_pool_key_maybe_free(k);
	free(ij);
}

/* The card reset: it holds no key any more. */
void tc_pool_keys_card_reset(struct tc_pool *pool, struct tc_pool_card *card)
{
	unsigned w;

	memset(card->keys_loaded, 0, TC_POOL_KEY_WORDS * sizeof(uint64_t));
	if (!card->nevict_pending)
		return;
	for (w = 0; w < TC_POOL_KEY_WORDS; w++) {
		while (card->evict_pending[w]) {
			unsigned b =
			    (unsigned)__builtin_ctzll(card->evict_pending[w]);
			uint32_t slot = w * 64 + b;

			card->evict_pending[w] &= ~(1ull << b);
			if (slot < pool->nkeys &&
			    pool->keys[slot].evicts_owed) {
				pool->keys[slot].evicts_owed--;
				tc_pool_key_maybe_free(&pool->keys[slot]);
			}
		}
	}
	card->nevict_pending = 0;
}

void tc_pool_keys_run_evicts(struct tc_pool *pool, struct tc_pool_card *card)
{
	unsigned w;

	for (w = 0; w < TC_POOL_KEY_WORDS && card->nevict_pending; w++) {
		uint64_t bits = card->evict_pending[w];

		while (bits) {
			unsigned b = (unsigned)__builtin_ctzll(bits);
			uint32_t slot = w * 64 + b;

			bits &= ~(1ull << b);
			if (!tc_pool_evict_on(pool, card, slot))
				return; /* full: next poll */
			card->evict_pending[w] &= ~(1ull << b);
			card->nevict_pending--;
		}
	}
}

int tc_pool_key_create(struct tc_pool *pool, uint8_t key_type,
                       const void *material, size_t len, uint32_t *slot)
{
	struct tc_pool_key *k;
	unsigned s;
	int ret;

	if (!material || !len || len > TC_KEY_MAX_LEN || !slot || !key_type ||
	    key_type >= TC_KEY_TYPE_COUNT)
		return -EINVAL;
	for (s = 0; s < pool->nkeys; s++)
		if (!pool->keys[s].live && !pool->keys[s].dying)
			break;
	if (s >= pool->key_cap)
		return -ENOSPC;
	if (s == pool->nkeys) {
		unsigned n = pool->nkeys ? pool->nkeys * 2 : 16;
		struct tc_pool_key *keys;

		if (n > pool->key_cap)
			n = pool->key_cap;
		keys = realloc(pool->keys, n * sizeof(*keys));
		if (!keys)
			return -ENOMEM;
		memset(&keys[pool->nkeys], 0,
		       (n - pool->nkeys) * sizeof(*keys));
		pool->keys = keys;
		pool->nkeys = n;
	}
	k = &pool->keys[s];
	if (!k->mem.va) {
		ret = tc_dma_alloc(pool->ctx, TC_KEY_MAX_LEN, &k->mem);
		if (ret)
			return ret;
	}
	memcpy(k->mem.va, material, len);
	k->type = key_type;
	k->len = (uint32_t)len;
	k->live = true;
	*slot = s;
	return 0;
}

void tc_pool_key_destroy(struct tc_pool *pool, uint32_t slot)
{
	struct tc_pool_key *k;
	unsigned i;

	if (slot >= pool->nkeys || !pool->keys[slot].live)
		return;
	k = &pool->keys[slot];
	k->live = false;
	k->dying = true;
	/* Wipe the host copy now; the DMA memory goes once no load reads it. */
	explicit_bzero(k->mem.va, k->len);
	for (i = 0; i < pool->ncards; i++) {
		struct tc_pool_card *card = pool->cards[i];

		if (!tc_bit(card->keys_loaded, slot))
			continue;
		tc_bit_clear(card->keys_loaded, slot);
		k->evicts_owed++;
		if (!tc_pool_evict_on(pool, card, slot)) {
			tc_bit_set(card->evict_pending, slot);
			card->nevict_pending++;
		}
	}
	tc_pool_key_maybe_free(k);
	if (!pool->opts.caller_flushes)
		tc_pool_flush(pool);
}

void tc_pool_keys_free_all(struct tc_pool *pool)
{
	unsigned i;

	for (i = 0; i < pool->nkeys; i++) {
		struct tc_pool_key *k = &pool->keys[i];

		if (k->mem.va) {
			explicit_bzero(k->mem.va, k->len);
			tc_dma_free(pool->ctx, &k->mem);
		}
	}
	free(pool->keys);
	pool->keys = NULL;
	pool->nkeys = 0;
}
