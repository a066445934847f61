// SPDX-License-Identifier: MIT
/*
 * The stats and cards replies as tables, for `stats`, `cards` and each
 * frame of `top`.  Rates (per second) come from two replies: the counters'
 * difference over the difference of the daemon's uptime.
 */
#include <string.h>

#include "ctl_daemon.h"

struct ctl_rate {
	const json_t *prev;
	double dt; /* seconds between the replies (or since start) */
};

static double ctl_rate_of(const struct ctl_rate *r, uint64_t now,
                          uint64_t before)
{
	if (r->dt <= 0.0 || now < before)
		return 0.0;
	return (double)(now - before) / r->dt;
}

/* The same card in the previous reply, matched by name. */
static const json_t *ctl_prev_card(const struct ctl_rate *r, const char *name)
{
	const json_t *cards = ctl_json_path(r->prev, "cards", NULL);
	const json_t *c;
	size_t i;

	json_array_foreach(cards, i, c)
	{
		if (!strcmp(ctl_json_str(c, "name"), name))
			return c;
	}
	return NULL;
}

static void ctl_print_fault(char *buf, size_t len, const json_t *card)
{
	const json_t *f = json_object_get(card, "fault");
	int n = 0;

	buf[0] = '\0';
	if (json_is_true(json_object_get(f, "stall")))
		n += snprintf(buf + n, len - (size_t)n, "stall ");
	if (ctl_json_num(f, "error_rate") > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "error_rate=%g ",
		              ctl_json_num(f, "error_rate"));
	if (ctl_json_u64(f, "latency_us") && (size_t)n < len)
		n +=
		    snprintf(buf + n, len - (size_t)n, "latency_us=%llu ",
		             (unsigned long long)ctl_json_u64(f, "latency_us"));
	if (n > 0 && (size_t)n <= len)
		buf[n - 1] = '\0';
	else
		snprintf(buf, len, "-");
}

static void ctl_print_card_table(FILE *out, const json_t *stats,
                                 const struct ctl_rate *r)
{
	static const char *const head[] = {
	    "CARD",      "NAME",      "STATE",  "INFLIGHT", "MAXINFL",
	    "SUBMITTED", "COMPLETED", "ERRORS", "RESETS",   "DOORBELLS",
	    "IRQS",      "JOBS/S",    "UTIL"};
	const json_t *cards = json_object_get(stats, "cards"), *c;
	struct ctl_table t;
	size_t i;

	ctl_table_init(&t, "rllrrrrrrrrrr", head);
	json_array_foreach(cards, i, c)
	{
		const json_t *p = ctl_prev_card(r, ctl_json_str(c, "name"));

		ctl_table_cell(&t, "%llu",
		               (unsigned long long)ctl_json_u64(c, "index"));
		ctl_table_cell(&t, "%s", ctl_json_str(c, "name"));
		ctl_table_cell(&t, "%s", ctl_json_str(c, "state"));
		ctl_table_cell(&t, "%llu",
		               (unsigned long long)ctl_json_u64(c, "inflight"));
		ctl_table_cell(
		    &t, "%llu",
		    (unsigned long long)ctl_json_u64(c, "max_inflight"));
		ctl_table_cell(
		    &t, "%llu",
		    (unsigned long long)ctl_json_u64(c, "submitted"));
		ctl_table_cell(
		    &t, "%llu",
		    (unsigned long long)ctl_json_u64(c, "completed"));
		ctl_table_cell(&t, "%llu",
		               (unsigned long long)ctl_json_u64(c, "errors"));
		ctl_table_cell(&t, "%llu",
		               (unsigned long long)ctl_json_u64(c, "resets"));
		ctl_table_cell(
		    &t, "%llu",
		    (unsigned long long)ctl_json_u64(c, "doorbells"));
		ctl_table_cell(
		    &t, "%llu",
		    (unsigned long long)ctl_json_u64(c, "interrupts"));
		ctl_table_cell(&t, "%.1f",
		               ctl_rate_of(r, ctl_json_u64(c, "completed"),
		                           ctl_json_u64(p, "completed")));
		ctl_table_cell(&t, "%.1f%%",
		               100.0 * ctl_json_num(c, "utilization"));
	}
	ctl_table_print(&t, out);
	ctl_table_free(&t);
}

