// SPDX-License-Identifier: MIT
/*
 * The M4 coalescer: when buffered plaintext becomes due, and how it is cut
 * into records.  See tlsd_coalesce.h for the transmittal conditions.
 */
#include <stdlib.h>
#include <string.h>

#include "tlsd_coalesce.h"

#define NS_PER_MS 1000000ull

size_t tlsd_coalesce_quantum(const struct tlsd_coalesce_opts *opt,
                             size_t card_max_input)
{
	size_t q = TLSD_COALESCE_MAX_RECORD;

	if (card_max_input && card_max_input < q)
		q = card_max_input;
	if (TLSD_COALESCE_BUF < q)
		q = TLSD_COALESCE_BUF;
	if (opt->quantum && opt->quantum < q)
		q = opt->quantum;
	return q ? q : 1;
}

static uint64_t tlsd_coalesce_timer_ns(const struct tlsd_coalesce *c)
{
	uint32_t ms =
	    c->opt->timer_ms ? c->opt->timer_ms : TLSD_COALESCE_TIMER_MS;

	return ms * NS_PER_MS;
}

static uint64_t tlsd_coalesce_idle_ns(const struct tlsd_coalesce *c)
{
	uint32_t ms = c->opt->staged_idle_ms ? c->opt->staged_idle_ms
	                                     : TLSD_COALESCE_IDLE_MS;

	return ms * NS_PER_MS;
}

static uint64_t tlsd_coalesce_push_ns(const struct tlsd_coalesce *c)
{
	uint32_t us = c->opt->push_delay_set ? c->opt->push_delay_us
	                                     : TLSD_COALESCE_PUSH_US;

	return us * 1000ull;
}

static size_t tlsd_coalesce_stage_min(const struct tlsd_coalesce *c)
{
	return c->quantum < TLSD_COALESCE_STAGE_MIN ? c->quantum
	                                            : TLSD_COALESCE_STAGE_MIN;
}

/* The largest record to cut now, and the quantum condition's size. */
static size_t tlsd_coalesce_limit(const struct tlsd_coalesce *c)
{
	return c->opt->staged ? c->stage : c->quantum;
}

static size_t tlsd_coalesce_waiting(const struct tlsd_coalesce *c)
{
	return c->len - c->off - c->due;
}

/* ---- the timer FIFO ---------------------------------------------------- */

static void tlsd_coalesce_disarm(struct tlsd_coalesce *c)
{
	struct tlsd_coalesce_timers *t = c->timers;

	if (!c->armed)
		return;
	if (c->tprev)
		c->tprev->tnext = c->tnext;
	else
		t->head = c->tnext;
	if (c->tnext)
		c->tnext->tprev = c->tprev;
	else
		t->tail = c->tprev;
	c->tprev = c->tnext = NULL;
	c->armed = false;
}

/* first_ns changed: the buffer goes to the back of the FIFO (now is the
 * latest time anyone armed with), or leaves it when nothing waits. */
static void tlsd_coalesce_rearm(struct tlsd_coalesce *c)
{
	struct tlsd_coalesce_timers *t = c->timers;

	tlsd_coalesce_disarm(c);
	if (!tlsd_coalesce_waiting(c) || !t)
		return;
	c->tprev = t->tail;
	if (t->tail)
		t->tail->tnext = c;
	else
		t->head = c;
	t->tail = c;
	c->armed = true;
}

/* The push deadline's FIFO: one delay for all, so arming appends. */
static void tlsd_coalesce_push_disarm(struct tlsd_coalesce *c)
{
	struct tlsd_coalesce_timers *t = c->timers;

	if (!c->push_ns)
		return;
	if (c->pprev)
		c->pprev->pnext = c->pnext;
	else
		t->phead = c->pnext;
	if (c->pnext)
		c->pnext->pprev = c->pprev;
	else
		t->ptail = c->pprev;
	c->pprev = c->pnext = NULL;
	c->push_ns = 0;
}

static void tlsd_coalesce_push_arm(struct tlsd_coalesce *c, uint64_t now_ns)
{
	struct tlsd_coalesce_timers *t = c->timers;

	tlsd_coalesce_push_disarm(c);
	c->push_ns = now_ns + tlsd_coalesce_push_ns(c);
	c->pprev = t->ptail;
	if (t->ptail)
		t->ptail->pnext = c;
	else
		t->phead = c;
	t->ptail = c;
}

