// SPDX-License-Identifier: MIT
/*
 * HTTP/1.1 message framing (RFC 9112 §6): where each request and response
 * ends, fed incrementally.  Lines are cut at LF with an optional CR before
 * it (RFC 9112 §2.2 lets a recipient accept a bare LF); bodies are skipped
 * in bulk, never copied.  The start line and the framing fields
 * (Content-Length, Transfer-Encoding) are read from the first
 * TLSD_HTTP1_LINE_MAX bytes of their line.
 */
#include <string.h>
#include <strings.h>

#include "tlsd_http1.h"

void tlsd_http1_pipeline_init(struct tlsd_http1_pipeline *p)
{
	memset(p, 0, sizeof(*p));
}

static void tlsd_http1_new_message(struct tlsd_http1 *h)
{
	h->state = TLSD_H1_IDLE;
	h->line_len = 0;
	h->line_long = false;
	h->start_seen = false;
	h->have_length = h->te = h->chunked = h->upgrade = false;
	h->last_was_framing = false;
	h->length = h->remaining = 0;
	h->status = 0;
	h->kind = TLSD_H1_REQ_OTHER;
}

void tlsd_http1_init(struct tlsd_http1 *h, enum tlsd_http1_role role,
                     struct tlsd_http1_pipeline *pipe)
{
	memset(h, 0, sizeof(*h));
	h->role = role;
	h->pipe = pipe;
	tlsd_http1_new_message(h);
}

/* Give up framing for the rest of the stream; the bytes still flow. */
static void tlsd_http1_fail(struct tlsd_http1 *h, const char *why)
{
	h->error = why;
	h->state = TLSD_H1_OPAQUE;
}

/* Report and stop: these helpers return nothing. */
#define H1_FAIL(h, why)                      \
	do {                                 \
		tlsd_http1_fail((h), (why)); \
		return;                      \
	} while (0)
#define H1_END(h, end)                      \
	do {                                \
		tlsd_http1_end((h), (end)); \
		return;                     \
	} while (0)

static void tlsd_http1_end(struct tlsd_http1 *h, bool *end)
{
	bool tunnel = h->role == TLSD_HTTP1_REQUEST &&
	              (h->kind == TLSD_H1_REQ_CONNECT || h->upgrade);

	h->messages++;
	*end = true;
	tlsd_http1_new_message(h);
	/* After CONNECT or an Upgrade request the client may switch to
	 * another protocol (RFC 9110 §9.3.6, §7.8); this side cannot see
	 * whether the server agreed, so it stops framing. */
	if (tunnel)
		h->state = TLSD_H1_OPAQUE;
}

/* tchar of RFC 9110 §5.6.2. */
static bool tlsd_http1_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool tlsd_http1_version(const char *v)
{
	/* HTTP-version = "HTTP/" DIGIT "." DIGIT; only 1.x is framed here */
	return !strncmp(v, "HTTP/1.", 7) && v[7] >= '0' && v[7] <= '9';
}

static void tlsd_http1_request_line(struct tlsd_http1 *h)
{
	const char *l = h->line, *sp = l, *sp2;
	size_t mlen;

	while (tlsd_http1_tchar(*sp))
		sp++;
	mlen = (size_t)(sp - l);
	if (!mlen || *sp != ' ')
		H1_FAIL(h, "bad request method");
	if (mlen == 4 && !memcmp(l, "HEAD", 4))
		h->kind = TLSD_H1_REQ_HEAD;
	else if (mlen == 7 && !memcmp(l, "CONNECT", 7))
		h->kind = TLSD_H1_REQ_CONNECT;
	/* A long target hides the version; the method is what matters. */
	if (h->line_long)
		return;
	sp2 = strrchr(sp + 1, ' ');
	if (!sp2 || sp2 == sp + 1)
		H1_FAIL(h, "bad request line");
	if (!tlsd_http1_version(sp2 + 1) || sp2[9])
		H1_FAIL(h, "not HTTP/1.x");
}

