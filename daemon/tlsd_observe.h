/* SPDX-License-Identifier: MIT */
/*
 * What tlscardd reports: gathers the daemon's counters, the pool's per-card
 * stats and histograms, the cards' engine and fault-injection registers
 * into one struct tlsd_snapshot for the control socket and /metrics.
 * Utilization is sampled here once a second from the engines' busy time.
 */
#ifndef TLSD_OBSERVE_H
#define TLSD_OBSERVE_H

#include "tls_offload.h"
#include "tlsd.h"
#include "tlsd_cards.h"
#include "tlsd_stats.h"

struct tlsd_backends;

struct tlsd_busy_sample {
	uint64_t raw;   /* last sum of TC_ENG_STAT_BUSY_NS read */
	uint64_t total; /* busy time since start, across card resets */
	double utilization;
};

struct tlsd_observe {
	uint64_t start_ns;
	const struct tlsd_stats *st;
	struct tlsd_cards *cards;            /* NULL with --cards none */
	const struct tls_offload_stats *cpu; /* the CPU offload's counters */
	const char *mode;                    /* "none", "sim", "vfio" */
	uint64_t sample_ns;                  /* time of the last sample */
	struct tlsd_busy_sample busy[TLSD_SNAP_MAX_CARDS];
	const struct tlsd_backends *backends; /* NULL: none to report */
};

void tlsd_observe_init(struct tlsd_observe *o, const struct tlsd_stats *st,
                       struct tlsd_cards *cards,
                       const struct tls_offload_stats *cpu);
/* Cheap unless a second has passed: then samples engine busy time. */
void tlsd_observe_tick(struct tlsd_observe *o);
void tlsd_observe_snapshot(struct tlsd_observe *o, struct tlsd_snapshot *s);

#endif /* TLSD_OBSERVE_H */
