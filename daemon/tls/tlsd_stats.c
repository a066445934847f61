// SPDX-License-Identifier: MIT
/* Small helpers over tlscardd's counters, shared by JSON and /metrics. */
#include "tlsd_stats.h"

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