static void tlsd_http1_status_line(struct tlsd_http1 *h)
{
	const char *l = h->line;

	/* status-line = HTTP-version SP status-code SP [ reason-phrase ] */
	if (!tlsd_http1_version(l) || l[8] != ' ')
		H1_FAIL(h, "not HTTP/1.x");
	for (int i = 9; i < 12; i++)
		if (l[i] < '0' || l[i] > '9')
			H1_FAIL(h, "bad status code");
	if (l[12] && l[12] != ' ')
		H1_FAIL(h, "bad status line");
	h->status =
	    (unsigned)((l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0'));
	if (h->status < 100 || h->status > 599)
		H1_FAIL(h, "bad status code");
}

/* RFC 9110 §8.6: a list of identical values is one value. */
static void tlsd_http1_content_length(struct tlsd_http1 *h, const char *v)
{
	while (*v) {
		uint64_t n = 0;
		int digits = 0;

		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		if (!*v)
			break;
		for (; *v >= '0' && *v <= '9'; v++, digits++) {
			if (digits == 18)
				H1_FAIL(h, "Content-Length "
				           "too large");
			n = n * 10 + (uint64_t)(*v - '0');
		}
		while (*v == ' ' || *v == '\t')
			v++;
		if (!digits || (*v && *v != ','))
			H1_FAIL(h, "bad Content-Length");
		if (h->have_length && h->length != n)
			H1_FAIL(h, "conflicting Content-Length");
		h->have_length = true;
		h->length = n;
	}
	if (!h->have_length)
		tlsd_http1_fail(h, "empty Content-Length");
}

/* The message is chunked when chunked is the last coding (§6.1). */
static void tlsd_http1_transfer_encoding(struct tlsd_http1 *h, const char *v)
{
	const char *last = v, *p;
	size_t len;

	for (p = v; *p; p++)
		if (*p == ',')
			last = p + 1;
	while (*last == ' ' || *last == '\t')
		last++;
	len = strcspn(last, " \t;");
	/* An empty last element (a trailing comma) leaves the one before. */
	if (!len && last != v)
		return;
	h->te = true;
	h->chunked = len == 7 && !strncasecmp(last, "chunked", 7);
}

static void tlsd_http1_field(struct tlsd_http1 *h)
{
	char *l = h->line, *colon, *v, *e;
	size_t nlen;

	if (l[0] == ' ' || l[0] == '\t') {
		/* obs-fold (RFC 9112 §5.2): harmless unless it continues a
		 * framing field, whose value would then be unknown. */
		if (h->last_was_framing)
			tlsd_http1_fail(h, "folded framing field");
		return;
	}
	colon = strchr(l, ':');
	nlen = colon ? (size_t)(colon - l) : 0;
	/* §5.1: no whitespace between the field name and the colon. */
	for (size_t i = 0; i < nlen; i++)
		if (!tlsd_http1_tchar(l[i]))
			nlen = 0;
	if (!nlen)
		H1_FAIL(h, "bad header field");
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	e = v + strlen(v);
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	h->last_was_framing = false;
	if (nlen == 14 && !strncasecmp(l, "content-length", 14)) {
		h->last_was_framing = true;
		if (h->line_long)
			H1_FAIL(h, "Content-Length too long");
		tlsd_http1_content_length(h, v);
	} else if (nlen == 17 && !strncasecmp(l, "transfer-encoding", 17)) {
		h->last_was_framing = true;
		if (h->line_long)
			H1_FAIL(h, "Transfer-Encoding too long");
		tlsd_http1_transfer_encoding(h, v);
	} else if (nlen == 7 && !strncasecmp(l, "upgrade", 7)) {
		h->upgrade = true;
	}
}

static enum tlsd_http1_req_kind tlsd_http1_pop(struct tlsd_http1 *h)
{
	struct tlsd_http1_pipeline *p = h->pipe;

	if (!p || p->head == p->tail)
		return TLSD_H1_REQ_OTHER; /* e.g. a 408 sent unasked */
	return (enum tlsd_http1_req_kind)
	    p->kind[p->head++ % TLSD_HTTP1_PIPELINE];
}

static void tlsd_http1_push(struct tlsd_http1 *h)
{
	struct tlsd_http1_pipeline *p = h->pipe;

	if (!p)
		return;
	if (p->tail - p->head == TLSD_HTTP1_PIPELINE) {
		p->lost = true;
		return;
	}
	p->kind[p->tail++ % TLSD_HTTP1_PIPELINE] = (uint8_t)h->kind;
}

/* The message body's length, from RFC 9112 §6.3 in its order. */
static void tlsd_http1_end_of_head(struct tlsd_http1 *h, bool *end)
{
	if (h->role == TLSD_HTTP1_RESPONSE) {
		if (h->status == 101) {
			/* Switching Protocols: the head is the last HTTP/1.1 */
			tlsd_http1_end(h, end);
			h->state = TLSD_H1_OPAQUE;
			return;
		}
		if (h->status < 200) /* interim: its request waits on */
			H1_END(h, end);
		if (h->pipe && h->pipe->lost)
			H1_FAIL(h, "too many pipelined requests");
		h->kind = tlsd_http1_pop(h);
		if (h->kind == TLSD_H1_REQ_HEAD || h->status == 204 ||
		    h->status == 304)
			H1_END(h, end);
		if (h->kind == TLSD_H1_REQ_CONNECT && h->status / 100 == 2) {
			tlsd_http1_end(h, end);
			h->state = TLSD_H1_OPAQUE;
			return;
		}
		if (h->te) {
			h->state = h->chunked ? TLSD_H1_CHUNK_SIZE
			                      : TLSD_H1_BODY_CLOSE;
			return;
		}
		if (!h->have_length) {
			h->state = TLSD_H1_BODY_CLOSE;
			return;
		}
	} else {
		tlsd_http1_push(h);
		if (h->te) {
			if (!h->chunked)
				H1_FAIL(h, "request coding is "
				           "not chunked");
			h->state = TLSD_H1_CHUNK_SIZE;
			return;
		}
		if (!h->have_length)
			H1_END(h, end);
	}
	if (!h->length)
		H1_END(h, end);
	h->remaining = h->length;
	h->state = TLSD_H1_BODY_LEN;
}

/* chunk = chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1). */
static void tlsd_http1_chunk_size(struct tlsd_http1 *h)
{
	uint64_t n = 0;
	int digits = 0;
	const char *l = h->line;

	for (;; l++, digits++) {
		int d;

		if (*l >= '0' && *l <= '9')
			d = *l - '0';
		else if ((*l | 0x20) >= 'a' && (*l | 0x20) <= 'f')
			d = (*l | 0x20) - 'a' + 10;
		else
			break;
		if (digits == 15)
			H1_FAIL(h, "chunk size too large");
		n = n << 4 | (uint64_t)d;
	}
	if (!digits || (*l && *l != ';' && *l != ' ' && *l != '\t'))
		H1_FAIL(h, "bad chunk size");
	h->remaining = n;
	h->state = n ? TLSD_H1_CHUNK_DATA : TLSD_H1_TRAILERS;
}

static void tlsd_http1_line(struct tlsd_http1 *h, bool *end)
{
	bool empty;

	if (h->line_len && h->line[h->line_len - 1] == '\r' && !h->line_long)
		h->line_len--;
	h->line[h->line_len] = '\0';
	empty = !h->line_len && !h->line_long;
	switch (h->state) {
	case TLSD_H1_IDLE:
	case TLSD_H1_HEAD:
		if (!h->start_seen) {
			/* §2.2: empty lines before a start line are ignored */
			if (empty) {
				h->state = TLSD_H1_IDLE;
				break;
			}
			h->start_seen = true;
			h->state = TLSD_H1_HEAD;
			if (h->role == TLSD_HTTP1_REQUEST)
				tlsd_http1_request_line(h);
			else
				tlsd_http1_status_line(h);
		} else if (empty) {
			tlsd_http1_end_of_head(h, end);
		} else {
			tlsd_http1_field(h);
		}
		break;
	case TLSD_H1_CHUNK_SIZE: tlsd_http1_chunk_size(h); break;
	case TLSD_H1_CHUNK_END:
		if (!empty)
			tlsd_http1_fail(h, "no CRLF after chunk data");
		else
			h->state = TLSD_H1_CHUNK_SIZE;
		break;
	case TLSD_H1_TRAILERS:
		/* trailer fields are not framing: only the empty line counts */
		if (empty)
			tlsd_http1_end(h, end);
		break;
	default: break;
	}
	h->line_len = 0;
	h->line_long = false;
}

/*
 * Before its LF, a start line that cannot become HTTP/1.x gives up at
 * once: a binary protocol may never send an LF, and while the parser
 * waits for one the coalescer would treat every drain as mid-message.
 */
static void tlsd_http1_check_start(struct tlsd_http1 *h)
{
	const char *l = h->line;
	size_t n = h->line_len;

	if (h->start_seen || !n || (n == 1 && l[0] == '\r'))
		return;
	if (h->role == TLSD_HTTP1_RESPONSE) {
		if (memcmp(l, "HTTP/1.", n < 7 ? n : 7))
			tlsd_http1_fail(h, "not HTTP/1.x");
		return;
	}
	for (size_t i = 0; i < n && l[i] != ' '; i++)
		if (!tlsd_http1_tchar(l[i]))
			H1_FAIL(h, "bad request method");
}

/* Take bytes of a line up to and including its LF; returns the count. */
static size_t tlsd_http1_take_line(struct tlsd_http1 *h, const uint8_t *p,
                                   size_t n, bool *end)
{
	const uint8_t *lf = memchr(p, '\n', n);
	size_t part = lf ? (size_t)(lf - p) : n,
	       keep = TLSD_HTTP1_LINE_MAX - 1 - h->line_len;

	if (h->state == TLSD_H1_IDLE && part)
		h->state = TLSD_H1_HEAD;
	if (part > keep) {
		h->line_long = true;
		part = keep;
	}
	memcpy(h->line + h->line_len, p, part);
	h->line_len += part;
	if (!lf) {
		tlsd_http1_check_start(h);
		return n;
	}
	tlsd_http1_line(h, end);
	return (size_t)(lf - p) + 1;
}

size_t tlsd_http1_feed(struct tlsd_http1 *h, const uint8_t *p, size_t n,
                       bool *end)
{
	size_t i = 0;

	*end = false;
	while (i < n && !*end) {
		size_t take = n - i;

		switch (h->state) {
		case TLSD_H1_OPAQUE:
		case TLSD_H1_BODY_CLOSE: return n;
		case TLSD_H1_BODY_LEN:
		case TLSD_H1_CHUNK_DATA:
			if (take > h->remaining)
				take = (size_t)h->remaining;
			h->remaining -= take;
			i += take;
			if (h->remaining)
				break;
			if (h->state == TLSD_H1_CHUNK_DATA)
				h->state = TLSD_H1_CHUNK_END;
			else
				tlsd_http1_end(h, end);
			break;
		default: i += tlsd_http1_take_line(h, p + i, take, end); break;
		}
	}
	return i;
}

bool tlsd_http1_eof(struct tlsd_http1 *h)
{
	bool ended = h->state == TLSD_H1_BODY_CLOSE;

	if (ended)
		h->messages++;
	h->state = TLSD_H1_OPAQUE;
	return ended;
}

bool tlsd_http1_partial_head(const struct tlsd_http1 *h)
{
	return h->state == TLSD_H1_HEAD;
}
