// SPDX-License-Identifier: MIT
/*
 * Gathering tlscardd's snapshot.  Everything is read in the event loop's
 * thread, which owns the pool, so no locking: the pool's stats are copies,
 * and the card registers read here are the device's own counters.
 */
#include <stdio.h>
#include <string.h>

#include "tc_hist.h"
#include "tlsd_backend.h"
#include "tlsd_observe.h"

_Static_assert(TLSD_MAX_CARDS <= TLSD_SNAP_MAX_CARDS,
               "the snapshot must hold every card the daemon opens");
_Static_assert(TLSD_OP_COUNT <= TLSD_SNAP_MAX_OPS,
               "the snapshot must hold every offload op kind");

#define TLSD_SAMPLE_NS 1000000000ull

static const char *const tlsd_op_names[TLSD_OP_COUNT] = {
    [TLSD_OP_ECDH] = "ecdh",
    [TLSD_OP_SIGN] = "sign",
    [TLSD_OP_DIGEST] = "digest",
    [TLSD_OP_AEAD] = "aead",
};

static unsigned tlsd_observe_ncards(const struct tlsd_observe *o)
{
	unsigned n = tlsd_cards_count(o->cards);

	return n > TLSD_SNAP_MAX_CARDS ? TLSD_SNAP_MAX_CARDS : n;
}

/* The pool's card i, as a device; NULL when there is none. */
static struct tc_dev *tlsd_observe_dev(const struct tlsd_observe *o, unsigned i)
{
	struct tc_pool *pool = tlsd_cards_pool(o->cards);

	return pool && i < tc_pool_ncards(pool) ? tc_pool_card(pool, i) : NULL;
}

static uint64_t tlsd_engine_busy(struct tc_dev *dev)
{
	const struct tc_dev_info *info = tc_dev_info(dev);
	unsigned n = info->nengines;
	uint64_t sum = 0;

	if (n > TC_MAX_ENGINES)
		n = TC_MAX_ENGINES;
	for (unsigned e = 0; e < n; e++)
		sum +=
		    tc_dev_read64(dev, TC_ENG_REG(e, TC_ENG_STAT_BUSY_NS_LO));
	return sum;
}

void tlsd_observe_init(struct tlsd_observe *o, const struct tlsd_stats *st,
                       struct tlsd_cards *cards,
                       const struct tls_offload_stats *cpu)
{
	memset(o, 0, sizeof(*o));
	o->start_ns = tc_now_ns();
	o->st = st;
	o->cards = cards;
	o->cpu = cpu;
	o->mode = "none";
	if (tlsd_observe_dev(o, 0))
		o->mode = tc_dev_info(tlsd_observe_dev(o, 0))->backend;
	o->sample_ns = o->start_ns;
	for (unsigned i = 0; i < tlsd_observe_ncards(o); i++) {
		struct tc_dev *dev = tlsd_observe_dev(o, i);

		if (dev)
			o->busy[i].raw = tlsd_engine_busy(dev);
	}
}

void tlsd_observe_tick(struct tlsd_observe *o)
{
	uint64_t now = tc_now_ns(), dt = now - o->sample_ns;

	if (dt < TLSD_SAMPLE_NS)
		return;
	for (unsigned i = 0; i < tlsd_observe_ncards(o); i++) {
		struct tc_dev *dev = tlsd_observe_dev(o, i);
		struct tlsd_busy_sample *b = &o->busy[i];
		unsigned engines;
		uint64_t raw, delta;

		if (!dev)
			continue;
		engines = tc_dev_info(dev)->nengines;
		raw = tlsd_engine_busy(dev);
		/* A reset zeroes the engine counters: count from zero. */
		delta = raw >= b->raw ? raw - b->raw : raw;
		b->raw = raw;
		b->total += delta;
		b->utilization =
		    engines ? (double)delta / ((double)dt * (double)engines)
		            : 0.0;
		if (b->utilization > 1.0)
			b->utilization = 1.0;
	}
	o->sample_ns = now;
}

static void tlsd_observe_fault(struct tc_dev *dev, struct tlsd_card_snap *c)
{
	c->fi_supported =
	    tc_dev_info(dev)->cap_features & TC_CAP_F_FAULT_INJECT;
	if (!c->fi_supported)
		return;
	c->fi_stall = tc_dev_read32(dev, TC_REG_FI_CTRL) & TC_FI_CTRL_STALL;
	c->fi_error_ppm = tc_dev_read32(dev, TC_REG_FI_ERROR_PPM);
	c->fi_latency_us = tc_dev_read32(dev, TC_REG_FI_LATENCY_US);
}

