/* SPDX-License-Identifier: MIT */
/*
 * bench lb, one policy's run: open the unequal cards, put them in a pool,
 * drive the load (closed or open loop), time and verify every job.  See
 * ctl_bench_lb.c for what is measured and why.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_bench_lb.h"
#include "ctl_crypto.h"

#define LB_MAX_JOBS 65536u

struct lb_run;

struct lb_job {
	struct tc_job job; /* first: done() casts back */
	struct lb_run *run;
	uint64_t t0; /* arrival (open) or submission (closed) */
	uint8_t *out;
	uint64_t out_iova;
	struct lb_job *next;
};

struct lb_run {
	const struct lb_opts *o;
	struct tc_pool *pool;
	uint32_t key_slot;
	uint64_t peer_iova;
	uint8_t want[32];
	struct lb_job *jobs;
	unsigned njobs;
	struct lb_job *free, *pending, *pending_tail;
	uint64_t win_start, win_end;
	uint64_t *lat;
	size_t nlat, lat_cap;
	uint64_t card_done[LB_MAX_CARDS];
	uint64_t completed, wrong, failed;
};

/* A fixed X25519 key pair for the card side and the peer's public key. */
static const char lb_priv_hex[] =
    "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4";

static void lb_push_pending(struct lb_run *r, struct lb_job *j)
{
	j->next = NULL;
	if (r->pending_tail)
		r->pending_tail->next = j;
	else
		r->pending = j;
	r->pending_tail = j;
}

static void lb_done(struct tc_job *job)
{
	struct lb_job *j = (struct lb_job *)job;
	struct lb_run *r = j->run;
	uint64_t now = tc_now_ns();

	if (job->status != TC_STS_OK)
		r->failed++;
	else if (memcmp(j->out, r->want, 32))
		r->wrong++;
	if (now >= r->win_start && now < r->win_end) {
		r->completed++;
		if (job->card >= 0 && job->card < (int)LB_MAX_CARDS)
			r->card_done[job->card]++;
		if (r->nlat < r->lat_cap)
			r->lat[r->nlat++] = now - j->t0;
	}
	if (r->o->open_loop) {
		j->next = r->free;
		r->free = j;
	} else {
		j->t0 = now;
		lb_push_pending(r, j);
	}
}

static void lb_prep(struct lb_run *r, struct lb_job *j)
{
	struct ctl_pke_args a = {
	    .slot = r->key_slot,
	    .group = TC_GROUP_X25519,
	    .in = r->peer_iova,
	    .in_len = 32,
	    .out = j->out_iova,
	    .out_len = 32,
	};

	ctl_prep_pke(&j->job, TC_OP_ECDH_DERIVE, &a);
	j->job.done = lb_done;
	j->job.keys = &r->key_slot;
	j->job.nkeys = 1;
	j->run = r;
}

/* Open the cards with their capacities and put them in a new pool. */
static int lb_setup_cards(const struct lb_opts *o, enum tc_pool_policy pol,
                          struct ctl_cards *cards, struct tc_pool **pool,
                          char *err, size_t errlen)
{
	char specs[LB_MAX_CARDS][96], device[16];
	struct ctl_knobs knobs = {0};
	struct tc_pool_opts po;
	int ret;

	for (unsigned i = 0; i < o->ncards; i++) {
		snprintf(specs[i], sizeof(specs[i]), "engines=%u,pke_ops=%llu",
		         o->engines,
		         (unsigned long long)(o->base_ops * o->ratios[i]));
		knobs.card[i] = specs[i];
	}
	snprintf(device, sizeof(device), "sim:%u", o->ncards);
	ret = ctl_cards_open(cards, device, &knobs, false, NULL, err, errlen);
	if (ret)
		return ret;
	tc_pool_opts_default(&po);
	po.policy = pol;
	po.depth_log2 = 8;
	ret = tc_pool_create(cards->ctx, &po, pool);
	for (unsigned i = 0; !ret && i < o->ncards; i++) {
		int idx = tc_pool_add(*pool, cards->dev[i]);

		ret = idx < 0 ? idx : 0;
	}
	if (ret) {
		snprintf(err, errlen, "pool setup: %s", strerror(-ret));
		if (*pool)
			tc_pool_destroy(*pool);
		*pool = NULL;
		ctl_cards_close(cards);
	}
	return ret;
}

