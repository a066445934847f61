/* SPDX-License-Identifier: MIT */
/* Log2 latency histograms (see tc_hist.h). */
#include "tc_hist.h"

void tc_hist_add(struct tc_hist *h, uint64_t ns)
{
	unsigned b = ns ? 64u - (unsigned)__builtin_clzll(ns) : 0u;

	h->bucket[b]++;
	h->count++;
}

uint64_t tc_hist_percentile(const struct tc_hist *h, double pct)
{
	uint64_t rank, seen = 0;
	unsigned b;

	if (!h->count)
		return 0;
	if (pct < 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	/* The smallest bucket with at least ceil(pct% of count) samples. */
	rank = (uint64_t)(pct / 100.0 * (double)h->count + 0.999999);
	if (!rank)
		rank = 1;
	for (b = 0; b < TC_HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank)
			break;
	}
	if (b == 0)
		return 0;
	return b >= 64 ? UINT64_MAX : (1ull << b) - 1;
}
