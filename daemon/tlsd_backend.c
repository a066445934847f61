// SPDX-License-Identifier: MIT
/*
 * The backend pool's set-up, bookkeeping and report: tlsd_backend.h.
 * Health probes are in tlsd_health.c, the idle pool in
 * tlsd_backend_idle.c, connections in tlsd_leg.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tlsd_backend.h"
#include "tlsd_health.h"

#define TLSD_DEF_INTERVAL_MS 2000
#define TLSD_DEF_TIMEOUT_MS  1000
#define TLSD_DEF_FALL        3
#define TLSD_DEF_RISE        2
#define TLSD_DEF_IDLE_MAX    8
#define TLSD_DEF_IDLE_MS     30000
#define TLSD_DEF_CONNECT_MS  5000

uint64_t tlsd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void tlsd_backend_opts_defaults(struct tlsd_backend_opts *o)
{
	if (!o->check_interval_ms)
		o->check_interval_ms = TLSD_DEF_INTERVAL_MS;
	if (!o->check_timeout_ms)
		o->check_timeout_ms = TLSD_DEF_TIMEOUT_MS;
	if (!o->fall)
		o->fall = TLSD_DEF_FALL;
	if (!o->rise)
		o->rise = TLSD_DEF_RISE;
	if (!o->idle_max)
		o->idle_max = TLSD_DEF_IDLE_MAX;
	if (!o->idle_timeout_ms)
		o->idle_timeout_ms = TLSD_DEF_IDLE_MS;
	if (!o->connect_timeout_ms)
		o->connect_timeout_ms = TLSD_DEF_CONNECT_MS;
}

static int tlsd_backend_tls_setup(struct tlsd_backend *be,
                                  struct tls_offload *off)
{
	const struct tlsd_backend_spec *spec = be->spec;

	if (!spec->ca) {
		tlsd_log("backend %s (%s): a TLS backend needs --backend-ca",
		         spec->name, spec->addr.text);
		return -1;
	}
	be->tls_cfg = calloc(1, sizeof(*be->tls_cfg));
	if (!be->tls_cfg || tls_is_err(tls_config_init(be->tls_cfg, off))) {
		tlsd_log("backend %s: cannot set up its TLS client",
		         spec->name);
		free(be->tls_cfg);
		be->tls_cfg = NULL;
		return -1;
	}
	if (tls_is_err(tls_config_set_server_ca(be->tls_cfg, spec->ca))) {
		tlsd_log("backend %s: --backend-ca %s: %s", spec->name,
		         spec->ca, tls_config_error());
		return -1;
	}
	return 0;
}

int tlsd_backends_init(struct tlsd_backends *set,
                       const struct tlsd_backend_spec *specs, unsigned n,
                       const struct tlsd_backend_opts *opts,
                       struct tls_offload *off, int epfd)
{
	memset(set, 0, sizeof(*set));
	set->epfd = epfd;
	set->off = off;
	if (opts)
		set->opts = *opts;
	tlsd_backend_opts_defaults(&set->opts);
	set->rule.fall = set->opts.fall;
	set->rule.rise = set->opts.rise;
	if (!n || n > TLSD_MAX_BACKENDS) {
		tlsd_log("between 1 and %d backends, not %u", TLSD_MAX_BACKENDS,
		         n);
		return -1;
	}
	set->n = n;
	for (unsigned i = 0; i < n; i++) {
		struct tlsd_backend *be = &set->b[i];

		be->spec = &specs[i];
		be->set = set;
		be->index = i;
		/* Up until a check or a connect says otherwise. */
		be->lb.up = true;
		be->last_check = "none";
		tlsd_probe_init(be);
		if (specs[i].tls && tlsd_backend_tls_setup(be, off)) {
			tlsd_backends_free(set);
			return -1;
		}
	}
	return 0;
}

static void tlsd_backends_reap(struct tlsd_backends *set)
{
	while (set->closing) {
		struct tlsd_leg *leg = set->closing;

		set->closing = leg->next;
		leg->next = set->free_legs;
		set->free_legs = leg;
	}
}

