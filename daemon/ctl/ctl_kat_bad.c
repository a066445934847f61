/* SPDX-License-Identifier: MIT */
/*
 * Selftest: bad host input.  The card must complete every malformed
 * descriptor with the status card-spec.md gives it, count it, and keep
 * working afterwards.
 */
#include <endian.h>
#include <openssl/ec.h>
#include <string.h>

#include "ctl_kat.h"

/* An IOVA no tc_dma_alloc() hands out: far above any mapping. */
#define UNMAPPED_IOVA (1ull << 62)

/* A one-segment SHA-256 digest job over 64 bytes of arena memory. */
static bool prep_digest(struct kat_card *c, struct tc_job *job)
{
	uint64_t data, sg_iova, out;
	struct tc_sg_entry *sg;

	if (!kat_dma(c, 64, &data) ||
	    !(sg = kat_dma(c, sizeof(*sg), &sg_iova)) ||
	    !kat_dma(c, TC_DIGEST_MAX_LEN, &out))
		return false;
	ctl_sg_fill(sg, data, 64);
	tc_job_prep_digest(job, TC_HASH_SHA256, sg_iova, 1, NULL, 0, out,
	                   TC_DIGEST_MAX_LEN);
	return true;
}

static void check_descriptors(struct kat_card *c)
{
	struct tc_job job = {0};
	uint32_t bad_descs = tc_dev_read32(c->dev, TC_REG_BAD_DESCS);
	uint32_t faults = tc_dev_read32(c->dev, TC_REG_DMA_FAULTS);
	uint32_t now;

	kat_reset_arena(c);
	tc_job_prep_nop(&job);
	job.sqe.rsvd4 = htole32(1);
	kat_expect(c, "bad-desc-reserved-field", &job, TC_STS_INVALID_DESC);

	tc_job_prep_nop(&job);
	job.sqe.opcode = 0x3f;
	kat_expect(c, "bad-desc-unknown-opcode", &job, TC_STS_UNSUPPORTED);

	if (!prep_digest(c, &job)) {
		kat_fail(c, "bad-desc", "DMA arena exhausted");
		return;
	}
	job.sqe.u.digest.nseg = 0;
	kat_expect(c, "bad-desc-digest-no-segments", &job, TC_STS_INVALID_DESC);

	prep_digest(c, &job);
	job.sqe.u.digest.ncp = 2;
	job.sqe.u.digest.cp[0] = htole16(1);
	job.sqe.u.digest.cp[1] = htole16(1); /* not increasing */
	kat_expect(c, "bad-desc-digest-checkpoints", &job, TC_STS_INVALID_DESC);

	prep_digest(c, &job);
	job.sqe.u.digest.hash = 9;
	kat_expect(c, "bad-desc-unknown-hash", &job, TC_STS_UNSUPPORTED);

	prep_digest(c, &job);
	job.sqe.u.digest.out_len = htole32(16);
	kat_expect(c, "digest-output-too-small", &job, TC_STS_BUF_TOO_SMALL);

	tc_job_prep_aead(&job, 0, TC_AEAD_MAX_RECORDS + 1, 0);
	kat_expect(c, "bad-desc-aead-too-many-records", &job,
	           TC_STS_INVALID_DESC);

	prep_digest(c, &job);
	job.sqe.u.digest.sgl_addr = htole64(UNMAPPED_IOVA);
	kat_expect(c, "dma-fault-unmapped-address", &job, TC_STS_DMA_FAULT);

	/* the card counts what it rejected (card-spec: BAD_DESCS,
	 * DMA_FAULTS) */
	now = tc_dev_read32(c->dev, TC_REG_BAD_DESCS);
	if (now - bad_descs < 4)
		kat_fail(c, "bad-desc-counted", "BAD_DESCS rose by %u",
		         now - bad_descs);
	else if (tc_dev_read32(c->dev, TC_REG_DMA_FAULTS) == faults)
		kat_fail(c, "bad-desc-counted", "DMA_FAULTS did not rise");
	else
		kat_pass(c, "bad-desc-counted");
}

