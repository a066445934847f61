// SPDX-License-Identifier: MIT
/*
 * Control replies as JSON.  The field names, types and units here are the
 * documented schema (docs/operations.md, "JSON schema"): counters are
 * integers, latencies integer nanoseconds, shares floats in 0..1.  Keys
 * keep the order they are built in, so the output reads the same each time.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_errors.h"
#include "tlsd_ctl_proto.h"

static const char *const tlsd_version_names[TLSD_NVERSIONS] = {
    [TLSD_VER_12] = "tls1.2",
    [TLSD_VER_13] = "tls1.3",
};

static json_t *tlsd_json_u64(uint64_t v)
{
	/* json_int_t is long long: counters stay exact up to 2^63 */
	return json_integer((json_int_t)v);
}

static json_t *tlsd_json_per_version(const uint64_t *v)
{
	json_t *o = json_object();

	for (unsigned i = 0; i < TLSD_NVERSIONS; i++)
		json_object_set_new(o, tlsd_version_names[i],
		                    tlsd_json_u64(v[i]));
	return o;
}

/* Only alerts that happened; names are RFC 8446 §6's, "none" for none. */
static json_t *tlsd_json_alerts(const uint64_t *count)
{
	json_t *o = json_object();

	for (unsigned a = 0; a < TLSD_NALERTS; a++) {
		const char *name;
		json_t *prev;

		if (!count[a])
			continue;
		name =
		    a == TLS_ALERT_NONE ? "none" : tls_alert_name((uint8_t)a);
		/* several unknown codes share "unknown_alert": add them up */
		prev = json_object_get(o, name);
		json_object_set_new(
		    o, name,
		    tlsd_json_u64(
		        count[a] +
		        (prev ? (uint64_t)json_integer_value(prev) : 0)));
	}
	return o;
}

/* The M4 coalescer, per direction (docs/coalescing.md). */
static json_t *tlsd_json_coalesce_dir(const struct tlsd_coalesce_stats *c)
{
	json_t *flushes = json_object();

	for (unsigned r = 0; r < TLSD_FLUSH_NREASONS; r++)
		json_object_set_new(flushes, tlsd_flush_reason_name(r),
		                    tlsd_json_u64(c->flushes[r]));
	return json_pack(
	    "{s:o,s:o,s:o,s:o,s:{s:o,s:o,s:o,s:o,s:o}}", "flushes", flushes,
	    "records_in", tlsd_json_u64(c->records_in), "records_out",
	    tlsd_json_u64(c->records_out), "bytes", tlsd_json_u64(c->bytes),
	    "latency", "count", tlsd_json_u64(c->latency.count), "sum_ns",
	    tlsd_json_u64(c->latency.sum_ns), "p50_ns",
	    tlsd_json_u64(tlsd_lat_percentile(&c->latency, 50)), "p99_ns",
	    tlsd_json_u64(tlsd_lat_percentile(&c->latency, 99)), "max_ns",
	    tlsd_json_u64(c->latency.max_ns));
}

static json_t *tlsd_json_coalesce(const struct tlsd_stats *st)
{
	json_t *o = json_pack("{s:b}", "enabled", st->coalesce_enabled);

	for (unsigned d = 0; d < TLSD_NDIRS; d++)
		json_object_set_new(o, tlsd_direction_name(d),
		                    tlsd_json_coalesce_dir(&st->coalesce[d]));
	return o;
}

static json_t *tlsd_json_jobs(const struct tlsd_snapshot *s)
{
	json_t *by_op = json_object();
	uint64_t card = 0, cpu = 0;

	for (unsigned i = 0; i < s->nops; i++) {
		card += s->ops[i].card;
		cpu += s->ops[i].cpu;
		json_object_set_new(by_op, s->ops[i].name,
		                    json_pack("{s:o,s:o}", "card",
		                              tlsd_json_u64(s->ops[i].card),
		                              "cpu",
		                              tlsd_json_u64(s->ops[i].cpu)));
	}
	return json_pack("{s:o,s:o,s:f,s:o,s:o}", "card", tlsd_json_u64(card),
	                 "cpu", tlsd_json_u64(cpu), "card_fraction",
	                 card + cpu ? (double)card / (double)(card + cpu) : 0.0,
	                 "cpu_fallbacks", tlsd_json_u64(s->cpu_fallbacks),
	                 "by_op", by_op);
}

