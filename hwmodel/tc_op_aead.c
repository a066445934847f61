/* SPDX-License-Identifier: MIT */
/*
 * AEAD_BATCH (M3/M4): complete TLS records from many connections, ciphered
 * in one job.  Each record has its own key slot, nonce, AAD and status.
 *
 * The hot path is built to stay close to calling libcrypto directly: data
 * is ciphered in place in the host's buffers when the bus can map them
 * (tc_dma_acquire), every engine keeps one cipher context per algorithm
 * whose key schedule is reused while records share a key, and nothing is
 * allocated per record.
 */
#include <endian.h>
#include <string.h>

#include "tc_op_internal.h"

#define TC_AEAD_F_KNOWN   (TC_AEAD_F_IN_CONTIG | TC_AEAD_F_OUT_CONTIG)
/* EVP_CipherUpdate takes an int length. */
#define TC_AEAD_MAX_CHUNK (1u << 30)

/* A walk over one data list (a single contiguous range or an SG list),
 * holding a DMA window on the current segment. */
struct tc_aead_cursor {
	const struct tc_sg_entry *sg;
	unsigned nseg;
	unsigned next; /* next segment to open */
	bool is_write;
	struct tc_dma_window w;
	size_t off;             /* consumed bytes of w */
	struct tc_sg_entry one; /* the contiguous case */
};

static void tc_aead_cursor_init(struct tc_aead_cursor *cur,
                                const struct tc_sg_entry *sg, unsigned nseg,
                                bool is_write)
{
	cur->sg = sg;
	cur->nseg = nseg;
	cur->next = 0;
	cur->is_write = is_write;
	cur->off = 0;
	memset(&cur->w, 0, sizeof(cur->w));
}

static void tc_aead_cursor_contig(struct tc_aead_cursor *cur, uint64_t addr,
                                  uint32_t len, bool is_write)
{
	cur->one.addr = htole64(addr);
	cur->one.len = htole32(len);
	cur->one.flags = 0;
	cur->one.blob_id = 0;
	tc_aead_cursor_init(cur, &cur->one, 1, is_write);
}

/* Release the current window: a bounced write is flushed here. */
static int tc_aead_cursor_close(struct tc_op_ctx *ctx,
                                struct tc_aead_cursor *cur)
{
	int ret = tc_dma_release(ctx->dma, &cur->w);

	memset(&cur->w, 0, sizeof(cur->w));
	cur->off = 0;
	return ret;
}

/* Point *p at the next unconsumed bytes, *avail of them (> 0). */
static int tc_aead_cursor_peek(struct tc_op_ctx *ctx,
                               struct tc_aead_cursor *cur, uint8_t **p,
                               size_t *avail)
{
	int ret;

	while (cur->off == cur->w.len) {
		const struct tc_sg_entry *sg;

		ret = tc_aead_cursor_close(ctx, cur);
		if (ret)
			return ret;
		/* Lengths were summed against in_len: running out is a bug. */
		if (cur->next == cur->nseg)
			return -EINVAL;
		sg = &cur->sg[cur->next++];
		ret = tc_dma_acquire(ctx->dma, le64toh(sg->addr),
		                     le32toh(sg->len), cur->is_write, &cur->w);
		if (ret)
			return ret;
	}
	*p = (uint8_t *)cur->w.ptr + cur->off;
	*avail = cur->w.len - cur->off;
	return 0;
}

/* The algorithm of an AEAD key; false for any other key type. */
static bool tc_aead_key_alg(const struct tc_key *key, enum tc_aead_alg *alg)
{
	switch (key ? key->type : 0) {
	case TC_KEY_AES128GCM: *alg = TC_AEAD_ALG_AES128GCM; return true;
	case TC_KEY_AES256GCM: *alg = TC_AEAD_ALG_AES256GCM; return true;
	case TC_KEY_CHACHA20POLY1305:
		*alg = TC_AEAD_ALG_CHACHA20POLY1305;
		return true;
	default: return false;
	}
}

