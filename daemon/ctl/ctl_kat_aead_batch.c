/* SPDX-License-Identifier: MIT */
/*
 * Selftest: AEAD batches (method M3).  A full 64-record batch mixing the
 * three algorithms, both directions, several keys, contiguous and
 * scatter-list records, checked record by record against libcrypto; then
 * the per-record statuses: a tampered tag, and a record whose key is gone.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_kat.h"

#define NREC    TC_AEAD_MAX_RECORDS
#define MAX_LEN 4096u
#define NKEYS   3u

static const uint8_t key_types[NKEYS] = {TC_KEY_AES128GCM, TC_KEY_AES256GCM,
                                         TC_KEY_CHACHA20POLY1305};
static const uint32_t key_slots[NKEYS] = {KAT_SLOT_AES128, KAT_SLOT_AES256,
                                          KAT_SLOT_CHACHA};

struct batch_rec {
	unsigned key;
	uint8_t dir;
	uint32_t len;
	uint8_t nonce[TC_AEAD_NONCE_LEN], aad[TC_AEAD_MAX_AAD];
	unsigned aad_len;
	uint8_t *in, *out, *tag; /* DMA */
	uint8_t *want;           /* expected output (malloc) */
	uint8_t want_tag[TC_AEAD_TAG_LEN];
};

struct batch {
	uint8_t keys[NKEYS][32];
	struct batch_rec rec[NREC];
	struct tc_aead_record *recs;
	uint16_t *status;
	uint64_t recs_iova, status_iova;
	unsigned nrec;
};

static bool load_keys(struct kat_card *c, const char *op, struct batch *b)
{
	for (unsigned k = 0; k < NKEYS; k++) {
		ctl_rand_fill(&c->rng, b->keys[k], sizeof(b->keys[k]));
		if (!kat_load_key(c, op, key_slots[k], key_types[k], b->keys[k],
		                  ctl_aead_key_len(key_types[k])))
			return false;
	}
	return true;
}

/* Describe [iova, iova+len) as an n-entry SG list placed in the arena. */
static uint64_t make_sg(struct kat_card *c, uint64_t iova, uint32_t len,
                        unsigned n)
{
	uint64_t sg_iova;
	struct tc_sg_entry *sg = kat_dma(c, n * sizeof(*sg), &sg_iova);

	if (!sg)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		uint32_t from = len * i / n, to = len * (i + 1) / n;

		ctl_sg_fill(&sg[i], iova + from, to - from);
	}
	return sg_iova;
}

/* Random records; decrypt inputs are encrypted by libcrypto first, so
 * every record has a known expected output and tag. */
static bool build_batch(struct kat_card *c, struct batch *b, unsigned nrec)
{
	b->nrec = nrec;
	b->recs = kat_dma(c, nrec * sizeof(*b->recs), &b->recs_iova);
	b->status = kat_dma(c, nrec * sizeof(*b->status), &b->status_iova);
	if (!b->recs || !b->status)
		return false;
	for (unsigned i = 0; i < nrec; i++) {
		struct batch_rec *r = &b->rec[i];
		struct ctl_aead_rec_args a = {0};
		uint64_t in_iova, out_iova, tag_iova;
		uint8_t *plain;
		unsigned in_segs, out_segs;

		r->key = (unsigned)(ctl_rand_next(&c->rng) % NKEYS);
		r->dir = ctl_rand_next(&c->rng) & 1;
		r->len = 1 + (uint32_t)(ctl_rand_next(&c->rng) % MAX_LEN);
		r->aad_len =
		    (unsigned)(ctl_rand_next(&c->rng) % (TC_AEAD_MAX_AAD + 1));
		ctl_rand_fill(&c->rng, r->nonce, sizeof(r->nonce));
		ctl_rand_fill(&c->rng, r->aad, r->aad_len);
		r->in = kat_dma(c, r->len, &in_iova);
		r->out = kat_dma(c, r->len, &out_iova);
		r->tag = kat_dma(c, TC_AEAD_TAG_LEN, &tag_iova);
		r->want = malloc(r->len);
		plain = malloc(r->len);
		if (!r->in || !r->out || !r->tag || !r->want || !plain) {
			free(plain);
			return false;
		}
		ctl_rand_fill(&c->rng, plain, r->len);
		if (ctl_ref_aead(key_types[r->key], b->keys[r->key], 1,
		                 r->nonce, r->aad, r->aad_len, plain, r->len,
		                 r->want, r->want_tag)) {
			free(plain);
			return false;
		}
		if (r->dir == TC_AEAD_DIR_DECRYPT) {
			/* in: the ciphertext; want: the plaintext back */
			memcpy(r->in, r->want, r->len);
			memcpy(r->want, plain, r->len);
			memcpy(r->tag, r->want_tag, TC_AEAD_TAG_LEN);
		} else {
			memcpy(r->in, plain, r->len);
		}
		free(plain);
		/* a third of the records use SG on each side */
		in_segs = ctl_rand_next(&c->rng) % 3 ? 0 : 1 + i % 4;
		out_segs = ctl_rand_next(&c->rng) % 3 ? 0 : 1 + i % 3;
		a.slot = key_slots[r->key];
		a.dir = r->dir;
		a.nonce = r->nonce;
		a.aad = r->aad;
		a.aad_len = r->aad_len;
		a.len = r->len;
		a.tag = tag_iova;
		a.in = in_segs ? make_sg(c, in_iova, r->len, in_segs) : in_iova;
		a.out = out_segs ? make_sg(c, out_iova, r->len, out_segs)
		                 : out_iova;
		a.in_nseg = (uint16_t)in_segs;
		a.out_nseg = (uint16_t)out_segs;
		if (!a.in || !a.out)
			return false;
		ctl_aead_record_fill(&b->recs[i], &a);
	}
	return true;
}

