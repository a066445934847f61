/* SPDX-License-Identifier: MIT */
/*
 * The coalescer's HTTP/1.1 framing parser (tlsd_http1.c): message ends of
 * requests and responses with Content-Length, chunked bodies with
 * trailers, bodies a response cannot have (HEAD, 1xx, 204, 304), pipelining,
 * close-delimited bodies, tunnels; each fed whole and one byte at a time;
 * and the malformed input that must turn it opaque, with its reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tlsd_http1.h"

#define MAX_ENDS 16

/* Feed s in pieces of `step` bytes (0: whole); ends[] gets the offset
 * just past each message end.  Returns the number of ends. */
static size_t feed(struct tlsd_http1 *h, const char *s, size_t step,
                   size_t *ends)
{
	size_t n = strlen(s), pos = 0, k = 0;

	while (pos < n) {
		size_t want = step && n - pos > step ? step : n - pos;
		size_t piece_end = pos + want;

		while (pos < piece_end) {
			bool end;

			pos += tlsd_http1_feed(h, (const uint8_t *)s + pos,
			                       piece_end - pos, &end);
			if (end && k < MAX_ENDS)
				ends[k++] = pos;
		}
	}
	return k;
}

/* Whole and byte by byte must find the same ends. */
static size_t check_ends(enum tlsd_http1_role role,
                         struct tlsd_http1_pipeline *pipe, const char *s,
                         size_t *ends)
{
	struct tlsd_http1 a, b;
	struct tlsd_http1_pipeline copy;
	size_t e2[MAX_ENDS], k1, k2;

	if (pipe)
		copy = *pipe;
	tlsd_http1_init(&a, role, pipe);
	k1 = feed(&a, s, 0, ends);
	tlsd_http1_init(&b, role, pipe ? &copy : NULL);
	k2 = feed(&b, s, 1, e2);
	assert_int_equal(k1, k2);
	for (size_t i = 0; i < k1; i++)
		assert_int_equal(ends[i], e2[i]);
	assert_int_equal(a.state, b.state);
	return k1;
}

static void test_request_content_length(void **state)
{
	static const char req[] = "POST /u HTTP/1.1\r\nHost: x\r\n"
	                          "Content-Length: 5\r\n\r\nhello";
	size_t ends[MAX_ENDS];

	(void)state;
	assert_int_equal(check_ends(TLSD_HTTP1_REQUEST, NULL, req, ends), 1);
	assert_int_equal(ends[0], strlen(req));
}

