// SPDX-License-Identifier: MIT
/* Small helpers over tlscardd's counters, shared by JSON and /metrics. */
#include "tlsd_stats.h"

const char *tlsd_flush_reason_name(enum tlsd_flush_reason r)
{
	static const char *const names[TLSD_FLUSH_NREASONS] = {
	    [TLSD_FLUSH_QUANTUM] = "quantum",
	    [TLSD_FLUSH_HTTP_END] = "http_end",
	    [TLSD_FLUSH_FIN] = "fin",
	    [TLSD_FLUSH_PUSH] = "push",
	    [TLSD_FLUSH_TIMER] = "timer",
	};

	return (unsigned)r < TLSD_FLUSH_NREASONS ? names[r] : "unknown";
}

const char *tlsd_direction_name(enum tlsd_direction d)
{
	return d == TLSD_DIR_TO_CLIENT ? "to_client" : "to_backend";
}

static unsigned tlsd_lat_index(uint64_t v)
{
	unsigned e;

	if (v < 4)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);
	return 4 * (e - 1) + (unsigned)((v >> (e - 2)) & 3);
}

static uint64_t tlsd_lat_upper(unsigned idx)
{
	unsigned e = idx / 4 + 1, sub = idx % 4;

	if (idx < 4)
		return idx;
	if (e == 63 && sub == 3)
		return UINT64_MAX;
	return ((uint64_t)(4 + sub + 1) << (e - 2)) - 1;
}

void tlsd_lat_add(struct tlsd_lat_hist *h, uint64_t ns)
{
	h->count++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	h->bucket[tlsd_lat_index(ns)]++;
}

uint64_t tlsd_lat_percentile(const struct tlsd_lat_hist *h, double pct)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	/* the smallest bucket holding at least pct% of the samples */
	rank = (uint64_t)((double)h->count * pct / 100.0 + 0.999999);
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < TLSD_LAT_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t up = tlsd_lat_upper(i);

			return up < h->max_ns ? up : h->max_ns;
		}
	}
	return h->max_ns;
}

const char *tlsd_card_state_name(enum tc_card_state st)
{
	switch (st) {
	case TC_CARD_UP: return "up";
	case TC_CARD_DRAINING: return "draining";
	case TC_CARD_QUARANTINED: return "quarantined";
	}
	return "unknown";
}

enum tlsd_health tlsd_snapshot_health(const struct tlsd_snapshot *s)
{
	/* A card out of service means less capacity and, when it failed,
	 * an operator should look: that is "degraded", even though the
	 * other cards and the CPU keep serving every connection. */
	for (unsigned i = 0; i < s->ncards; i++)
		if (s->card[i].state != TC_CARD_UP)
			return TLSD_HEALTH_DEGRADED;
	return TLSD_HEALTH_OK;
}

const char *tlsd_health_name(enum tlsd_health h)
{
	return h == TLSD_HEALTH_OK ? "ok" : "degraded";
}

double tlsd_digest_calls_per_handshake(const struct tlsd_stats *st)
{
	if (!st->handshakes)
		return 0.0;
	return (double)st->digest_calls / (double)st->handshakes;
}
