/* SPDX-License-Identifier: MIT */
/*
 * tlscardctl load: the jobs.  Each is random (sizes, hashes, algorithms,
 * directions) and its expected result is computed by libcrypto when it is
 * built, so every completion can be checked exactly.
 *
 * Slot memory:
 *   digest  SG list (8 x 16) | digests (2 x 64)
 *   aead    records (4 x 128) | statuses | tags (4 x 16) | in | out
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "ctl_load.h"

#define DATA_BYTES    (64u << 10)
#define SEG_MAX       512u
#define DG_OUT_OFF    128u
#define DG_OUT_LEN    128u
#define AE_STATUS_OFF 512u
#define AE_TAG_OFF    576u
#define AE_IN_OFF     640u
#define AE_OUT_OFF    (AE_IN_OFF + LOAD_MAX_RECS * LOAD_MAX_REC_LEN)
#define AE_SLOT_BYTES (AE_OUT_OFF + LOAD_MAX_RECS * LOAD_MAX_REC_LEN)
#define AEAD_AAD_LEN  13u

static const uint8_t load_key_types[LOAD_NKEYS] = {
    TC_KEY_AES128GCM, TC_KEY_AES256GCM, TC_KEY_CHACHA20POLY1305};

size_t load_slot_bytes(enum load_op op)
{
	switch (op) {
	case LOAD_OP_DIGEST: return 256;
	case LOAD_OP_AEAD: return (AE_SLOT_BYTES + 4095) & ~4095u;
	default: return 64;
	}
}

int load_op_setup(struct load_state *ls, struct tc_ctx *ctx)
{
	int ret;

	if (ls->op == LOAD_OP_DIGEST) {
		ret = tc_dma_alloc(ctx, DATA_BYTES, &ls->data);
		if (ret)
			return ret;
		ctl_rand_fill(&ls->rng, ls->data.va, DATA_BYTES);
	}
	if (ls->op == LOAD_OP_AEAD) {
		for (unsigned k = 0; k < LOAD_NKEYS; k++) {
			ctl_rand_fill(&ls->rng, ls->key[k], 32);
			ret = tc_pool_key_create(
			    ls->pool, load_key_types[k], ls->key[k],
			    ctl_aead_key_len(load_key_types[k]),
			    &ls->key_slot[k]);
			if (ret)
				return ret;
		}
	}
	return 0;
}

void load_op_teardown(struct load_state *ls, struct tc_ctx *ctx)
{
	if (ls->data.va)
		tc_dma_free(ctx, &ls->data);
}

static unsigned rand_below(struct load_state *ls, unsigned n)
{
	return (unsigned)(ctl_rand_next(&ls->rng) % n);
}

static int prep_digest(struct load_state *ls, struct load_slot *s)
{
	static const uint8_t hashes[3] = {TC_HASH_SHA256, TC_HASH_SHA384,
	                                  TC_HASH_SHA512};
	struct tc_sg_entry *sg = (struct tc_sg_entry *)s->mem;
	struct iovec iov[LOAD_MAX_SEGS];
	uint8_t hash = hashes[rand_below(ls, 3)];
	unsigned nseg = 1 + rand_below(ls, LOAD_MAX_SEGS), ncp = 0;
	uint16_t cp[2];
	uint32_t total = 0;

	for (unsigned i = 0; i < nseg; i++) {
		uint32_t len = 1 + rand_below(ls, SEG_MAX);
		uint32_t off = rand_below(ls, DATA_BYTES - len);

		ctl_sg_fill(&sg[i], ls->data.iova + off, len);
		iov[i].iov_base = (uint8_t *)ls->data.va + off;
		iov[i].iov_len = len;
		total += len;
	}
	/* Half the multi-segment jobs ask for a transcript hash midway. */
	if (nseg >= 2 && rand_below(ls, 2)) {
		cp[0] = (uint16_t)(nseg / 2);
		cp[1] = (uint16_t)nseg;
		ncp = 2;
	}
	if (ctl_ref_digest(hash, NULL, 0, iov, nseg, cp, ncp, s->want))
		return -EIO;
	s->want_len = ctl_hash_len(hash) * (ncp ? ncp : 1);
	tc_job_prep_digest(&s->job, hash, s->iova, nseg, cp, ncp,
	                   s->iova + DG_OUT_OFF, DG_OUT_LEN);
	s->job.cost = total;
	memset(s->mem + DG_OUT_OFF, 0, DG_OUT_LEN);
	return 0;
}