/* The key material, the peer's public key and the expected secret. */
static int lb_setup_key(struct lb_run *r, struct tc_dma_buf *mem)
{
	uint8_t priv[32], peer_pub[32];
	EVP_PKEY *key, *peer = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t *der = NULL;
	size_t len = 32, slen = 32;
	int dlen, ret = -1;

	ctl_unhex(lb_priv_hex, priv, sizeof(priv));
	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
	if (!key || !peer || !EVP_PKEY_get_raw_public_key(peer, peer_pub, &len))
		goto out;
	pctx = EVP_PKEY_CTX_new(key, NULL);
	if (!pctx || EVP_PKEY_derive_init(pctx) <= 0 ||
	    EVP_PKEY_derive_set_peer(pctx, peer) <= 0 ||
	    EVP_PKEY_derive(pctx, r->want, &slen) <= 0)
		goto out;
	dlen = ctl_pkcs8_der(key, &der);
	if (dlen < 0 || tc_pool_key_create(r->pool, TC_KEY_X25519, der,
	                                   (size_t)dlen, &r->key_slot))
		goto out;
	memcpy(mem->va, peer_pub, 32);
	r->peer_iova = mem->iova;
	ret = 0;
out:
	OPENSSL_free(der);
	EVP_PKEY_CTX_free(pctx);
	EVP_PKEY_free(key);
	EVP_PKEY_free(peer);
	return ret;
}

/* Submit pending jobs until the pool is full; then one flush. */
static int lb_submit_pending(struct lb_run *r)
{
	while (r->pending) {
		struct lb_job *j = r->pending;
		int ret = tc_pool_submit(r->pool, &j->job);

		if (ret == -EAGAIN)
			break;
		if (ret)
			return ret;
		r->pending = j->next;
		if (!r->pending)
			r->pending_tail = NULL;
	}
	tc_pool_flush(r->pool);
	return 0;
}

/* Natural log for u in (0, 1], without libm: u = m * 2^e, m in [1, 2),
 * ln m = 2 atanh(z) with z = (m - 1) / (m + 1) <= 1/3, a fast series. */
static double lb_ln(double u)
{
	double m = u, z, z2, term, sum = 0;
	int e = 0;

	while (m < 1.0) {
		m *= 2.0;
		e--;
	}
	z = (m - 1.0) / (m + 1.0);
	z2 = z * z;
	term = z;
	for (int k = 1; k < 40; k += 2) {
		sum += term / k;
		term *= z2;
	}
	return 2.0 * sum + e * 0.69314718055994530942;
}

/* Exponential inter-arrival time: a Poisson process of the given rate. */
static double lb_exp_interval_ns(uint64_t *rng, double rate)
{
	double u =
	    ((double)(ctl_rand_next(rng) >> 11) + 1.0) / 9007199254740992.0;

	return -lb_ln(u) / rate * 1e9;
}

/* The load loop: until the window closes, then drain. */
static int lb_drive(struct lb_run *r, double capacity)
{
	const struct lb_opts *o = r->o;
	uint64_t start = tc_now_ns(), rng = 0x5eed, next_arrival = start;
	double rate = capacity * o->load;
	int ret = 0;

	r->win_start = start + (uint64_t)(o->warmup * 1e9);
	r->win_end = r->win_start + (uint64_t)(o->seconds * 1e9);
	if (!o->open_loop)
		for (unsigned i = 0; i < o->outstanding; i++) {
			r->jobs[i].t0 = start;
			lb_push_pending(r, &r->jobs[i]);
		}
	while (tc_now_ns() < r->win_end) {
		uint64_t now = tc_now_ns();

		while (o->open_loop && next_arrival <= now && r->free) {
			struct lb_job *j = r->free;

			r->free = j->next;
			j->t0 = next_arrival;
			lb_push_pending(r, j);
			next_arrival +=
			    (uint64_t)lb_exp_interval_ns(&rng, rate);
		}
		if (o->open_loop && next_arrival <= now && !r->free) {
			ret = -ENOBUFS; /* the backlog outgrew LB_MAX_JOBS */
			break;
		}
		ret = lb_submit_pending(r);
		if (ret)
			break;
		tc_pool_wait(r->pool, 1);
	}
	/* Drain: what is still queued host-side is dropped, the rest waits. */
	r->pending = r->pending_tail = NULL;
	for (int i = 0; i < 10000 && tc_pool_inflight(r->pool); i++) {
		tc_pool_wait(r->pool, 1);
		r->pending = r->pending_tail = NULL;
	}
	return ret;
}

