/* SPDX-License-Identifier: MIT */
/*
 * Shared between the op families (tc_op_*.c) and the dispatcher (tc_ops.c):
 * the per-card state, per-engine scratch and one entry point per family.
 * Every entry point takes the raw little-endian body and returns an
 * enum tc_status.
 */
#ifndef TC_OP_INTERNAL_H
#define TC_OP_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "tc_blobstore.h"
#include "tc_keystore.h"
#include "tc_ops.h"

/* AEAD algorithms, indexing the fetched ciphers and per-engine contexts. */
enum tc_aead_alg {
	TC_AEAD_ALG_AES128GCM,
	TC_AEAD_ALG_AES256GCM,
	TC_AEAD_ALG_CHACHA20POLY1305,
	TC_AEAD_ALG_COUNT,
};

/* Scratch owned by one engine thread: only ctx->engine touches it, so the
 * hot paths need neither locks nor allocations. */
struct tc_engine_scratch {
	EVP_MD_CTX *md;    /* running digest */
	EVP_MD_CTX *md_cp; /* checkpoint copy */
	/* One cipher context per algorithm, keeping its key schedule: the
	 * next record with the same key (by tc_key id) only sets the IV. */
	EVP_CIPHER_CTX *aead[TC_AEAD_ALG_COUNT];
	uint64_t aead_key_id[TC_AEAD_ALG_COUNT];
	uint64_t aead_wipe_gen;     /* tc_keystore_wipe_gen() at the last job */
	struct tc_sg_entry *sg_in;  /* max_sg entries */
	struct tc_sg_entry *sg_out; /* max_sg entries */
	struct tc_aead_record *recs; /* TC_AEAD_MAX_RECORDS */
	uint16_t *rec_status;        /* TC_AEAD_MAX_RECORDS, LE */
} __attribute__((aligned(64)));      /* engines never share a cache line */

struct tc_ops_state {
	unsigned nengines;
	unsigned max_sg;
	uint32_t max_input;
	struct tc_keystore *keys;
	struct tc_blobstore *blobs;
	/* Fetched once: implicit fetches per job cost a lock and a lookup. */
	EVP_MD *md_sha[3]; /* TC_HASH_SHA256..SHA512 - 1 */
	EVP_MAC *hmac;
	EVP_CIPHER *cipher[TC_AEAD_ALG_COUNT];
	struct tc_engine_scratch *eng;
};

/* The digest named by a TC_HASH_* value, or NULL. */
const EVP_MD *tc_ops_md(const struct tc_ops_state *st, uint8_t hash);

/* True if every byte of buf is zero: reserved fields. */
bool tc_ops_is_zero(const void *buf, size_t len);

uint16_t tc_op_digest(struct tc_op_ctx *ctx, const struct tc_digest_cmd *cmd);
uint16_t tc_op_aead_batch(struct tc_op_ctx *ctx, const struct tc_aead_cmd *cmd);
uint16_t tc_op_key_load(struct tc_op_ctx *ctx, const struct tc_key_cmd *cmd);
uint16_t tc_op_key_evict(struct tc_op_ctx *ctx, const struct tc_key_cmd *cmd);
uint16_t tc_op_rsa_sign(struct tc_op_ctx *ctx, const struct tc_pke_cmd *cmd);
uint16_t tc_op_rsa_decrypt(struct tc_op_ctx *ctx, const struct tc_pke_cmd *cmd);
uint16_t tc_op_ecdsa_sign(struct tc_op_ctx *ctx, const struct tc_pke_cmd *cmd);
uint16_t tc_op_ecdh_keygen(struct tc_op_ctx *ctx, const struct tc_pke_cmd *cmd);
uint16_t tc_op_ecdh_derive(struct tc_op_ctx *ctx, const struct tc_pke_cmd *cmd);
uint16_t tc_op_blob_load(struct tc_op_ctx *ctx, const struct tc_blob_cmd *cmd);
uint16_t tc_op_blob_evict(struct tc_op_ctx *ctx, const struct tc_blob_cmd *cmd);

/* Map a -errno from tc_dma_* to a status. */
static inline uint16_t tc_ops_dma_status(int err)
{
	return err == -EFAULT ? TC_STS_DMA_FAULT : TC_STS_INTERNAL;
}

#endif
