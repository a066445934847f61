/* SPDX-License-Identifier: MIT */
/*
 * Descriptor builders for the ops libtlscard has no tc_job_prep_* for (key
 * and blob admin, PKE), and AEAD records.  Like the driver's helpers they
 * zero the whole entry first (reserved fields must be zero) and store every
 * field little-endian.
 */
#include <endian.h>
#include <string.h>

#include "ctl_crypto.h"

static void prep_common(struct tc_job *job, uint8_t opcode)
{
	memset(&job->sqe, 0, sizeof(job->sqe));
	job->sqe.opcode = opcode;
}

void ctl_prep_key_load(struct tc_job *job, uint32_t slot, uint8_t key_type,
                       uint64_t key_iova, uint32_t key_len)
{
	prep_common(job, TC_OP_KEY_LOAD);
	job->sqe.u.key.slot = htole32(slot);
	job->sqe.u.key.key_type = key_type;
	job->sqe.u.key.key_addr = htole64(key_iova);
	job->sqe.u.key.key_len = htole32(key_len);
}

void ctl_prep_key_evict(struct tc_job *job, uint32_t slot)
{
	prep_common(job, TC_OP_KEY_EVICT);
	job->sqe.u.key.slot = htole32(slot);
}

void ctl_prep_blob_load(struct tc_job *job, uint32_t blob_id, uint64_t iova,
                        uint32_t len)
{
	prep_common(job, TC_OP_BLOB_LOAD);
	job->sqe.u.blob.blob_id = htole32(blob_id);
	job->sqe.u.blob.len = htole32(len);
	job->sqe.u.blob.addr = htole64(iova);
}

void ctl_prep_blob_evict(struct tc_job *job, uint32_t blob_id)
{
	prep_common(job, TC_OP_BLOB_EVICT);
	job->sqe.u.blob.blob_id = htole32(blob_id);
}

void ctl_prep_pke(struct tc_job *job, uint8_t opcode,
                  const struct ctl_pke_args *a)
{
	struct tc_pke_cmd *p = &job->sqe.u.pke;

	prep_common(job, opcode);
	p->slot = htole32(a->slot);
	p->hash = a->hash;
	p->pad = a->pad;
	p->group = a->group;
	p->pflags = a->pflags;
	p->in_addr = htole64(a->in);
	p->out_addr = htole64(a->out);
	p->in_len = htole32(a->in_len);
	p->out_len = htole32(a->out_len);
	p->aux_addr = htole64(a->aux);
	p->aux_len = htole32(a->aux_len);
}

void ctl_prep_digest_hmac(struct tc_job *job, uint32_t slot)
{
	job->sqe.u.digest.dflags |= TC_DIGEST_F_HMAC;
	job->sqe.u.digest.key_slot = htole32(slot);
}

void ctl_sg_fill(struct tc_sg_entry *sg, uint64_t addr, uint32_t len)
{
	memset(sg, 0, sizeof(*sg));
	sg->addr = htole64(addr);
	sg->len = htole32(len);
}

void ctl_aead_record_fill(struct tc_aead_record *rec,
                          const struct ctl_aead_rec_args *a)
{
	memset(rec, 0, sizeof(*rec));
	rec->key_slot = htole32(a->slot);
	rec->dir = a->dir;
	rec->aad_len = (uint8_t)a->aad_len;
	if (!a->in_nseg)
		rec->rflags |= TC_AEAD_F_IN_CONTIG;
	if (!a->out_nseg)
		rec->rflags |= TC_AEAD_F_OUT_CONTIG;
	rec->in_nseg = htole16(a->in_nseg);
	rec->out_nseg = htole16(a->out_nseg);
	rec->in_len = htole32(a->len);
	memcpy(rec->nonce, a->nonce, TC_AEAD_NONCE_LEN);
	if (a->aad_len)
		memcpy(rec->aad, a->aad, a->aad_len);
	rec->in_addr = htole64(a->in);
	rec->out_addr = htole64(a->out);
	rec->tag_addr = htole64(a->tag);
}
