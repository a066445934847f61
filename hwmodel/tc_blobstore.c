/* SPDX-License-Identifier: MIT */
/*
 * Blob store: one mutex over the table and the byte count.  Loads and
 * evictions are rare admin jobs and lookups only take a reference, so a
 * single lock is enough; it is never held across DMA or hashing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "tc_blobstore.h"

struct tc_blobstore {
	pthread_mutex_t lock;
	unsigned nslots;
	uint64_t capacity;
	uint64_t used;
	struct tc_blob **slots;
};

int tc_blobstore_create(unsigned nslots, uint64_t capacity,
                        struct tc_blobstore **out)
{
	struct tc_blobstore *bs = calloc(1, sizeof(*bs));

	if (!bs)
		return -ENOMEM;
	bs->slots = calloc(nslots ? nslots : 1, sizeof(*bs->slots));
	if (!bs->slots) {
		free(bs);
		return -ENOMEM;
	}
	bs->nslots = nslots;
	bs->capacity = capacity;
	pthread_mutex_init(&bs->lock, NULL);
	*out = bs;
	return 0;
}

void tc_blobstore_clear(struct tc_blobstore *bs)
{
	unsigned i;

	for (i = 0; i < bs->nslots; i++)
		tc_blobstore_evict(bs, i);
}

void tc_blobstore_destroy(struct tc_blobstore *bs)
{
	if (!bs)
		return;
	tc_blobstore_clear(bs);
	pthread_mutex_destroy(&bs->lock);
	free(bs->slots);
	free(bs);
}

unsigned tc_blobstore_nslots(const struct tc_blobstore *bs)
{
	return bs->nslots;
}

uint64_t tc_blobstore_used(struct tc_blobstore *bs)
{
	uint64_t used;

	pthread_mutex_lock(&bs->lock);
	used = bs->used;
	pthread_mutex_unlock(&bs->lock);
	return used;
}

struct tc_blob *tc_blob_alloc(uint32_t len)
{
	struct tc_blob *blob = malloc(sizeof(*blob) + len);

	if (!blob)
		return NULL;
	atomic_init(&blob->refs, 1);
	blob->len = len;
	return blob;
}

void tc_blob_put(struct tc_blob *blob)
{
	if (blob && atomic_fetch_sub(&blob->refs, 1) == 1)
		free(blob);
}

/* Caller holds bs->lock. */
static int tc_blobstore_fits(const struct tc_blobstore *bs, uint32_t id,
                             uint32_t len)
{
	uint64_t old;

	if (id >= bs->nslots)
		return -ERANGE;
	old = bs->slots[id] ? bs->slots[id]->len : 0;
	if (bs->used - old + len > bs->capacity)
		return -ENOSPC;
	return 0;
}

int tc_blobstore_check(struct tc_blobstore *bs, uint32_t id, uint32_t len)
{
	int ret;

	pthread_mutex_lock(&bs->lock);
	ret = tc_blobstore_fits(bs, id, len);
	pthread_mutex_unlock(&bs->lock);
	return ret;
}

int tc_blobstore_install(struct tc_blobstore *bs, uint32_t id,
                         struct tc_blob *blob)
{
	struct tc_blob *old;
	int ret;

	pthread_mutex_lock(&bs->lock);
	ret = tc_blobstore_fits(bs, id, blob->len);
	if (ret) {
		pthread_mutex_unlock(&bs->lock);
		return ret;
	}
	old = bs->slots[id];
	bs->used -= old ? old->len : 0;
	bs->used += blob->len;
	bs->slots[id] = blob;
	pthread_mutex_unlock(&bs->lock);
	tc_blob_put(old);
	return 0;
}

struct tc_blob *tc_blobstore_get(struct tc_blobstore *bs, uint32_t id)
{
	struct tc_blob *blob = NULL;

	if (id >= bs->nslots)
		return NULL;
	pthread_mutex_lock(&bs->lock);
	blob = bs->slots[id];
	if (blob)
		atomic_fetch_add(&blob->refs, 1);
	pthread_mutex_unlock(&bs->lock);
	return blob;
}

int tc_blobstore_evict(struct tc_blobstore *bs, uint32_t id)
{
	struct tc_blob *old;

	if (id >= bs->nslots)
		return -ERANGE;
	pthread_mutex_lock(&bs->lock);
	old = bs->slots[id];
	bs->slots[id] = NULL;
	bs->used -= old ? old->len : 0;
	pthread_mutex_unlock(&bs->lock);
	tc_blob_put(old);
	return 0;
}
