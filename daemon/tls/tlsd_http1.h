/* SPDX-License-Identifier: MIT */
/*
 * An incremental HTTP/1.1 framing parser (RFC 9112) for the M4 coalescer.
 * It only finds where messages end, so the coalescer can flush at the end
 * of a transaction: it never changes, holds or copies the stream (at most
 * the first bytes of one line), and bytes it cannot frame make it
 * "opaque" for the rest of the stream, which only loses the http_end
 * flush condition, never data.
 *
 * Requests and responses on one connection are paired through a
 * pipeline: the request parser records each request's method kind, the
 * response parser takes them in order, because a response's framing
 * depends on its request (HEAD, CONNECT; RFC 9112 §6.3).
 */
#ifndef TLSD_HTTP1_H
#define TLSD_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tlsd_http1_role {
	TLSD_HTTP1_REQUEST,
	TLSD_HTTP1_RESPONSE,
};

enum tlsd_http1_state {
	TLSD_H1_IDLE,       /* between messages */
	TLSD_H1_HEAD,       /* start line and header section */
	TLSD_H1_BODY_LEN,   /* Content-Length body, `remaining` to go */
	TLSD_H1_CHUNK_SIZE, /* chunk-size [; ext] line */
	TLSD_H1_CHUNK_DATA, /* `remaining` chunk bytes to go */
	TLSD_H1_CHUNK_END,  /* the CRLF after chunk data */
	TLSD_H1_TRAILERS,   /* trailer section after the last chunk */
	TLSD_H1_BODY_CLOSE, /* response body delimited by the end of stream */
	TLSD_H1_OPAQUE,     /* tunnel, upgrade, or bytes that did not parse */
};

/* What a request implies for the framing of its response. */
enum tlsd_http1_req_kind {
	TLSD_H1_REQ_OTHER,
	TLSD_H1_REQ_HEAD,    /* the response has no body */
	TLSD_H1_REQ_CONNECT, /* a 2xx response starts a tunnel */
};

#define TLSD_HTTP1_PIPELINE 64 /* requests awaiting their response */
#define TLSD_HTTP1_LINE_MAX 256

struct tlsd_http1_pipeline {
	uint8_t kind[TLSD_HTTP1_PIPELINE];
	uint32_t head, tail; /* free-running */
	bool lost;           /* more were pipelined than fit */
};

struct tlsd_http1 {
	enum tlsd_http1_role role;
	enum tlsd_http1_state state;
	struct tlsd_http1_pipeline *pipe; /* shared by the two directions */
	const char *error;                /* why it went opaque; NULL if not */
	uint64_t messages;                /* complete messages seen */
	uint64_t remaining;               /* body or chunk bytes to go */
	/* the current line: its first bytes only */
	char line[TLSD_HTTP1_LINE_MAX];
	size_t line_len;
	bool line_long;
	/* the current message's head */
	bool start_seen;
	bool have_length, te, chunked, upgrade;
	bool last_was_framing; /* the last field was Content-Length/TE */
	uint64_t length;
	unsigned status;
	enum tlsd_http1_req_kind kind;
};

void tlsd_http1_pipeline_init(struct tlsd_http1_pipeline *p);
void tlsd_http1_init(struct tlsd_http1 *h, enum tlsd_http1_role role,
                     struct tlsd_http1_pipeline *pipe);

/*
 * Parse up to n bytes.  Returns how many were consumed: all of them, or
 * fewer when a message ended, in which case *end is set and the message
 * is the first bytes returned (the caller feeds the rest again).
 */
size_t tlsd_http1_feed(struct tlsd_http1 *h, const uint8_t *p, size_t n,
                       bool *end);

/* The stream ended; true when that ended a message (a close-delimited
 * response body, RFC 9112 §6.3 item 8). */
bool tlsd_http1_eof(struct tlsd_http1 *h);

/*
 * True inside a start line or header section: bytes a peer cannot use
 * until the head is whole.  The coalescer holds them when the read side
 * drains (the timer bounds the wait) instead of sending a partial head.
 */
bool tlsd_http1_partial_head(const struct tlsd_http1 *h);

#endif /* TLSD_HTTP1_H */
