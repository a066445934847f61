// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the coalescer's HTTP/1.1 framing parser and the
 * coalescer around it.
 *
 * Input: byte 0 picks the role (bit 0: response) and the piece size used
 * for the second pass (bits 1-7); the rest is the stream.
 *
 * Reaches: tlsd_http1_feed (start lines, header fields, Content-Length,
 * Transfer-Encoding, chunk sizes, trailers, the pipeline), tlsd_http1_eof,
 * tlsd_http1_partial_head, tlsd_coalesce_commit/_drained/_eof/_next/
 * _sealed, tlsd_lat_add.
 *
 * Checks: the parser never consumes more than it was given and always
 * makes progress; fed whole or in pieces it finds the same message ends
 * and ends in the same state; an opaque parser has a reason unless a
 * tunnel made it so; the coalescer gives back exactly the bytes it was
 * given, in order, in records no larger than the quantum.
 *
 * fuzz-sources: daemon/tls/tlsd_http1.c daemon/tls/tlsd_coalesce.c daemon/tls/tlsd_stats.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsd_coalesce.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENDS 4096

static size_t http1_ends(enum tlsd_http1_role role, const uint8_t *p, size_t n,
                         size_t step, size_t *ends, struct tlsd_http1 *h)
{
	struct tlsd_http1_pipeline pipe;
	size_t pos = 0, k = 0;

	tlsd_http1_pipeline_init(&pipe);
	/* a response parser pairs with requests that were all GET */
	tlsd_http1_init(h, role, &pipe);
	while (pos < n) {
		size_t piece = step && n - pos > step ? step : n - pos;
		size_t stop = pos + piece;

		while (pos < stop) {
			bool end;
			size_t used =
			    tlsd_http1_feed(h, p + pos, stop - pos, &end);

			if (!used || used > stop - pos)
				__builtin_trap();
			pos += used;
			if (end && k < MAX_ENDS)
				ends[k++] = pos;
		}
	}
	h->pipe = NULL; /* the pipeline lived on this stack */
	return k;
}

static void coalesce_roundtrip(enum tlsd_http1_role role, const uint8_t *p,
                               size_t n, size_t step)
{
	static struct tlsd_coalesce_opts opt = {
	    .enabled = true, .timer_ms = 20, .quantum = 4096};
	struct tlsd_coalesce_stats st;
	struct tlsd_coalesce_timers timers = {0};
	struct tlsd_coalesce co;
	uint8_t *out = malloc(n + 1);
	size_t in = 0, got = 0;
	uint64_t now = 1;

	memset(&st, 0, sizeof(st));
	memset(&co, 0, sizeof(co));
	opt.staged = step & 1;
	if (!out ||
	    tlsd_coalesce_start(&co, &opt, &st, &timers,
	                        tlsd_coalesce_quantum(&opt, 0), role, NULL))
		__builtin_trap();
	while (in < n || tlsd_coalesce_buffered(&co)) {
		size_t room, take, rec;
		uint8_t *dst = tlsd_coalesce_space(&co, &room);
		const uint8_t *q;

		take = n - in < room ? n - in : room;
		if (take > step + 1)
			take = step + 1;
		memcpy(dst, p + in, take);
		tlsd_coalesce_commit(&co, take, 1, now);
		in += take;
		now += 1000000;
		if (in == n)
			tlsd_coalesce_eof(&co, now);
		else if (now % 3 == 0)
			tlsd_coalesce_drained(&co, now);
		else
			tlsd_coalesce_expire(&co, now);
		while ((rec = tlsd_coalesce_next(&co, now, &q))) {
			if (rec > co.quantum || got + rec > n)
				__builtin_trap();
			memcpy(out + got, q, rec);
			got += rec;
			tlsd_coalesce_sealed(&co, rec, now);
		}
	}
	if (got != n || (n && memcmp(out, p, n)) || timers.head)
		__builtin_trap();
	tlsd_coalesce_free(&co);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static size_t ends_a[MAX_ENDS], ends_b[MAX_ENDS];
	struct tlsd_http1 a, b;
	enum tlsd_http1_role role;
	size_t step, ka, kb;

	if (size < 1)
		return 0;
	role = data[0] & 1 ? TLSD_HTTP1_RESPONSE : TLSD_HTTP1_REQUEST;
	step = (size_t)(data[0] >> 1) + 1;
	data++;
	size--;
	ka = http1_ends(role, data, size, 0, ends_a, &a);
	kb = http1_ends(role, data, size, step, ends_b, &b);
	if (ka != kb || a.state != b.state || a.messages != b.messages)
		__builtin_trap();
	for (size_t i = 0; i < ka; i++)
		if (ends_a[i] != ends_b[i])
			__builtin_trap();
	if (a.state == TLSD_H1_OPAQUE && a.error && strlen(a.error) == 0)
		__builtin_trap();
	if (a.state == TLSD_H1_OPAQUE && tlsd_http1_partial_head(&a))
		__builtin_trap();
	coalesce_roundtrip(role, data, size, step);
	return 0;
}
