// SPDX-License-Identifier: MIT
/*
 * The backend pool in /metrics: one family per counter, each sample
 * labelled backend="b0" (docs/operations.md lists them).
 */
#include <inttypes.h>
#include <stddef.h>

#include "tlsd_prom.h"

struct tlsd_prom_backend_metric {
	const char *name, *type, *help;
	size_t offset; /* of a uint64_t in struct tlsd_backend_snap */
};

#define BACKEND_U64(n, t, h, field)                                \
	{                                                          \
		n, t, h, offsetof(struct tlsd_backend_snap, field) \
	}

static const struct tlsd_prom_backend_metric tlsd_prom_backend_metrics[] = {
    BACKEND_U64("tlscard_backend_active", "gauge",
                "Client connections using the backend now.", active),
    BACKEND_U64("tlscard_backend_connections_total", "counter",
                "Client connections given to the backend.", total),
    BACKEND_U64("tlscard_backend_failures_total", "counter",
                "Connects or handshakes to the backend that failed in use.",
                failures),
    BACKEND_U64("tlscard_backend_tls_failures_total", "counter",
                "TLS handshakes with the backend that failed (in use and "
                "in health checks).",
                tls_failures),
    BACKEND_U64("tlscard_backend_retried_total", "counter",
                "Client connections moved to another backend after this "
                "one failed before replying.",
                retried),
    BACKEND_U64("tlscard_backend_checks_ok_total", "counter",
                "Health checks that succeeded.", checks_ok),
    BACKEND_U64("tlscard_backend_checks_failed_total", "counter",
                "Health checks that failed.", checks_failed),
    BACKEND_U64("tlscard_backend_conns_new_total", "counter",
                "Backend connections opened (with a handshake for TLS).",
                conns_new),
    BACKEND_U64("tlscard_backend_conns_reused_total", "counter",
                "Pooled backend connections reused without a handshake.",
                conns_reused),
    BACKEND_U64("tlscard_backend_idle", "gauge",
                "Idle pooled backend connections now.", idle),
    BACKEND_U64("tlscard_backend_idle_closed_total", "counter",
                "Idle pooled backend connections closed (timeout, full "
                "pool, closed or spoke while idle).",
                idle_closed),
};

void tlsd_prom_backends(FILE *f, const struct tlsd_snapshot *s)
{
	size_t nm = sizeof(tlsd_prom_backend_metrics) /
	            sizeof(tlsd_prom_backend_metrics[0]);

	tlsd_prom_head(f, "tlscard_backend_up", "gauge",
	               "1 when the backend is in service, 0 when down.");
	for (unsigned i = 0; i < s->nbackends; i++) {
		fputs("tlscard_backend_up{", f);
		tlsd_prom_label(f, "backend", s->backend[i].name);
		fputc(',', f);
		tlsd_prom_label(f, "address", s->backend[i].address);
		fprintf(f, ",tls=\"%s\"} %d\n",
		        s->backend[i].tls ? "true" : "false", s->backend[i].up);
	}
	for (size_t m = 0; m < nm; m++) {
		const struct tlsd_prom_backend_metric *bm =
		    &tlsd_prom_backend_metrics[m];

		tlsd_prom_head(f, bm->name, bm->type, bm->help);
		for (unsigned i = 0; i < s->nbackends; i++) {
			const char *base = (const char *)&s->backend[i];
			uint64_t v = *(const uint64_t *)(base + bm->offset);

			fprintf(f, "%s{", bm->name);
			tlsd_prom_label(f, "backend", s->backend[i].name);
			fprintf(f, "} %" PRIu64 "\n", v);
		}
	}
}