static void test_pipelined_requests(void **state)
{
	static const char req[] = "\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n"
	                          "HEAD /b HTTP/1.1\r\nHost: x\r\n\r\n"
	                          "PUT /c HTTP/1.1\nContent-Length: 3, 3\n\nabc"
	                          "GET /d HTTP/1.0\r\n\r\n";
	struct tlsd_http1_pipeline pipe;
	struct tlsd_http1 h;
	size_t ends[MAX_ENDS];

	(void)state;
	tlsd_http1_pipeline_init(&pipe);
	tlsd_http1_init(&h, TLSD_HTTP1_REQUEST, &pipe);
	assert_int_equal(feed(&h, req, 0, ends), 4);
	assert_int_equal(ends[0],
	                 strlen("\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
	assert_int_equal(ends[3], strlen(req));
	assert_int_equal(pipe.tail - pipe.head, 4);
	assert_int_equal(pipe.kind[1], TLSD_H1_REQ_HEAD);
	assert_null(h.error);
}

static void test_chunked_with_trailers(void **state)
{
	static const char rsp[] = "HTTP/1.1 200 OK\r\n"
	                          "Transfer-Encoding: gzip, chunked\r\n\r\n"
	                          "5;ext=1\r\nhello\r\n"
	                          "A\r\n0123456789\r\n"
	                          "0\r\nX-Sum: 1\r\nX-More: 2\r\n\r\n"
	                          "HTTP/1.1 204 No Content\r\n\r\n";
	size_t ends[MAX_ENDS];

	(void)state;
	assert_int_equal(check_ends(TLSD_HTTP1_RESPONSE, NULL, rsp, ends), 2);
	assert_int_equal(ends[1], strlen(rsp));
	assert_int_equal(ends[0], strlen(rsp) - strlen("HTTP/1.1 204 No "
	                                               "Content\r\n\r\n"));
}

static void test_responses_without_body(void **state)
{
	/* HEAD's response carries a Content-Length but no body; 100 is
	 * interim and leaves the POST's response to come; 304 has none. */
	static const char rsp[] =
	    "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"
	    "HTTP/1.1 100 Continue\r\n\r\n"
	    "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n"
	    "\r\nok"
	    "HTTP/1.1 304 Not Modified\r\n"
	    "Content-Length: 7\r\n\r\n";
	struct tlsd_http1_pipeline pipe;
	struct tlsd_http1 req;
	size_t ends[MAX_ENDS];

	(void)state;
	tlsd_http1_pipeline_init(&pipe);
	tlsd_http1_init(&req, TLSD_HTTP1_REQUEST, &pipe);
	assert_int_equal(feed(&req,
	                      "HEAD / HTTP/1.1\r\n\r\n"
	                      "POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx"
	                      "GET / HTTP/1.1\r\n\r\n",
	                      0, ends),
	                 3);
	assert_int_equal(check_ends(TLSD_HTTP1_RESPONSE, &pipe, rsp, ends), 4);
	assert_int_equal(ends[3], strlen(rsp));
}

static void test_close_delimited(void **state)
{
	static const char rsp[] = "HTTP/1.0 200 OK\r\nServer: s\r\n\r\nbody...";
	struct tlsd_http1 h;
	size_t ends[MAX_ENDS];

	(void)state;
	tlsd_http1_init(&h, TLSD_HTTP1_RESPONSE, NULL);
	assert_int_equal(feed(&h, rsp, 0, ends), 0);
	assert_int_equal(h.state, TLSD_H1_BODY_CLOSE);
	/* the body runs to the end: a drain may flush it */
	assert_false(tlsd_http1_partial_head(&h));
	assert_true(tlsd_http1_eof(&h));
	assert_int_equal(h.messages, 1);
	/* a response whose coding is not chunked also runs to the close */
	tlsd_http1_init(&h, TLSD_HTTP1_RESPONSE, NULL);
	feed(&h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nz", 0,
	     ends);
	assert_int_equal(h.state, TLSD_H1_BODY_CLOSE);
}

static void test_partial_head(void **state)
{
	struct tlsd_http1 h;
	size_t ends[MAX_ENDS];

	(void)state;
	tlsd_http1_init(&h, TLSD_HTTP1_RESPONSE, NULL);
	assert_false(tlsd_http1_partial_head(&h));
	feed(&h, "\r\n", 0, ends); /* an empty line is not a head yet */
	assert_false(tlsd_http1_partial_head(&h));
	feed(&h, "HTTP/1.1 200 OK\r\nContent-Le", 0, ends);
	assert_true(tlsd_http1_partial_head(&h));
	/* a body, even unfinished, is usable: no longer a partial head */
	feed(&h, "ngth: 10\r\n\r\n12345", 0, ends);
	assert_false(tlsd_http1_partial_head(&h));
	assert_int_equal(h.remaining, 5);
	assert_int_equal(feed(&h, "67890", 0, ends), 1);
	assert_false(tlsd_http1_partial_head(&h));
	feed(&h, "H", 0, ends);
	assert_true(tlsd_http1_partial_head(&h));
}

static void test_tunnels(void **state)
{
	struct tlsd_http1_pipeline pipe;
	struct tlsd_http1 req, rsp;
	size_t ends[MAX_ENDS];

	(void)state;
	tlsd_http1_pipeline_init(&pipe);
	tlsd_http1_init(&req, TLSD_HTTP1_REQUEST, &pipe);
	tlsd_http1_init(&rsp, TLSD_HTTP1_RESPONSE, &pipe);
	assert_int_equal(
	    feed(&req, "CONNECT h:443 HTTP/1.1\r\n\r\nGET x", 0, ends), 1);
	assert_int_equal(req.state, TLSD_H1_OPAQUE);
	assert_null(req.error);
	assert_int_equal(feed(&rsp, "HTTP/1.1 200 OK\r\n\r\n\x16\x03", 0, ends),
	                 1);
	assert_int_equal(rsp.state, TLSD_H1_OPAQUE);
	/* 101 Switching Protocols ends HTTP/1.1 on the connection */
	tlsd_http1_init(&rsp, TLSD_HTTP1_RESPONSE, NULL);
	assert_int_equal(feed(&rsp,
	                      "HTTP/1.1 101 Switching\r\nUpgrade: ws\r\n\r\n"
	                      "HTTP/1.1 200 OK\r\n\r\n",
	                      0, ends),
	                 1);
	assert_int_equal(rsp.state, TLSD_H1_OPAQUE);
	/* an Upgrade request: framing stops after it */
	tlsd_http1_init(&req, TLSD_HTTP1_REQUEST, NULL);
	assert_int_equal(feed(&req,
	                      "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"
	                      "GET / HTTP/1.1\r\n\r\n",
	                      0, ends),
	                 1);
}

static void test_pipeline_overflow(void **state)
{
	struct tlsd_http1_pipeline pipe;
	struct tlsd_http1 req, rsp;
	size_t ends[MAX_ENDS];

	(void)state;
	tlsd_http1_pipeline_init(&pipe);
	tlsd_http1_init(&req, TLSD_HTTP1_REQUEST, &pipe);
	tlsd_http1_init(&rsp, TLSD_HTTP1_RESPONSE, &pipe);
	for (int i = 0; i < TLSD_HTTP1_PIPELINE + 1; i++)
		feed(&req, "GET / HTTP/1.1\r\n\r\n", 0, ends);
	assert_true(pipe.lost);
	feed(&rsp, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, ends);
	assert_int_equal(rsp.state, TLSD_H1_OPAQUE);
	assert_string_equal(rsp.error, "too many pipelined requests");
}

/* Each malformed stream goes opaque with its reason; the bytes that
 * follow are then never framed. */
static void test_negative(void **state)
{
	static const struct {
		enum tlsd_http1_role role;
		const char *in, *why;
	} bad[] = {
	    {TLSD_HTTP1_REQUEST, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
	     "not HTTP/1.x"},
	    {TLSD_HTTP1_REQUEST, "GET\r\n", "bad request method"},
	    {TLSD_HTTP1_REQUEST, "GET /\r\n", "bad request line"},
	    {TLSD_HTTP1_REQUEST, "\x16\x03\x01\x02\x05\x01\n",
	     "bad request method"},
	    {TLSD_HTTP1_RESPONSE, "HTTP/1.1 2x0 OK\r\n", "bad status code"},
	    {TLSD_HTTP1_RESPONSE, "HTTP/1.1 600 Odd\r\n", "bad status code"},
	    {TLSD_HTTP1_RESPONSE, "HTTP/1.1 2000 OK\r\n", "bad status line"},
	    {TLSD_HTTP1_RESPONSE, "SSH-2.0-OpenSSH\r\n", "not HTTP/1.x"},
	    {TLSD_HTTP1_RESPONSE,
	     "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n",
	     "conflicting Content-Length"},
	    {TLSD_HTTP1_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n",
	     "conflicting Content-Length"},
	    {TLSD_HTTP1_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n",
	     "bad Content-Length"},
	    {TLSD_HTTP1_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length:\r\n",
	     "empty Content-Length"},
	    {TLSD_HTTP1_RESPONSE,
	     "HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456789\r\n",
	     "Content-Length too large"},
	    {TLSD_HTTP1_RESPONSE, "HTTP/1.1 200 OK\r\nBad Name: x\r\n",
	     "bad header field"},
	    {TLSD_HTTP1_RESPONSE, "HTTP/1.1 200 OK\r\nNoColon\r\n",
	     "bad header field"},
	    {TLSD_HTTP1_RESPONSE,
	     "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n 2\r\n",
	     "folded framing field"},
	    {TLSD_HTTP1_REQUEST,
	     "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
	     "request coding is not chunked"},
	    {TLSD_HTTP1_RESPONSE,
	     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	     "bad chunk size"},
	    {TLSD_HTTP1_RESPONSE,
	     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "1000000000000000\r\n",
	     "chunk size too large"},
	    {TLSD_HTTP1_RESPONSE,
	     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "1\r\nab\r\n",
	     "no CRLF after chunk data"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tlsd_http1 h;
		size_t ends[MAX_ENDS];

		for (size_t step = 0; step < 2; step++) {
			tlsd_http1_init(&h, bad[i].role, NULL);
			assert_int_equal(feed(&h, bad[i].in, step, ends), 0);
			assert_int_equal(h.state, TLSD_H1_OPAQUE);
			assert_non_null(h.error);
			assert_string_equal(h.error, bad[i].why);
			assert_false(tlsd_http1_partial_head(&h));
			assert_int_equal(
			    feed(&h, "HTTP/1.1 200 OK\r\n\r\n", 0, ends), 0);
		}
	}
}

static void test_long_lines(void **state)
{
	char req[2048];
	struct tlsd_http1 h;
	size_t ends[MAX_ENDS];

	(void)state;
	/* a long target and a long unrelated field are fine */
	snprintf(req, sizeof(req),
	         "GET /%0700d HTTP/1.1\r\nX-Big: %0900d\r\n"
	         "Content-Length: 2\r\n\r\nok",
	         0, 0);
	tlsd_http1_init(&h, TLSD_HTTP1_REQUEST, NULL);
	assert_int_equal(feed(&h, req, 0, ends), 1);
	assert_int_equal(ends[0], strlen(req));
	/* a Content-Length longer than the kept line cannot be trusted */
	snprintf(req, sizeof(req),
	         "GET / HTTP/1.1\r\nContent-Length: %0300d\r\n", 1);
	tlsd_http1_init(&h, TLSD_HTTP1_REQUEST, NULL);
	feed(&h, req, 0, ends);
	assert_string_equal(h.error, "Content-Length too long");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_content_length),
	    cmocka_unit_test(test_pipelined_requests),
	    cmocka_unit_test(test_chunked_with_trailers),
	    cmocka_unit_test(test_responses_without_body),
	    cmocka_unit_test(test_close_delimited),
	    cmocka_unit_test(test_partial_head),
	    cmocka_unit_test(test_tunnels),
	    cmocka_unit_test(test_pipeline_overflow),
	    cmocka_unit_test(test_negative),
	    cmocka_unit_test(test_long_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
