/* SPDX-License-Identifier: MIT */
/*
 * The crypto engines' entry point: per-card state (key slots, blob store,
 * fetched algorithms, per-engine scratch) and the dispatch by opcode.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tc_op_internal.h"

static const char *const tc_sha_names[3] = {"SHA2-256", "SHA2-384", "SHA2-512"};
static const char *const tc_aead_names[TC_AEAD_ALG_COUNT] = {
    [TC_AEAD_ALG_AES128GCM] = "AES-128-GCM",
    [TC_AEAD_ALG_AES256GCM] = "AES-256-GCM",
    [TC_AEAD_ALG_CHACHA20POLY1305] = "ChaCha20-Poly1305",
};

const EVP_MD *tc_ops_md(const struct tc_ops_state *st, uint8_t hash)
{
	if (hash < TC_HASH_SHA256 || hash > TC_HASH_SHA512)
		return NULL;
	return st->md_sha[hash - TC_HASH_SHA256];
}

bool tc_ops_is_zero(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static void tc_engine_scratch_free(struct tc_engine_scratch *es)
{
	unsigned i;

	EVP_MD_CTX_free(es->md);
	EVP_MD_CTX_free(es->md_cp);
	/* Freeing a cipher context cleanses its key schedule. */
	for (i = 0; i < TC_AEAD_ALG_COUNT; i++)
		EVP_CIPHER_CTX_free(es->aead[i]);
	free(es->sg_in);
	free(es->sg_out);
	free(es->recs);
	free(es->rec_status);
}

static int tc_engine_scratch_init(struct tc_engine_scratch *es, unsigned max_sg)
{
	unsigned i;

	es->md = EVP_MD_CTX_new();
	es->md_cp = EVP_MD_CTX_new();
	for (i = 0; i < TC_AEAD_ALG_COUNT; i++)
		es->aead[i] = EVP_CIPHER_CTX_new();
	es->sg_in = calloc(max_sg, sizeof(*es->sg_in));
	es->sg_out = calloc(max_sg, sizeof(*es->sg_out));
	es->recs = calloc(TC_AEAD_MAX_RECORDS, sizeof(*es->recs));
	es->rec_status = calloc(TC_AEAD_MAX_RECORDS, sizeof(*es->rec_status));
	if (!es->md || !es->md_cp || !es->sg_in || !es->sg_out || !es->recs ||
	    !es->rec_status)
		return -ENOMEM;
	for (i = 0; i < TC_AEAD_ALG_COUNT; i++)
		if (!es->aead[i])
			return -ENOMEM;
	return 0;
}

void tc_ops_state_destroy(struct tc_ops_state *st)
{
	unsigned i;

	if (!st)
		return;
	if (st->eng)
		for (i = 0; i < st->nengines; i++)
			tc_engine_scratch_free(&st->eng[i]);
	free(st->eng);
	tc_keystore_destroy(st->keys);
	tc_blobstore_destroy(st->blobs);
	for (i = 0; i < 3; i++)
		EVP_MD_free(st->md_sha[i]);
	EVP_MAC_free(st->hmac);
	for (i = 0; i < TC_AEAD_ALG_COUNT; i++)
		EVP_CIPHER_free(st->cipher[i]);
	free(st);
}

int tc_ops_state_create(const struct tc_model_config *cfg,
                        struct tc_ops_state **out)
{
	struct tc_ops_state *st;
	unsigned i;
	int ret;

	/* nseg and in_nseg are 16-bit fields: a larger max_sg is unusable. */
	if (!cfg->nengines || !cfg->max_sg || cfg->max_sg > 0xffff)
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->nengines = cfg->nengines;
	st->max_sg = cfg->max_sg;
	st->max_input = cfg->max_input;

	ret = tc_keystore_create(cfg->key_slots, &st->keys);
	if (ret)
		goto fail;
	ret = tc_blobstore_create(cfg->blob_slots, cfg->blob_bytes, &st->blobs);
	if (ret)
		goto fail;