uint64_t tlsd_coalesce_deadline(const struct tlsd_coalesce *c)
{
	if (!tlsd_coalesce_waiting(c))
		return 0;
	return c->first_ns + tlsd_coalesce_timer_ns(c);
}

uint64_t tlsd_coalesce_timers_next(const struct tlsd_coalesce_timers *t)
{
	uint64_t dl = t->head ? tlsd_coalesce_deadline(t->head) : 0;

	if (t->phead && (!dl || t->phead->push_ns < dl))
		dl = t->phead->push_ns;
	return dl;
}

struct tlsd_coalesce *
tlsd_coalesce_timers_expired(const struct tlsd_coalesce_timers *t,
                             uint64_t now_ns)
{
	if (t->head && tlsd_coalesce_deadline(t->head) <= now_ns)
		return t->head;
	if (t->phead && t->phead->push_ns <= now_ns)
		return t->phead;
	return NULL;
}

/* ---- life cycle -------------------------------------------------------- */

int tlsd_coalesce_start(struct tlsd_coalesce *c,
                        const struct tlsd_coalesce_opts *opt,
                        struct tlsd_coalesce_stats *st,
                        struct tlsd_coalesce_timers *timers, size_t quantum,
                        enum tlsd_http1_role role,
                        struct tlsd_http1_pipeline *pipe)
{
	uint8_t *buf = c->buf;

	/* Observe only (no timers): the framing needs no buffer. */
	if (!buf && timers) {
		buf = malloc(TLSD_COALESCE_BUF);
		if (!buf)
			return -1;
	}
	memset(c, 0, sizeof(*c));
	c->buf = buf;
	c->opt = opt;
	c->st = st;
	c->timers = timers;
	c->quantum = quantum;
	c->stage = tlsd_coalesce_stage_min(c);
	tlsd_http1_init(&c->http, role, pipe);
	return 0;
}

void tlsd_coalesce_stop(struct tlsd_coalesce *c)
{
	if (c->timers) {
		tlsd_coalesce_disarm(c);
		tlsd_coalesce_push_disarm(c);
	}
	c->off = c->due = c->len = 0;
}

void tlsd_coalesce_free(struct tlsd_coalesce *c)
{
	tlsd_coalesce_stop(c);
	free(c->buf);
	c->buf = NULL;
}

/* ---- flush decisions --------------------------------------------------- */

/* The first `n` waiting bytes become due, for one reason. */
static void tlsd_coalesce_flush(struct tlsd_coalesce *c, size_t n,
                                enum tlsd_flush_reason why, uint64_t now_ns)
{
	if (!n)
		return;
	c->due += n;
	c->st->flushes[why]++;
	tlsd_lat_add(&c->st->latency,
	             now_ns > c->first_ns ? now_ns - c->first_ns : 0);
	/* What still waits arrived in the latest commit (a flush decision
	 * follows every commit), so its clock starts now. */
	c->first_ns = now_ns;
	tlsd_coalesce_rearm(c);
	/* What still waits came after the drain that armed it. */
	tlsd_coalesce_push_disarm(c);
}

static void tlsd_coalesce_quantum_check(struct tlsd_coalesce *c,
                                        uint64_t now_ns)
{
	size_t limit = tlsd_coalesce_limit(c), w = tlsd_coalesce_waiting(c);

	/* Whole quanta go in one decision; the rest keeps waiting. */
	if (w >= limit)
		tlsd_coalesce_flush(c, w - w % limit, TLSD_FLUSH_QUANTUM,
		                    now_ns);
}

uint8_t *tlsd_coalesce_space(struct tlsd_coalesce *c, size_t *room)
{
	/* Compact only when the tail got short: a memmove per read would
	 * cost more than the records saved. */
	if (c->off && TLSD_COALESCE_BUF - c->len < TLSD_COALESCE_BUF / 2) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (!c->buf) {
		*room = 0;
		return NULL;
	}
	*room = TLSD_COALESCE_BUF - c->len;
	return c->buf + c->len;
}

