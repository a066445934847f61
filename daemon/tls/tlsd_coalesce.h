/* SPDX-License-Identifier: MIT */
/*
 * The M4 coalescer (DESIGN.md M4; patent US 8,793,486, "transmittal
 * conditions"): plaintext bound for a TLS peer is buffered and sealed into
 * as few records as possible when one of these holds:
 *
 *   quantum   a full quantum is buffered: the least of the 16384-byte
 *             record limit (RFC 8446 §5.1), the card's max input, the
 *             buffer and --coalesce-quantum (the staged record size while
 *             records are staged);
 *   http_end  an HTTP/1.1 message ended (tlsd_http1.h);
 *   fin       the sender closed its side;
 *   push      the read side drained and stayed quiet for push_delay_us
 *             (a sender of back-to-back small writes refills it within
 *             that, so its bytes share records; 0 flushes at the drain;
 *             a partial HTTP head is held: the peer cannot use it
 *             before the rest arrives);
 *   timer     the oldest buffered byte has waited timer_ms.
 *
 * Pure logic over a buffer, without sockets: the proxy reads into
 * tlsd_coalesce_space(), reports what happened (commit, drained, eof,
 * expire) and seals what is due with tlsd_coalesce_next()/_sealed() or
 * tlsd_coalesce_seal().  Deadlines of every buffer sit in two FIFOs
 * (struct tlsd_coalesce_timers), one for timer_ms and one for the push
 * delay: with a single delay each, the order of arming is the order of
 * expiry, so arming, disarming and finding the next deadline are O(1).
 */
#ifndef TLSD_COALESCE_H
#define TLSD_COALESCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls_result.h"
#include "tlsd_backend_spec.h"
#include "tlsd_http1.h"
#include "tlsd_stats.h"

#define TLSD_COALESCE_MAX_RECORD 16384 /* 2^14, RFC 8446 §5.1 */
#define TLSD_COALESCE_BUF        (2 * TLSD_COALESCE_MAX_RECORD)
#define TLSD_COALESCE_STAGE_MIN  1024
#define TLSD_COALESCE_TIMER_MS   20
#define TLSD_COALESCE_IDLE_MS    1000
#define TLSD_COALESCE_PUSH_US    200 /* docs/bench/proxy.md */

struct tlsd_coalesce;

struct tlsd_coalesce_timers {
	struct tlsd_coalesce *head, *tail;   /* earliest deadline first */
	struct tlsd_coalesce *phead, *ptail; /* push deadlines, the same */
};

struct tlsd_coalesce {
	const struct tlsd_coalesce_opts *opt;
	struct tlsd_coalesce_stats *st;
	struct tlsd_coalesce_timers *timers;
	uint8_t *buf; /* TLSD_COALESCE_BUF bytes, kept across connections */
	/* [off, off + due) is decided and waits to be sealed;
	 * [off + due, len) waits for a transmittal condition */
	size_t off, due, len;
	size_t quantum;
	size_t stage;         /* staged: size of the next record */
	uint64_t first_ns;    /* arrival of the oldest undecided byte */
	uint64_t last_out_ns; /* last record sealed (staged idle) */
	struct tlsd_http1 http;
	struct tlsd_coalesce *tprev, *tnext;
	bool armed;
	uint64_t push_ns; /* push deadline; 0: none armed */
	struct tlsd_coalesce *pprev, *pnext;
	void *owner; /* the caller's (the proxy's connection), for timers */
};

/* Two directions of one proxied connection and the HTTP pipeline that
 * pairs their messages.  to_backend only observes (HEAD, CONNECT) while
 * the backend leg is plain TCP. */
struct tlsd_coalesce_pair {
	struct tlsd_http1_pipeline pipe;
	struct tlsd_coalesce to_client, to_backend;
};

/* The quantum: min(16384, card_max_input (0: no card), the buffer,
 * opt->quantum (0: no limit)). */
size_t tlsd_coalesce_quantum(const struct tlsd_coalesce_opts *opt,
                             size_t card_max_input);

/*
 * Start a direction for a new connection; role is the HTTP message kind
 * it carries.  The buffer is allocated once and kept.  Without timers the
 * direction only observes (tlsd_coalesce_observe) and has no buffer.
 * -1 without memory.
 */
int tlsd_coalesce_start(struct tlsd_coalesce *c,
                        const struct tlsd_coalesce_opts *opt,
                        struct tlsd_coalesce_stats *st,
                        struct tlsd_coalesce_timers *timers, size_t quantum,
                        enum tlsd_http1_role role,
                        struct tlsd_http1_pipeline *pipe);
/* The connection is gone: drop buffered bytes, leave the timer FIFO. */
void tlsd_coalesce_stop(struct tlsd_coalesce *c);
void tlsd_coalesce_free(struct tlsd_coalesce *c);

/* Where the next plaintext goes and how much fits (0: stop reading). */
uint8_t *tlsd_coalesce_space(struct tlsd_coalesce *c, size_t *room);
/* n bytes were written at the space; they came in `records` units. */
void tlsd_coalesce_commit(struct tlsd_coalesce *c, size_t n, unsigned records,
                          uint64_t now_ns);
/* Bytes that pass without buffering (the HTTP framing still sees them). */
void tlsd_coalesce_observe(struct tlsd_coalesce *c, const uint8_t *p, size_t n);
/* The read side drained: flush (PUSH), or arm the push deadline. */
void tlsd_coalesce_drained(struct tlsd_coalesce *c, uint64_t now_ns);
/* The sender closed its side (FIN). */
void tlsd_coalesce_eof(struct tlsd_coalesce *c, uint64_t now_ns);
/* Timer: flush when the timer or push deadline passed; true if it
 * flushed. */
bool tlsd_coalesce_expire(struct tlsd_coalesce *c, uint64_t now_ns);

/* The next record: up to the record limit of what is due; 0 if none. */
size_t tlsd_coalesce_next(struct tlsd_coalesce *c, uint64_t now_ns,
                          const uint8_t **p);
/* n bytes from tlsd_coalesce_next() went out as one record. */
void tlsd_coalesce_sealed(struct tlsd_coalesce *c, size_t n, uint64_t now_ns);

/* Bytes buffered, due or not. */
static inline size_t tlsd_coalesce_buffered(const struct tlsd_coalesce *c)
{
	return c->len - c->off;
}

/* When this buffer's timer fires; 0 when nothing waits (the push
 * deadline, when armed, is push_ns). */
uint64_t tlsd_coalesce_deadline(const struct tlsd_coalesce *c);
/* The earliest deadline of all; 0 when nothing waits. */
uint64_t tlsd_coalesce_timers_next(const struct tlsd_coalesce_timers *t);
/* A buffer whose deadline is <= now, or NULL. */
struct tlsd_coalesce *
tlsd_coalesce_timers_expired(const struct tlsd_coalesce_timers *t,
                             uint64_t now_ns);

/* tlsd_coalesce_seal.c: due bytes into records of a TLS connection while
 * it has room; *moved when any went. */
struct tls_conn;
TLS_RESULT tlsd_coalesce_seal(struct tlsd_coalesce *c, struct tls_conn *t,
                              uint64_t now_ns, bool *moved);

#endif /* TLSD_COALESCE_H */
