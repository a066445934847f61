// SPDX-License-Identifier: MIT
/*
 * The idle pool of established TLS connections to one backend.  A leg
 * comes here only at a clean boundary (tlsd_upstream_end and
 * docs/backends.md say when); while idle it stays in the event loop, and
 * any application data or close from the backend drops it, since the next
 * client must start on a quiet byte stream.  Tickets and KeyUpdates are
 * handshake records, not data: they are run and the leg is kept.
 */
#include "tlsd_backend.h"

static void *tlsd_idle_tag(struct tlsd_leg *leg)
{
	return (void *)((uintptr_t)&leg->src | TLSD_TAG_SOURCE);
}

static void tlsd_idle_unlink(struct tlsd_backend *be, struct tlsd_leg *leg)
{
	for (struct tlsd_leg **pp = &be->idle; *pp; pp = &(*pp)->next) {
		if (*pp == leg) {
			*pp = leg->next;
			leg->next = NULL;
			be->nidle--;
			return;
		}
	}
}

static void tlsd_idle_event(struct tlsd_source *src, uint32_t events)
{
	struct tlsd_leg *leg = (struct tlsd_leg *)src;
	struct tlsd_backend *be = leg->be;

	(void)events;
	/* Stale: taken by a client, or closed, earlier in this batch. */
	if (leg->in_use || leg->fd < 0)
		return;
	if (tlsd_leg_quiet(leg))
		return;
	tlsd_idle_unlink(be, leg);
	be->idle_closed++;
	tlsd_leg_close(leg, false);
}

struct tlsd_leg *tlsd_backend_idle_take(struct tlsd_backend *be)
{
	struct tlsd_leg *leg = be->idle;

	if (!leg)
		return NULL;
	be->idle = leg->next;
	be->nidle--;
	leg->next = NULL;
	leg->in_use = true;
	return leg;
}

void tlsd_backend_idle_put(struct tlsd_backend *be, struct tlsd_leg *leg)
{
	const struct tlsd_backend_opts *o = &be->set->opts;

	if (o->no_pool || !leg->tls_on || !tlsd_leg_quiet(leg)) {
		tlsd_leg_close(leg, true);
		return;
	}
	if (be->nidle >= o->idle_max) {
		be->idle_closed++;
		tlsd_leg_close(leg, true);
		return;
	}
	leg->in_use = false;
	leg->idle_since_ms = tlsd_now_ms();
	leg->src.on_event = tlsd_idle_event;
	leg->next = be->idle;
	be->idle = leg;
	be->nidle++;
	tlsd_leg_watch(leg, tlsd_idle_tag(leg));
}

void tlsd_backend_idle_expire(struct tlsd_backend *be, uint64_t now_ms)
{
	struct tlsd_leg **pp = &be->idle;
	uint32_t limit = be->set->opts.idle_timeout_ms;

	while (*pp) {
		struct tlsd_leg *leg = *pp;

		if (now_ms - leg->idle_since_ms < limit) {
			pp = &leg->next;
			continue;
		}
		*pp = leg->next;
		be->nidle--;
		be->idle_closed++;
		tlsd_leg_close(leg, true);
	}
}