/* Records of 1..2048 bytes; decrypt inputs are libcrypto's ciphertext. */
static int prep_aead(struct load_state *ls, struct load_slot *s)
{
	struct tc_aead_record *recs = (struct tc_aead_record *)s->mem;
	uint8_t plain[LOAD_MAX_REC_LEN], ct[LOAD_MAX_REC_LEN];
	uint8_t nonce[TC_AEAD_NONCE_LEN], aad[AEAD_AAD_LEN];
	bool used[LOAD_NKEYS] = {false};
	size_t want_off = 0;

	s->nrec = 1 + rand_below(ls, LOAD_MAX_RECS);
	s->job.nkeys = 0;
	for (unsigned i = 0; i < s->nrec; i++) {
		unsigned k = rand_below(ls, LOAD_NKEYS);
		uint32_t len = 1 + rand_below(ls, LOAD_MAX_REC_LEN);
		uint8_t dir = (uint8_t)rand_below(ls, 2);
		uint64_t in = s->iova + AE_IN_OFF + i * LOAD_MAX_REC_LEN;
		uint64_t out = s->iova + AE_OUT_OFF + i * LOAD_MAX_REC_LEN;
		uint8_t *tag = s->mem + AE_TAG_OFF + i * TC_AEAD_TAG_LEN;
		uint8_t ref_tag[TC_AEAD_TAG_LEN];
		struct ctl_aead_rec_args a = {
		    .slot = ls->key_slot[k],
		    .dir = dir,
		    .nonce = nonce,
		    .aad = aad,
		    .aad_len = AEAD_AAD_LEN,
		    .in = in,
		    .out = out,
		    .tag = s->iova + AE_TAG_OFF + i * TC_AEAD_TAG_LEN,
		    .len = len,
		};

		ctl_rand_fill(&ls->rng, nonce, sizeof(nonce));
		ctl_rand_fill(&ls->rng, aad, sizeof(aad));
		ctl_rand_fill(&ls->rng, plain, len);
		if (ctl_ref_aead(load_key_types[k], ls->key[k], 1, nonce, aad,
		                 AEAD_AAD_LEN, plain, len, ct, ref_tag))
			return -EIO;
		if (dir == TC_AEAD_DIR_ENCRYPT) {
			memcpy(s->mem + AE_IN_OFF + i * LOAD_MAX_REC_LEN, plain,
			       len);
			memcpy(s->want + want_off, ct, len);
			memcpy(s->want + want_off + len, ref_tag,
			       TC_AEAD_TAG_LEN);
			memset(tag, 0, TC_AEAD_TAG_LEN);
		} else {
			memcpy(s->mem + AE_IN_OFF + i * LOAD_MAX_REC_LEN, ct,
			       len);
			memcpy(s->want + want_off, plain, len);
			memcpy(tag, ref_tag, TC_AEAD_TAG_LEN);
		}
		memset(s->mem + AE_OUT_OFF + i * LOAD_MAX_REC_LEN, 0, len);
		want_off += len + TC_AEAD_TAG_LEN;
		s->rec_len[i] = len;
		s->rec_dir[i] = dir;
		ctl_aead_record_fill(&recs[i], &a);
		if (!used[k]) {
			used[k] = true;
			s->keys[s->job.nkeys++] = ls->key_slot[k];
		}
	}
	memset(s->mem + AE_STATUS_OFF, 0xff, 2 * LOAD_MAX_RECS);
	tc_job_prep_aead(&s->job, s->iova, s->nrec, s->iova + AE_STATUS_OFF);
	s->job.keys = s->keys;
	s->job.cost = (uint32_t)want_off;
	return 0;
}

int load_slot_prep(struct load_state *ls, struct load_slot *s)
{
	s->job.keys = NULL;
	s->job.nkeys = 0;
	s->job.cost = 0;
	switch (ls->op) {
	case LOAD_OP_DIGEST: return prep_digest(ls, s);
	case LOAD_OP_AEAD: return prep_aead(ls, s);
	default: tc_job_prep_nop(&s->job); return 0;
	}
}

static int verify_aead(struct load_slot *s, char *why, size_t len)
{
	const uint16_t *st = (const uint16_t *)(s->mem + AE_STATUS_OFF);
	size_t want_off = 0;

	for (unsigned i = 0; i < s->nrec; i++) {
		const uint8_t *out = s->mem + AE_OUT_OFF + i * LOAD_MAX_REC_LEN;
		const uint8_t *tag = s->mem + AE_TAG_OFF + i * TC_AEAD_TAG_LEN;
		uint32_t n = s->rec_len[i];

		if (le16toh(st[i]) != TC_STS_OK) {
			snprintf(why, len, "record %u status %s", i,
			         tc_status_name(le16toh(st[i])));
			return -1;
		}
		if (memcmp(out, s->want + want_off, n) ||
		    (s->rec_dir[i] == TC_AEAD_DIR_ENCRYPT &&
		     memcmp(tag, s->want + want_off + n, TC_AEAD_TAG_LEN))) {
			snprintf(why, len, "record %u (%s, %u bytes) differs",
			         i, s->rec_dir[i] ? "decrypt" : "encrypt", n);
			return -1;
		}
		want_off += n + TC_AEAD_TAG_LEN;
	}
	return 0;
}

int load_slot_verify(struct load_state *ls, struct load_slot *s, char *why,
                     size_t len)
{
	switch (ls->op) {
	case LOAD_OP_DIGEST:
		if (memcmp(s->mem + DG_OUT_OFF, s->want, s->want_len)) {
			snprintf(why, len, "digest differs from libcrypto");
			return -1;
		}
		return 0;
	case LOAD_OP_AEAD: return verify_aead(s, why, len);
	default: return 0;
	}
}
