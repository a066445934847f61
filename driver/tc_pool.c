/* SPDX-License-Identifier: MIT */
/*
 * The pool (method M5): several cards in one context, one queue pair
 * each.  Jobs go to the card with the least expected completion time
 * (tc_pool_sched.c); a job that fails because of the card (INTERNAL,
 * ABORTED_RESET) is re-run on another card, up to TC_POOL_MAX_ATTEMPTS
 * submissions; every other status is the host's fault and final.
 *
 * Exactly once: a job is in exactly one place at a time (a card's cid
 * table, the retry list, or handed back through done()), and it leaves
 * a cid table exactly once, by a validated completion or by the reset
 * that aborts it.  Both paths come through tc_pool_complete().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_pool_internal.h"

void tc_pool_opts_default(struct tc_pool_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->policy = TC_POOL_LEAST_ECT;
	o->depth_log2 = 8;
	o->timeout_ms = 2000;
	o->error_threshold = 8;
	o->probe_ms = 100;
	o->key_move_margin = TC_POOL_KEY_MOVE_MARGIN;
}

void tc_pool_set_key_move_margin(struct tc_pool *pool, unsigned margin)
{
	pool->opts.key_move_margin = margin;
}

int tc_pool_create(struct tc_ctx *ctx, const struct tc_pool_opts *opts,
                   struct tc_pool **out)
{
	struct tc_pool *pool;

	*out = NULL;
	if (!ctx)
		return -EINVAL;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return -ENOMEM;
	pool->ctx = ctx;
	if (opts)
		pool->opts = *opts;
	else
		tc_pool_opts_default(&pool->opts);
	if (pool->opts.policy != TC_POOL_LEAST_ECT &&
	    pool->opts.policy != TC_POOL_ROUND_ROBIN) {
		free(pool);
		return -EINVAL;
	}
	if (!pool->opts.depth_log2)
		pool->opts.depth_log2 = 8;
	if (!pool->opts.timeout_ms)
		pool->opts.timeout_ms = 2000;
	if (!pool->opts.error_threshold)
		pool->opts.error_threshold = 1;
	if (!pool->opts.probe_ms)
		pool->opts.probe_ms = 100;
	pool->key_cap = TC_POOL_MAX_KEYS;
	*out = pool;
	return 0;
}

void tc_pool_destroy(struct tc_pool *pool)
{
	unsigned i;

	if (!pool)
		return;
	/* From here every completion is final: nothing is retried. */
	pool->destroying = true;
	for (i = 0; i < pool->ncards; i++)
		tc_qp_destroy(pool->cards[i]->qp);
	while (pool->retry_head) {
		struct tc_job *job = pool->retry_head;

		pool->retry_head = job->next;
		pool->nretry--;
		tc_pool_deliver(pool, NULL, job);
	}
	tc_pool_keys_free_all(pool);
	for (i = 0; i < pool->ncards; i++) {
		free(pool->cards[i]->keys_loaded);
		free(pool->cards[i]->evict_pending);
		free(pool->cards[i]);
	}
	free(pool->cards);
	free(pool);
}

bool tc_pool_card_usable(const struct tc_pool_card *card)
{
	return card->state == TC_CARD_UP && card->qp->ready &&
	       !card->dev->broken;
}

/* Hand a user job back, finally. */
void tc_pool_deliver(struct tc_pool *pool, struct tc_pool_card *card,
                     struct tc_job *job)
{
	job->next = NULL;
	if (card)
		job->card = (int)card->index;
	if (pool->user_inflight)
		pool->user_inflight--;
	pool->reaped++;
	if (job->done)
		job->done(job);
}

/* Internal jobs are recognised by this done() and freed by their owner. */
void tc_pool_ijob_done(struct tc_job *job)
{
	(void)job;
}

static void tc_pool_retry(struct tc_pool *pool, struct tc_pool_card *card,
                          struct tc_job *job, uint64_t now)
{
	if (pool->destroying || job->attempts >= TC_POOL_MAX_ATTEMPTS) {
		tc_pool_deliver(pool, card, job);
		return;
	}
	card->retried_away++;
	job->card = (int)card->index; /* avoided when placing it again */
	job->submit_ns = now;         /* start of the wait for a card */
	job->next = NULL;
	if (pool->retry_tail)
		pool->retry_tail->next = job;
	else
		pool->retry_head = job;
	pool->retry_tail = job;
	pool->nretry++;
}