static void tlsd_observe_card(struct tlsd_observe *o, unsigned i,
                              struct tlsd_card_snap *c)
{
	struct tc_pool *pool = tlsd_cards_pool(o->cards);
	struct tc_dev *dev = tlsd_observe_dev(o, i);
	struct tc_pool_card_stats ps;

	memset(c, 0, sizeof(*c));
	if (!dev || tc_pool_card_stats(pool, i, &ps))
		return;
	snprintf(c->name, sizeof(c->name), "%s", ps.name);
	snprintf(c->backend, sizeof(c->backend), "%s",
	         tc_dev_info(dev)->backend);
	c->state = ps.state;
	c->inflight = ps.qp.inflight;
	c->max_inflight = i < TLSD_MAX_CARDS ? o->cards->max_inflight[i] : 0;
	c->submitted = ps.qp.submitted;
	c->completed = ps.qp.completed;
	c->errors = ps.qp.errors;
	c->resets = ps.resets;
	c->quarantines = ps.quarantines;
	c->key_moves = ps.key_moves;
	c->doorbells = ps.qp.doorbells;
	c->interrupts = ps.qp.irqs;
	c->engines = tc_dev_info(dev)->nengines;
	c->busy_ns = o->busy[i].total;
	c->utilization = o->busy[i].utilization;
	tlsd_observe_fault(dev, c);
	for (unsigned k = 0; k < TC_CLASS_COUNT; k++) {
		struct tc_hist h;

		c->cls[k].jobs = ps.class_jobs[k];
		c->cls[k].ewma_ns = ps.ewma_ns[k];
		if (tc_pool_card_hist(pool, i, k, &h))
			continue;
		c->cls[k].p50_ns = tc_hist_percentile(&h, 50.0);
		c->cls[k].p99_ns = tc_hist_percentile(&h, 99.0);
	}
}

/* Without cards every crypto job runs on the CPU offload. */
static void tlsd_observe_cpu_ops(const struct tls_offload_stats *cpu,
                                 struct tlsd_snapshot *s)
{
	uint64_t cpu_jobs[TLSD_OP_COUNT] = {
	    [TLSD_OP_ECDH] = cpu->ecdh_keygens + cpu->ecdh_derives,
	    [TLSD_OP_SIGN] = cpu->signs,
	    [TLSD_OP_DIGEST] = cpu->digest_calls,
	    [TLSD_OP_AEAD] = cpu->records_sealed + cpu->records_opened,
	};

	for (unsigned k = 0; k < TLSD_OP_COUNT; k++)
		s->ops[k].cpu = cpu_jobs[k];
}

void tlsd_observe_snapshot(struct tlsd_observe *o, struct tlsd_snapshot *s)
{
	const struct tlsd_offload_counters *oc =
	    o->cards ? &o->cards->counters : NULL;

	tlsd_observe_tick(o);
	memset(s, 0, sizeof(*s));
	s->uptime_s = (double)(tc_now_ns() - o->start_ns) / 1e9;
	s->mode = o->mode;
	s->st = *o->st;
	s->nops = TLSD_OP_COUNT;
	for (unsigned k = 0; k < TLSD_OP_COUNT; k++) {
		s->ops[k].name = tlsd_op_names[k];
		if (oc) {
			s->ops[k].card = oc->card_jobs[k];
			s->ops[k].cpu = oc->cpu_jobs[k];
		}
	}
	if (oc) {
		s->cpu_fallbacks = oc->cpu_fallbacks;
		s->parks = oc->parks;
		s->parked_now = o->cards->parked_now;
		s->max_parked = o->cards->max_parked;
	} else if (o->cpu) {
		tlsd_observe_cpu_ops(o->cpu, s);
	}
	s->ncards = tlsd_observe_ncards(o);
	for (unsigned i = 0; i < s->ncards; i++) {
		tlsd_observe_card(o, i, &s->card[i]);
		/* The pool counts a key loaded where another card has it. */
		s->key_moves += s->card[i].key_moves;
	}
	if (o->backends)
		tlsd_backends_snapshot(o->backends, s);
}
