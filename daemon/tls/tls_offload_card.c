// SPDX-License-Identifier: MIT
/*
 * The card offload backend's core: requests (a pool job plus its DMA
 * scratch), submission and the bounded wait (parked or synchronous), the CPU-vs-card choice, the
 * ops table and lifetime.  See tls_offload_card.h.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tls_offload_card_int.h"

static void tls_card_req_done(struct tc_job *job)
{
	struct tls_card_req *r = job->user;

	r->done = true;
	if (r->orphan) {
		tls_card_req_put(r);
		return;
	}
	if (r->waiter && r->owner->have_parker)
		r->owner->parker.wake(r->owner->parker.arg, r->waiter);
}

struct tls_card_req *tls_card_req_get(struct tls_offload_card *c)
{
	struct tls_card_req *r;
	uint64_t iova;
	void *buf = tc_bufpool_get(c->scratch, &iova);

	if (!buf)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		tc_bufpool_put(c->scratch, buf);
		return NULL;
	}
	r->owner = c;
	r->scratch = buf;
	r->iova = iova;
	r->job.done = tls_card_req_done;
	r->job.user = r;
	return r;
}

void tls_card_req_put(struct tls_card_req *r)
{
	if (!r)
		return;
	tc_bufpool_put(r->owner->scratch, r->scratch);
	free(r);
}

void *tls_card_req_alloc(struct tls_card_req *r, size_t len, uint64_t *iova)
{
	size_t at = (r->used + 63) & ~(size_t)63;

	if (at + len > TLS_CARD_SCRATCH)
		return NULL;
	r->used = at + len;
	*iova = r->iova + at;
	return r->scratch + at;
}

uint64_t tls_card_req_map(struct tls_card_req *r, const void *p, size_t len)
{
	uint64_t iova = tc_dma_iova(r->owner->ctx, p);
	uint64_t end =
	    len ? tc_dma_iova(r->owner->ctx, (const uint8_t *)p + len - 1)
	        : iova;
	void *copy;

	/* Both ends inside one mapping: the card reads it where it is. */
	if (iova && end == iova + (len ? len - 1 : 0))
		return iova;
	copy = tls_card_req_alloc(r, len ? len : 1, &iova);
	if (!copy)
		return 0;
	memcpy(copy, p, len);
	r->owner->cnt->bounce_bytes += len;
	return iova;
}

static void tls_card_ring(struct tls_offload_card *c)
{
	uint64_t now;

	tc_pool_flush(c->pool);
	now = tc_now_ns();
	for (unsigned i = 0; i < c->nunrung; i++)
		if (!c->unrung[i]->done)
			c->unrung[i]->job.submit_ns = now;
	c->nunrung = 0;
}

void tls_offload_card_flush(struct tls_offload *o)
{
	if (tls_offload_is_card(o))
		tls_card_ring(tls_card(o));
}

bool tls_card_submit(struct tls_card_req *r)
{
	struct tls_offload_card *c = r->owner;
	int ret = tc_pool_submit(c->pool, &r->job);

	if (ret == -EAGAIN) {
		/* Every usable card is full (maybe with jobs parked contexts
		 * queued for this pass's doorbell): ring, reap, retry once. */
		tls_card_ring(c);
		c->cnt->doorbells++;
		tc_pool_poll(c->pool, UINT32_MAX);
		ret = tc_pool_submit(c->pool, &r->job);
	}
	if (ret == 0 && c->have_parker && c->parker.self(c->parker.arg) &&
	    c->nunrung < TLS_CARD_NSCRATCH)
		c->unrung[c->nunrung++] = r;
	return ret == 0;
}

/* The running parkable context, or NULL: wait synchronously. */
static void *tls_card_self(struct tls_offload_card *c)
{
	return c->have_parker ? c->parker.self(c->parker.arg) : NULL;
}

