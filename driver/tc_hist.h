/* SPDX-License-Identifier: MIT */
/*
 * Latency histograms with log2 buckets: bucket b counts samples in
 * [2^(b-1), 2^b) ns (bucket 0: zero).  Cheap to add to, enough for p50 and
 * p99 to within a factor of two.  The pool keeps one per card and op class.
 */
#ifndef TC_HIST_H
#define TC_HIST_H

#include <stdint.h>

#include "tlscard.h"

#define TC_HIST_BUCKETS 65

struct tc_hist {
	uint64_t count;
	uint64_t bucket[TC_HIST_BUCKETS];
};

void tc_hist_add(struct tc_hist *h, uint64_t ns);
/* Upper bound (ns) of the bucket holding the pct-th percentile (0..100);
 * 0 when empty. */
uint64_t tc_hist_percentile(const struct tc_hist *h, double pct);

/* Copy of card's latency histogram for op_class; 0 or -EINVAL. */
int tc_pool_card_hist(const struct tc_pool *pool, unsigned card,
                      unsigned op_class, struct tc_hist *out);

#endif
