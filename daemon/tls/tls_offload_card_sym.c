// SPDX-License-Identifier: MIT
/*
 * Card offload: checkpointed transcript digests (M1) and AEAD record
 * batches (M3).
 *
 * Digest.  One DIGEST job per call: its scatter list points straight at
 * the messages in the connection's DMA buffers; a message stored in the
 * cards' blob stores (the Certificate, M2) is named by blob id and offset
 * instead, and only bytes in neither place (messages built in the
 * handshake's own scratch) are copied into the request's DMA scratch.
 *
 * AEAD.  Every key is prepared twice: a CPU context (for fallback) and a
 * pool key slot per connection direction, which the pool loads on the
 * card a batch lands on.  A batch becomes as few AEAD_BATCH jobs as the
 * scratch allows (records of 16 KiB whose plaintext must be copied take
 * room), all queued before one flush; a job that fails finally is redone
 * on the CPU record by record, while an authentication failure is the
 * record's own and stays one.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tls_offload_card_int.h"

static uint8_t tls_card_hash(enum tls_hash h)
{
	return h == TLS_HASH_SHA384 ? TC_HASH_SHA384 : TC_HASH_SHA256;
}

static bool tls_card_digest_on_card(struct tls_offload_card *c, enum tls_hash h,
                                    const struct tls_iov *seg, size_t nseg,
                                    const size_t *checkpoint, size_t ncp,
                                    uint8_t *out)
{
	struct tls_card_req *r = tls_card_req_get(c);
	size_t hl = tls_hash_len(h);
	struct tc_sg_entry *sg;
	uint16_t cp[TC_DIGEST_MAX_CP];
	uint64_t sg_iova, out_iova;
	uint8_t *dout;
	bool ok = false;

	if (!r)
		return false;
	sg = tls_card_req_alloc(r, nseg * sizeof(*sg), &sg_iova);
	dout = tls_card_req_alloc(r, ncp * hl, &out_iova);
	if (!sg || !dout)
		goto out;
	for (size_t i = 0; i < nseg; i++) {
		uint32_t off;
		int blob = tls_card_blob_find(c, seg[i].base, seg[i].len, &off);

		memset(&sg[i], 0, sizeof(sg[i]));
		sg[i].len = htole32((uint32_t)seg[i].len);
		if (blob >= 0) {
			/* M2: the card has these bytes already. */
			sg[i].flags = htole16(TC_SG_F_BLOB);
			sg[i].blob_id = htole16((uint16_t)blob);
			sg[i].addr = htole64(off);
			c->cnt->blob_refs++;
			continue;
		}
		sg[i].addr =
		    htole64(tls_card_req_map(r, seg[i].base, seg[i].len));
		if (!sg[i].addr)
			goto out;
	}
	for (size_t i = 0; i < ncp; i++)
		cp[i] = (uint16_t)checkpoint[i];
	tc_job_prep_digest(&r->job, tls_card_hash(h), sg_iova, (unsigned)nseg,
	                   cp, (unsigned)ncp, out_iova, (uint32_t)(ncp * hl));
	if (!tls_card_submit(r))
		goto out;
	c->cnt->digest_calls++;
	tls_card_wait(c, &r, 1, &ok);
	if (ok)
		memcpy(out, dout, ncp * hl);
out:
	tls_card_req_put(r);
	return ok;
}

tls_result tls_card_digest(struct tls_offload *o, enum tls_hash h,
                           const struct tls_iov *seg, size_t nseg,
                           const size_t *checkpoint, size_t ncp, uint8_t *out)
{
	struct tls_offload_card *c = tls_card(o);
	size_t bytes = 0;
	uint64_t t0;
	tls_result r;

	TLS_ENSURE(ncp >= 1 && ncp <= TLS_MAX_CHECKPOINTS && nseg >= 1,
	           TLS_ERR_INTERNAL);
	for (size_t i = 0; i < ncp; i++)
		TLS_ENSURE(checkpoint[i] <= nseg &&
		               (!i || checkpoint[i] >= checkpoint[i - 1]),
		           TLS_ERR_INTERNAL);
	for (size_t i = 0; i < nseg; i++)
		bytes += seg[i].len;
	if (tls_card_choose(c, TLSD_OP_DIGEST, TC_CLASS_DIGEST, bytes)) {
		if (tls_card_digest_on_card(c, h, seg, nseg, checkpoint, ncp,
		                            out)) {
			o->stats.digest_calls++;
			o->stats.digest_bytes += bytes;
			c->cnt->card_jobs[TLSD_OP_DIGEST]++;
			return TLS_OK;
		}
		c->cnt->cpu_fallbacks++;
		c->cnt->cpu_jobs[TLSD_OP_DIGEST]++;
	}
	t0 = tc_now_ns();
	r = c->cpu->ops->digest(c->cpu, h, seg, nseg, checkpoint, ncp, out);
	tls_card_cpu_sample(c, TLSD_OP_DIGEST, bytes, t0);
	o->stats.digest_calls++;
	o->stats.digest_bytes += bytes;
	return r;
}

