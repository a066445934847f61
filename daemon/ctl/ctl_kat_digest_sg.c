/* SPDX-License-Identifier: MIT */
/*
 * Selftest: the checkpointed scatter-list digest (method M1) and the blob
 * store (method M2), against libcrypto digests of the same prefixes.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_kat.h"

#define SG_SEGS  64u
#define BLOB_ID  3u
#define BLOB_LEN 1500u

/* Irregular boundaries, as a TLS transcript's messages would be. */
static const uint16_t sg_checkpoints[TC_DIGEST_MAX_CP] = {1,  4,  9,  17,
                                                          30, 41, 52, 64};

struct sg_case {
	const char *name;
	uint8_t hash;
	bool hmac;
};

static const struct sg_case sg_cases[] = {
    {"digest-sg64-cp8-sha256", TC_HASH_SHA256, false},
    {"digest-sg64-cp8-sha384", TC_HASH_SHA384, false},
    {"digest-sg64-cp8-sha512", TC_HASH_SHA512, false},
    {"digest-sg64-cp8-hmac-sha256", TC_HASH_SHA256, true},
};

/* nseg random-length segments of random data, each in its own place in
 * the arena (not one contiguous buffer), described in sg and iov. */
static bool build_segments(struct kat_card *c, unsigned nseg, size_t max_len,
                           struct tc_sg_entry *sg, struct iovec *iov)
{
	for (unsigned i = 0; i < nseg; i++) {
		size_t len = 1 + ctl_rand_next(&c->rng) % max_len;
		uint64_t iova;
		uint8_t *p = kat_dma(c, len, &iova);

		if (!p)
			return false;
		ctl_rand_fill(&c->rng, p, len);
		ctl_sg_fill(&sg[i], iova, (uint32_t)len);
		iov[i].iov_base = p;
		iov[i].iov_len = len;
	}
	return true;
}

static void check_sg_case(struct kat_card *c, const struct sg_case *t)
{
	size_t dlen = ctl_hash_len(t->hash), outlen = dlen * TC_DIGEST_MAX_CP;
	uint8_t key[48], ref[TC_DIGEST_MAX_CP * TC_DIGEST_MAX_LEN];
	struct iovec iov[SG_SEGS];
	struct tc_sg_entry *sg;
	struct tc_job job = {0};
	uint64_t sg_iova, out_iova;
	uint8_t *out;

	kat_reset_arena(c);
	sg = kat_dma(c, SG_SEGS * sizeof(*sg), &sg_iova);
	out = kat_dma(c, outlen, &out_iova);
	if (!sg || !out || !build_segments(c, SG_SEGS, 600, sg, iov)) {
		kat_fail(c, t->name, "DMA arena exhausted");
		return;
	}
	ctl_rand_fill(&c->rng, key, sizeof(key));
	if (ctl_ref_digest(t->hash, t->hmac ? key : NULL,
	                   t->hmac ? sizeof(key) : 0, iov, SG_SEGS,
	                   sg_checkpoints, TC_DIGEST_MAX_CP, ref)) {
		kat_fail(c, t->name, "libcrypto failed");
		return;
	}
	if (t->hmac && !kat_load_key(c, t->name, KAT_SLOT_HMAC, TC_KEY_HMAC,
	                             key, sizeof(key)))
		return;
	tc_job_prep_digest(&job, t->hash, sg_iova, SG_SEGS, sg_checkpoints,
	                   TC_DIGEST_MAX_CP, out_iova, (uint32_t)outlen);
	if (t->hmac)
		ctl_prep_digest_hmac(&job, KAT_SLOT_HMAC);
	if (!kat_run_ok(c, t->name, &job))
		return;
	if (job.result != outlen) {
		kat_fail(c, t->name, "result %u, expected %zu", job.result,
		         outlen);
		return;
	}
	for (unsigned i = 0; i < TC_DIGEST_MAX_CP; i++) {
		if (memcmp(out + i * dlen, ref + i * dlen, dlen)) {
			kat_fail(c, t->name,
			         "checkpoint %u (after %u segments) differs", i,
			         sg_checkpoints[i]);
			return;
		}
	}
	kat_pass(c, t->name);
}

/* The longest list the card advertises, one digest at the end. */
static void check_sg_max(struct kat_card *c)
{
	const char *op = "digest-sg-max-segments";
	unsigned nseg = c->info->max_sg;
	struct iovec *iov = calloc(nseg, sizeof(*iov));
	uint8_t ref[TC_DIGEST_MAX_LEN], *out;
	struct tc_job job = {0};
	struct tc_sg_entry *sg;
	uint64_t sg_iova, out_iova;

	kat_reset_arena(c);
	sg = kat_dma(c, nseg * sizeof(*sg), &sg_iova);
	out = kat_dma(c, TC_DIGEST_MAX_LEN, &out_iova);
	if (!iov || !sg || !out || !build_segments(c, nseg, 64, sg, iov)) {
		kat_fail(c, op, "out of memory for %u segments", nseg);
		free(iov);
		return;
	}
	tc_job_prep_digest(&job, TC_HASH_SHA256, sg_iova, nseg, NULL, 0,
	                   out_iova, TC_DIGEST_MAX_LEN);
	if (ctl_ref_digest(TC_HASH_SHA256, NULL, 0, iov, nseg, NULL, 0, ref))
		kat_fail(c, op, "libcrypto failed");
	else if (kat_run_ok(c, op, &job))
		kat_check_bytes(c, op, out, ref, 32);
	free(iov);
}

