/* SPDX-License-Identifier: MIT */
/*
 * DIGEST (M1): one job hashes a whole scatter list of buffered handshake
 * messages, host segments and blob-store segments mixed, in a single pass.
 * At each checkpoint (a message boundary: TLS 1.3 and EMS need transcript
 * hashes at several points) the running context is duplicated and the copy
 * finalised, so n digests cost one pass over the data.
 */
#include <endian.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "tc_op_internal.h"

#define TC_DIGEST_F_KNOWN TC_DIGEST_F_HMAC

/* One running hash: a plain digest or an HMAC. */
struct tc_digest_run {
	EVP_MD_CTX *md; /* per-engine, plain digests */
	EVP_MD_CTX *md_cp;
	EVP_MAC_CTX *mac; /* per-job, HMAC */
};

static int tc_digest_update(struct tc_digest_run *run, const void *p,
                            size_t len)
{
	if (!len)
		return 1;
	if (run->mac)
		return EVP_MAC_update(run->mac, p, len);
	return EVP_DigestUpdate(run->md, p, len);
}

/* Digest of everything so far into out, leaving the running hash intact
 * when more follows. */
static int tc_digest_checkpoint(struct tc_digest_run *run, uint8_t *out,
                                size_t dlen, bool last)
{
	EVP_MAC_CTX *copy;
	unsigned int mdlen;
	size_t maclen;
	int ok;

	if (run->mac) {
		copy = last ? run->mac : EVP_MAC_CTX_dup(run->mac);
		if (!copy)
			return 0;
		ok = EVP_MAC_final(copy, out, &maclen, dlen) && maclen == dlen;
		if (!last)
			EVP_MAC_CTX_free(copy);
		return ok;
	}
	if (last)
		return EVP_DigestFinal_ex(run->md, out, &mdlen) &&
		       mdlen == dlen;
	return EVP_MD_CTX_copy_ex(run->md_cp, run->md) &&
	       EVP_DigestFinal_ex(run->md_cp, out, &mdlen) && mdlen == dlen;
}

static uint16_t tc_digest_start(struct tc_op_ctx *ctx, const EVP_MD *md,
                                bool hmac, uint32_t slot,
                                struct tc_digest_run *run)
{
	struct tc_engine_scratch *es = &ctx->st->eng[ctx->engine];
	OSSL_PARAM params[2];
	struct tc_key *key;
	int ok;

	run->md = es->md;
	run->md_cp = es->md_cp;
	run->mac = NULL;
	if (!hmac)
		return EVP_DigestInit_ex(run->md, md, NULL) ? TC_STS_OK
		                                            : TC_STS_INTERNAL;

	key = tc_keystore_get(ctx->st->keys, slot);
	if (!key || key->type != TC_KEY_HMAC) {
		tc_key_put(key);
		return TC_STS_BAD_KEY_SLOT;
	}
	run->mac = EVP_MAC_CTX_new(ctx->st->hmac);
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_MAC_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0);
	params[1] = OSSL_PARAM_construct_end();
	/* The MAC context copies the key: the slot may be evicted after. */
	ok = run->mac && EVP_MAC_init(run->mac, key->raw, key->raw_len, params);
	tc_key_put(key);
	return ok ? TC_STS_OK : TC_STS_INTERNAL;
}

static uint16_t tc_digest_validate(struct tc_op_ctx *ctx,
                                   const struct tc_digest_cmd *cmd,
                                   unsigned nseg, unsigned ncp)
{
	unsigned i, prev = 0;

	if (cmd->dflags & ~TC_DIGEST_F_KNOWN)
		return TC_STS_INVALID_DESC;
	if (cmd->rsvd5 || cmd->rsvd6 || cmd->rsvd48)
		return TC_STS_INVALID_DESC;
	if (nseg < 1 || nseg > ctx->st->max_sg)
		return TC_STS_INVALID_DESC;
	if (ncp > TC_DIGEST_MAX_CP)
		return TC_STS_INVALID_DESC;
	for (i = 0; i < TC_DIGEST_MAX_CP; i++) {
		unsigned cp = le16toh(cmd->cp[i]);

		if (i >= ncp) {
			if (cp)
				return TC_STS_INVALID_DESC;
			continue;
		}
		if (cp <= prev || cp > nseg)
			return TC_STS_INVALID_DESC;
		prev = cp;
	}
	if (ncp && prev != nseg)
		return TC_STS_INVALID_DESC;
	if (!(cmd->dflags & TC_DIGEST_F_HMAC) && le32toh(cmd->key_slot))
		return TC_STS_INVALID_DESC;
	return TC_STS_OK;
}

