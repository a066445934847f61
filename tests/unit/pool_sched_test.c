/* SPDX-License-Identifier: MIT */
/*
 * The pool's card choice (tc_pool_sched.c): the key-affinity decision on
 * its own, then with two sim cards whose engines are stalled (so queues
 * only grow): a job whose key is on a card stays there until that card's
 * queue exceeds the other's by more than the margin, then goes to the
 * other card, which loads the key, and the move is counted.
 */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tc_pool_internal.h"

static void test_affinity_decision(void **state)
{
	(void)state;
	/* Equal queues, or home behind by up to the margin: stay. */
	assert_true(tc_pool_affinity_stay(0, 0, 8));
	assert_true(tc_pool_affinity_stay(5, 9, 8));
	assert_true(tc_pool_affinity_stay(8, 0, 8));
	assert_true(tc_pool_affinity_stay(12, 4, 8));
	/* More than the margin: move. */
	assert_false(tc_pool_affinity_stay(9, 0, 8));
	assert_false(tc_pool_affinity_stay(13, 4, 8));
	/* Margin 0: leave as soon as home holds more than the other. */
	assert_true(tc_pool_affinity_stay(3, 3, 0));
	assert_false(tc_pool_affinity_stay(4, 3, 0));
	/* No overflow near the top of the range. */
	assert_true(tc_pool_affinity_stay(UINT32_MAX - 1, UINT32_MAX - 9, 8));
}

struct two_cards {
	struct tc_ctx *ctx;
	struct tc_dev *dev[2];
	struct tc_pool *pool;
	struct tc_dma_buf data, sgl, out;
	uint32_t slot;
	struct tc_job jobs[16];
	unsigned done;
};

static struct two_cards *cur;

static void job_done(struct tc_job *job)
{
	(void)job;
	cur->done++;
}

static unsigned depth(struct two_cards *t, unsigned card)
{
	struct tc_pool_card_stats st;

	assert_int_equal(tc_pool_card_stats(t->pool, card, &st), 0);
	return st.qp.inflight;
}

static uint64_t moves(struct two_cards *t, unsigned card)
{
	struct tc_pool_card_stats st;

	assert_int_equal(tc_pool_card_stats(t->pool, card, &st), 0);
	return st.key_moves;
}

/* An HMAC digest job naming the pool key. */
static void submit_keyed(struct two_cards *t, unsigned i)
{
	struct tc_job *job = &t->jobs[i];

	tc_job_prep_digest(job, TC_HASH_SHA256, t->sgl.iova, 1, NULL, 0,
	                   t->out.iova, 32);
	job->sqe.u.digest.dflags = TC_DIGEST_F_HMAC;
	job->sqe.u.digest.key_slot = htole32(t->slot);
	job->keys = &t->slot;
	job->nkeys = 1;
	job->done = job_done;
	assert_int_equal(tc_pool_submit(t->pool, job), 0);
}

static void test_keys_stay_then_move(void **state)
{
	static const unsigned char key[32] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct two_cards t = {0};
	struct tc_sg_entry *sg;
	struct tc_pool_opts o;
	unsigned i, before0, before1;
	uint64_t deadline;

	(void)state;
	cur = &t;
	tc_pool_opts_default(&o);
	o.key_move_margin = 4;
	assert_int_equal(tc_ctx_create(&t.ctx), 0);
	assert_int_equal(tc_pool_create(t.ctx, &o, &t.pool), 0);
	for (i = 0; i < 2; i++) {
		struct tc_dev_opts d = {.sim_spec = "engines=1"};

		assert_int_equal(tc_dev_open(t.ctx, "sim", &d, &t.dev[i]), 0);
		assert_int_equal(tc_pool_add(t.pool, t.dev[i]), (int)i);
		/* Nothing completes: queue depths only grow. */
		tc_dev_write32(t.dev[i], TC_REG_FI_CTRL, TC_FI_CTRL_STALL);
	}
	assert_int_equal(
	    tc_pool_key_create(t.pool, TC_KEY_HMAC, key, 32, &t.slot), 0);
	assert_int_equal(tc_dma_alloc(t.ctx, 64, &t.data), 0);
	assert_int_equal(tc_dma_alloc(t.ctx, sizeof(*sg), &t.sgl), 0);
	assert_int_equal(tc_dma_alloc(t.ctx, 32, &t.out), 0);
	sg = t.sgl.va;
	sg->addr = htole64(t.data.iova);
	sg->len = htole32(10);

	/* No card has the key: least ECT (a tie) picks card 0, which loads
	 * it (a KEY_LOAD ahead of the job) without counting a move. */
	submit_keyed(&t, 0);
	tc_pool_flush(t.pool);
	assert_int_equal(depth(&t, 0), 2);
	assert_int_equal(depth(&t, 1), 0);
	/* Card 0 keeps the key's jobs while it holds at most 4 more. */
	for (i = 1; i <= 3; i++) {
		submit_keyed(&t, i);
		assert_int_equal(depth(&t, 0), 2 + i);
		assert_int_equal(depth(&t, 1), 0);
	}
	assert_int_equal(moves(&t, 0) + moves(&t, 1), 0);
	/* 5 > 0 + 4: the next job goes to card 1 and the key moves. */
	submit_keyed(&t, 4);
	assert_int_equal(depth(&t, 0), 5);
	assert_int_equal(depth(&t, 1), 2);
	assert_int_equal(moves(&t, 1), 1);
	/* Both cards hold it now: plain least ECT, no further moves. */
	before0 = depth(&t, 0);
	before1 = depth(&t, 1);
	submit_keyed(&t, 5);
	assert_int_equal(depth(&t, 0), before0);
	assert_int_equal(depth(&t, 1), before1 + 1);
	assert_int_equal(moves(&t, 0) + moves(&t, 1), 1);
	tc_pool_flush(t.pool);

	/* Let everything finish (bounded), then tear down. */
	for (i = 0; i < 2; i++)
		tc_dev_write32(t.dev[i], TC_REG_FI_CTRL, 0);
	deadline = tc_now_ns() + 5000000000ull;
	while (t.done < 6 && tc_now_ns() < deadline)
		tc_pool_wait(t.pool, 10);
	assert_int_equal(t.done, 6);
	for (i = 0; i < 6; i++)
		assert_int_equal(t.jobs[i].status, TC_STS_OK);
	tc_pool_key_destroy(t.pool, t.slot);
	for (i = 0; i < 20 && tc_pool_inflight(t.pool); i++)
		tc_pool_wait(t.pool, 10);
	tc_dma_free(t.ctx, &t.data);
	tc_dma_free(t.ctx, &t.sgl);
	tc_dma_free(t.ctx, &t.out);
	tc_pool_destroy(t.pool);
	for (i = 0; i < 2; i++)
		tc_dev_close(t.dev[i]);
	tc_ctx_destroy(t.ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_affinity_decision),
	    cmocka_unit_test(test_keys_stay_then_move),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