static void ctl_print_class_table(FILE *out, const json_t *stats)
{
	static const char *const head[] = {"CARD",    "CLASS",  "JOBS",
	                                   "EWMA_US", "P50_US", "P99_US"};
	const json_t *cards = json_object_get(stats, "cards"), *c, *cls;
	struct ctl_table t;
	const char *name;
	size_t i;

	ctl_table_init(&t, "llrrrr", head);
	json_array_foreach(cards, i, c)
	{
		json_object_foreach((json_t *)json_object_get(c, "classes"),
		                    name, cls)
		{
			/* a class a card never ran says nothing */
			if (!ctl_json_u64(cls, "jobs"))
				continue;
			ctl_table_cell(&t, "%s", ctl_json_str(c, "name"));
			ctl_table_cell(&t, "%s", name);
			ctl_table_cell(
			    &t, "%llu",
			    (unsigned long long)ctl_json_u64(cls, "jobs"));
			ctl_table_cell(&t, "%.1f",
			               ctl_json_num(cls, "ewma_ns") / 1e3);
			ctl_table_cell(&t, "%.1f",
			               ctl_json_num(cls, "p50_ns") / 1e3);
			ctl_table_cell(&t, "%.1f",
			               ctl_json_num(cls, "p99_ns") / 1e3);
		}
	}
	if (t.ncells > t.ncols)
		ctl_table_print(&t, out);
	else
		fputs("(no card jobs yet)\n", out);
	ctl_table_free(&t);
}

static void ctl_print_jobs_table(FILE *out, const json_t *jobs)
{
	static const char *const head[] = {"OP", "CARD", "CPU", "CARD%"};
	const json_t *by_op = json_object_get(jobs, "by_op"), *op;
	struct ctl_table t;
	const char *name;

	ctl_table_init(&t, "lrrr", head);
	json_object_foreach((json_t *)by_op, name, op)
	{
		uint64_t card = ctl_json_u64(op, "card");
		uint64_t cpu = ctl_json_u64(op, "cpu");

		ctl_table_cell(&t, "%s", name);
		ctl_table_cell(&t, "%llu", (unsigned long long)card);
		ctl_table_cell(&t, "%llu", (unsigned long long)cpu);
		ctl_table_cell(&t, "%.1f%%",
		               card + cpu
		                   ? 100.0 * (double)card / (double)(card + cpu)
		                   : 0.0);
	}
	ctl_table_print(&t, out);
	ctl_table_free(&t);
}

/* "handshake_failure 2, none 1", or "-" */
/* One line per direction of the M4 coalescer; "off" without --coalesce. */
static void ctl_print_coalesce(FILE *out, const json_t *stats)
{
	static const char *const reasons[] = {"quantum", "http_end", "fin",
	                                      "push", "timer"};
	const json_t *co = json_object_get(stats, "coalesce");

	if (!co || !json_is_true(json_object_get(co, "enabled"))) {
		fputs("coalesce     off\n", out);
		return;
	}
	for (unsigned d = 0; d < 2; d++) {
		const char *dir = d ? "to_backend" : "to_client";
		const json_t *dj = json_object_get(co, dir);
		const json_t *fl = json_object_get(dj, "flushes");
		const json_t *lat = json_object_get(dj, "latency");

		fprintf(out, "coalesce     %s: flushes", dir);
		for (unsigned r = 0; r < 5; r++)
			fprintf(
			    out, " %s %llu", reasons[r],
			    (unsigned long long)ctl_json_u64(fl, reasons[r]));
		fprintf(out,
		        "; records in %llu, out %llu; added p50 %.2f ms, p99 "
		        "%.2f ms\n",
		        (unsigned long long)ctl_json_u64(dj, "records_in"),
		        (unsigned long long)ctl_json_u64(dj, "records_out"),
		        (double)ctl_json_u64(lat, "p50_ns") / 1e6,
		        (double)ctl_json_u64(lat, "p99_ns") / 1e6);
	}
}

static void ctl_print_alerts(FILE *out, const json_t *alerts)
{
	const char *name;
	const json_t *n;
	bool first = true;

	json_object_foreach((json_t *)alerts, name, n)
	{
		fprintf(out, "%s%s %lld", first ? "" : ", ", name,
		        (long long)json_integer_value(n));
		first = false;
	}
	if (first)
		fputs("-", out);
}