/*
 * A transcript that refers to a card-resident message: host bytes, a slice
 * of the blob, host bytes, the whole blob.  Then evict it and check that a
 * reference to it fails with BAD_BLOB, as does a slice past its end.
 */
static void check_blob(struct kat_card *c)
{
	uint8_t blob[BLOB_LEN], head[100], tail[77];
	uint8_t ref[TC_DIGEST_MAX_LEN], *out;
	struct tc_sg_entry *sg;
	struct tc_job job = {0};
	uint64_t blob_iova, head_iova, tail_iova, sg_iova, out_iova;
	struct iovec iov[4];

	kat_reset_arena(c);
	ctl_rand_fill(&c->rng, blob, sizeof(blob));
	ctl_rand_fill(&c->rng, head, sizeof(head));
	ctl_rand_fill(&c->rng, tail, sizeof(tail));
	sg = kat_dma(c, 4 * sizeof(*sg), &sg_iova);
	out = kat_dma(c, TC_DIGEST_MAX_LEN, &out_iova);
	if (!sg || !out || !kat_dma_copy(c, blob, sizeof(blob), &blob_iova) ||
	    !kat_dma_copy(c, head, sizeof(head), &head_iova) ||
	    !kat_dma_copy(c, tail, sizeof(tail), &tail_iova)) {
		kat_fail(c, "blob-load", "DMA arena exhausted");
		return;
	}
	ctl_prep_blob_load(&job, BLOB_ID, blob_iova, sizeof(blob));
	if (!kat_expect(c, "blob-load", &job, TC_STS_OK))
		return;

	ctl_sg_fill(&sg[0], head_iova, sizeof(head));
	ctl_sg_fill(&sg[1], 200, 600);
	sg[1].flags = htole16(TC_SG_F_BLOB);
	sg[1].blob_id = htole16(BLOB_ID);
	ctl_sg_fill(&sg[2], tail_iova, sizeof(tail));
	ctl_sg_fill(&sg[3], 0, BLOB_LEN);
	sg[3].flags = htole16(TC_SG_F_BLOB);
	sg[3].blob_id = htole16(BLOB_ID);
	iov[0] = (struct iovec){head, sizeof(head)};
	iov[1] = (struct iovec){blob + 200, 600};
	iov[2] = (struct iovec){tail, sizeof(tail)};
	iov[3] = (struct iovec){blob, BLOB_LEN};
	/* Scribble over the host copy: the card must hash the copy it
	 * stored, not re-read host memory. */
	ctl_rand_fill(&c->rng,
	              (uint8_t *)c->arena.va + (blob_iova - c->arena.iova),
	              BLOB_LEN);
	tc_job_prep_digest(&job, TC_HASH_SHA384, sg_iova, 4, NULL, 0, out_iova,
	                   TC_DIGEST_MAX_LEN);
	if (ctl_ref_digest(TC_HASH_SHA384, NULL, 0, iov, 4, NULL, 0, ref))
		kat_fail(c, "digest-blob-segments", "libcrypto failed");
	else if (kat_run_ok(c, "digest-blob-segments", &job))
		kat_check_bytes(c, "digest-blob-segments", out, ref, 48);

	/* a slice that runs past the end of the blob */
	ctl_sg_fill(&sg[1], BLOB_LEN - 10, 11);
	sg[1].flags = htole16(TC_SG_F_BLOB);
	sg[1].blob_id = htole16(BLOB_ID);
	tc_job_prep_digest(&job, TC_HASH_SHA384, sg_iova, 4, NULL, 0, out_iova,
	                   TC_DIGEST_MAX_LEN);
	kat_expect(c, "digest-blob-out-of-range", &job, TC_STS_BAD_BLOB);

	ctl_prep_blob_evict(&job, BLOB_ID);
	kat_expect(c, "blob-evict", &job, TC_STS_OK);
	ctl_sg_fill(&sg[1], 200, 600);
	sg[1].flags = htole16(TC_SG_F_BLOB);
	sg[1].blob_id = htole16(BLOB_ID);
	tc_job_prep_digest(&job, TC_HASH_SHA384, sg_iova, 4, NULL, 0, out_iova,
	                   TC_DIGEST_MAX_LEN);
	kat_expect(c, "digest-evicted-blob", &job, TC_STS_BAD_BLOB);
}

void kat_run_digest_sg(struct kat_card *c)
{
	for (size_t i = 0; i < sizeof(sg_cases) / sizeof(sg_cases[0]); i++)
		check_sg_case(c, &sg_cases[i]);
	check_sg_max(c);
	check_blob(c);
}