/* The queue pair's completion hook: every job of every card ends here. */
static void tc_pool_complete(struct tc_qp *qp, struct tc_job *job, void *arg)
{
	struct tc_pool_card *card = arg;
	struct tc_pool *pool = card->pool;
	unsigned cls = tc_pool_job_class(job);
	uint64_t now = tc_now_ns();

	(void)qp;
	if (card->inflight[cls])
		card->inflight[cls]--;
	tc_pool_account(card, job, now);

	/* A card that keeps failing goes to quarantine (after the poll). */
	if (job->status == TC_STS_INTERNAL) {
		if (++card->consecutive_errors >= pool->opts.error_threshold &&
		    card->state == TC_CARD_UP)
			card->quarantine_now = true;
	} else if (job->status == TC_STS_OK) {
		card->consecutive_errors = 0;
	}

	if (job->done == tc_pool_ijob_done) {
		struct tc_pool_ijob *ij = (struct tc_pool_ijob *)job;

		if (ij->kind == TC_POOL_IJOB_PROBE)
			tc_pool_probe_done(pool, card, ij);
		else
			tc_pool_keys_ijob_done(pool, card, ij);
		return;
	}

	switch (job->status) {
	case TC_STS_INTERNAL:
	case TC_STS_ABORTED_RESET: tc_pool_retry(pool, card, job, now); return;
	case TC_STS_BAD_KEY_SLOT:
		/* Our key load failed or the card lost it: not the host's
		 * fault, so run it again (the key is loaded first). */
		tc_pool_sync_reset(pool, card);
		if (job->nkeys && !tc_pool_keys_loaded(card, job)) {
			tc_pool_retry(pool, card, job, now);
			return;
		}
		break;
	default: break;
	}
	tc_pool_deliver(pool, card, job);
}

int tc_pool_add(struct tc_pool *pool, struct tc_dev *dev)
{
	struct tc_pool_card *card, **cards;
	unsigned i, qid, log2;
	int ret;

	if (!dev || dev->ctx != pool->ctx)
		return -EINVAL;
	for (i = 0; i < pool->ncards; i++)
		if (pool->cards[i]->dev == dev)
			return -EEXIST;
	/* Every pool key must fit in this card's slots too. */
	if (tc_pool_keys_top(pool) > dev->info.key_slots)
		return -EINVAL;
	for (qid = 0; qid < dev->info.nqueues && dev->qps[qid]; qid++)
		;
	if (qid >= dev->info.nqueues)
		return -EBUSY;
	card = calloc(1, sizeof(*card));
	cards = realloc(pool->cards, (pool->ncards + 1) * sizeof(*cards));
	if (!card || !cards) {
		free(card);
		return -ENOMEM;
	}
	pool->cards = cards;
	card->keys_loaded = calloc(TC_POOL_KEY_WORDS, sizeof(uint64_t));
	card->evict_pending = calloc(TC_POOL_KEY_WORDS, sizeof(uint64_t));
	if (!card->keys_loaded || !card->evict_pending) {
		ret = -ENOMEM;
		goto fail;
	}
	log2 = pool->opts.depth_log2;
	if (log2 > dev->info.max_ring_log2)
		log2 = dev->info.max_ring_log2;
	if (log2 > 15)
		log2 = 15;
	ret = tc_qp_create(dev, qid, log2, &card->qp);
	if (ret)
		goto fail;
	card->pool = pool;
	card->index = pool->ncards;
	card->dev = dev;
	card->state = TC_CARD_UP;
	card->reset_gen = dev->reset_gen;
	card->probe_backoff_ms = pool->opts.probe_ms;
	tc_pool_sched_init(card);
	tc_qp_set_complete(card->qp, tc_pool_complete, card);
	if (dev->info.key_slots < pool->key_cap)
		pool->key_cap = dev->info.key_slots;
	pool->cards[pool->ncards++] = card;
	return (int)card->index;
fail:
	free(card->keys_loaded);
	free(card->evict_pending);
	free(card);
	return ret;
}

unsigned tc_pool_ncards(const struct tc_pool *pool)
{
	return pool->ncards;
}

struct tc_dev *tc_pool_card(const struct tc_pool *pool, unsigned card)
{
	return card < pool->ncards ? pool->cards[card]->dev : NULL;
}

/* Queue job on the best card (loading its keys there first); returns the
 * card's index or -errno. */
int tc_pool_place(struct tc_pool *pool, struct tc_job *job, int avoid)
{
	struct tc_pool_card *card;
	int c, ret;

	c = tc_pool_choose(pool, job, avoid);
	if (c < 0)
		return c;
	card = pool->cards[c];
	ret = tc_pool_keys_prepare(pool, card, job);
	if (ret)
		return ret;
	if (tc_qp_submit(card->qp, &job, 1) != 1)
		return -EAGAIN; /* not reached: choose() checked the space */
	job->attempts++;
	card->inflight[tc_pool_job_class(job)]++;
	return c;
}

int tc_pool_submit(struct tc_pool *pool, struct tc_job *job)
{
	int ret;

	if (!job || !tc_pool_keys_valid(pool, job))
		return -EINVAL;
	job->attempts = 0;
	job->card = -1;
	job->status = TC_STS_OK;
	job->next = NULL;
	ret = tc_pool_place(pool, job, -1);
	if (ret < 0)
		return ret;
	pool->user_inflight++;
	return 0;
}

void tc_pool_flush(struct tc_pool *pool)
{
	unsigned i;

	/* tc_qp_flush rings only a queue with new descriptors. */
	for (i = 0; i < pool->ncards; i++)
		tc_qp_flush(pool->cards[i]->qp);
}