/* ---- AEAD ---------------------------------------------------------------- */

struct tls_card_aead {
	struct tls_aead_key cpu;
	bool has_slot;
	uint32_t slot;
};

static uint8_t tls_card_key_type(enum tls_aead a)
{
	switch (a) {
	case TLS_AEAD_AES_128_GCM: return TC_KEY_AES128GCM;
	case TLS_AEAD_AES_256_GCM: return TC_KEY_AES256GCM;
	default: return TC_KEY_CHACHA20POLY1305;
	}
}

tls_result tls_card_aead_key_set(struct tls_offload *o, struct tls_aead_key *k,
                                 enum tls_aead alg, bool seal,
                                 const uint8_t *key)
{
	struct tls_offload_card *c = tls_card(o);
	struct tls_card_aead *ak = k->impl;

	TLS_ENSURE((unsigned)alg < TLS_AEAD_COUNT, TLS_ERR_INTERNAL);
	if (!ak) {
		ak = calloc(1, sizeof(*ak));
		TLS_ENSURE(ak, TLS_ERR_NOMEM);
		k->impl = ak;
	}
	TLS_GUARD(c->cpu->ops->aead_key_set(c->cpu, &ak->cpu, alg, seal, key));
	if (ak->has_slot)
		tc_pool_key_destroy(c->pool, ak->slot);
	/* No slot left: this direction's records stay on the CPU. */
	ak->has_slot = !tc_pool_key_create(c->pool, tls_card_key_type(alg), key,
	                                   tls_aead_key_len(alg), &ak->slot);
	k->alg = alg;
	k->seal = seal;
	return TLS_OK;
}

void tls_card_aead_key_clear(struct tls_offload *o, struct tls_aead_key *k)
{
	struct tls_offload_card *c = tls_card(o);
	struct tls_card_aead *ak = k->impl;

	if (!ak)
		return;
	c->cpu->ops->aead_key_clear(c->cpu, &ak->cpu);
	if (ak->has_slot)
		tc_pool_key_destroy(c->pool, ak->slot);
	free(ak);
	k->impl = NULL;
}

/* A record's output when it is not in DMA memory: copied back after. */
struct tls_card_copyback {
	uint8_t *dst;
	const uint8_t *src;
	size_t len;
};

struct tls_card_chunk {
	struct tls_card_req *req;
	struct tc_aead_record *rec;
	uint16_t *status;
	size_t first, n; /* jobs[first .. first + n) */
	struct tls_card_copyback cb[TC_AEAD_MAX_RECORDS];
};

static bool tls_card_chunk_open(struct tls_offload_card *c,
                                struct tls_card_chunk *ch, size_t first)
{
	uint64_t rec_iova, st_iova;

	memset(ch, 0, sizeof(*ch));
	ch->first = first;
	ch->req = tls_card_req_get(c);
	if (!ch->req)
		return false;
	ch->rec = tls_card_req_alloc(
	    ch->req, TC_AEAD_MAX_RECORDS * sizeof(*ch->rec), &rec_iova);
	ch->status =
	    tls_card_req_alloc(ch->req, TC_AEAD_MAX_RECORDS * 2, &st_iova);
	tc_job_prep_aead(&ch->req->job, rec_iova, 0, st_iova);
	ch->req->job.keys = ch->req->keys;
	return true;
}

/* Output bytes the card writes: in place when DMA, else via scratch. */
static uint64_t tls_card_out_map(struct tls_card_chunk *ch, size_t idx,
                                 uint8_t *dst, size_t len)
{
	uint64_t iova = tc_dma_iova(ch->req->owner->ctx, dst);
	void *tmp;

	if (iova && len &&
	    tc_dma_iova(ch->req->owner->ctx, dst + len - 1) == iova + len - 1)
		return iova;
	tmp = tls_card_req_alloc(ch->req, len ? len : 1, &iova);
	if (!tmp)
		return 0;
	ch->cb[idx] = (struct tls_card_copyback){dst, tmp, len};
	return iova;
}

