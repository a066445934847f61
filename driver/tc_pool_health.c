/* SPDX-License-Identifier: MIT */
/*
 * Card health in the pool: quarantine, timeouts, probes, and waiting.
 *
 * Quarantine = reset the card.  The reset completes every job the card
 * held with ABORTED_RESET, which sends them through the normal failover
 * path to other cards; the card's keys are marked unloaded; after
 * probe_ms a NOP probe is sent, and if it completes OK the card is UP
 * again, else the next probe waits twice as long (capped at 5 s).
 *
 * A hung card is found by age: on each poll (at most every timeout/8 per
 * card, the scan is O(ring depth)) the oldest job in flight is compared
 * with timeout_ms.  tc_pool_wait() sleeps no later than the earliest such
 * deadline or probe, so an idle caller still notices.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tc_pool_internal.h"

#define TC_POOL_WAIT_FDS 64u

struct tc_pool_ijob *tc_pool_ijob_new(enum tc_pool_ijob_kind kind)
{
	struct tc_pool_ijob *ij = calloc(1, sizeof(*ij));

	if (!ij)
		return NULL;
	ij->kind = kind;
	ij->job.done = tc_pool_ijob_done;
	ij->job.card = -1;
	return ij;
}

static uint64_t tc_pool_ms(uint32_t ms)
{
	return (uint64_t)ms * 1000000ull;
}

/* Catch up with resets of the card (ours or its own). */
void tc_pool_sync_reset(struct tc_pool *pool, struct tc_pool_card *card)
{
	unsigned c;

	if (card->reset_gen == card->dev->reset_gen)
		return;
	card->reset_gen = card->dev->reset_gen;
	card->resets++;
	tc_pool_keys_card_reset(pool, card);
	/* Everything it held has been completed: nothing is in flight. */
	for (c = 0; c < TC_CLASS_COUNT; c++)
		card->inflight[c] = 0;
}

void tc_pool_quarantine(struct tc_pool *pool, struct tc_pool_card *card,
                        const char *why)
{
	fprintf(stderr, "tlscard: pool: quarantining %s: %s\n",
	        card->dev->info.name, why);
	card->state = TC_CARD_QUARANTINED;
	card->quarantine_now = false;
	card->quarantines++;
	card->consecutive_errors = 0;
	/* Aborts everything in flight: those jobs come back through the
	 * completion hook and are re-run on other cards. */
	tc_dev_reset(card->dev);
	tc_pool_sync_reset(pool, card);
	card->probe_backoff_ms = pool->opts.probe_ms;
	card->probe_at_ns = tc_now_ns() + tc_pool_ms(card->probe_backoff_ms);
}

void tc_pool_probe_done(struct tc_pool *pool, struct tc_pool_card *card,
                        struct tc_pool_ijob *ij)
{
	if (card->probe == ij)
		card->probe = NULL;
	if (ij->job.status == TC_STS_OK && card->state == TC_CARD_QUARANTINED) {
		fprintf(stderr, "tlscard: pool: %s is back up\n",
		        card->dev->info.name);
		card->state = TC_CARD_UP;
		card->consecutive_errors = 0;
		card->probe_backoff_ms = pool->opts.probe_ms;
	} else if (card->state == TC_CARD_QUARANTINED) {
		card->probe_backoff_ms *= 2;
		if (card->probe_backoff_ms > TC_POOL_PROBE_CAP_MS)
			card->probe_backoff_ms = TC_POOL_PROBE_CAP_MS;
		card->probe_at_ns =
		    tc_now_ns() + tc_pool_ms(card->probe_backoff_ms);
	}
	free(ij);
}

static void tc_pool_probe(struct tc_pool *pool, struct tc_pool_card *card,
                          uint64_t now)
{
	struct tc_pool_ijob *ij;
	struct tc_job *pj;

	(void)pool;
	/* A card whose last reset failed gets another reset first. */
	if ((card->dev->broken || !card->qp->ready) &&
	    tc_dev_reset(card->dev)) {
		tc_pool_sync_reset(pool, card);
		goto backoff;
	}
	tc_pool_sync_reset(pool, card);
	ij = tc_pool_ijob_new(TC_POOL_IJOB_PROBE);
	if (!ij)
		goto backoff;
	pj = &ij->job;
	tc_job_prep_nop(pj);
	if (tc_qp_submit(card->qp, &pj, 1) != 1) {
		free(ij);
		goto backoff;
	}
	card->probe = ij;
	card->inflight[TC_CLASS_NOP]++;
	card->touched = true;
	return;
backoff:
	card->probe_backoff_ms *= 2;
	if (card->probe_backoff_ms > TC_POOL_PROBE_CAP_MS)
		card->probe_backoff_ms = TC_POOL_PROBE_CAP_MS;
	card->probe_at_ns = now + tc_pool_ms(card->probe_backoff_ms);
}

