/* SPDX-License-Identifier: MIT */
/*
 * The card's blob store (M2): precomputed handshake messages kept on the
 * card so a digest scatter list can refer to them without a bus transfer.
 * Blobs are reference-counted like keys: BLOB_EVICT or a replacing
 * BLOB_LOAD never frees a blob a running DIGEST is hashing.
 */
#ifndef TC_BLOBSTORE_H
#define TC_BLOBSTORE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct tc_blob {
	atomic_uint refs;
	uint32_t len;
	uint8_t data[];
};

struct tc_blobstore;

/* nslots ids, capacity bytes in total over all loaded blobs. */
int tc_blobstore_create(unsigned nslots, uint64_t capacity,
                        struct tc_blobstore **out);
void tc_blobstore_destroy(struct tc_blobstore *bs);
/* Empty every slot (reset). */
void tc_blobstore_clear(struct tc_blobstore *bs);
unsigned tc_blobstore_nslots(const struct tc_blobstore *bs);
/* Bytes held by loaded blobs. */
uint64_t tc_blobstore_used(struct tc_blobstore *bs);

/* A new, unpublished blob of len bytes with one reference, or NULL. */
struct tc_blob *tc_blob_alloc(uint32_t len);
void tc_blob_put(struct tc_blob *blob);

/* 0 if a blob of len bytes would fit in id, counting the blob it replaces
 * as freed; -ERANGE (id) or -ENOSPC (capacity).  A hint for failing early:
 * tc_blobstore_install checks again. */
int tc_blobstore_check(struct tc_blobstore *bs, uint32_t id, uint32_t len);
/* Publish blob in id, replacing the old one; consumes the reference on
 * success.  -ERANGE or -ENOSPC (reference kept by the caller). */
int tc_blobstore_install(struct tc_blobstore *bs, uint32_t id,
                         struct tc_blob *blob);
/* A new reference to blob id, or NULL if out of range or empty. */
struct tc_blob *tc_blobstore_get(struct tc_blobstore *bs, uint32_t id);
/* 0 (also if empty) or -ERANGE. */
int tc_blobstore_evict(struct tc_blobstore *bs, uint32_t id);

#endif