json_t *lb_run_policy(const struct ctl_cmd *cmd, const struct lb_opts *o,
                      enum tc_pool_policy pol, double capacity)
{
	struct lb_run r = {.o = o};
	struct tc_dma_buf mem = {0};
	struct ctl_cards cards;
	char err[256];
	json_t *res = NULL, *share;
	double thr;
	int ret;

	if (lb_setup_cards(o, pol, &cards, &r.pool, err, sizeof(err))) {
		ctl_fail(cmd, "%s", err);
		return NULL;
	}
	if (bench_pin(&o->cpus)) {
		ctl_fail(cmd, "cannot pin threads: %s", strerror(errno));
		goto out;
	}
	r.njobs = o->open_loop ? LB_MAX_JOBS : o->outstanding;
	r.jobs = calloc(r.njobs, sizeof(*r.jobs));
	r.lat_cap = (size_t)(capacity * (o->seconds + 1) * 1.5) + 1024;
	r.lat = calloc(r.lat_cap, sizeof(*r.lat));
	if (!r.jobs || !r.lat ||
	    tc_dma_alloc(cards.ctx, 64 + (size_t)r.njobs * 64, &mem) ||
	    lb_setup_key(&r, &mem)) {
		ctl_fail(cmd, "setup failed (memory or key)");
		goto out;
	}
	for (unsigned i = 0; i < r.njobs; i++) {
		r.jobs[i].out = (uint8_t *)mem.va + 64 + (size_t)i * 64;
		r.jobs[i].out_iova = mem.iova + 64 + (uint64_t)i * 64;
		lb_prep(&r, &r.jobs[i]);
		if (o->open_loop) {
			r.jobs[i].next = r.free;
			r.free = &r.jobs[i];
		}
	}
	ret = lb_drive(&r, capacity);
	if (ret || tc_pool_inflight(r.pool)) {
		ctl_fail(cmd, "%s: %s",
		         pol == TC_POOL_ROUND_ROBIN ? "rr" : "ect",
		         ret ? strerror(-ret) : "jobs never completed");
		goto out;
	}
	if (r.wrong || r.failed) {
		ctl_fail(cmd, "%llu wrong and %llu failed results",
		         (unsigned long long)r.wrong,
		         (unsigned long long)r.failed);
		goto out;
	}
	qsort(r.lat, r.nlat, sizeof(*r.lat), ctl_cmp_u64);
	thr = (double)r.completed / o->seconds;
	res = json_object();
	json_object_set_new(res, "throughput", json_real(thr));
	json_object_set_new(res, "fraction", json_real(thr / capacity));
	json_object_set_new(res, "p50_ms",
	                    json_real(ctl_percentile(r.lat, r.nlat, 50) / 1e6));
	json_object_set_new(res, "p99_ms",
	                    json_real(ctl_percentile(r.lat, r.nlat, 99) / 1e6));
	json_object_set_new(res, "jobs", json_integer((json_int_t)r.completed));
	share = json_array();
	for (unsigned i = 0; i < o->ncards; i++)
		json_array_append_new(
		    share, json_real(r.completed ? (double)r.card_done[i] /
		                                       (double)r.completed
		                                 : 0));
	json_object_set_new(res, "share", share);
out:
	if (r.pool)
		tc_pool_destroy(r.pool);
	if (mem.va)
		tc_dma_free(cards.ctx, &mem);
	ctl_cards_close(&cards);
	free(r.jobs);
	free(r.lat);
	return res;
}
