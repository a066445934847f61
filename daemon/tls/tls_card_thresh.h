/* SPDX-License-Identifier: MIT */
/*
 * The CPU-vs-card rule, learned online (DESIGN §3: "the threshold is
 * measured, not a constant").  Per op class it keeps an EWMA of the CPU's
 * cost per byte and of its fixed cost per op, from every job the CPU ran,
 * and compares the expected CPU cost of a job with the pool's expected
 * completion for that class plus a latency budget.  A small share of
 * decisions (1 in TLS_THRESH_EXPLORE) goes the other way so both estimates
 * stay current when load changes.
 */
#ifndef TLS_CARD_THRESH_H
#define TLS_CARD_THRESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_THRESH_CLASSES 4
#define TLS_THRESH_EXPLORE 32u
#define TLS_THRESH_ALPHA   0.125 /* EWMA weight of a new sample */

struct tls_thresh_class {
	double cpu_ns_per_byte; /* EWMA over CPU samples */
	double cpu_ns_fixed;    /* EWMA of the per-op part */
	uint64_t cpu_samples;
	uint64_t decisions;
	uint64_t to_card, to_cpu;
};

struct tls_thresh {
	double budget_ns; /* latency a card job may add */
	struct tls_thresh_class cls[TLS_THRESH_CLASSES];
};

void tls_thresh_init(struct tls_thresh *t, double budget_ns);
/* The CPU ran a job of cls over bytes in ns. */
void tls_thresh_cpu_sample(struct tls_thresh *t, unsigned cls, size_t bytes,
                           double ns);
/* Expected CPU cost of a job; 0 while no sample exists. */
double tls_thresh_cpu_estimate(const struct tls_thresh *t, unsigned cls,
                               size_t bytes);
/*
 * Should a job of cls over bytes go to a card whose expected completion
 * is card_ect_ns (< 0: no usable card)?  Counts the decision.
 */
bool tls_thresh_use_card(struct tls_thresh *t, unsigned cls, size_t bytes,
                         double card_ect_ns);

#endif /* TLS_CARD_THRESH_H */