/* Segment flags, length and blob id, before any hashing: a bad entry late
 * in the list fails the job without wasted work. */
static uint16_t tc_digest_check_sgl(struct tc_op_ctx *ctx,
                                    const struct tc_sg_entry *sgl,
                                    unsigned nseg)
{
	unsigned i;

	for (i = 0; i < nseg; i++) {
		uint16_t flags = le16toh(sgl[i].flags);

		if (flags & ~TC_SG_F_BLOB)
			return TC_STS_INVALID_DESC;
		if (le32toh(sgl[i].len) > ctx->st->max_input)
			return TC_STS_INVALID_DESC;
		if (!(flags & TC_SG_F_BLOB) && sgl[i].blob_id)
			return TC_STS_INVALID_DESC;
	}
	return TC_STS_OK;
}

static uint16_t tc_digest_segment(struct tc_op_ctx *ctx,
                                  struct tc_digest_run *run,
                                  const struct tc_sg_entry *sg)
{
	uint64_t addr = le64toh(sg->addr);
	uint32_t len = le32toh(sg->len);
	struct tc_dma_window w;
	struct tc_blob *blob;
	int ok, ret;

	if (le16toh(sg->flags) & TC_SG_F_BLOB) {
		blob = tc_blobstore_get(ctx->st->blobs, le16toh(sg->blob_id));
		if (!blob || addr > blob->len || len > blob->len - addr) {
			tc_blob_put(blob);
			return TC_STS_BAD_BLOB;
		}
		ok = tc_digest_update(run, blob->data + addr, len);
		tc_blob_put(blob);
		return ok ? TC_STS_OK : TC_STS_INTERNAL;
	}

	/* Zero copy: hash straight from the host's buffer when it maps. */
	ret = tc_dma_acquire(ctx->dma, addr, len, false, &w);
	if (ret)
		return tc_ops_dma_status(ret);
	ok = tc_digest_update(run, w.ptr, len);
	tc_dma_release(ctx->dma, &w);
	return ok ? TC_STS_OK : TC_STS_INTERNAL;
}

uint16_t tc_op_digest(struct tc_op_ctx *ctx, const struct tc_digest_cmd *cmd)
{
	struct tc_engine_scratch *es = &ctx->st->eng[ctx->engine];
	uint8_t out[TC_DIGEST_MAX_CP * TC_DIGEST_MAX_LEN];
	unsigned nseg = le16toh(cmd->nseg), ncp = cmd->ncp;
	unsigned i, n, next_cp = 0;
	struct tc_digest_run run;
	uint64_t total = 0;
	const EVP_MD *md;
	size_t dlen;
	uint16_t sts;

	md = tc_ops_md(ctx->st, cmd->hash);
	if (!md)
		return TC_STS_UNSUPPORTED;
	sts = tc_digest_validate(ctx, cmd, nseg, ncp);
	if (sts)
		return sts;
	dlen = EVP_MD_get_size(md);
	n = ncp ? ncp : 1;
	if (le32toh(cmd->out_len) < n * dlen)
		return TC_STS_BUF_TOO_SMALL;

	sts = tc_digest_start(ctx, md, cmd->dflags & TC_DIGEST_F_HMAC,
	                      le32toh(cmd->key_slot), &run);
	if (sts)
		goto out;
	if (tc_dma_read(ctx->dma, le64toh(cmd->sgl_addr), es->sg_in,
	                nseg * sizeof(*es->sg_in))) {
		sts = TC_STS_DMA_FAULT;
		goto out;
	}
	sts = tc_digest_check_sgl(ctx, es->sg_in, nseg);
	if (sts)
		goto out;
	for (i = 0; i < nseg; i++) {
		sts = tc_digest_segment(ctx, &run, &es->sg_in[i]);
		if (sts)
			goto out;
		total += le32toh(es->sg_in[i].len);
		if (ncp && i + 1 == le16toh(cmd->cp[next_cp])) {
			if (!tc_digest_checkpoint(&run, out + next_cp * dlen,
			                          dlen, next_cp + 1 == ncp)) {
				sts = TC_STS_INTERNAL;
				goto out;
			}
			next_cp++;
		}
	}
	if (!ncp && !tc_digest_checkpoint(&run, out, dlen, true)) {
		sts = TC_STS_INTERNAL;
		goto out;
	}

	if (tc_dma_write(ctx->dma, le64toh(cmd->out_addr), out, n * dlen)) {
		sts = TC_STS_DMA_FAULT;
		goto out;
	}
	ctx->result = n * dlen;
	ctx->aux = total;
	ctx->bytes = total;
out:
	EVP_MAC_CTX_free(run.mac);
	return sts;
}
