/* SPDX-License-Identifier: MIT */
/*
 * tlscardd's /metrics: the snapshot in the Prometheus text exposition
 * format 0.0.4 (every family has # HELP and # TYPE; counters end in
 * _total; labels card="sim0", class="aead", quantile="0.99").  The list of
 * metrics is documented in docs/operations.md.
 */
#ifndef TLSD_PROM_H
#define TLSD_PROM_H

#include <stddef.h>
#include <stdio.h>

#include "tlsd_stats.h"

#define TLSD_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* 0, or -1 when writing to f failed. */
int tlsd_prom_write(FILE *f, const struct tlsd_snapshot *s);

/* internal, shared by tlsd_prom*.c */
void tlsd_prom_head(FILE *f, const char *name, const char *type,
                    const char *help);
void tlsd_prom_label(FILE *f, const char *key, const char *value);
/* The backend pool's families (tlsd_prom_backend.c). */
void tlsd_prom_backends(FILE *f, const struct tlsd_snapshot *s);

/* ---- the little HTTP that serves it (tlsd_http.c) ---------------------- */

/* Longest request head we read; anything longer is answered 431. */
#define TLSD_HTTP_MAX_REQUEST 4096

struct tlsd_http_request {
	char method[16];
	char path[256]; /* without any ?query */
};

/*
 * Parse an HTTP/1.0 or 1.1 request head in buf[0..len).  Returns 1 when the
 * head is complete (through the empty line) and req is filled, 0 when more
 * bytes are needed, or an HTTP status to answer with: 400 for a malformed
 * request line, 431 when the head exceeds TLSD_HTTP_MAX_REQUEST, 505 for
 * another HTTP version.
 */
int tlsd_http_parse(const char *buf, size_t len, struct tlsd_http_request *req);
/* What to answer a parsed request: 200 for GET or HEAD /metrics, 405 for
 * another method on it, 404 for any other path. */
int tlsd_http_route(const struct tlsd_http_request *req);
/* "Not Found" etc. */
const char *tlsd_http_reason(int status);

#endif /* TLSD_PROM_H */
