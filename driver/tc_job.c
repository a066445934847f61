/* SPDX-License-Identifier: MIT */
/*
 * Descriptor builders.  Each clears the whole SQE (reserved fields must be
 * zero) and stores every field little-endian; the driver sets the cid.
 */
#include <endian.h>
#include <string.h>

#include "tc_driver_internal.h"

static void tc_job_prep(struct tc_job *job, uint8_t opcode)
{
	memset(&job->sqe, 0, sizeof(job->sqe));
	job->sqe.opcode = opcode;
}

void tc_job_prep_nop(struct tc_job *job)
{
	tc_job_prep(job, TC_OP_NOP);
}

void tc_job_prep_digest(struct tc_job *job, uint8_t hash, uint64_t sgl_iova,
                        unsigned nseg, const uint16_t *cp, unsigned ncp,
                        uint64_t out_iova, uint32_t out_len)
{
	struct tc_digest_cmd *d = &job->sqe.u.digest;
	unsigned i;

	tc_job_prep(job, TC_OP_DIGEST);
	d->hash = hash;
	/* Out-of-range counts are passed on, clamped to the field, so the
	 * card rejects them (INVALID_DESC) rather than the driver hiding
	 * the mistake. */
	d->nseg = htole16(nseg > 0xffff ? 0xffff : (uint16_t)nseg);
	d->ncp = ncp > 0xff ? 0xff : (uint8_t)ncp;
	d->out_len = htole32(out_len);
	d->sgl_addr = htole64(sgl_iova);
	d->out_addr = htole64(out_iova);
	for (i = 0; cp && i < ncp && i < TC_DIGEST_MAX_CP; i++)
		d->cp[i] = htole16(cp[i]);
}

void tc_job_prep_aead(struct tc_job *job, uint64_t rec_iova, unsigned nrec,
                      uint64_t status_iova)
{
	struct tc_aead_cmd *a = &job->sqe.u.aead;

	tc_job_prep(job, TC_OP_AEAD_BATCH);
	a->nrec = htole16(nrec > 0xffff ? 0xffff : (uint16_t)nrec);
	a->rec_addr = htole64(rec_iova);
	a->status_addr = htole64(status_iova);
}

void tc_job_prep_key_load(struct tc_job *job, uint32_t slot, uint8_t key_type,
                          uint64_t key_iova, uint32_t key_len)
{
	struct tc_key_cmd *k = &job->sqe.u.key;

	tc_job_prep(job, TC_OP_KEY_LOAD);
	k->slot = htole32(slot);
	k->key_type = key_type;
	k->key_addr = htole64(key_iova);
	k->key_len = htole32(key_len);
}

void tc_job_prep_key_evict(struct tc_job *job, uint32_t slot)
{
	tc_job_prep(job, TC_OP_KEY_EVICT);
	job->sqe.u.key.slot = htole32(slot);
}
