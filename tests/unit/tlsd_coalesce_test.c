/* SPDX-License-Identifier: MIT */
/*
 * The M4 coalescer (tlsd_coalesce.c): each transmittal condition flushes
 * and is counted by its reason, records are cut as few and as large as
 * the quantum allows (or staged, growing, back to small after idle), the
 * timer FIFO keeps the earliest deadline first, the push delay holds a
 * drain's flush for more bytes, and the bytes come out in order, whole.  Time is passed in, so nothing here sleeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tlsd_coalesce.h"

#define MS 1000000ull
#define US 1000ull

struct rig {
	struct tlsd_coalesce_opts opt;
	struct tlsd_coalesce_stats st;
	struct tlsd_coalesce_timers timers;
	struct tlsd_http1_pipeline pipe;
	struct tlsd_coalesce co;
	/* what came out: the bytes and each record's size */
	uint8_t out[1 << 17];
	size_t out_len;
	size_t rec[256];
	size_t nrec;
};

static struct rig *rig_new(uint32_t quantum, bool staged)
{
	struct rig *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->opt.enabled = true;
	r->opt.timer_ms = 20;
	r->opt.quantum = quantum;
	r->opt.staged = staged;
	/* flush at the drain: the push delay has tests of its own */
	r->opt.push_delay_set = true;
	tlsd_http1_pipeline_init(&r->pipe);
	assert_int_equal(tlsd_coalesce_start(&r->co, &r->opt, &r->st,
	                                     &r->timers,
	                                     tlsd_coalesce_quantum(&r->opt, 0),
	                                     TLSD_HTTP1_RESPONSE, &r->pipe),
	                 0);
	return r;
}

static void rig_free(struct rig *r)
{
	tlsd_coalesce_free(&r->co);
	free(r);
}

static void put(struct rig *r, const void *p, size_t n, uint64_t now)
{
	size_t room;
	uint8_t *dst = tlsd_coalesce_space(&r->co, &room);

	assert_true(room >= n);
	memcpy(dst, p, n);
	tlsd_coalesce_commit(&r->co, n, 1, now);
}

static void put_str(struct rig *r, const char *s, uint64_t now)
{
	put(r, s, strlen(s), now);
}

/* Seal everything due, as the proxy does with ample room. */
static void drain_out(struct rig *r, uint64_t now)
{
	const uint8_t *p;
	size_t n;

	while ((n = tlsd_coalesce_next(&r->co, now, &p))) {
		assert_true(r->out_len + n <= sizeof(r->out));
		memcpy(r->out + r->out_len, p, n);
		r->out_len += n;
		r->rec[r->nrec++] = n;
		tlsd_coalesce_sealed(&r->co, n, now);
	}
}

static uint64_t flushes(const struct rig *r, enum tlsd_flush_reason why)
{
	return r->st.flushes[why];
}

static void test_quantum_limits(void **state)
{
	struct tlsd_coalesce_opts o = {.enabled = true};

	(void)state;
	assert_int_equal(tlsd_coalesce_quantum(&o, 0), 16384);
	assert_int_equal(tlsd_coalesce_quantum(&o, 65536), 16384);
	assert_int_equal(tlsd_coalesce_quantum(&o, 4096), 4096);
	o.quantum = 2000;
	assert_int_equal(tlsd_coalesce_quantum(&o, 4096), 2000);
	o.quantum = 100000;
	assert_int_equal(tlsd_coalesce_quantum(&o, 0), 16384);
}

static void test_quantum_flush(void **state)
{
	struct rig *r = rig_new(0, false);
	static uint8_t big[40000];

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	/* not HTTP: the first byte makes the framing opaque */
	put(r, big, 20000, 1 * MS);
	assert_int_equal(flushes(r, TLSD_FLUSH_QUANTUM), 1);
	put(r, big + 20000, 12768, 2 * MS);
	assert_int_equal(flushes(r, TLSD_FLUSH_QUANTUM), 2);
	drain_out(r, 2 * MS);
	assert_int_equal(r->nrec, 2);
	assert_int_equal(r->rec[0], 16384);
	assert_int_equal(r->rec[1], 16384);
	/* the rest waits for a condition: the drain is one */
	put(r, big + 32768, sizeof(big) - 32768, 3 * MS);
	tlsd_coalesce_drained(&r->co, 3 * MS);
	assert_int_equal(flushes(r, TLSD_FLUSH_PUSH), 1);
	drain_out(r, 3 * MS);
	assert_int_equal(r->out_len, sizeof(big));
	assert_memory_equal(r->out, big, sizeof(big));
	assert_int_equal(r->st.records_out, r->nrec);
	assert_int_equal(r->st.records_in, 3);
	assert_int_equal(r->st.bytes, sizeof(big));
	rig_free(r);
}