static bool tls_card_record_add(struct tls_card_chunk *ch,
                                struct tls_aead_job *j)
{
	struct tls_card_aead *ak = j->key->impl;
	struct tls_card_req *r = ch->req;
	struct tc_aead_record *rec = &ch->rec[ch->n];
	size_t used = r->used;
	bool seal = j->key->seal;
	size_t len = seal ? j->len : j->len - TLS_AEAD_TAG_LEN;
	uint64_t in, out, tag;
	unsigned k;

	memset(rec, 0, sizeof(*rec));
	rec->key_slot = htole32(ak->slot);
	rec->dir = seal ? TC_AEAD_DIR_ENCRYPT : TC_AEAD_DIR_DECRYPT;
	rec->aad_len = (uint8_t)j->aad_len;
	memcpy(rec->aad, j->aad, j->aad_len);
	memcpy(rec->nonce, j->nonce, TC_AEAD_NONCE_LEN);
	rec->in_len = htole32((uint32_t)len);
	rec->rflags = TC_AEAD_F_IN_CONTIG | TC_AEAD_F_OUT_CONTIG;
	if (!seal || j->nin == 1) {
		in = tls_card_req_map(r, j->in[0].base, len);
	} else {
		/* Gather the plaintext segments with an SG list. */
		struct tc_sg_entry *sg =
		    tls_card_req_alloc(r, j->nin * sizeof(*sg), &in);

		if (!sg)
			goto full;
		for (size_t i = 0; i < j->nin; i++) {
			memset(&sg[i], 0, sizeof(sg[i]));
			sg[i].len = htole32((uint32_t)j->in[i].len);
			sg[i].addr = htole64(
			    tls_card_req_map(r, j->in[i].base, j->in[i].len));
			if (!sg[i].addr)
				goto full;
		}
		rec->rflags = TC_AEAD_F_OUT_CONTIG;
		rec->in_nseg = htole16((uint16_t)j->nin);
	}
	if (!in)
		goto full;
	/* Seal writes ciphertext || tag; open reads the tag after it. */
	out = tls_card_out_map(ch, ch->n, j->out,
	                       seal ? len + TLS_AEAD_TAG_LEN : len);
	if (!out)
		goto full;
	tag = seal ? out + len
	           : tls_card_req_map(r, j->in[0].base + len, TLS_AEAD_TAG_LEN);
	if (!tag)
		goto full;
	rec->in_addr = htole64(in);
	rec->out_addr = htole64(out);
	rec->tag_addr = htole64(tag);
	for (k = 0; k < r->job.nkeys && r->keys[k] != ak->slot; k++)
		;
	if (k == r->job.nkeys)
		r->keys[r->job.nkeys++] = ak->slot;
	ch->n++;
	return true;
full:
	/* Undo this record's scratch; the next chunk takes it. */
	r->used = used;
	ch->cb[ch->n] = (struct tls_card_copyback){0};
	return false;
}

static bool tls_card_eligible(const struct tls_aead_job *j)
{
	const struct tls_card_aead *ak = j->key ? j->key->impl : NULL;

	return ak && ak->has_slot && j->aad_len <= TC_AEAD_MAX_AAD &&
	       (j->key->seal || (j->nin == 1 && j->len >= TLS_AEAD_TAG_LEN));
}

static void tls_card_cpu_record(struct tls_offload_card *c,
                                struct tls_aead_job *j)
{
	struct tls_card_aead *ak = j->key->impl;
	struct tls_aead_key *saved = j->key;
	uint64_t t0 = tc_now_ns();
	tls_result r;

	j->key = &ak->cpu;
	r = j->key->seal ? c->cpu->ops->aead_seal(c->cpu, j)
	                 : c->cpu->ops->aead_open(c->cpu, j);
	j->key = saved;
	j->status = tls_is_ok(r) ? 0 : (int)tls_error_last();
	tls_card_cpu_sample(c, TLSD_OP_AEAD, j->len, t0);
}

/* Results of one finished chunk; records of a failed job go to the CPU. */
static void tls_card_chunk_finish(struct tls_offload_card *c,
                                  struct tls_card_chunk *ch, bool done,
                                  struct tls_aead_job *jobs)
{
	uint16_t sts = done ? ch->req->job.status : TC_STS_INTERNAL;
	bool card_ran = done && (sts == TC_STS_OK || sts == TC_STS_AUTH_FAIL);