void ctl_stats_print(FILE *out, const json_t *stats, const json_t *prev)
{
	const json_t *hs = json_object_get(stats, "handshakes");
	const json_t *fail = json_object_get(stats, "failures");
	const json_t *jobs = json_object_get(stats, "jobs");
	const json_t *full = json_object_get(hs, "full");
	const json_t *res = json_object_get(hs, "resumed");
	struct ctl_rate r = {.prev = prev};
	double up = ctl_json_num(stats, "uptime_s");

	r.dt = prev ? up - ctl_json_num(prev, "uptime_s") : up;
	fprintf(out, "tlscardd: mode %s, up %.0f s\n",
	        ctl_json_str(stats, "mode"), up);
	fprintf(out, "connections  active %llu, total %llu\n",
	        (unsigned long long)ctl_json_u64(
	            json_object_get(stats, "connections"), "active"),
	        (unsigned long long)ctl_json_u64(
	            json_object_get(stats, "connections"), "total"));
	fprintf(
	    out,
	    "handshakes   %llu, %.1f/s (tls1.3 full %llu resumed %llu; "
	    "tls1.2 full %llu resumed %llu)\n",
	    (unsigned long long)ctl_json_u64(hs, "total"),
	    ctl_rate_of(
	        &r, ctl_json_u64(hs, "total"),
	        ctl_json_u64(ctl_json_path(prev, "handshakes", NULL), "total")),
	    (unsigned long long)ctl_json_u64(full, "tls1.3"),
	    (unsigned long long)ctl_json_u64(res, "tls1.3"),
	    (unsigned long long)ctl_json_u64(full, "tls1.2"),
	    (unsigned long long)ctl_json_u64(res, "tls1.2"));
	fprintf(out, "failures     %llu; alerts sent: ",
	        (unsigned long long)ctl_json_u64(fail, "total"));
	ctl_print_alerts(out, json_object_get(fail, "by_alert_sent"));
	fputs("; received: ", out);
	ctl_print_alerts(out, json_object_get(fail, "by_alert_received"));
	fprintf(out, "\ndigests      %.2f calls per handshake\n",
	        ctl_json_num(stats, "digest_calls_per_handshake"));
	fprintf(out,
	        "jobs         card %llu (%.1f%%), cpu %llu, cpu fallbacks "
	        "%llu, key moves %llu\n",
	        (unsigned long long)ctl_json_u64(jobs, "card"),
	        100.0 * ctl_json_num(jobs, "card_fraction"),
	        (unsigned long long)ctl_json_u64(jobs, "cpu"),
	        (unsigned long long)ctl_json_u64(jobs, "cpu_fallbacks"),
	        (unsigned long long)ctl_json_u64(stats, "key_moves"));
	fprintf(out, "parked       now %llu, max %llu, total %llu\n",
	        (unsigned long long)ctl_json_u64(
	            json_object_get(stats, "parked"), "now"),
	        (unsigned long long)ctl_json_u64(
	            json_object_get(stats, "parked"), "max"),
	        (unsigned long long)ctl_json_u64(
	            json_object_get(stats, "parked"), "total"));
	fprintf(out, "bytes        in %llu, out %llu\n",
	        (unsigned long long)ctl_json_u64(
	            json_object_get(stats, "bytes"), "in"),
	        (unsigned long long)ctl_json_u64(
	            json_object_get(stats, "bytes"), "out"));
	fprintf(out, "records      in %llu, out %llu\n",
	        (unsigned long long)ctl_json_u64(
	            json_object_get(stats, "records"), "in"),
	        (unsigned long long)ctl_json_u64(
	            json_object_get(stats, "records"), "out"));
	ctl_print_coalesce(out, stats);
	fputc('\n', out);
	ctl_print_jobs_table(out, jobs);
	if (!json_array_size(json_object_get(stats, "cards"))) {
		fputs("\n(no cards: --cards none)\n", out);
	} else {
		fputc('\n', out);
		ctl_print_card_table(out, stats, &r);
		fputc('\n', out);
		ctl_print_class_table(out, stats);
	}
	ctl_print_backend_table(out, stats);
}

void ctl_cards_print(FILE *out, const json_t *cards)
{
	static const char *const head[] = {
	    "CARD",    "NAME", "BACKEND", "STATE",       "INFLIGHT",
	    "ENGINES", "UTIL", "RESETS",  "QUARANTINES", "FAULT"};
	const json_t *list = json_object_get(cards, "cards"), *c;
	struct ctl_table t;
	char fault[96];
	size_t i;

	if (!json_array_size(list)) {
		fputs("no cards (tlscardd runs with --cards none)\n", out);
		return;
	}
	ctl_table_init(&t, "rlllrrrrrl", head);
	json_array_foreach(list, i, c)
	{
		ctl_table_cell(&t, "%llu",
		               (unsigned long long)ctl_json_u64(c, "index"));
		ctl_table_cell(&t, "%s", ctl_json_str(c, "name"));
		ctl_table_cell(&t, "%s", ctl_json_str(c, "backend"));
		ctl_table_cell(&t, "%s", ctl_json_str(c, "state"));
		ctl_table_cell(&t, "%llu",
		               (unsigned long long)ctl_json_u64(c, "inflight"));
		ctl_table_cell(&t, "%llu",
		               (unsigned long long)ctl_json_u64(c, "engines"));
		ctl_table_cell(&t, "%.1f%%",
		               100.0 * ctl_json_num(c, "utilization"));
		ctl_table_cell(&t, "%llu",
		               (unsigned long long)ctl_json_u64(c, "resets"));
		ctl_table_cell(
		    &t, "%llu",
		    (unsigned long long)ctl_json_u64(c, "quarantines"));
		ctl_print_fault(fault, sizeof(fault), c);
		ctl_table_cell(&t, "%s", fault);
	}
	ctl_table_print(&t, out);
	ctl_table_free(&t);
}