static void test_http_end_and_pipelining(void **state)
{
	struct rig *r = rig_new(0, false);
	static const char two[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"
	                          "abcHTTP/1.1 204 No Content\r\n\r\n"
	                          "HTTP/1.1 200 OK\r\nContent-Le";

	(void)state;
	put_str(r, two, 5 * MS);
	/* both complete responses in one flush, one record */
	assert_int_equal(flushes(r, TLSD_FLUSH_HTTP_END), 1);
	drain_out(r, 5 * MS);
	assert_int_equal(r->nrec, 1);
	assert_int_equal(r->rec[0], strlen(two) - strlen("HTTP/1.1 200 OK\r\n"
	                                                 "Content-Le"));
	/* a drain inside a head does not flush: more is due */
	tlsd_coalesce_drained(&r->co, 6 * MS);
	assert_int_equal(flushes(r, TLSD_FLUSH_PUSH), 0);
	assert_int_equal(tlsd_coalesce_deadline(&r->co), 25 * MS);
	put_str(r, "ngth: 2\r\n\r\nok", 7 * MS);
	assert_int_equal(flushes(r, TLSD_FLUSH_HTTP_END), 2);
	/* latency: first waiting byte at 5 ms, flushed at 7 ms */
	assert_int_equal(r->st.latency.count, 2);
	assert_int_equal(r->st.latency.max_ns, 2 * MS);
	drain_out(r, 7 * MS);
	assert_int_equal(r->out_len, strlen(two) + strlen("ngth: 2\r\n\r\nok"));
	assert_null(r->timers.head);
	rig_free(r);
}

static void test_push_inside_body(void **state)
{
	struct rig *r = rig_new(0, false);
	static const char part[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
	                           "\r\nfirst bytes";

	(void)state;
	put_str(r, part, 1 * MS);
	assert_int_equal(flushes(r, TLSD_FLUSH_PUSH), 0);
	/* the head is whole and the body usable: a drain sends it */
	tlsd_coalesce_drained(&r->co, 2 * MS);
	assert_int_equal(flushes(r, TLSD_FLUSH_PUSH), 1);
	drain_out(r, 2 * MS);
	assert_int_equal(r->out_len, strlen(part));
	rig_free(r);
}

static void test_timer(void **state)
{
	struct rig *r = rig_new(0, false);

	(void)state;
	put_str(r, "HTTP/1.1 200 OK\r\nContent-Len", 10 * MS);
	tlsd_coalesce_drained(&r->co, 10 * MS);
	assert_int_equal(tlsd_coalesce_timers_next(&r->timers), 30 * MS);
	assert_null(tlsd_coalesce_timers_expired(&r->timers, 29 * MS));
	assert_false(tlsd_coalesce_expire(&r->co, 29 * MS));
	assert_ptr_equal(tlsd_coalesce_timers_expired(&r->timers, 30 * MS),
	                 &r->co);
	assert_true(tlsd_coalesce_expire(&r->co, 31 * MS));
	assert_int_equal(flushes(r, TLSD_FLUSH_TIMER), 1);
	assert_int_equal(r->st.latency.max_ns, 21 * MS);
	assert_null(r->timers.head);
	assert_int_equal(tlsd_coalesce_timers_next(&r->timers), 0);
	drain_out(r, 31 * MS);
	assert_int_equal(r->nrec, 1);
	rig_free(r);
}

static void test_fin(void **state)
{
	struct rig *r = rig_new(0, false);

	(void)state;
	put_str(r, "HTTP/1.0 200 OK\r\nServ", 1 * MS);
	/* a partial head: a drain does not flush it */
	tlsd_coalesce_drained(&r->co, 1 * MS);
	assert_int_equal(tlsd_coalesce_buffered(&r->co),
	                 strlen("HTTP/1.0 200 OK\r\nServ"));
	tlsd_coalesce_eof(&r->co, 2 * MS);
	assert_int_equal(flushes(r, TLSD_FLUSH_FIN), 1);
	drain_out(r, 2 * MS);
	assert_int_equal(tlsd_coalesce_buffered(&r->co), 0);
	assert_int_equal(flushes(r, TLSD_FLUSH_PUSH), 0);
	/* a FIN with nothing buffered is not a flush */
	tlsd_coalesce_eof(&r->co, 3 * MS);
	assert_int_equal(flushes(r, TLSD_FLUSH_FIN), 1);
	rig_free(r);
}

static void test_staged_records(void **state)
{
	struct rig *r = rig_new(0, true);
	static uint8_t big[31 * 1024 + 100];

	(void)state;
	memset(big, 'z', sizeof(big));
	put(r, big, sizeof(big), 1 * MS);
	tlsd_coalesce_drained(&r->co, 1 * MS);
	drain_out(r, 1 * MS);
	/* 1 KB doubling up to the quantum */
	assert_true(r->nrec >= 5);
	assert_int_equal(r->rec[0], 1024);
	assert_int_equal(r->rec[1], 2048);
	assert_int_equal(r->rec[2], 4096);
	assert_int_equal(r->rec[3], 8192);
	assert_int_equal(r->rec[4], 16384);
	assert_int_equal(r->out_len, sizeof(big));
	/* soon after: still large */
	r->nrec = 0;
	put(r, big, 5000, 2 * MS);
	tlsd_coalesce_drained(&r->co, 2 * MS);
	drain_out(r, 2 * MS);
	assert_int_equal(r->nrec, 1);
	assert_int_equal(r->rec[0], 5000);
	/* after the idle time: small again */
	r->nrec = 0;
	put(r, big, 5000, 2000 * MS);
	tlsd_coalesce_drained(&r->co, 2000 * MS);
	drain_out(r, 2000 * MS);
	assert_int_equal(r->rec[0], 1024);
	assert_int_equal(r->rec[1], 2048);
	rig_free(r);
}

static void test_timer_fifo(void **state)
{
	struct rig *a = rig_new(0, false), *b = rig_new(0, false);

	(void)state;
	/* b shares a's FIFO, as all connections of the daemon do */
	b->co.timers = &a->timers;
	put_str(a, "HTTP/1.1 200 OK\r\n", 1 * MS);
	put_str(b, "HTTP/1.1 200 OK\r\n", 2 * MS);
	assert_ptr_equal(a->timers.head, &a->co);
	assert_ptr_equal(a->timers.tail, &b->co);
	/* a's message ends with a remainder: a moves behind b */
	put_str(a, "Content-Length: 0\r\n\r\nHTTP/1.1 2", 3 * MS);
	assert_ptr_equal(a->timers.head, &b->co);
	assert_ptr_equal(a->timers.tail, &a->co);
	assert_int_equal(tlsd_coalesce_timers_next(&a->timers), 22 * MS);
	/* a connection going away leaves the FIFO */
	tlsd_coalesce_stop(&b->co);
	assert_ptr_equal(a->timers.head, &a->co);
	assert_int_equal(tlsd_coalesce_timers_next(&a->timers), 23 * MS);
	tlsd_coalesce_stop(&a->co);
	assert_null(a->timers.head);
	assert_null(a->timers.tail);
	rig_free(a);
	rig_free(b);
}

/* A rig with the push delay; its buffer is opaque (not HTTP). */
static struct rig *rig_push(uint32_t delay_us)
{
	struct rig *r = rig_new(0, false);

	r->opt.push_delay_us = delay_us;
	return r;
}

static void put_chunk(struct rig *r, uint64_t now)
{
	static uint8_t chunk[100];

	memset(chunk, 0x17, sizeof(chunk));
	put(r, chunk, sizeof(chunk), now);
}

static void test_push_delay_coalesces(void **state)
{
	struct rig *r = rig_push(500);
	uint64_t t = 1 * MS;

	(void)state;
	/* back-to-back writes, each read drains the socket: held */
	for (int i = 0; i < 10; i++, t += 100 * US) {
		put_chunk(r, t);
		tlsd_coalesce_drained(&r->co, t);
		assert_int_equal(flushes(r, TLSD_FLUSH_PUSH), 0);
		assert_int_equal(tlsd_coalesce_timers_next(&r->timers),
		                 t + 500 * US);
		assert_ptr_equal(r->timers.phead, &r->co);
	}
	t -= 100 * US;
	/* quiet, but not for the whole delay yet */
	assert_null(tlsd_coalesce_timers_expired(&r->timers, t + 499 * US));
	assert_false(tlsd_coalesce_expire(&r->co, t + 499 * US));
	assert_ptr_equal(tlsd_coalesce_timers_expired(&r->timers, t + 500 * US),
	                 &r->co);
	assert_true(tlsd_coalesce_expire(&r->co, t + 500 * US));
	assert_int_equal(flushes(r, TLSD_FLUSH_PUSH), 1);
	assert_int_equal(flushes(r, TLSD_FLUSH_TIMER), 0);
	assert_null(r->timers.phead);
	assert_null(r->timers.head);
	assert_int_equal(tlsd_coalesce_timers_next(&r->timers), 0);
	drain_out(r, t + 500 * US);
	assert_int_equal(r->nrec, 1);
	assert_int_equal(r->rec[0], 1000);
	rig_free(r);
}

static void test_push_delay_zero(void **state)
{
	struct rig *r = rig_push(0);

	(void)state;
	/* 0 is today's behaviour: the drain flushes, nothing is armed */
	put_chunk(r, 1 * MS);
	tlsd_coalesce_drained(&r->co, 1 * MS);
	assert_int_equal(flushes(r, TLSD_FLUSH_PUSH), 1);
	assert_null(r->timers.phead);
	assert_int_equal(tlsd_coalesce_timers_next(&r->timers), 0);
	rig_free(r);
}

static void test_push_delay_default(void **state)
{
	struct rig *r = rig_push(0);

	(void)state;
	r->opt.push_delay_set = false;
	put_chunk(r, 1 * MS);
	tlsd_coalesce_drained(&r->co, 1 * MS);
	assert_int_equal(flushes(r, TLSD_FLUSH_PUSH), 0);
	assert_int_equal(tlsd_coalesce_timers_next(&r->timers),
	                 1 * MS + TLSD_COALESCE_PUSH_US * US);
	rig_free(r);
}

static void test_push_delay_timer_bounds(void **state)
{
	struct rig *r = rig_push(500);
	uint64_t t = 1 * MS;

	(void)state;
	/* never quiet for 500 us: the timer flushes the oldest byte */
	for (int i = 0; i < 60; i++, t += 400 * US) {
		struct tlsd_coalesce *due;

		while ((due = tlsd_coalesce_timers_expired(&r->timers, t)))
			assert_true(tlsd_coalesce_expire(due, t));
		put_chunk(r, t);
		tlsd_coalesce_drained(&r->co, t);
	}
	assert_int_equal(flushes(r, TLSD_FLUSH_PUSH), 0);
	assert_int_equal(flushes(r, TLSD_FLUSH_TIMER), 1);
	assert_int_equal(r->st.latency.max_ns, 20 * MS);
	drain_out(r, t);
	assert_int_equal(r->nrec, 1);
	assert_int_equal(r->rec[0], 50 * 100);
	rig_free(r);
}

static void test_push_delay_fin_http_end(void **state)
{
	struct rig *r = rig_push(500);
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
	                           "\r\n01234";

	(void)state;
	put_str(r, head, 1 * MS);
	tlsd_coalesce_drained(&r->co, 1 * MS);
	assert_ptr_equal(r->timers.phead, &r->co);
	/* the message ends: http_end at once, the push deadline goes */
	put_str(r, "56789", 1 * MS + 100 * US);
	assert_int_equal(flushes(r, TLSD_FLUSH_HTTP_END), 1);
	assert_null(r->timers.phead);
	put_str(r, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nab", 2 * MS);
	tlsd_coalesce_drained(&r->co, 2 * MS);
	assert_ptr_equal(r->timers.phead, &r->co);
	/* FIN flushes at once too */
	tlsd_coalesce_eof(&r->co, 2 * MS + 100 * US);
	assert_int_equal(flushes(r, TLSD_FLUSH_FIN), 1);
	assert_int_equal(flushes(r, TLSD_FLUSH_PUSH), 0);
	assert_null(r->timers.phead);
	assert_null(r->timers.ptail);
	rig_free(r);
}

static void test_push_fifo(void **state)
{
	struct rig *a = rig_push(500), *b = rig_push(500);

	(void)state;
	b->co.timers = &a->timers;
	put_chunk(a, 1 * MS);
	tlsd_coalesce_drained(&a->co, 1 * MS);
	put_chunk(b, 1 * MS + 100 * US);
	tlsd_coalesce_drained(&b->co, 1 * MS + 100 * US);
	assert_ptr_equal(a->timers.phead, &a->co);
	assert_ptr_equal(a->timers.ptail, &b->co);
	/* more for a: it leaves the FIFO, and its next drain goes last */
	put_chunk(a, 1 * MS + 200 * US);
	assert_ptr_equal(a->timers.phead, &b->co);
	assert_ptr_equal(a->timers.ptail, &b->co);
	tlsd_coalesce_drained(&a->co, 1 * MS + 200 * US);
	assert_ptr_equal(a->timers.ptail, &a->co);
	assert_int_equal(tlsd_coalesce_timers_next(&a->timers),
	                 1 * MS + 600 * US);
	assert_ptr_equal(
	    tlsd_coalesce_timers_expired(&a->timers, 1 * MS + 650 * US),
	    &b->co);
	assert_true(tlsd_coalesce_expire(&b->co, 1 * MS + 650 * US));
	assert_int_equal(flushes(b, TLSD_FLUSH_PUSH), 1);
	assert_ptr_equal(a->timers.phead, &a->co);
	tlsd_coalesce_stop(&a->co);
	assert_null(a->timers.phead);
	assert_null(a->timers.ptail);
	tlsd_coalesce_stop(&b->co);
	rig_free(a);
	rig_free(b);
}

static void test_observe_pairs_head(void **state)
{
	struct rig *r = rig_new(0, false);
	struct tlsd_coalesce req;
	static const char q[] = "HEAD / HTTP/1.1\r\n\r\n";

	(void)state;
	memset(&req, 0, sizeof(req));
	assert_int_equal(tlsd_coalesce_start(&req, &r->opt, &r->st, NULL, 16384,
	                                     TLSD_HTTP1_REQUEST, &r->pipe),
	                 0);
	tlsd_coalesce_observe(&req, (const uint8_t *)q, strlen(q));
	/* the HEAD response ends at its head despite Content-Length */
	put_str(r, "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", 1 * MS);
	assert_int_equal(flushes(r, TLSD_FLUSH_HTTP_END), 1);
	tlsd_coalesce_free(&req);
	rig_free(r);
}

static void test_latency_histogram(void **state)
{
	struct tlsd_lat_hist h;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(tlsd_lat_percentile(&h, 50), 0);
	for (int i = 0; i < 98; i++)
		tlsd_lat_add(&h, 1000);
	tlsd_lat_add(&h, 20 * MS);
	tlsd_lat_add(&h, 3);
	/* within the 19% of a quarter-octave bucket, never above max */
	assert_true(tlsd_lat_percentile(&h, 50) >= 1000);
	assert_true(tlsd_lat_percentile(&h, 50) < 1190);
	assert_true(tlsd_lat_percentile(&h, 99) < 1190);
	assert_int_equal(tlsd_lat_percentile(&h, 100), 20 * MS);
	assert_int_equal(tlsd_lat_percentile(&h, 0.5), 3);
	assert_int_equal(h.count, 100);
	tlsd_lat_add(&h, UINT64_MAX);
	assert_int_equal(tlsd_lat_percentile(&h, 100), UINT64_MAX);
	assert_string_equal(tlsd_flush_reason_name(TLSD_FLUSH_HTTP_END),
	                    "http_end");
	assert_string_equal(tlsd_flush_reason_name(TLSD_FLUSH_NREASONS),
	                    "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quantum_limits),
	    cmocka_unit_test(test_quantum_flush),
	    cmocka_unit_test(test_http_end_and_pipelining),
	    cmocka_unit_test(test_push_inside_body),
	    cmocka_unit_test(test_timer),
	    cmocka_unit_test(test_fin),
	    cmocka_unit_test(test_staged_records),
	    cmocka_unit_test(test_timer_fifo),
	    cmocka_unit_test(test_observe_pairs_head),
	    cmocka_unit_test(test_latency_histogram),
	    cmocka_unit_test(test_push_delay_coalesces),
	    cmocka_unit_test(test_push_delay_zero),
	    cmocka_unit_test(test_push_delay_default),
	    cmocka_unit_test(test_push_delay_timer_bounds),
	    cmocka_unit_test(test_push_delay_fin_http_end),
	    cmocka_unit_test(test_push_fifo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
