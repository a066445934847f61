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
 * sample for TC_POOL_STALE_NS, while TC_POOL_STALE_JOBS jobs of the class
 * went to other cards, gets the next job of that class as a probe: at most
 * one per period and one in TC_POOL_STALE_JOBS jobs (a time-only rule
 * sent a slow card a probe every 20 ms however few jobs there were, which
 * evened out the split between unequal cards on a slow host), so
 * estimates follow the cards' real speed.
 *
 * Key affinity: a job naming pool keys stays on the card that holds most
 * of them (no key load, the keys' card-side state stays warm) unless
 * that card's queue exceeds the least loaded other card's by more than
 * tc_pool_opts.key_move_margin jobs; then least ECT picks among the
 * others and the keys move (counted per card in key_moves).
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

bool tc_pool_affinity_stay(unsigned home_depth, unsigned other_depth,
                           unsigned margin)
{
	return home_depth <= other_depth + margin;
}

/* Can card take job now (usable, space for it and its key loads)? */
static bool tc_pool_card_fits(struct tc_pool *pool, struct tc_pool_card *card,
                              const struct tc_job *job)
{
	if (!tc_pool_card_usable(card))
		return false;
	/* Keys are gone if the card was reset since we last looked. */
	tc_pool_sync_reset(pool, card);
	return tc_qp_space(card->qp) >= 1 + tc_pool_keys_missing(card, job);
}

/*
 * Key affinity (issue 5 section 3): the card that should keep the job
 * because it holds the job's keys, or -1 (least ECT decides among all
 * cards but *exclude; when it picks a card without the keys they move,
 * and tc_pool_keys_prepare counts it).  Among the cards missing the
 * fewest of the keys the least ECT one is home; when every card holds
 * them (a certificate key) that is plain least ECT.  Home keeps the job
 * unless its queue exceeds the least loaded card without the keys by
 * more than key_move_margin jobs.
 */
static int tc_pool_choose_home(struct tc_pool *pool, const struct tc_job *job,
                               int avoid, int *exclude)
{
	unsigned cls = tc_pool_job_class(job);
	unsigned best_missing = job->nkeys, other = UINT32_MAX, depth;
	double best_cost = 0;
	int home = -1;

	*exclude = -1;
	if (!job->nkeys || pool->opts.policy != TC_POOL_LEAST_ECT)
		return -1;
	for (unsigned k = 0; k < pool->ncards; k++) {
		struct tc_pool_card *card = pool->cards[k];
		unsigned missing;
		double cost;

		if ((int)k == avoid || !tc_pool_card_fits(pool, card, job))
			continue;
		missing = tc_pool_keys_missing(card, job);
		cost = tc_pool_ect(card, cls);
		if (missing < best_missing ||
		    (home >= 0 && missing == best_missing &&
		     cost < best_cost)) {
			best_missing = missing;
			best_cost = cost;
			home = (int)k;
		}
	}
	if (home < 0)
		return -1; /* no card holds any of the keys */
	for (unsigned k = 0; k < pool->ncards; k++) {
		struct tc_pool_card *card = pool->cards[k];

		if ((int)k == avoid || !tc_pool_card_fits(pool, card, job) ||
		    tc_pool_keys_missing(card, job) == best_missing)
			continue;
		depth = tc_qp_inflight(card->qp);
		if (depth < other)
			other = depth;
	}
	depth = tc_qp_inflight(pool->cards[home]->qp);
	if (other == UINT32_MAX ||
	    tc_pool_affinity_stay(depth, other, pool->opts.key_move_margin))
		return home;
	*exclude = home; /* too far behind: move the keys */
	return -1;
}

/* An estimate not sampled for a while gets a job (see above), at most one
 * per TC_POOL_STALE_JOBS jobs of the class, so probes stay a small share
 * and do not flatten the split between unequal cards. */
static bool tc_pool_stale(const struct tc_pool *pool,
                          const struct tc_pool_card *card, unsigned cls,
                          uint64_t now)
{
	return card->est_known[cls] &&
	       now - card->est_at_ns[cls] > TC_POOL_STALE_NS &&
	       pool->class_placed[cls] - card->est_at_job[cls] >=
	           TC_POOL_STALE_JOBS;
}

static int tc_pool_choose_card(struct tc_pool *pool, const struct tc_job *job,
                               int avoid, bool *any_usable)
{
	unsigned cls = tc_pool_job_class(job);
	int best = -1, fallback = -1, exclude;
	double best_cost = 0;
	unsigned i, n = pool->ncards;
	uint64_t now = tc_now_ns();

	best = tc_pool_choose_home(pool, job, avoid, &exclude);
	if (best >= 0) {
		*any_usable = true;
		return best;
	}
	for (i = 0; i < n; i++) {
		unsigned k = pool->opts.policy == TC_POOL_ROUND_ROBIN
		                 ? (pool->rr_next + i) % n
		                 : i;
		struct tc_pool_card *card = pool->cards[k];
		double cost;

		if (!tc_pool_card_usable(card))
			continue;
		*any_usable = true;
		if (!tc_pool_card_fits(pool, card, job))
			continue;
		if ((int)k == avoid || (int)k == exclude) {
			if (fallback < 0 || (int)k == exclude)
				fallback = (int)k;
			continue;
		}
		if (pool->opts.policy == TC_POOL_ROUND_ROBIN)
			return (int)k;
		if (tc_pool_stale(pool, card, cls, now)) {
			card->est_at_ns[cls] = now;
			card->est_at_job[cls] = pool->class_placed[cls];
			return (int)k;
		}
		cost = tc_pool_ect(card, cls);
		if (best < 0 || cost < best_cost) {
			best = (int)k;
			best_cost = cost;
		}
	}
	return best >= 0 ? best : fallback;
}

/*
 * Best card for job, or -EAGAIN (usable cards are full) or -ENODEV (none
 * usable).  avoid: a card to use only if no other can take the job (the
 * one a retried job just failed on), or -1.
 */
int tc_pool_choose(struct tc_pool *pool, const struct tc_job *job, int avoid)
{
	bool any_usable = false;
	int best = tc_pool_choose_card(pool, job, avoid, &any_usable);

	if (best < 0)
		return any_usable ? -EAGAIN : -ENODEV;
	if (pool->opts.policy == TC_POOL_ROUND_ROBIN)
		pool->rr_next = ((unsigned)best + 1) % pool->ncards;
	pool->class_placed[tc_pool_job_class(job)]++;
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
		card->est_at_job[cls] = card->pool->class_placed[cls];
		tc_hist_add(&card->hist[cls], latency);
	}
	if (now > card->last_done_ns)
		card->last_done_ns = now;
}