/* Fields of the record itself, before any key or DMA. */
static uint16_t tc_aead_check_record(struct tc_op_ctx *ctx,
                                     const struct tc_aead_record *rec)
{
	unsigned max_sg = ctx->st->max_sg;
	unsigned in_nseg = le16toh(rec->in_nseg);
	unsigned out_nseg = le16toh(rec->out_nseg);

	if (rec->rsvd7 || rec->rsvd28 ||
	    !tc_ops_is_zero(rec->rsvd88, sizeof(rec->rsvd88)))
		return TC_STS_INVALID_DESC;
	if (rec->dir > TC_AEAD_DIR_DECRYPT || rec->aad_len > TC_AEAD_MAX_AAD ||
	    (rec->rflags & ~TC_AEAD_F_KNOWN))
		return TC_STS_INVALID_DESC;
	if (le32toh(rec->in_len) > ctx->st->max_input)
		return TC_STS_INVALID_DESC;
	if (!(rec->rflags & TC_AEAD_F_IN_CONTIG) &&
	    (in_nseg < 1 || in_nseg > max_sg))
		return TC_STS_INVALID_DESC;
	if (!(rec->rflags & TC_AEAD_F_OUT_CONTIG) &&
	    (out_nseg < 1 || out_nseg > max_sg))
		return TC_STS_INVALID_DESC;
	return TC_STS_OK;
}

/* Fetch and check an SG list: host segments only, summing to len. */
static uint16_t tc_aead_load_sgl(struct tc_op_ctx *ctx, uint64_t addr,
                                 unsigned nseg, uint32_t len,
                                 struct tc_sg_entry *sgl)
{
	uint64_t sum = 0;
	unsigned i;

	if (tc_dma_read(ctx->dma, addr, sgl, nseg * sizeof(*sgl)))
		return TC_STS_DMA_FAULT;
	for (i = 0; i < nseg; i++) {
		/* Blob segments hold cleartext handshake messages, never
		 * record payloads. */
		if (sgl[i].flags || sgl[i].blob_id)
			return TC_STS_INVALID_DESC;
		sum += le32toh(sgl[i].len);
	}
	return sum == len ? TC_STS_OK : TC_STS_INVALID_DESC;
}

static uint16_t tc_aead_open_list(struct tc_op_ctx *ctx,
                                  const struct tc_aead_record *rec, bool output,
                                  struct tc_aead_cursor *cur)
{
	struct tc_engine_scratch *es = &ctx->st->eng[ctx->engine];
	uint8_t contig = output ? TC_AEAD_F_OUT_CONTIG : TC_AEAD_F_IN_CONTIG;
	uint64_t addr = le64toh(output ? rec->out_addr : rec->in_addr);
	unsigned nseg = le16toh(output ? rec->out_nseg : rec->in_nseg);
	struct tc_sg_entry *sgl = output ? es->sg_out : es->sg_in;
	uint32_t len = le32toh(rec->in_len);
	uint16_t sts;

	if (rec->rflags & contig) {
		tc_aead_cursor_contig(cur, addr, len, output);
		return TC_STS_OK;
	}
	sts = tc_aead_load_sgl(ctx, addr, nseg, len, sgl);
	tc_aead_cursor_init(cur, sgl, nseg, output);
	return sts;
}

/* Set key (only when it changed on this engine) and nonce. */
static bool tc_aead_init(struct tc_op_ctx *ctx, enum tc_aead_alg alg,
                         const struct tc_key *key, const uint8_t *nonce,
                         int enc)
{
	struct tc_engine_scratch *es = &ctx->st->eng[ctx->engine];
	EVP_CIPHER_CTX *c = es->aead[alg];

	if (es->aead_key_id[alg] == key->id)
		return EVP_CipherInit_ex2(c, NULL, NULL, nonce, enc, NULL);
	es->aead_key_id[alg] = 0;
	if (!EVP_CipherInit_ex2(c, ctx->st->cipher[alg], key->raw, nonce, enc,
	                        NULL))
		return false;
	es->aead_key_id[alg] = key->id;
	return true;
}