static json_t *tlsd_json_classes(const struct tlsd_card_snap *c)
{
	json_t *o = json_object();

	for (unsigned k = 0; k < TC_CLASS_COUNT; k++) {
		const struct tlsd_class_snap *cs = &c->cls[k];

		json_object_set_new(
		    o, tc_class_name(k),
		    json_pack("{s:o,s:o,s:o,s:o}", "jobs",
		              tlsd_json_u64(cs->jobs), "ewma_ns",
		              tlsd_json_u64((uint64_t)(cs->ewma_ns + 0.5)),
		              "p50_ns", tlsd_json_u64(cs->p50_ns), "p99_ns",
		              tlsd_json_u64(cs->p99_ns)));
	}
	return o;
}

static json_t *tlsd_json_fault(const struct tlsd_card_snap *c)
{
	return json_pack("{s:b,s:b,s:f,s:o}", "supported", c->fi_supported,
	                 "stall", c->fi_stall, "error_rate",
	                 (double)c->fi_error_ppm / 1e6, "latency_us",
	                 tlsd_json_u64(c->fi_latency_us));
}

json_t *tlsd_ctl_json_card(const struct tlsd_card_snap *c, unsigned index,
                           bool with_classes)
{
	json_t *o = json_pack(
	    "{s:i,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:i,s:o,s:f,s:o}",
	    "index", (int)index, "name", c->name, "backend", c->backend,
	    "state", tlsd_card_state_name(c->state), "inflight",
	    tlsd_json_u64(c->inflight), "submitted",
	    tlsd_json_u64(c->submitted), "completed",
	    tlsd_json_u64(c->completed), "errors", tlsd_json_u64(c->errors),
	    "resets", tlsd_json_u64(c->resets), "quarantines",
	    tlsd_json_u64(c->quarantines), "doorbells",
	    tlsd_json_u64(c->doorbells), "interrupts",
	    tlsd_json_u64(c->interrupts), "engines", (int)c->engines, "busy_ns",
	    tlsd_json_u64(c->busy_ns), "utilization", c->utilization, "fault",
	    tlsd_json_fault(c));

	if (o)
		json_object_set_new(o, "max_inflight",
		                    tlsd_json_u64(c->max_inflight));
	if (o && with_classes)
		json_object_set_new(o, "classes", tlsd_json_classes(c));
	return o;
}

static json_t *tlsd_json_card_list(const struct tlsd_snapshot *s,
                                   bool with_classes)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < s->ncards; i++)
		json_array_append_new(
		    a, tlsd_ctl_json_card(&s->card[i], i, with_classes));
	return a;
}

static json_t *tlsd_json_backend(const struct tlsd_backend_snap *b)
{
	return json_pack(
	    "{s:s,s:s,s:b,s:s,s:o,s:o,s:o,s:o,s:o,s:{s:o,s:o,s:s,s:s},"
	    "s:{s:o,s:o,s:o,s:o}}",
	    "name", b->name, "address", b->address, "tls", b->tls, "state",
	    b->up ? "up" : "down", "active", tlsd_json_u64(b->active), "total",
	    tlsd_json_u64(b->total), "failures", tlsd_json_u64(b->failures),
	    "tls_failures", tlsd_json_u64(b->tls_failures), "retried",
	    tlsd_json_u64(b->retried), "health", "ok",
	    tlsd_json_u64(b->checks_ok), "failed",
	    tlsd_json_u64(b->checks_failed), "last",
	    b->last_check ? b->last_check : "none", "last_error", b->last_error,
	    "pool", "new", tlsd_json_u64(b->conns_new), "reused",
	    tlsd_json_u64(b->conns_reused), "idle", tlsd_json_u64(b->idle),
	    "idle_closed", tlsd_json_u64(b->idle_closed));
}

static json_t *tlsd_json_backend_list(const struct tlsd_snapshot *s)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < s->nbackends; i++)
		json_array_append_new(a, tlsd_json_backend(&s->backend[i]));
	return a;
}

