// SPDX-License-Identifier: MIT
/* The learned CPU-vs-card rule; see tls_card_thresh.h. */
#include <string.h>

#include "tls_card_thresh.h"

/* Below this many bytes a job's cost is taken as fixed (per op). */
#define TLS_THRESH_FIXED_BYTES 256u

void tls_thresh_init(struct tls_thresh *t, double budget_ns)
{
	memset(t, 0, sizeof(*t));
	t->budget_ns = budget_ns;
}

static double tls_thresh_ewma(double old, double sample, uint64_t n)
{
	/* The first sample seeds the average instead of decaying from 0. */
	return n == 0 ? sample : old + (sample - old) * TLS_THRESH_ALPHA;
}

void tls_thresh_cpu_sample(struct tls_thresh *t, unsigned cls, size_t bytes,
                           double ns)
{
	struct tls_thresh_class *c;

	if (cls >= TLS_THRESH_CLASSES || ns < 0)
		return;
	c = &t->cls[cls];
	/* Each part is seeded by its own first sample, not decayed from 0. */
	if (bytes < TLS_THRESH_FIXED_BYTES)
		c->cpu_ns_fixed =
		    tls_thresh_ewma(c->cpu_ns_fixed, ns, c->cpu_ns_fixed > 0);
	else
		c->cpu_ns_per_byte =
		    tls_thresh_ewma(c->cpu_ns_per_byte, ns / (double)bytes,
		                    c->cpu_ns_per_byte > 0);
	c->cpu_samples++;
}

double tls_thresh_cpu_estimate(const struct tls_thresh *t, unsigned cls,
                               size_t bytes)
{
	const struct tls_thresh_class *c;
	double per_byte;

	if (cls >= TLS_THRESH_CLASSES)
		return 0;
	c = &t->cls[cls];
	/* A job costs at least the fixed part, more when its bytes do. */
	per_byte = c->cpu_ns_per_byte * (double)bytes;
	return per_byte > c->cpu_ns_fixed ? per_byte : c->cpu_ns_fixed;
}

bool tls_thresh_use_card(struct tls_thresh *t, unsigned cls, size_t bytes,
                         double card_ect_ns)
{
	struct tls_thresh_class *c;
	bool card;

	if (cls >= TLS_THRESH_CLASSES)
		return false;
	c = &t->cls[cls];
	c->decisions++;
	if (card_ect_ns < 0) {
		card = false;
	} else if (!c->cpu_samples) {
		/* Nothing measured yet: measure the CPU once first. */
		card = false;
	} else {
		double cpu = tls_thresh_cpu_estimate(t, cls, bytes);

		card = card_ect_ns <= cpu + t->budget_ns;
		/* Explore: keep the losing side's estimate current. */
		if (c->decisions % TLS_THRESH_EXPLORE == 0)
			card = !card;
	}
	if (card)
		c->to_card++;
	else
		c->to_cpu++;
	return card;
}