/* Forget cached key schedules if any AEAD key left a slot since this
 * engine's last batch: the reset cleanses the contexts. */
static void tc_aead_sync_cache(struct tc_op_ctx *ctx)
{
	struct tc_engine_scratch *es = &ctx->st->eng[ctx->engine];
	uint64_t gen = tc_keystore_wipe_gen(ctx->st->keys);
	unsigned i;

	if (es->aead_wipe_gen == gen)
		return;
	for (i = 0; i < TC_AEAD_ALG_COUNT; i++) {
		EVP_CIPHER_CTX_reset(es->aead[i]);
		es->aead_key_id[i] = 0;
	}
	es->aead_wipe_gen = gen;
}

/* Cipher in_len bytes from the input list to the output list. */
static int tc_aead_run(struct tc_op_ctx *ctx, EVP_CIPHER_CTX *c,
                       struct tc_aead_cursor *in, struct tc_aead_cursor *out,
                       uint32_t len)
{
	uint8_t *src, *dst;
	size_t a, b, chunk;
	int outl, ret;

	while (len) {
		ret = tc_aead_cursor_peek(ctx, in, &src, &a);
		if (ret)
			return ret;
		ret = tc_aead_cursor_peek(ctx, out, &dst, &b);
		if (ret)
			return ret;
		chunk = a < b ? a : b;
		if (chunk > len)
			chunk = len;
		if (chunk > TC_AEAD_MAX_CHUNK)
			chunk = TC_AEAD_MAX_CHUNK;
		/* GCM and ChaCha20-Poly1305 are stream modes: out == in. */
		if (!EVP_CipherUpdate(c, dst, &outl, src, chunk) ||
		    (size_t)outl != chunk)
			return -EIO;
		in->off += chunk;
		out->off += chunk;
		len -= chunk;
	}
	return 0;
}

/* Never leave unauthenticated plaintext behind: overwrite the output,
 * walking the list already fetched (not a second copy the host could have
 * changed meanwhile). */
static void tc_aead_wipe_output(struct tc_op_ctx *ctx,
                                struct tc_aead_cursor *out, uint32_t len)
{
	uint8_t *dst;
	size_t avail;

	tc_aead_cursor_close(ctx, out);
	tc_aead_cursor_init(out, out->sg, out->nseg, true);
	while (len) {
		if (tc_aead_cursor_peek(ctx, out, &dst, &avail))
			break;
		if (avail > len)
			avail = len;
		memset(dst, 0, avail);
		out->off += avail;
		len -= avail;
	}
	tc_aead_cursor_close(ctx, out);
}

static uint16_t tc_aead_cipher(struct tc_op_ctx *ctx,
                               const struct tc_aead_record *rec,
                               enum tc_aead_alg alg, const struct tc_key *key)
{
	struct tc_engine_scratch *es = &ctx->st->eng[ctx->engine];
	EVP_CIPHER_CTX *c = es->aead[alg];
	bool enc = rec->dir == TC_AEAD_DIR_ENCRYPT;
	uint32_t len = le32toh(rec->in_len);
	uint64_t tag_addr = le64toh(rec->tag_addr);
	struct tc_aead_cursor in, out;
	uint8_t tag[TC_AEAD_TAG_LEN];
	uint16_t sts;
	int outl, ret;

	if (!enc && tc_dma_read(ctx->dma, tag_addr, tag, sizeof(tag)))
		return TC_STS_DMA_FAULT;
	sts = tc_aead_open_list(ctx, rec, false, &in);
	if (!sts)
		sts = tc_aead_open_list(ctx, rec, true, &out);
	if (sts)
		return sts;