	for (size_t i = 0; i < ch->n; i++) {
		struct tls_aead_job *j = &jobs[ch->first + i];

		if (!card_ran) {
			c->cnt->cpu_fallbacks++;
			tls_card_cpu_record(c, j);
			continue;
		}
		if (le16toh(ch->status[i]) == TC_STS_OK) {
			if (ch->cb[i].dst)
				memcpy(ch->cb[i].dst, ch->cb[i].src,
				       ch->cb[i].len);
			j->status = 0;
		} else if (le16toh(ch->status[i]) == TC_STS_AUTH_FAIL) {
			j->status = TLS_ERR_BAD_RECORD_MAC;
		} else {
			c->cnt->cpu_fallbacks++;
			tls_card_cpu_record(c, j);
		}
	}
	if (card_ran) {
		c->cnt->card_jobs[TLSD_OP_AEAD] += ch->n;
		c->cnt->records += ch->n;
	}
}

static void tls_card_batch_on_card(struct tls_offload_card *c,
                                   struct tls_aead_job *jobs, size_t n)
{
	struct tls_card_chunk ch[8];
	struct tls_card_req *reqs[8];
	bool ok[8];
	size_t nch = 0, i = 0;

	while (i < n) {
		if (!tls_card_eligible(&jobs[i])) {
			c->cnt->cpu_jobs[TLSD_OP_AEAD]++;
			tls_card_cpu_record(c, &jobs[i++]);
			continue;
		}
		if (!nch || ch[nch - 1].n == TC_AEAD_MAX_RECORDS ||
		    ch[nch - 1].first + ch[nch - 1].n != i ||
		    !tls_card_record_add(&ch[nch - 1], &jobs[i])) {
			if (nch == 8 || !tls_card_chunk_open(c, &ch[nch], i))
				break;
			nch++;
			if (!tls_card_record_add(&ch[nch - 1], &jobs[i]))
				break;
		}
		i++;
	}
	for (size_t k = 0; k < nch; k++) {
		struct tc_aead_cmd *a = &ch[k].req->job.sqe.u.aead;

		a->nrec = htole16((uint16_t)ch[k].n);
		ch[k].req->job.cost = 0;
		reqs[k] = ch[k].req;
		if (!ch[k].n || !tls_card_submit(ch[k].req)) {
			tls_card_req_put(ch[k].req);
			reqs[k] = NULL;
		} else {
			c->cnt->batches++;
		}
	}
	/* One flush for every chunk of the batch. */
	if (nch)
		tls_card_wait(c, reqs, nch, ok);
	for (size_t k = 0; k < nch; k++) {
		tls_card_chunk_finish(c, &ch[k], reqs[k] != NULL, jobs);
		tls_card_req_put(reqs[k]);
	}
	/* What did not fit anywhere runs here. */
	for (; i < n; i++) {
		c->cnt->cpu_fallbacks++;
		tls_card_cpu_record(c, &jobs[i]);
	}
}

size_t tls_card_aead_batch(struct tls_offload *o, struct tls_aead_job *jobs,
                           size_t n)
{
	struct tls_offload_card *c = tls_card(o);
	size_t bytes = 0, ok = 0;

	o->stats.batches++;
	for (size_t i = 0; i < n; i++) {
		bytes += jobs[i].len;
		if (jobs[i].key && jobs[i].key->seal)
			o->stats.records_sealed++;
		else
			o->stats.records_opened++;
	}
	if (tls_card_choose(c, TLSD_OP_AEAD, TC_CLASS_AEAD, bytes)) {
		tls_card_batch_on_card(c, jobs, n);
	} else {
		c->cnt->cpu_jobs[TLSD_OP_AEAD] += n ? n - 1 : 0;
		for (size_t i = 0; i < n; i++)
			tls_card_cpu_record(c, &jobs[i]);
	}
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].status == 0)
			ok++;
		else
			o->stats.errors++;
	}
	return ok;
}

static tls_result tls_card_aead_one(struct tls_offload *o,
                                    struct tls_aead_job *j)
{
	/* The batch keeps its own counters; undo its batch count. */
	size_t ok = tls_card_aead_batch(o, j, 1);

	o->stats.batches--;
	if (ok == 1)
		return TLS_OK;
	TLS_BAIL(j->status ? (enum tls_error)j->status : TLS_ERR_CRYPTO);
}

tls_result tls_card_aead_seal(struct tls_offload *o, struct tls_aead_job *j)
{
	TLS_ENSURE(j->key && j->key->impl && j->key->seal, TLS_ERR_INTERNAL);
	return tls_card_aead_one(o, j);
}

tls_result tls_card_aead_open(struct tls_offload *o, struct tls_aead_job *j)
{
	TLS_ENSURE(j->key && j->key->impl && !j->key->seal && j->nin == 1,
	           TLS_ERR_INTERNAL);
	TLS_ENSURE(j->len >= TLS_AEAD_TAG_LEN, TLS_ERR_BAD_RECORD_MAC);
	return tls_card_aead_one(o, j);
}