void tls_card_wait(struct tls_offload_card *c, struct tls_card_req **r,
                   size_t n, bool *ok)
{
	uint64_t deadline = tc_now_ns() + (uint64_t)c->opts.wait_ms * 1000000u;
	void *self = tls_card_self(c);
	size_t left = n;

	if (self) {
		/* The event loop rings the doorbells once per pass. */
		c->cnt->parks++;
		for (size_t i = 0; i < n; i++)
			if (r[i])
				r[i]->waiter = self;
	} else {
		tls_card_ring(c);
		c->cnt->doorbells++;
		c->cnt->sync_waits++;
	}
	for (;;) {
		left = 0;
		for (size_t i = 0; i < n; i++)
			left += r[i] && !r[i]->done;
		if (!left || tc_now_ns() >= deadline)
			break;
		if (self && tls_card_self(c) == self) {
			c->parker.park(c->parker.arg, self, deadline);
			c->cnt->resumes++;
		} else {
			if (self) {
				/* The parker went away (exit): what was
				 * queued still needs its doorbell. */
				tls_card_ring(c);
				self = NULL;
			}
			/* poll(2) on the cards' eventfds: no busy spin.
			 * The pool leaves its re-runs to our doorbell
			 * (caller_flushes). */
			tc_pool_wait(c->pool, TLS_CARD_POLL_MS);
			tc_pool_flush(c->pool);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (r[i])
			r[i]->waiter = NULL;
		ok[i] = r[i] && r[i]->done && r[i]->job.status == TC_STS_OK;
		if (r[i] && !r[i]->done) {
			/* The pool still owns the job: free it when it ends. */
			r[i]->orphan = true;
			r[i] = NULL;
			c->cnt->abandoned++;
		}
	}
}

void tls_offload_card_set_parker(struct tls_offload *o,
                                 const struct tls_card_parker *p)
{
	struct tls_offload_card *c = tls_card(o);

	if (!tls_offload_is_card(o))
		return;
	c->have_parker = p != NULL;
	if (p)
		c->parker = *p;
}

/* The pool's expected completion for a class: the best usable card's
 * EWMA latency, scaled by its queue over its engines; -1 if none. */
static double tls_card_pool_ect(struct tls_offload_card *c, unsigned cls)
{
	double best = -1;

	for (unsigned i = 0; i < tc_pool_ncards(c->pool); i++) {
		struct tc_pool_card_stats st;
		const struct tc_dev_info *info;
		double lat, ect;

		if (tc_pool_card_stats(c->pool, i, &st) ||
		    st.state != TC_CARD_UP)
			continue;
		info = tc_dev_info(tc_pool_card(c->pool, i));
		lat = st.ewma_ns[cls] > 0 ? st.ewma_ns[cls] : 10000.0;
		ect = lat *
		      (1.0 + (double)st.qp.inflight /
		                 (double)(info->nengines ? info->nengines : 1));
		if (best < 0 || ect < best)
			best = ect;
	}
	return best;
}

bool tls_card_choose(struct tls_offload_card *c, enum tlsd_op op,
                     unsigned tc_class, size_t bytes)
{
	bool card;

	if (c->opts.always)
		card = tls_card_pool_ect(c, tc_class) >= 0;
	else
		card = tls_thresh_use_card(&c->thresh, op, bytes,
		                           tls_card_pool_ect(c, tc_class));
	if (!card)
		c->cnt->cpu_jobs[op]++;
	return card;
}

void tls_card_cpu_sample(struct tls_offload_card *c, enum tlsd_op op,
                         size_t bytes, uint64_t t0)
{
	tls_thresh_cpu_sample(&c->thresh, op, bytes,
	                      (double)(tc_now_ns() - t0));
}

void tls_card_prep_pke(struct tc_job *job, uint8_t opcode, uint32_t slot,
                       uint8_t hash, uint8_t pad, uint8_t group, uint8_t pflags,
                       uint64_t in, uint32_t in_len, uint64_t out,
                       uint32_t out_len, uint64_t aux, uint32_t aux_len)
{
	struct tc_pke_cmd *p = &job->sqe.u.pke;

	/* Reserved fields must be zero: clear the whole entry first. */
	memset(&job->sqe, 0, sizeof(job->sqe));
	job->sqe.opcode = opcode;
	p->slot = htole32(slot);
	p->hash = hash;
	p->pad = pad;
	p->group = group;
	p->pflags = pflags;
	p->in_addr = htole64(in);
	p->in_len = htole32(in_len);
	p->out_addr = htole64(out);
	p->out_len = htole32(out_len);
	p->aux_addr = htole64(aux);
	p->aux_len = htole32(aux_len);
}

/* ---- CPU-only ops: delegated unchanged -------------------------------- */

static TLS_RESULT tls_card_verify(struct tls_offload *o, EVP_PKEY *pkey,
                                  uint16_t scheme, const uint8_t *msg,
                                  size_t msg_len, const uint8_t *sig,
                                  size_t sig_len)
{
	struct tls_offload *cpu = tls_card(o)->cpu;

	o->stats.verifies++;
	return cpu->ops->verify(cpu, pkey, scheme, msg, msg_len, sig, sig_len);
}

static TLS_RESULT tls_card_verify_digest(struct tls_offload *o, EVP_PKEY *pkey,
                                         uint16_t scheme, const uint8_t *d,
                                         size_t dlen, const uint8_t *sig,
                                         size_t sig_len)
{
	struct tls_offload *cpu = tls_card(o)->cpu;

	o->stats.verifies++;
	return cpu->ops->verify_digest(cpu, pkey, scheme, d, dlen, sig,
	                               sig_len);
}

static TLS_RESULT tls_card_hmac(struct tls_offload *o, enum tls_hash h,
                                const uint8_t *key, size_t key_len,
                                const struct tls_iov *seg, size_t nseg,
                                uint8_t *out)
{
	struct tls_offload *cpu = tls_card(o)->cpu;

	o->stats.hmac_calls++;
	return cpu->ops->hmac(cpu, h, key, key_len, seg, nseg, out);
}

static TLS_RESULT tls_card_hkdf_extract(struct tls_offload *o, enum tls_hash h,
                                        const uint8_t *salt, size_t salt_len,
                                        const uint8_t *ikm, size_t ikm_len,
                                        uint8_t *prk)
{
	struct tls_offload *cpu = tls_card(o)->cpu;

	o->stats.hkdf_calls++;
	return cpu->ops->hkdf_extract(cpu, h, salt, salt_len, ikm, ikm_len,
	                              prk);
}

static TLS_RESULT tls_card_hkdf_expand(struct tls_offload *o, enum tls_hash h,
                                       const uint8_t *prk, size_t prk_len,
                                       const uint8_t *info, size_t info_len,
                                       uint8_t *out, size_t out_len)
{
	struct tls_offload *cpu = tls_card(o)->cpu;

	o->stats.hkdf_calls++;
	return cpu->ops->hkdf_expand(cpu, h, prk, prk_len, info, info_len, out,
	                             out_len);
}

static TLS_RESULT tls_card_prf12(struct tls_offload *o, enum tls_hash h,
                                 const uint8_t *secret, size_t secret_len,
                                 const char *label, const struct tls_iov *seed,
                                 size_t nseed, uint8_t *out, size_t out_len)
{
	struct tls_offload *cpu = tls_card(o)->cpu;

	return cpu->ops->prf12(cpu, h, secret, secret_len, label, seed, nseed,
	                       out, out_len);
}

static void tls_card_destroy(struct tls_offload *o)
{
	struct tls_offload_card *c = tls_card(o);

	/* Jobs still in flight complete (aborted) into their requests. */
	for (unsigned i = 0; i < 100 && tc_pool_inflight(c->pool); i++) {
		tc_pool_flush(c->pool);
		tc_pool_wait(c->pool, TLS_CARD_POLL_MS);
	}
	for (unsigned i = 0; i < c->npkeys; i++)
		tc_pool_key_destroy(c->pool, c->pkeys[i].slot);
	tls_card_blobs_free(c);
	if (!tc_pool_inflight(c->pool))
		tc_bufpool_destroy(c->scratch);
	tls_offload_destroy(c->cpu);
	free(c);
}

/*
 * Connection buffers in DMA memory (issue 5 item 1): records and received
 * handshake messages live where the card reads and writes them, so the
 * AEAD path and the digest scatter list map them in place instead of
 * copying into request scratch (tls_card_req_map, bounce_bytes).  Each
 * buffer is its own mapping, with its descriptor in a header in front.
 */
#define TLS_CARD_BUF_HDR 64u
_Static_assert(sizeof(struct tc_dma_buf) <= TLS_CARD_BUF_HDR,
               "the DMA descriptor must fit the buffer header");

static void *tls_card_buf_alloc(struct tls_offload *o, size_t len)
{
	struct tls_offload_card *c = tls_card(o);
	struct tc_dma_buf b;

	if (tc_dma_alloc(c->ctx, TLS_CARD_BUF_HDR + len, &b))
		return NULL;
	memcpy(b.va, &b, sizeof(b));
	c->cnt->dma_bufs++;
	return (uint8_t *)b.va + TLS_CARD_BUF_HDR;
}

static void tls_card_buf_free(struct tls_offload *o, void *p)
{
	struct tls_offload_card *c = tls_card(o);
	struct tc_dma_buf b;

	if (!p)
		return;
	memcpy(&b, (uint8_t *)p - TLS_CARD_BUF_HDR, sizeof(b));
	tc_dma_free(c->ctx, &b);
	c->cnt->dma_bufs--;
}

static const struct tls_offload_ops tls_card_ops = {
    .name = "card",
    .destroy = tls_card_destroy,
    .ecdh_keygen = tls_card_ecdh_keygen,
    .ecdh_derive = tls_card_ecdh_derive,
    .ecdh_free = tls_card_ecdh_free,
    .sign = tls_card_sign,
    .verify = tls_card_verify,
    .verify_digest = tls_card_verify_digest,
    .digest = tls_card_digest,
    .hash_init = tls_card_hash_init,
    .hash_update = tls_card_hash_update,
    .hash_peek = tls_card_hash_peek,
    .hash_free = tls_card_hash_free,
    .hmac = tls_card_hmac,
    .hkdf_extract = tls_card_hkdf_extract,
    .hkdf_expand = tls_card_hkdf_expand,
    .prf12 = tls_card_prf12,
    .aead_key_set = tls_card_aead_key_set,
    .aead_key_clear = tls_card_aead_key_clear,
    .aead_seal = tls_card_aead_seal,
    .aead_open = tls_card_aead_open,
    .aead_batch = tls_card_aead_batch,
    .buf_alloc = tls_card_buf_alloc,
    .buf_free = tls_card_buf_free,
};

bool tls_offload_is_card(const struct tls_offload *o)
{
	return o && o->ops == &tls_card_ops;
}

struct tls_offload *tls_offload_card_create(struct tc_ctx *ctx,
                                            struct tc_pool *pool,
                                            struct tls_offload *cpu,
                                            struct tlsd_offload_counters *cnt,
                                            const struct tls_card_opts *opts)
{
	struct tls_offload_card *c;
	uint32_t slots = UINT32_MAX;

	if (!cpu || !ctx || !pool || !tc_pool_ncards(pool))
		goto fail;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	c->base.ops = &tls_card_ops;
	c->cpu = cpu;
	c->ctx = ctx;
	c->pool = pool;
	c->cnt = cnt ? cnt : &c->own_cnt;
	c->opts = *opts;
	if (!c->opts.wait_ms)
		c->opts.wait_ms = 5000;
	tls_thresh_init(&c->thresh, c->opts.budget_ns);
	for (unsigned i = 0; i < tc_pool_ncards(pool); i++) {
		const struct tc_dev_info *info =
		    tc_dev_info(tc_pool_card(pool, i));

		if (info->key_slots < slots)
			slots = info->key_slots;
	}
	/* The pool hands out slots from 0 up; keygen uses the top one. */
	c->keygen_slot = slots ? slots - 1 : 0;
	if (tc_bufpool_create(ctx, TLS_CARD_SCRATCH, TLS_CARD_NSCRATCH,
	                      &c->scratch)) {
		free(c);
		goto fail;
	}
	return &c->base;
fail:
	tls_offload_destroy(cpu);
	return NULL;
}