static void tc_pool_check_age(struct tc_pool *pool, struct tc_pool_card *card,
                              uint64_t now)
{
	uint64_t limit = tc_pool_ms(pool->opts.timeout_ms);
	uint64_t oldest, interval = limit / 8;

	if (!tc_qp_inflight(card->qp) || now < card->next_scan_ns)
		return;
	card->next_scan_ns = now + (interval > 1000000 ? interval : 1000000);
	oldest = tc_qp_oldest_submit_ns(card->qp);
	if (!oldest || now <= oldest)
		return;
	/* Slow answers: first make sure the card did not reset silently,
	 * and repeat the CQ head in case the card missed that doorbell. */
	if (now - oldest > limit / 4) {
		if (tc_dev_check(card->dev)) {
			tc_pool_sync_reset(pool, card);
			return;
		}
		tc_qp_kick(card->qp);
	}
	if (now - oldest <= limit)
		return;
	if (card->state == TC_CARD_QUARANTINED) {
		/* The probe hung: reset again; the probe fails and backs off. */
		tc_dev_reset(card->dev);
		tc_pool_sync_reset(pool, card);
		return;
	}
	tc_pool_quarantine(pool, card, "job timed out");
}

void tc_pool_health(struct tc_pool *pool, uint64_t now)
{
	unsigned i;

	for (i = 0; i < pool->ncards; i++) {
		struct tc_pool_card *card = pool->cards[i];

		if (card->dev->broken && card->state != TC_CARD_QUARANTINED) {
			tc_pool_quarantine(pool, card, "reset failed");
			continue;
		}
		tc_pool_check_age(pool, card, now);
		if (card->state == TC_CARD_QUARANTINED && !card->probe &&
		    now >= card->probe_at_ns)
			tc_pool_probe(pool, card, now);
	}
}

/* Earliest time tc_pool_poll() has work to do without an interrupt. */
static uint64_t tc_pool_next_deadline(struct tc_pool *pool, uint64_t now)
{
	uint64_t limit = tc_pool_ms(pool->opts.timeout_ms);
	uint64_t next = UINT64_MAX;
	unsigned i;

	for (i = 0; i < pool->ncards; i++) {
		struct tc_pool_card *card = pool->cards[i];
		uint64_t oldest = tc_qp_oldest_submit_ns(card->qp);

		if (oldest && oldest + limit / 4 < next)
			next = oldest + limit / 4; /* silent-reset check */
		if (oldest && oldest + limit < next)
			next = oldest + limit;
		if (card->state == TC_CARD_QUARANTINED && !card->probe &&
		    card->probe_at_ns < next)
			next = card->probe_at_ns;
	}
	if (pool->retry_head) {
		/* Retries wait for a card to come back or for a give-up. */
		uint64_t give_up = pool->retry_head->submit_ns + limit;

		if (give_up < next)
			next = give_up;
		if (now + 1000000 < next)
			next = now + 1000000;
	}
	return next;
}

unsigned tc_pool_fds(const struct tc_pool *pool, int *fds, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < pool->ncards; i++) {
		struct tc_pool_card *card = pool->cards[i];
		int efd = tc_qp_eventfd(card->qp);
		int err = tc_dev_err_eventfd(card->dev);

		if (efd >= 0 && n < max)
			fds[n++] = efd;
		if (err >= 0 && n < max)
			fds[n++] = err;
	}
	return n;
}

unsigned tc_pool_wait(struct tc_pool *pool, int timeout_ms)
{
	struct pollfd pfd[TC_POOL_WAIT_FDS];
	struct tc_pool_card *owner[TC_POOL_WAIT_FDS];
	uint64_t now = tc_now_ns(), next;
	unsigned i, n = 0;
	int t = timeout_ms;

	for (i = 0; i < pool->ncards && n + 2 <= TC_POOL_WAIT_FDS; i++) {
		struct tc_pool_card *card = pool->cards[i];
		int efd = tc_qp_eventfd(card->qp);
		int err = tc_dev_err_eventfd(card->dev);

		if (efd >= 0) {
			pfd[n] = (struct pollfd){.fd = efd, .events = POLLIN};
			owner[n++] = card;
		}
		if (err >= 0) {
			pfd[n] = (struct pollfd){.fd = err, .events = POLLIN};
			owner[n++] = card;
		}
	}
	/*
	 * A zero timeout never sleeps (the caller's loop saw an fd readable):
	 * no deadline can shorten it and no age check is overdue beyond its
	 * own interval, so skip both scans of every in-flight job.  The loop
	 * calls this for each card event, and the scans cost more than the
	 * reaping.
	 */
	next = timeout_ms ? tc_pool_next_deadline(pool, now) : UINT64_MAX;
	if (next != UINT64_MAX) {
		uint64_t ms = next > now ? (next - now + 999999) / 1000000 : 0;

		if (t < 0 || ms < (uint64_t)t)
			t = (int)ms;
	}
	if (poll(pfd, n, t) > 0) {
		for (i = 0; i < n; i++) {
			struct tc_pool_card *card = owner[i];
			uint64_t v;

			if (!(pfd[i].revents & POLLIN))
				continue;
			if (pfd[i].fd == tc_qp_eventfd(card->qp)) {
				tc_qp_drain_eventfd(card->qp);
			} else if (read(pfd[i].fd, &v, sizeof(v)) ==
			           sizeof(v)) {
				/* Error vector: a reset or fatal error. */
				tc_dev_check(card->dev);
			}
		}
	}
	/* Deadlines may have passed while asleep: scan ages now. */
	for (i = 0; timeout_ms && i < pool->ncards; i++)
		pool->cards[i]->next_scan_ns = 0;
	return tc_pool_poll(pool, UINT32_MAX);
}
