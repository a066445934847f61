/* SPDX-License-Identifier: MIT */
/*
 * The pool's choice of card (method M5) and the estimates behind it.
 *
 * Least expected completion time.  A new job of class c sent to card k
 * finishes, we expect, after the card has drained what it already holds
 * and then served this one:
 *
 *	ect(k, c) = sum over classes j of inflight[k][j] * est[k][j]
 *		    + est[k][c]
 *
 * With one class this is (inflight + 1) x est.  est[k][j] is an EWMA
 * (alpha 1/8) of the card's effective service time per job of class j,
 * measured from completions with a departure-interval estimator:
 *
 *	service = complete_ns - max(submit_ns, previous completion on k)
 *
 * When the card is busy, consecutive completions are one service interval
 * apart whatever the queueing before them, so the estimate is the card's
 * real throughput: a card with four engines shows a quarter of one
 * engine's time.  When it is idle, the interval starts at submission and
 * the estimate is the job's latency.  Queueing delay is excluded either
 * way, so the estimate does not feed back on the card's own backlog.
 * Only successful jobs are measured (a failing card would look fast);
 * failures are handled by failover instead.
 *
 * A class never seen on a card is seeded with a small value
 * (TC_POOL_SEED_NS) so every card gets tried, then learned.
 *
 * An estimate only moves when the card runs jobs of its class, so one bad
 * sample (a completion reaped late by a busy host) could keep a card out
 * of a class for good.  A card whose estimate for the class has had no
 * sample for TC_POOL_STALE_NS gets the next job of that class as a probe,
 * at most one per period, so estimates follow the cards' real speed.
 *
 * Round robin (the baseline): the next usable card with space, in order.
 */
#include <errno.h>

#include "tc_pool_internal.h"

void tc_pool_sched_init(struct tc_pool_card *card)
{
	unsigned c;

	for (c = 0; c < TC_CLASS_COUNT; c++) {
		card->est_ns[c] = TC_POOL_SEED_NS;
		card->est_known[c] = false;
		card->inflight[c] = 0;
	}
	card->last_done_ns = 0;
}

unsigned tc_pool_job_class(const struct tc_job *job)
{
	unsigned c = tc_opcode_class(job->sqe.opcode);

	/* An unknown opcode fails fast on the card: schedule it as a NOP. */
	return c < TC_CLASS_COUNT ? c : TC_CLASS_NOP;
}

static double tc_pool_ect(const struct tc_pool_card *card, unsigned cls)
{
	double t = card->est_ns[cls];
	unsigned c;

	for (c = 0; c < TC_CLASS_COUNT; c++)
		t += (double)card->inflight[c] * card->est_ns[c];
	return t;
}

/*
 * Best card for job, or -EAGAIN (usable cards are full) or -ENODEV (none
 * usable).  avoid: a card to use only if no other can take the job (the
 * one a retried job just failed on), or -1.
 */
int tc_pool_choose(struct tc_pool *pool, const struct tc_job *job, int avoid)
{
	unsigned cls = tc_pool_job_class(job);
	bool any_usable = false;
	int best = -1, fallback = -1;
	double best_cost = 0;
	unsigned i, n = pool->ncards;
	uint64_t now = tc_now_ns();

	for (i = 0; i < n; i++) {
		unsigned k = pool->opts.policy == TC_POOL_ROUND_ROBIN
		                 ? (pool->rr_next + i) % n
		                 : i;
		struct tc_pool_card *card = pool->cards[k];
		double cost;

		if (!tc_pool_card_usable(card))
			continue;
		any_usable = true;
		/* Keys are gone if the card was reset since we last looked. */
		tc_pool_sync_reset(pool, card);
		if (tc_qp_space(card->qp) < 1 + tc_pool_keys_missing(card, job))
			continue;
		if ((int)k == avoid) {
			fallback = (int)k;
			continue;
		}
		if (pool->opts.policy == TC_POOL_ROUND_ROBIN) {
			best = (int)k;
			break;
		}
		if (card->est_known[cls] &&
		    now - card->est_at_ns[cls] > TC_POOL_STALE_NS) {
			/* Refresh a stale estimate (see above). */
			card->est_at_ns[cls] = now;
			best = (int)k;
			break;
		}
		cost = tc_pool_ect(card, cls);
		if (best < 0 || cost < best_cost) {
			best = (int)k;
			best_cost = cost;
		}
	}
	if (best < 0)
		best = fallback;
	if (best < 0)
		return any_usable ? -EAGAIN : -ENODEV;
	if (pool->opts.policy == TC_POOL_ROUND_ROBIN)
		pool->rr_next = ((unsigned)best + 1) % n;
	return best;
}

static double tc_pool_ewma(double old, double sample)
{
	return old + (sample - old) / (double)(1u << TC_POOL_EWMA_SHIFT);
}

/* A job of this card completed at now: update estimates and statistics. */
void tc_pool_account(struct tc_pool_card *card, const struct tc_job *job,
                     uint64_t now)
{
	unsigned cls = tc_pool_job_class(job);
	uint64_t start, service, latency;

	card->class_jobs[cls]++;
	if (job->status == TC_STS_OK && job->submit_ns &&
	    now > job->submit_ns) {
		start = job->submit_ns > card->last_done_ns
		            ? job->submit_ns
		            : card->last_done_ns;
		service = now > start ? now - start : 0;
		latency = now - job->submit_ns;
		if (card->est_known[cls]) {
			card->est_ns[cls] =
			    tc_pool_ewma(card->est_ns[cls], (double)service);
			card->ewma_lat_ns[cls] = tc_pool_ewma(
			    card->ewma_lat_ns[cls], (double)latency);
		} else if (service) {
			/* First sample replaces the seed (a zero interval
			 * from a batched poll says nothing yet). */
			card->est_ns[cls] = (double)service;
			card->ewma_lat_ns[cls] = (double)latency;
			card->est_known[cls] = true;
		}
		card->est_at_ns[cls] = now;
		tc_hist_add(&card->hist[cls], latency);
	}
	if (now > card->last_done_ns)
		card->last_done_ns = now;
}