	if (!tc_aead_init(ctx, alg, key, rec->nonce, enc) ||
	    (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, sizeof(tag),
	                                 tag) <= 0) ||
	    (rec->aad_len &&
	     !EVP_CipherUpdate(c, NULL, &outl, rec->aad, rec->aad_len))) {
		es->aead_key_id[alg] = 0;
		return TC_STS_INTERNAL;
	}

	ret = tc_aead_run(ctx, c, &in, &out, len);
	tc_aead_cursor_close(ctx, &in);
	if (tc_aead_cursor_close(ctx, &out) && !ret)
		ret = -EFAULT;
	if (ret) {
		/* A context left mid-record is re-keyed before its next use. */
		es->aead_key_id[alg] = 0;
		sts = ret == -EFAULT ? TC_STS_DMA_FAULT : TC_STS_INTERNAL;
		goto fail;
	}

	if (!EVP_CipherFinal_ex(c, tag, &outl)) {
		if (enc) {
			es->aead_key_id[alg] = 0;
			sts = TC_STS_INTERNAL;
			goto fail;
		}
		sts = TC_STS_AUTH_FAIL;
		goto fail;
	}
	if (!enc)
		return TC_STS_OK;
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, sizeof(tag), tag) <=
	    0)
		return TC_STS_INTERNAL;
	if (tc_dma_write(ctx->dma, tag_addr, tag, sizeof(tag)))
		return TC_STS_DMA_FAULT;
	return TC_STS_OK;

fail:
	if (!enc)
		tc_aead_wipe_output(ctx, &out, len);
	return sts;
}

static uint16_t tc_aead_record(struct tc_op_ctx *ctx,
                               const struct tc_aead_record *rec)
{
	enum tc_aead_alg alg = TC_AEAD_ALG_AES128GCM;
	struct tc_key *key;
	uint16_t sts;

	sts = tc_aead_check_record(ctx, rec);
	if (sts)
		return sts;
	/* The reference keeps the key alive if the slot is evicted or
	 * reloaded while this record runs. */
	key = tc_keystore_get(ctx->st->keys, le32toh(rec->key_slot));
	sts = tc_aead_key_alg(key, &alg) ? tc_aead_cipher(ctx, rec, alg, key)
	                                 : TC_STS_BAD_KEY_SLOT;
	tc_key_put(key);
	return sts;
}

uint16_t tc_op_aead_batch(struct tc_op_ctx *ctx, const struct tc_aead_cmd *cmd)
{
	struct tc_engine_scratch *es = &ctx->st->eng[ctx->engine];
	unsigned nrec = le16toh(cmd->nrec), i, failed = 0;
	uint16_t sts, first_fail = TC_STS_OK;
	uint64_t bytes = 0;

	if (nrec < 1 || nrec > TC_AEAD_MAX_RECORDS || cmd->rsvd2 ||
	    cmd->rsvd4 || !tc_ops_is_zero(cmd->rsvd24, sizeof(cmd->rsvd24)))
		return TC_STS_INVALID_DESC;
	tc_aead_sync_cache(ctx);
	/* A private copy: the host cannot change a record under the engine. */
	if (tc_dma_read(ctx->dma, le64toh(cmd->rec_addr), es->recs,
	                nrec * sizeof(*es->recs)))
		return TC_STS_DMA_FAULT;

	for (i = 0; i < nrec; i++) {
		sts = tc_aead_record(ctx, &es->recs[i]);
		es->rec_status[i] = htole16(sts);
		if (sts == TC_STS_OK || sts == TC_STS_AUTH_FAIL)
			bytes += le32toh(es->recs[i].in_len);
		if (sts == TC_STS_OK)
			continue;
		if (!failed)
			first_fail = sts;
		failed++;
	}

	if (tc_dma_write(ctx->dma, le64toh(cmd->status_addr), es->rec_status,
	                 nrec * sizeof(*es->rec_status)))
		return TC_STS_DMA_FAULT;
	ctx->result = failed;
	ctx->aux = bytes;
	ctx->bytes = bytes;
	/* OK, or the first failed record's status: AUTH_FAIL when only
	 * authentication failed. */
	return first_fail;
}