	ret = -ENOENT; /* an algorithm missing from the default provider */
	for (i = 0; i < 3; i++) {
		st->md_sha[i] = EVP_MD_fetch(NULL, tc_sha_names[i], NULL);
		if (!st->md_sha[i])
			goto fail;
	}
	st->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!st->hmac)
		goto fail;
	for (i = 0; i < TC_AEAD_ALG_COUNT; i++) {
		st->cipher[i] = EVP_CIPHER_fetch(NULL, tc_aead_names[i], NULL);
		if (!st->cipher[i])
			goto fail;
	}

	ret = -ENOMEM;
	st->eng = aligned_alloc(_Alignof(struct tc_engine_scratch),
	                        st->nengines * sizeof(*st->eng));
	if (!st->eng)
		goto fail;
	memset(st->eng, 0, st->nengines * sizeof(*st->eng));
	for (i = 0; i < st->nengines; i++) {
		ret = tc_engine_scratch_init(&st->eng[i], st->max_sg);
		if (ret)
			goto fail;
	}
	*out = st;
	return 0;

fail:
	tc_ops_state_destroy(st);
	return ret;
}

void tc_ops_state_clear(struct tc_ops_state *st)
{
	tc_keystore_clear(st->keys);
	tc_blobstore_clear(st->blobs);
}

uint16_t tc_op_execute(struct tc_op_ctx *ctx, const struct tc_sqe *sqe)
{
	ctx->bytes = 0;
	ctx->result = 0;
	ctx->aux = 0;
	/* The engine index comes from the core, but a bad one must not index
	 * past the scratch array. */
	if (!ctx->st || ctx->engine >= ctx->st->nengines)
		return TC_STS_INTERNAL;

	switch (sqe->opcode) {
	case TC_OP_NOP: return TC_STS_OK;
	case TC_OP_DIGEST: return tc_op_digest(ctx, &sqe->u.digest);
	case TC_OP_AEAD_BATCH: return tc_op_aead_batch(ctx, &sqe->u.aead);
	case TC_OP_KEY_LOAD: return tc_op_key_load(ctx, &sqe->u.key);
	case TC_OP_KEY_EVICT: return tc_op_key_evict(ctx, &sqe->u.key);
	case TC_OP_RSA_SIGN: return tc_op_rsa_sign(ctx, &sqe->u.pke);
	case TC_OP_RSA_DECRYPT: return tc_op_rsa_decrypt(ctx, &sqe->u.pke);
	case TC_OP_ECDSA_SIGN: return tc_op_ecdsa_sign(ctx, &sqe->u.pke);
	case TC_OP_ECDH_KEYGEN: return tc_op_ecdh_keygen(ctx, &sqe->u.pke);
	case TC_OP_ECDH_DERIVE: return tc_op_ecdh_derive(ctx, &sqe->u.pke);
	case TC_OP_BLOB_LOAD: return tc_op_blob_load(ctx, &sqe->u.blob);
	case TC_OP_BLOB_EVICT: return tc_op_blob_evict(ctx, &sqe->u.blob);
	default: return TC_STS_UNSUPPORTED;
	}
}

uint32_t tc_ops_cap_ops(void)
{
	return (1u << TC_OP_COUNT) - 1;
}

uint32_t tc_ops_cap_algs(void)
{
	return TC_CAP_ALG_SHA256 | TC_CAP_ALG_SHA384 | TC_CAP_ALG_SHA512 |
	       TC_CAP_ALG_HMAC | TC_CAP_ALG_AES128GCM | TC_CAP_ALG_AES256GCM |
	       TC_CAP_ALG_CHACHA20POLY1305 | TC_CAP_ALG_RSA |
	       TC_CAP_ALG_RSA_PSS | TC_CAP_ALG_P256 | TC_CAP_ALG_P384 |
	       TC_CAP_ALG_X25519;
}