void tlsd_coalesce_commit(struct tlsd_coalesce *c, size_t n, unsigned records,
                          uint64_t now_ns)
{
	size_t pos = c->len, last_end = 0;

	if (!n)
		return;
	c->st->records_in += records;
	/* More bytes before the push deadline: keep coalescing; the next
	 * drain arms it again. */
	tlsd_coalesce_push_disarm(c);
	if (!tlsd_coalesce_waiting(c)) {
		c->first_ns = now_ns;
		/* Staged: a connection idle this long starts small again. */
		if (c->opt->staged && c->last_out_ns &&
		    now_ns - c->last_out_ns >= tlsd_coalesce_idle_ns(c))
			c->stage = tlsd_coalesce_stage_min(c);
	}
	while (pos < c->len + n) {
		bool end;

		pos += tlsd_http1_feed(&c->http, c->buf + pos, c->len + n - pos,
		                       &end);
		if (end)
			last_end = pos;
	}
	c->len += n;
	if (!c->armed)
		tlsd_coalesce_rearm(c);
	if (last_end) {
		/* One flush up to the last message that ended: pipelined
		 * messages share records. */
		tlsd_coalesce_flush(c, last_end - (c->off + c->due),
		                    TLSD_FLUSH_HTTP_END, now_ns);
	}
	tlsd_coalesce_quantum_check(c, now_ns);
}

void tlsd_coalesce_observe(struct tlsd_coalesce *c, const uint8_t *p, size_t n)
{
	while (n) {
		bool end;
		size_t used = tlsd_http1_feed(&c->http, p, n, &end);

		p += used;
		n -= used;
	}
}

void tlsd_coalesce_drained(struct tlsd_coalesce *c, uint64_t now_ns)
{
	/* A drained socket is the PUSH hint.  Only a partial HTTP head is
	 * held: the peer could not use it before the rest arrives, and the
	 * timer bounds the wait.  Everything before it went at its message
	 * end (http_end), so the waiting bytes are all head. */
	if (tlsd_http1_partial_head(&c->http))
		return;
	/* A sender of back-to-back small writes drains the socket after
	 * each one while the proxy keeps up: wait push_delay_us for the
	 * next, as Nagle does, so they share a record.  The timer still
	 * bounds the oldest byte. */
	if (c->timers && tlsd_coalesce_push_ns(c) && tlsd_coalesce_waiting(c)) {
		tlsd_coalesce_push_arm(c, now_ns);
		return;
	}
	tlsd_coalesce_flush(c, tlsd_coalesce_waiting(c), TLSD_FLUSH_PUSH,
	                    now_ns);
}

void tlsd_coalesce_eof(struct tlsd_coalesce *c, uint64_t now_ns)
{
	(void)tlsd_http1_eof(&c->http);
	tlsd_coalesce_flush(c, tlsd_coalesce_waiting(c), TLSD_FLUSH_FIN,
	                    now_ns);
}

bool tlsd_coalesce_expire(struct tlsd_coalesce *c, uint64_t now_ns)
{
	uint64_t dl = tlsd_coalesce_deadline(c);

	if (dl && dl <= now_ns) {
		tlsd_coalesce_flush(c, tlsd_coalesce_waiting(c),
		                    TLSD_FLUSH_TIMER, now_ns);
		return true;
	}
	if (!c->push_ns || c->push_ns > now_ns)
		return false;
	/* Quiet since the drain: the push that was held. */
	tlsd_coalesce_push_disarm(c);
	tlsd_coalesce_flush(c, tlsd_coalesce_waiting(c), TLSD_FLUSH_PUSH,
	                    now_ns);
	return true;
}

/* ---- cutting records --------------------------------------------------- */

size_t tlsd_coalesce_next(struct tlsd_coalesce *c, uint64_t now_ns,
                          const uint8_t **p)
{
	size_t n = c->due, limit;

	if (!n)
		return 0;
	if (c->opt->staged && c->last_out_ns &&
	    now_ns - c->last_out_ns >= tlsd_coalesce_idle_ns(c))
		c->stage = tlsd_coalesce_stage_min(c);
	limit = tlsd_coalesce_limit(c);
	*p = c->buf + c->off;
	return n < limit ? n : limit;
}

void tlsd_coalesce_sealed(struct tlsd_coalesce *c, size_t n, uint64_t now_ns)
{
	if (n > c->due)
		n = c->due;
	c->off += n;
	c->due -= n;
	c->st->records_out++;
	c->st->bytes += n;
	c->last_out_ns = now_ns;
	if (c->opt->staged) {
		c->stage *= 2;
		if (c->stage > c->quantum)
			c->stage = c->quantum;
	}
	if (c->off == c->len)
		c->off = c->len = 0;
}