void tlsd_backends_free(struct tlsd_backends *set)
{
	for (unsigned i = 0; i < set->n; i++) {
		struct tlsd_backend *be = &set->b[i];

		tlsd_probe_stop(be);
		while (be->idle) {
			struct tlsd_leg *leg = tlsd_backend_idle_take(be);

			tlsd_leg_close(leg, true);
		}
		if (be->tls_cfg) {
			tls_config_free(be->tls_cfg);
			free(be->tls_cfg);
			be->tls_cfg = NULL;
		}
	}
	tlsd_backends_reap(set);
	while (set->free_legs) {
		struct tlsd_leg *leg = set->free_legs;

		set->free_legs = leg->next;
		tls_conn_free(&leg->tls);
		free(leg);
	}
	set->n = 0;
}

void tlsd_backends_tick(struct tlsd_backends *set)
{
	uint64_t now = tlsd_now_ms();

	for (unsigned i = 0; i < set->n; i++) {
		tlsd_probe_tick(&set->b[i], now);
		tlsd_backend_idle_expire(&set->b[i], now);
	}
	tlsd_legs_expire(set, now);
	/* The batch of events is over: nothing names these legs now. */
	tlsd_backends_reap(set);
}

int tlsd_backends_sleep_ms(const struct tlsd_backends *set, int max_ms)
{
	uint64_t now = tlsd_now_ms();
	int ms = max_ms;

	for (unsigned i = 0; i < set->n; i++) {
		uint64_t at = tlsd_probe_due_ms(&set->b[i]);
		int wait = at <= now ? 0 : (int)(at - now);

		/* idle and connect timeouts: checked ten times a second */
		if ((set->b[i].idle || set->pending) && wait > 100)
			wait = 100;
		if (wait < ms)
			ms = wait;
	}
	return ms < 0 ? 0 : ms;
}

void tlsd_backend_failed(struct tlsd_backend *be, const char *why)
{
	be->failures++;
	snprintf(be->last_error, sizeof(be->last_error), "%s", why);
	if (tlsd_lb_fail_now(&be->lb) == TLSD_LB_WENT_DOWN)
		tlsd_log("backend %s (%s) down: %s", be->spec->name,
		         be->spec->addr.text, why);
}

void tlsd_backend_checked(struct tlsd_backend *be, bool ok, const char *why)
{
	enum tlsd_lb_change ch = tlsd_lb_check(&be->lb, ok, &be->set->rule);

	if (ok) {
		be->checks_ok++;
		be->last_check = "ok";
	} else {
		be->checks_failed++;
		be->last_check = "failed";
		snprintf(be->last_error, sizeof(be->last_error), "%s", why);
	}
	if (ch == TLSD_LB_WENT_DOWN)
		tlsd_log("backend %s (%s) down: health check: %s",
		         be->spec->name, be->spec->addr.text, why);
	else if (ch == TLSD_LB_WENT_UP)
		tlsd_log("backend %s (%s) up", be->spec->name,
		         be->spec->addr.text);
}

void tlsd_backends_snapshot(const struct tlsd_backends *set,
                            struct tlsd_snapshot *s)
{
	s->nbackends =
	    set->n < TLSD_SNAP_MAX_BACKENDS ? set->n : TLSD_SNAP_MAX_BACKENDS;
	for (unsigned i = 0; i < s->nbackends; i++) {
		const struct tlsd_backend *be = &set->b[i];
		struct tlsd_backend_snap *b = &s->backend[i];

		snprintf(b->name, sizeof(b->name), "%s", be->spec->name);
		snprintf(b->address, sizeof(b->address), "%s",
		         be->spec->addr.text);
		b->tls = be->spec->tls;
		b->up = be->lb.up;
		b->active = be->lb.active;
		b->total = be->total;
		b->failures = be->failures;
		b->tls_failures = be->tls_failures;
		b->retried = be->retried;
		b->checks_ok = be->checks_ok;
		b->checks_failed = be->checks_failed;
		b->last_check = be->last_check;
		snprintf(b->last_error, sizeof(b->last_error), "%s",
		         be->last_error);
		b->conns_new = be->conns_new;
		b->conns_reused = be->conns_reused;
		b->idle = be->nidle;
		b->idle_closed = be->idle_closed;
	}
}

void tlsd_backends_describe(const struct tlsd_backends *set, char *buf,
                            size_t size)
{
	size_t len = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < set->n && len < size; i++) {
		const struct tlsd_backend_spec *spec = set->b[i].spec;
		int w = snprintf(buf + len, size - len, "%s%s %s%s",
		                 i ? ", " : "", spec->name,
		                 spec->tls ? "tls:" : "", spec->addr.text);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}