/* A well-formed P-256 key claimed to be RSA: BAD_KEY (card-spec: material
 * that does not match the type). */
static void check_mismatched_type(struct kat_card *c)
{
	const char *op = "key-load-mismatched-type";
	EVP_PKEY *key = EVP_EC_gen("P-256");
	struct tc_job job = {0};
	uint8_t *der = NULL;
	uint64_t iova;
	int len = key ? ctl_pkcs8_der(key, &der) : -1;

	EVP_PKEY_free(key);
	if (len < 0 || !kat_dma_copy(c, der, (size_t)len, &iova)) {
		kat_fail(c, op, "could not build a P-256 key");
		OPENSSL_free(der);
		return;
	}
	OPENSSL_free(der);
	ctl_prep_key_load(&job, KAT_SLOT_SCRATCH, TC_KEY_RSA, iova,
	                  (uint32_t)len);
	kat_expect(c, op, &job, TC_STS_BAD_KEY);
}

static void check_key_slots(struct kat_card *c)
{
	struct ctl_pke_args a = {.hash = TC_HASH_SHA256,
	                         .pad = TC_RSA_PAD_PKCS1,
	                         .in_len = 32,
	                         .out_len = 512};
	uint8_t garbage[300];
	struct tc_job job = {0};
	uint64_t iova;

	kat_reset_arena(c);
	if (!kat_dma(c, 32, &a.in) || !kat_dma(c, 512, &a.out)) {
		kat_fail(c, "bad-key-slot", "DMA arena exhausted");
		return;
	}
	a.slot = c->info->key_slots; /* one past the last slot */
	ctl_prep_pke(&job, TC_OP_RSA_SIGN, &a);
	kat_expect(c, "bad-key-slot-out-of-range", &job, TC_STS_BAD_KEY_SLOT);

	ctl_prep_key_evict(&job, KAT_SLOT_SCRATCH);
	kat_run(c, &job);
	a.slot = KAT_SLOT_SCRATCH;
	ctl_prep_pke(&job, TC_OP_RSA_SIGN, &a);
	kat_expect(c, "bad-key-slot-empty", &job, TC_STS_BAD_KEY_SLOT);

	a.slot = KAT_SLOT_AES128; /* holds an AES key, not RSA */
	ctl_prep_pke(&job, TC_OP_RSA_SIGN, &a);
	kat_expect(c, "bad-key-slot-wrong-type", &job, TC_STS_BAD_KEY_SLOT);

	ctl_prep_key_evict(&job, c->info->key_slots);
	kat_expect(c, "key-evict-out-of-range", &job, TC_STS_BAD_KEY_SLOT);

	ctl_rand_fill(&c->rng, garbage, sizeof(garbage));
	if (!kat_dma_copy(c, garbage, sizeof(garbage), &iova)) {
		kat_fail(c, "key-load-garbage", "DMA arena exhausted");
		return;
	}
	ctl_prep_key_load(&job, KAT_SLOT_SCRATCH, TC_KEY_RSA, iova,
	                  sizeof(garbage));
	kat_expect(c, "key-load-garbage", &job, TC_STS_BAD_KEY);

	/* a length the type cannot have is a descriptor error */
	ctl_prep_key_load(&job, KAT_SLOT_SCRATCH, TC_KEY_AES128GCM, iova, 15);
	kat_expect(c, "key-load-bad-length", &job, TC_STS_INVALID_DESC);

	check_mismatched_type(c);
}

/* After all that, the card still does real work. */
static void check_still_healthy(struct kat_card *c)
{
	uint32_t st = tc_dev_read32(c->dev, TC_REG_STATUS);
	struct tc_job job = {0};

	if (!(st & TC_STATUS_READY) || (st & TC_STATUS_FATAL)) {
		kat_fail(c, "card-healthy-after-bad-input", "STATUS %08x", st);
		return;
	}
	tc_job_prep_nop(&job);
	kat_expect(c, "card-healthy-after-bad-input", &job, TC_STS_OK);
}

void kat_run_bad_input(struct kat_card *c)
{
	check_descriptors(c);
	check_key_slots(c);
	check_still_healthy(c);
}