json_t *tlsd_ctl_json_stats(const struct tlsd_snapshot *s)
{
	const struct tlsd_stats *st = &s->st;
	json_t *o = json_pack(
	    "{s:i,s:f,s:s,s:{s:o,s:o},s:{s:o,s:o,s:o,s:o},s:{s:o,s:o,s:o},"
	    "s:o,s:f,s:o,s:o,s:{s:o,s:o},s:{s:o,s:o},s:o,s:o}",
	    "schema", TLSD_CTL_SCHEMA_VERSION, "uptime_s", s->uptime_s, "mode",
	    s->mode, "connections", "active",
	    tlsd_json_u64(st->accepted - st->closed), "total",
	    tlsd_json_u64(st->accepted), "handshakes", "total",
	    tlsd_json_u64(st->handshakes), "full",
	    tlsd_json_per_version(st->hs_full), "resumed",
	    tlsd_json_per_version(st->hs_resumed), "hrr",
	    tlsd_json_u64(st->hrr), "failures", "total",
	    tlsd_json_u64(st->failed), "by_alert_sent",
	    tlsd_json_alerts(st->failed_alert_sent), "by_alert_received",
	    tlsd_json_alerts(st->failed_alert_received), "digest_calls",
	    tlsd_json_u64(st->digest_calls), "digest_calls_per_handshake",
	    tlsd_digest_calls_per_handshake(st), "jobs", tlsd_json_jobs(s),
	    "key_moves", tlsd_json_u64(s->key_moves), "bytes", "in",
	    tlsd_json_u64(st->bytes_in), "out", tlsd_json_u64(st->bytes_out),
	    "records", "in", tlsd_json_u64(st->records_in), "out",
	    tlsd_json_u64(st->records_out), "coalesce", tlsd_json_coalesce(st),
	    "cards", tlsd_json_card_list(s, true));

	if (o)
		json_object_set_new(
		    o, "parked",
		    json_pack("{s:o,s:o,s:o}", "total", tlsd_json_u64(s->parks),
		              "now", tlsd_json_u64(s->parked_now), "max",
		              tlsd_json_u64(s->max_parked)));
	if (o)
		json_object_set_new(o, "backends", tlsd_json_backend_list(s));
	return o;
}

json_t *tlsd_ctl_json_cards(const struct tlsd_snapshot *s)
{
	return json_pack("{s:i,s:s,s:o}", "schema", TLSD_CTL_SCHEMA_VERSION,
	                 "mode", s->mode, "cards",
	                 tlsd_json_card_list(s, false));
}

json_t *tlsd_ctl_json_health(const struct tlsd_snapshot *s)
{
	unsigned count[3] = {0, 0, 0};
	json_t *problems = json_array();

	for (unsigned i = 0; i < s->ncards; i++) {
		const struct tlsd_card_snap *c = &s->card[i];
		char msg[128];

		if ((unsigned)c->state < 3)
			count[c->state]++;
		if (c->state == TC_CARD_UP)
			continue;
		snprintf(msg, sizeof(msg), "card %u (%s) is %s", i, c->name,
		         tlsd_card_state_name(c->state));
		json_array_append_new(problems, json_string(msg));
	}
	return json_pack("{s:i,s:s,s:s,s:{s:i,s:i,s:i,s:i},s:o}", "schema",
	                 TLSD_CTL_SCHEMA_VERSION, "status",
	                 tlsd_health_name(tlsd_snapshot_health(s)), "mode",
	                 s->mode, "cards", "total", (int)s->ncards, "up",
	                 (int)count[TC_CARD_UP], "draining",
	                 (int)count[TC_CARD_DRAINING], "quarantined",
	                 (int)count[TC_CARD_QUARANTINED], "problems", problems);
}

json_t *tlsd_ctl_json_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:s}", "error", msg);
}

char *tlsd_ctl_dump_line(const json_t *reply, size_t *len)
{
	/* 9 significant digits: 2.8, not 2.7999999999999998 */
	char *text =
	    json_dumps(reply, JSON_COMPACT | JSON_PRESERVE_ORDER |
	                          JSON_ENSURE_ASCII | JSON_REAL_PRECISION(9));
	size_t n;
	char *line;

	if (!text)
		return NULL;
	n = strlen(text);
	line = realloc(text, n + 2);
	if (!line) {
		free(text);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
	return line;
}
