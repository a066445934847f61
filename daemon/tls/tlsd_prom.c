// SPDX-License-Identifier: MIT
/*
 * The snapshot as Prometheus text (exposition format 0.0.4).  Each family
 * is written whole, HELP and TYPE first, because the format forbids a
 * family's samples from being split.  Latency quantiles come from the
 * pool's log2 histograms, which have no sum of samples, so they are gauges
 * with a quantile label rather than a summary whose _sum would be made up.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "tls_errors.h"
#include "tlsd_prom.h"

static const char *const tlsd_prom_versions[TLSD_NVERSIONS] = {
    [TLSD_VER_12] = "tls1.2",
    [TLSD_VER_13] = "tls1.3",
};

void tlsd_prom_head(FILE *f, const char *name, const char *type,
                    const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label values escape \, " and newline (exposition format). */
void tlsd_prom_label(FILE *f, const char *key, const char *value)
{
	fprintf(f, "%s=\"", key);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', f);
		if (*p == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*p, f);
	}
	fputc('"', f);
}

static void tlsd_prom_u64(FILE *f, const char *name, uint64_t v)
{
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

static void tlsd_prom_scalar(FILE *f, const char *name, const char *type,
                             const char *help, uint64_t v)
{
	tlsd_prom_head(f, name, type, help);
	tlsd_prom_u64(f, name, v);
}

static void tlsd_prom_daemon(FILE *f, const struct tlsd_snapshot *s)
{
	const struct tlsd_stats *st = &s->st;

	tlsd_prom_head(f, "tlscard_uptime_seconds", "gauge",
	               "Seconds since tlscardd started.");
	fprintf(f, "tlscard_uptime_seconds %.3f\n", s->uptime_s);
	tlsd_prom_scalar(f, "tlscard_connections_active", "gauge",
	                 "Client connections open now.",
	                 st->accepted - st->closed);
	tlsd_prom_scalar(f, "tlscard_connections_total", "counter",
	                 "Client connections accepted.", st->accepted);

	tlsd_prom_head(f, "tlscard_handshakes_total", "counter",
	               "Completed handshakes by version and resumption.");
	for (unsigned v = 0; v < TLSD_NVERSIONS; v++) {
		fprintf(f,
		        "tlscard_handshakes_total{version=\"%s\","
		        "resumed=\"false\"} %" PRIu64 "\n",
		        tlsd_prom_versions[v], st->hs_full[v]);
		fprintf(f,
		        "tlscard_handshakes_total{version=\"%s\","
		        "resumed=\"true\"} %" PRIu64 "\n",
		        tlsd_prom_versions[v], st->hs_resumed[v]);
	}

	tlsd_prom_scalar(f, "tlscard_hello_retry_requests_total", "counter",
	                 "HelloRetryRequests sent, completed handshake or not.",
	                 st->hrr);
	tlsd_prom_scalar(f, "tlscard_handshake_failures_total", "counter",
	                 "Connections closed before the handshake completed.",
	                 st->failed);
	tlsd_prom_head(f, "tlscard_handshake_failure_alerts_total", "counter",
	               "Failed handshakes by the alert sent (none: no alert).");
	for (unsigned a = 0; a < TLSD_NALERTS; a++) {
		if (!st->failed_alert_sent[a])
			continue;
		fputs("tlscard_handshake_failure_alerts_total{", f);
		tlsd_prom_label(
		    f, "alert",
		    a == TLS_ALERT_NONE ? "none" : tls_alert_name((uint8_t)a));
		fprintf(f, ",code=\"%u\"} %" PRIu64 "\n", a,
		        st->failed_alert_sent[a]);
	}
	tlsd_prom_head(f, "tlscard_handshake_peer_alerts_total", "counter",
	               "Failed handshakes by the alert the peer sent.");
	for (unsigned a = 0; a < TLSD_NALERTS; a++) {
		if (!st->failed_alert_received[a] || a == TLS_ALERT_NONE)
			continue;
		fputs("tlscard_handshake_peer_alerts_total{", f);
		tlsd_prom_label(f, "alert", tls_alert_name((uint8_t)a));
		fprintf(f, ",code=\"%u\"} %" PRIu64 "\n", a,
		        st->failed_alert_received[a]);
	}

	tlsd_prom_scalar(f, "tlscard_digest_calls_total", "counter",
	                 "Transcript digest calls of completed handshakes.",
	                 st->digest_calls);
	tlsd_prom_head(f, "tlscard_digest_calls_per_handshake", "gauge",
	               "Digest calls per completed handshake, since start.");
	fprintf(f, "tlscard_digest_calls_per_handshake %.6g\n",
	        tlsd_digest_calls_per_handshake(st));

	tlsd_prom_head(f, "tlscard_jobs_total", "counter",
	               "Crypto jobs by kind and where they ran (card or cpu).");
	for (unsigned i = 0; i < s->nops; i++) {
		fputs("tlscard_jobs_total{", f);
		tlsd_prom_label(f, "op", s->ops[i].name);
		fprintf(f, ",where=\"card\"} %" PRIu64 "\n", s->ops[i].card);
		fputs("tlscard_jobs_total{", f);
		tlsd_prom_label(f, "op", s->ops[i].name);
		fprintf(f, ",where=\"cpu\"} %" PRIu64 "\n", s->ops[i].cpu);
	}
	tlsd_prom_scalar(f, "tlscard_cpu_fallbacks_total", "counter",
	                 "Card jobs redone on the CPU after a card failure.",
	                 s->cpu_fallbacks);
	tlsd_prom_scalar(f, "tlscard_key_moves_total", "counter",
	                 "Connection keys loaded onto another card.",
	                 s->key_moves);
	tlsd_prom_scalar(f, "tlscard_parks_total", "counter",
	                 "Connections parked on a card job.", s->parks);
	tlsd_prom_scalar(f, "tlscard_parked", "gauge",
	                 "Connections parked on card jobs after the last "
	                 "loop pass.",
	                 s->parked_now);
	tlsd_prom_scalar(f, "tlscard_parked_max", "gauge",
	                 "Most connections parked on card jobs at once.",
	                 s->max_parked);

	tlsd_prom_head(f, "tlscard_bytes_total", "counter",
	               "TLS bytes on client sockets by direction.");
	fprintf(f, "tlscard_bytes_total{direction=\"in\"} %" PRIu64 "\n",
	        st->bytes_in);
	fprintf(f, "tlscard_bytes_total{direction=\"out\"} %" PRIu64 "\n",
	        st->bytes_out);
	tlsd_prom_head(f, "tlscard_records_total", "counter",
	               "TLS records by direction.");
	fprintf(f, "tlscard_records_total{direction=\"in\"} %" PRIu64 "\n",
	        st->records_in);
	fprintf(f, "tlscard_records_total{direction=\"out\"} %" PRIu64 "\n",
	        st->records_out);
}

/* The M4 coalescer (docs/coalescing.md), labelled by direction. */
static void tlsd_prom_coalesce(FILE *f, const struct tlsd_stats *st)
{
	const struct tlsd_coalesce_stats *c = st->coalesce;

	tlsd_prom_head(f, "tlscard_coalesce_flushes_total", "counter",
	               "Coalescer flushes by direction and transmittal "
	               "condition.");
	for (unsigned d = 0; d < TLSD_NDIRS; d++)
		for (unsigned r = 0; r < TLSD_FLUSH_NREASONS; r++)
			fprintf(
			    f,
			    "tlscard_coalesce_flushes_total{direction=\"%s\","
			    "reason=\"%s\"} %" PRIu64 "\n",
			    tlsd_direction_name(d), tlsd_flush_reason_name(r),
			    c[d].flushes[r]);
	tlsd_prom_head(f, "tlscard_coalesce_records_total", "counter",
	               "Plaintext arrivals (side in) and records sealed "
	               "(side out) by the coalescer.");
	for (unsigned d = 0; d < TLSD_NDIRS; d++) {
		fprintf(f,
		        "tlscard_coalesce_records_total{direction=\"%s\","
		        "side=\"in\"} %" PRIu64 "\n",
		        tlsd_direction_name(d), c[d].records_in);
		fprintf(f,
		        "tlscard_coalesce_records_total{direction=\"%s\","
		        "side=\"out\"} %" PRIu64 "\n",
		        tlsd_direction_name(d), c[d].records_out);
	}
	tlsd_prom_head(f, "tlscard_coalesce_bytes_total", "counter",
	               "Plaintext bytes the coalescer sealed.");
	for (unsigned d = 0; d < TLSD_NDIRS; d++)
		fprintf(
		    f,
		    "tlscard_coalesce_bytes_total{direction=\"%s\"} %" PRIu64
		    "\n",
		    tlsd_direction_name(d), c[d].bytes);
	tlsd_prom_head(f, "tlscard_coalesce_latency_seconds_total", "counter",
	               "Added latency summed over flushes (first buffered "
	               "byte to its flush).");
	for (unsigned d = 0; d < TLSD_NDIRS; d++)
		fprintf(f,
		        "tlscard_coalesce_latency_seconds_total{direction="
		        "\"%s\"} %.9f\n",
		        tlsd_direction_name(d),
		        (double)c[d].latency.sum_ns / 1e9);
	tlsd_prom_head(f, "tlscard_coalesce_latency_seconds", "gauge",
	               "Added latency quantiles since start (bucket upper "
	               "bound, within 19%).");
	for (unsigned d = 0; d < TLSD_NDIRS; d++) {
		static const double q[] = {50, 99};

		for (unsigned i = 0; i < 2; i++)
			fprintf(
			    f,
			    "tlscard_coalesce_latency_seconds{direction="
			    "\"%s\",quantile=\"%s\"} %.9f\n",
			    tlsd_direction_name(d), i ? "0.99" : "0.5",
			    (double)tlsd_lat_percentile(&c[d].latency, q[i]) /
			        1e9);
	}
}

/* One per-card family: a sample per card from the field at offset. */
struct tlsd_prom_card_metric {
	const char *name, *type, *help;
	size_t offset; /* of a uint64_t in struct tlsd_card_snap */
};

#define CARD_U64(n, t, h, field)                                \
	{                                                       \
		n, t, h, offsetof(struct tlsd_card_snap, field) \
	}

static const struct tlsd_prom_card_metric tlsd_prom_card_metrics[] = {
    CARD_U64("tlscard_card_inflight", "gauge",
             "Jobs submitted to the card and not yet completed.", inflight),
    CARD_U64("tlscard_card_max_inflight", "gauge",
             "Most jobs in flight on the card after a loop pass.",
             max_inflight),
    CARD_U64("tlscard_card_submitted_total", "counter",
             "Jobs submitted to the card.", submitted),
    CARD_U64("tlscard_card_completed_total", "counter",
             "Jobs the card completed.", completed),
    CARD_U64("tlscard_card_errors_total", "counter",
             "Jobs the card completed with an error status.", errors),
    CARD_U64("tlscard_card_resets_total", "counter", "Resets of the card.",
             resets),
    CARD_U64("tlscard_card_quarantines_total", "counter",
             "Times the pool took the card out of service.", quarantines),
    CARD_U64("tlscard_card_doorbells_total", "counter",
             "Submission doorbell writes.", doorbells),
    CARD_U64("tlscard_card_interrupts_total", "counter",
             "Completion interrupts.", interrupts),
};

static void tlsd_prom_card_label(FILE *f, const struct tlsd_card_snap *c)
{
	tlsd_prom_label(f, "card", c->name);
}

static void tlsd_prom_cards(FILE *f, const struct tlsd_snapshot *s)
{
	size_t nm =
	    sizeof(tlsd_prom_card_metrics) / sizeof(tlsd_prom_card_metrics[0]);

	tlsd_prom_scalar(f, "tlscard_cards", "gauge", "Cards tlscardd drives.",
	                 s->ncards);
	tlsd_prom_head(f, "tlscard_card_state", "gauge",
	               "1 for the card's current state, 0 for the others.");
	for (unsigned i = 0; i < s->ncards; i++) {
		for (unsigned st = 0; st <= TC_CARD_QUARANTINED; st++) {
			fputs("tlscard_card_state{", f);
			tlsd_prom_card_label(f, &s->card[i]);
			fprintf(f, ",state=\"%s\"} %d\n",
			        tlsd_card_state_name(st),
			        s->card[i].state == (enum tc_card_state)st);
		}
	}
	for (size_t m = 0; m < nm; m++) {
		const struct tlsd_prom_card_metric *cm =
		    &tlsd_prom_card_metrics[m];

		tlsd_prom_head(f, cm->name, cm->type, cm->help);
		for (unsigned i = 0; i < s->ncards; i++) {
			const char *base = (const char *)&s->card[i];
			uint64_t v = *(const uint64_t *)(base + cm->offset);

			fprintf(f, "%s{", cm->name);
			tlsd_prom_card_label(f, &s->card[i]);
			fprintf(f, "} %" PRIu64 "\n", v);
		}
	}
	tlsd_prom_head(f, "tlscard_card_engines", "gauge",
	               "Engines of the card (busy time is summed over them).");
	for (unsigned i = 0; i < s->ncards; i++) {
		fputs("tlscard_card_engines{", f);
		tlsd_prom_card_label(f, &s->card[i]);
		fprintf(f, "} %u\n", s->card[i].engines);
	}
	tlsd_prom_head(f, "tlscard_card_busy_seconds_total", "counter",
	               "Engine busy time summed over the card's engines.");
	for (unsigned i = 0; i < s->ncards; i++) {
		fputs("tlscard_card_busy_seconds_total{", f);
		tlsd_prom_card_label(f, &s->card[i]);
		fprintf(f, "} %.9f\n", (double)s->card[i].busy_ns / 1e9);
	}
	tlsd_prom_head(f, "tlscard_card_utilization", "gauge",
	               "Busy share of the card's engines, 0..1, last second.");
	for (unsigned i = 0; i < s->ncards; i++) {
		fputs("tlscard_card_utilization{", f);
		tlsd_prom_card_label(f, &s->card[i]);
		fprintf(f, "} %.4f\n", s->card[i].utilization);
	}
}

static void tlsd_prom_classes(FILE *f, const struct tlsd_snapshot *s)
{
	tlsd_prom_head(f, "tlscard_card_class_jobs_total", "counter",
	               "Jobs completed by the card per op class.");
	for (unsigned i = 0; i < s->ncards; i++) {
		for (unsigned k = 0; k < TC_CLASS_COUNT; k++) {
			fputs("tlscard_card_class_jobs_total{", f);
			tlsd_prom_card_label(f, &s->card[i]);
			fprintf(f, ",class=\"%s\"} %" PRIu64 "\n",
			        tc_class_name(k), s->card[i].cls[k].jobs);
		}
	}
	tlsd_prom_head(f, "tlscard_card_latency_ewma_seconds", "gauge",
	               "Moving average of job latency per op class.");
	for (unsigned i = 0; i < s->ncards; i++) {
		for (unsigned k = 0; k < TC_CLASS_COUNT; k++) {
			fputs("tlscard_card_latency_ewma_seconds{", f);
			tlsd_prom_card_label(f, &s->card[i]);
			fprintf(f, ",class=\"%s\"} %.9f\n", tc_class_name(k),
			        s->card[i].cls[k].ewma_ns / 1e9);
		}
	}
	tlsd_prom_head(f, "tlscard_card_latency_seconds", "gauge",
	               "Job latency quantiles per op class (log2 histogram "
	               "bucket upper bound, since start).");
	for (unsigned i = 0; i < s->ncards; i++) {
		for (unsigned k = 0; k < TC_CLASS_COUNT; k++) {
			const struct tlsd_class_snap *cs = &s->card[i].cls[k];

			fputs("tlscard_card_latency_seconds{", f);
			tlsd_prom_card_label(f, &s->card[i]);
			fprintf(f, ",class=\"%s\",quantile=\"0.5\"} %.9f\n",
			        tc_class_name(k), (double)cs->p50_ns / 1e9);
			fputs("tlscard_card_latency_seconds{", f);
			tlsd_prom_card_label(f, &s->card[i]);
			fprintf(f, ",class=\"%s\",quantile=\"0.99\"} %.9f\n",
			        tc_class_name(k), (double)cs->p99_ns / 1e9);
		}
	}
}

int tlsd_prom_write(FILE *f, const struct tlsd_snapshot *s)
{
	tlsd_prom_daemon(f, s);
	tlsd_prom_coalesce(f, &s->st);
	tlsd_prom_cards(f, s);
	tlsd_prom_classes(f, s);
	tlsd_prom_backends(f, s);
	return ferror(f) ? -1 : 0;
}