static void free_batch(struct batch *b)
{
	for (unsigned i = 0; i < NREC; i++) {
		free(b->rec[i].want);
		b->rec[i].want = NULL;
	}
}

/* Every record's status, output and (encrypt) tag. */
static bool verify_records(struct kat_card *c, const char *op, struct batch *b,
                           int skip)
{
	for (unsigned i = 0; i < b->nrec; i++) {
		struct batch_rec *r = &b->rec[i];
		uint16_t st = le16toh(b->status[i]);

		if ((int)i == skip)
			continue;
		if (st != TC_STS_OK) {
			kat_fail(c, op, "record %u: status %s", i,
			         tc_status_name(st));
			return false;
		}
		if (memcmp(r->out, r->want, r->len)) {
			kat_fail(c, op,
			         "record %u (%s, %u bytes): output differs", i,
			         r->dir ? "decrypt" : "encrypt", r->len);
			return false;
		}
		if (r->dir == TC_AEAD_DIR_ENCRYPT &&
		    memcmp(r->tag, r->want_tag, TC_AEAD_TAG_LEN)) {
			kat_fail(c, op, "record %u: tag differs", i);
			return false;
		}
	}
	return true;
}

static void check_mixed(struct kat_card *c)
{
	const char *op = "aead-batch64-mixed";
	struct batch b = {0};
	struct tc_job job = {0};

	kat_reset_arena(c);
	if (!load_keys(c, op, &b))
		return;
	if (!build_batch(c, &b, NREC)) {
		kat_fail(c, op, "building the batch failed");
		goto out;
	}
	tc_job_prep_aead(&job, b.recs_iova, NREC, b.status_iova);
	if (!kat_run_ok(c, op, &job))
		goto out;
	if (job.result != 0)
		kat_fail(c, op, "result %u failed records", job.result);
	else if (verify_records(c, op, &b, -1))
		kat_pass(c, op);
out:
	free_batch(&b);
}

/*
 * Decrypt records with one tag flipped: that record alone is AUTH_FAIL
 * with its output zeroed (no unauthenticated plaintext), the others are
 * fine, the job is AUTH_FAIL with result 1.
 */
static void check_tamper(struct kat_card *c)
{
	const char *op = "aead-tampered-tag-auth-fail";
	enum { N = 8, BAD = 5 };
	struct batch b = {0};
	struct tc_job job = {0};
	struct batch_rec *r;

	kat_reset_arena(c);
	if (!load_keys(c, op, &b) || !build_batch(c, &b, N)) {
		kat_fail(c, op, "building the batch failed");
		goto out;
	}
	r = &b.rec[BAD];
	if (r->dir != TC_AEAD_DIR_DECRYPT) {
		/* make it a decrypt of its own expected ciphertext */
		memcpy(r->in, r->want, r->len);
		memcpy(r->tag, r->want_tag, TC_AEAD_TAG_LEN);
		b.recs[BAD].dir = TC_AEAD_DIR_DECRYPT;
	}
	r->tag[7] ^= 0x20;
	tc_job_prep_aead(&job, b.recs_iova, N, b.status_iova);
	if (!kat_expect(c, "aead-tampered-job-status", &job, TC_STS_AUTH_FAIL))
		goto out;
	if (le16toh(b.status[BAD]) != TC_STS_AUTH_FAIL) {
		kat_fail(c, op, "record status %s",
		         tc_status_name(le16toh(b.status[BAD])));
		goto out;
	}
	if (job.result != 1) {
		kat_fail(c, op, "result %u failed records, expected 1",
		         job.result);
		goto out;
	}
	for (uint32_t i = 0; i < r->len; i++) {
		if (r->out[i]) {
			kat_fail(c, op, "unauthenticated plaintext written");
			goto out;
		}
	}
	if (verify_records(c, op, &b, BAD))
		kat_pass(c, op);
out:
	free_batch(&b);
}

/* A record whose slot was evicted: BAD_KEY_SLOT for it, OK for the rest. */
static void check_evicted_key(struct kat_card *c)
{
	const char *op = "aead-evicted-key-record";
	enum { N = 4, BAD = 2 };
	struct batch b = {0};
	struct tc_job job = {0};
	int ret;

	kat_reset_arena(c);
	if (!load_keys(c, op, &b) || !build_batch(c, &b, N)) {
		kat_fail(c, op, "building the batch failed");
		goto out;
	}
	b.recs[BAD].key_slot = htole32(KAT_SLOT_SCRATCH);
	ctl_prep_key_evict(&job, KAT_SLOT_SCRATCH);
	if (!kat_expect(c, "key-evict-empty-slot", &job, TC_STS_OK))
		goto out;
	tc_job_prep_aead(&job, b.recs_iova, N, b.status_iova);
	ret = kat_run(c, &job);
	if (ret) {
		kat_fail_run(c, op, ret);
		goto out;
	}
	if (le16toh(b.status[BAD]) != TC_STS_BAD_KEY_SLOT)
		kat_fail(c, op, "record status %s",
		         tc_status_name(le16toh(b.status[BAD])));
	else if (job.status != TC_STS_BAD_KEY_SLOT || job.result != 1)
		kat_fail(c, op, "job status %s result %u",
		         tc_status_name(job.status), job.result);
	else if (verify_records(c, op, &b, BAD))
		kat_pass(c, op);
out:
	free_batch(&b);
}

void kat_run_aead_batch(struct kat_card *c)
{
	check_mixed(c);
	check_tamper(c);
	check_evicted_key(c);
}