/*
 * Place the jobs waiting for a re-run.  A job no card can take at all
 * (every card quarantined or draining) waits up to timeout_ms, then
 * completes with the status of its last attempt.
 */
static void tc_pool_run_retries(struct tc_pool *pool, uint64_t now)
{
	struct tc_job *job = pool->retry_head, *keep_head = NULL,
	              *keep_tail = NULL;
	uint64_t limit = (uint64_t)pool->opts.timeout_ms * 1000000ull;

	pool->retry_head = pool->retry_tail = NULL;
	pool->nretry = 0;
	while (job) {
		struct tc_job *next = job->next;
		int avoid = job->card;
		int ret;

		job->next = NULL;
		ret = tc_pool_place(pool, job, avoid);
		if (ret >= 0) {
			pool->cards[ret]->touched = true;
			job = next;
			continue;
		}
		if (ret == -ENODEV && now - job->submit_ns > limit) {
			job->card = -1;
			if (pool->user_inflight)
				pool->user_inflight--;
			pool->reaped++;
			if (job->done)
				job->done(job);
			job = next;
			continue;
		}
		job->card = avoid;
		if (keep_tail)
			keep_tail->next = job;
		else
			keep_head = job;
		keep_tail = job;
		pool->nretry++;
		job = next;
	}
	/* Retries queued by callbacks meanwhile go after the kept ones. */
	if (keep_tail) {
		keep_tail->next = pool->retry_head;
		if (!pool->retry_head)
			pool->retry_tail = keep_tail;
		pool->retry_head = keep_head;
	}
}

unsigned tc_pool_poll(struct tc_pool *pool, unsigned max)
{
	uint64_t now;
	unsigned i;

	pool->reaped = 0;
	for (i = 0; i < pool->ncards; i++) {
		struct tc_pool_card *card = pool->cards[i];

		if (pool->reaped < max)
			tc_qp_poll(card->qp, max - pool->reaped);
		tc_pool_sync_reset(pool, card);
		if (card->quarantine_now)
			tc_pool_quarantine(pool, card, "too many errors");
	}
	now = tc_now_ns();
	tc_pool_health(pool, now);
	if (pool->retry_head)
		tc_pool_run_retries(pool, now);
	for (i = 0; i < pool->ncards; i++) {
		struct tc_pool_card *card = pool->cards[i];

		if (card->nevict_pending)
			tc_pool_keys_run_evicts(pool, card);
	}
	/* What the pool queued itself (re-runs, probes, evictions) goes out
	 * now; the caller's own batches wait for its tc_pool_flush().  With
	 * caller_flushes everything waits for the caller's one doorbell. */
	for (i = 0; i < pool->ncards && !pool->opts.caller_flushes; i++) {
		if (pool->cards[i]->touched) {
			pool->cards[i]->touched = false;
			tc_qp_flush(pool->cards[i]->qp);
		}
	}
	return pool->reaped;
}

unsigned tc_pool_inflight(const struct tc_pool *pool)
{
	return pool->user_inflight;
}

int tc_pool_set_state(struct tc_pool *pool, unsigned idx,
                      enum tc_card_state state)
{
	struct tc_pool_card *card;

	if (idx >= pool->ncards)
		return -EINVAL;
	card = pool->cards[idx];
	switch (state) {
	case TC_CARD_UP:
		if (card->dev->broken && tc_dev_reset(card->dev))
			return -EIO;
		tc_pool_sync_reset(pool, card);
		card->state = TC_CARD_UP;
		card->consecutive_errors = 0;
		card->quarantine_now = false;
		return 0;
	case TC_CARD_DRAINING: card->state = TC_CARD_DRAINING; return 0;
	case TC_CARD_QUARANTINED:
		tc_pool_quarantine(pool, card, "by request");
		if (pool->retry_head)
			tc_pool_run_retries(pool, tc_now_ns());
		tc_pool_flush(pool);
		return 0;
	}
	return -EINVAL;
}

int tc_pool_card_stats(const struct tc_pool *pool, unsigned idx,
                       struct tc_pool_card_stats *st)
{
	const struct tc_pool_card *card;
	unsigned c;

	if (idx >= pool->ncards)
		return -EINVAL;
	card = pool->cards[idx];
	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", card->dev->info.name);
	st->state = card->state;
	tc_qp_get_stats(card->qp, &st->qp);
	st->resets = card->resets;
	st->quarantines = card->quarantines;
	st->retried_away = card->retried_away;
	st->key_loads = card->key_loads;
	st->key_moves = card->key_moves;
	for (c = 0; c < TC_CLASS_COUNT; c++) {
		st->ewma_ns[c] = card->ewma_lat_ns[c];
		st->class_jobs[c] = card->class_jobs[c];
	}
	return 0;
}

int tc_pool_card_hist(const struct tc_pool *pool, unsigned idx,
                      unsigned op_class, struct tc_hist *out)
{
	if (idx >= pool->ncards || op_class >= TC_CLASS_COUNT)
		return -EINVAL;
	*out = pool->cards[idx]->hist[op_class];
	return 0;
}
