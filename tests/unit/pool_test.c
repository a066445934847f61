/* SPDX-License-Identifier: MIT */
/*
 * The multi-card pool (tc_pool*.c, method M5) with real sim cards:
 * least-expected-completion-time beats round robin on unequal cards,
 * failover after errors, timeouts and card resets completes every job
 * exactly once, probes bring a healed card back, and pool keys are
 * loaded per card and again after a reset.  Runs under TSan.
 */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tc_hist.h"
#include "tc_driver_internal.h"

#define MAX_CARDS 3
#define NJOBS     600

struct fixture {
	struct tc_ctx *ctx;
	struct tc_dev *dev[MAX_CARDS];
	unsigned ncards;
	struct tc_pool *pool;
	struct tc_job jobs[NJOBS];
	unsigned done_count[NJOBS];
	unsigned done_total, done_ok;
	unsigned per_card[MAX_CARDS];
};

static struct fixture *cur;

static void job_done(struct tc_job *job)
{
	unsigned i = (unsigned)(job - cur->jobs);

	cur->done_count[i]++;
	cur->done_total++;
	if (job->status == TC_STS_OK)
		cur->done_ok++;
	if (job->card >= 0 && job->card < MAX_CARDS)
		cur->per_card[job->card]++;
}

static struct fixture *make_pool(const char *const *specs, unsigned n,
                                 const struct tc_pool_opts *opts)
{
	struct fixture *f = calloc(1, sizeof(*f));
	unsigned i;

	assert_non_null(f);
	cur = f;
	assert_int_equal(tc_ctx_create(&f->ctx), 0);
	assert_int_equal(tc_pool_create(f->ctx, opts, &f->pool), 0);
	for (i = 0; i < n; i++) {
		struct tc_dev_opts o = {.sim_spec = specs[i]};

		assert_int_equal(tc_dev_open(f->ctx, "sim", &o, &f->dev[i]), 0);
		assert_int_equal(tc_pool_add(f->pool, f->dev[i]), (int)i);
	}
	f->ncards = n;
	for (i = 0; i < NJOBS; i++) {
		tc_job_prep_nop(&f->jobs[i]);
		f->jobs[i].done = job_done;
	}
	return f;
}

static void free_pool(struct fixture *f)
{
	unsigned i;

	tc_pool_destroy(f->pool);
	for (i = 0; i < f->ncards; i++)
		tc_dev_close(f->dev[i]);
	tc_ctx_destroy(f->ctx);
	free(f);
}

/*
 * Submit jobs [0, n) as fast as the pool takes them, waiting when it is
 * full, until all are done or limit_ms passes.
 */
static void run_jobs(struct fixture *f, unsigned n, unsigned limit_ms)
{
	uint64_t deadline = tc_now_ns() + (uint64_t)limit_ms * 1000000ull;
	unsigned next = 0;

	while (f->done_total < n && tc_now_ns() < deadline) {
		while (next < n) {
			int ret = tc_pool_submit(f->pool, &f->jobs[next]);

			if (ret == -EAGAIN || ret == -ENODEV)
				break;
			assert_int_equal(ret, 0);
			next++;
		}
		tc_pool_flush(f->pool);
		tc_pool_wait(f->pool, 5);
	}
}

static void assert_exactly_once(struct fixture *f, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		if (f->done_count[i] != 1)
			fail_msg("job %u completed %u times", i,
			         f->done_count[i]);
		if (f->jobs[i].status != TC_STS_OK)
			fail_msg("job %u: %s after %u attempts", i,
			         tc_status_name(f->jobs[i].status),
			         f->jobs[i].attempts);
	}
	assert_int_equal(tc_pool_inflight(f->pool), 0);
}

static const char *const unequal[] = {"engines=1,nop_ops=4000",
                                      "engines=1,nop_ops=1000"};

static void test_ect_prefers_faster_card(void **state)
{
	struct tc_pool_opts o;
	struct tc_pool_card_stats st0, st1;
	struct fixture *f;

	(void)state;
	tc_pool_opts_default(&o);
	o.depth_log2 = 5;
	f = make_pool(unequal, 2, &o);
	run_jobs(f, 400, 20000);
	assert_int_equal(f->done_total, 400);
	assert_exactly_once(f, 400);
	/* Capacity is 4:1; least-ECT should send well over 2:1. */
	printf("ect: fast %u slow %u\n", f->per_card[0], f->per_card[1]);
	assert_true(f->per_card[0] > 2 * f->per_card[1]);
	assert_true(f->per_card[1] > 0); /* the slow card was tried */
	assert_int_equal(tc_pool_card_stats(f->pool, 0, &st0), 0);
	assert_int_equal(tc_pool_card_stats(f->pool, 1, &st1), 0);
	assert_string_equal(st0.name, "sim0");
	assert_int_equal(st0.class_jobs[TC_CLASS_NOP], f->per_card[0]);
	assert_true(st0.ewma_ns[TC_CLASS_NOP] > 0);
	assert_int_equal(st0.qp.completed, f->per_card[0]);
	assert_int_equal(tc_pool_card_stats(f->pool, 2, &st0), -EINVAL);
	free_pool(f);
}

static void test_round_robin_equal_counts(void **state)
{
	struct tc_pool_opts o;
	struct fixture *f;

	(void)state;
	tc_pool_opts_default(&o);
	o.policy = TC_POOL_ROUND_ROBIN;
	o.depth_log2 = 8; /* never full: strict alternation */
	f = make_pool(unequal, 2, &o);
	run_jobs(f, 200, 20000);
	assert_int_equal(f->done_total, 200);
	assert_exactly_once(f, 200);
	assert_int_equal(f->per_card[0], 100);
	assert_int_equal(f->per_card[1], 100);
	free_pool(f);
}

static const char *const three[] = {"engines=2", "engines=2", "engines=2"};

static void test_failover_on_errors(void **state)
{
	struct tc_pool_card_stats st;
	struct tc_pool_opts o;
	struct fixture *f;

	(void)state;
	tc_pool_opts_default(&o);
	o.error_threshold = 3;
	o.probe_ms = 60000; /* stays out for the test */
	f = make_pool(three, 3, &o);
	tc_dev_write32(f->dev[1], TC_REG_FI_ERROR_PPM, 1000000);
	run_jobs(f, NJOBS, 20000);
	assert_int_equal(f->done_total, NJOBS);
	assert_exactly_once(f, NJOBS);
	assert_int_equal(f->per_card[1], 0);
	assert_int_equal(tc_pool_card_stats(f->pool, 1, &st), 0);
	assert_int_equal(st.state, TC_CARD_QUARANTINED);
	assert_int_equal(st.quarantines, 1);
	assert_true(st.retried_away >= 1);
	assert_true(st.resets >= 1);
	assert_int_equal(tc_pool_card_stats(f->pool, 0, &st), 0);
	assert_int_equal(st.state, TC_CARD_UP);
	free_pool(f);
}

static void test_stall_timeout_and_probe(void **state)
{
	struct tc_pool_card_stats st;
	struct tc_pool_opts o;
	struct fixture *f;
	uint64_t deadline;

	(void)state;
	tc_pool_opts_default(&o);
	o.timeout_ms = 200;
	o.probe_ms = 20;
	f = make_pool(three, 3, &o);
	tc_dev_write32(f->dev[2], TC_REG_FI_CTRL, TC_FI_CTRL_STALL);
	run_jobs(f, NJOBS, 30000);
	assert_int_equal(f->done_total, NJOBS);
	assert_exactly_once(f, NJOBS);
	assert_int_equal(tc_pool_card_stats(f->pool, 2, &st), 0);
	assert_int_equal(st.state, TC_CARD_QUARANTINED);
	assert_true(st.quarantines >= 1);
	assert_true(st.retried_away >= 1);
	assert_int_equal(f->per_card[2], 0);

	/* Still stalled: probes time out and back off; then it heals. */
	tc_pool_wait(f->pool, 100);
	tc_dev_write32(f->dev[2], TC_REG_FI_CTRL, 0);
	deadline = tc_now_ns() + 20000000000ull;
	do {
		tc_pool_wait(f->pool, 50);
		tc_pool_card_stats(f->pool, 2, &st);
	} while (st.state != TC_CARD_UP && tc_now_ns() < deadline);
	assert_int_equal(st.state, TC_CARD_UP);
	free_pool(f);
}

/* The card resets itself every 50 jobs: jobs move, none lost or doubled. */
static void test_card_resets_itself(void **state)
{
	struct tc_pool_card_stats st;
	struct tc_pool_opts o;
	struct fixture *f;

	(void)state;
	tc_pool_opts_default(&o);
	f = make_pool(three, 2, &o);
	tc_dev_write32(f->dev[0], TC_REG_FI_RESET_AFTER, 50);
	run_jobs(f, NJOBS, 30000);
	assert_int_equal(f->done_total, NJOBS);
	assert_exactly_once(f, NJOBS);
	assert_int_equal(tc_pool_card_stats(f->pool, 0, &st), 0);
	assert_true(st.resets >= 1);
	free_pool(f);
}

static void test_no_usable_card(void **state)
{
	struct tc_pool_opts o;
	struct fixture *f;
	unsigned i;
	int ret = 0;

	(void)state;
	tc_pool_opts_default(&o);
	o.depth_log2 = 2;
	f = make_pool(three, 2, &o);
	/* Full: -EAGAIN after 2 x 4 jobs. */
	tc_dev_write32(f->dev[0], TC_REG_FI_CTRL, TC_FI_CTRL_STALL);
	tc_dev_write32(f->dev[1], TC_REG_FI_CTRL, TC_FI_CTRL_STALL);
	for (i = 0; i < 9 && !ret; i++)
		ret = tc_pool_submit(f->pool, &f->jobs[i]);
	assert_int_equal(ret, -EAGAIN);
	assert_int_equal(i, 9);
	assert_int_equal(tc_pool_inflight(f->pool), 8);
	tc_dev_write32(f->dev[0], TC_REG_FI_CTRL, 0);
	tc_dev_write32(f->dev[1], TC_REG_FI_CTRL, 0);
	tc_pool_flush(f->pool);
	while (f->done_total < 8)
		tc_pool_wait(f->pool, 100);
	assert_exactly_once(f, 8);
	assert_int_equal(tc_pool_set_state(f->pool, 0, TC_CARD_DRAINING), 0);
	assert_int_equal(tc_pool_set_state(f->pool, 1, TC_CARD_DRAINING), 0);
	assert_int_equal(tc_pool_submit(f->pool, &f->jobs[20]), -ENODEV);
	assert_int_equal(tc_pool_set_state(f->pool, 1, TC_CARD_UP), 0);
	assert_int_equal(tc_pool_submit(f->pool, &f->jobs[20]), 0);
	tc_pool_flush(f->pool);
	while (f->done_total < 9)
		tc_pool_wait(f->pool, 100);
	assert_int_equal(f->jobs[20].card, 1);
	assert_int_equal(tc_pool_set_state(f->pool, 7, TC_CARD_UP), -EINVAL);
	free_pool(f);
}

/* HMAC-SHA256 digest with a pool key: loaded once per card, again after
 * the card resets, evicted on destroy. */
static void test_keys_loaded_and_reloaded(void **state)
{
	unsigned char key[32], want[32];
	unsigned int wlen = 32;
	struct tc_pool_card_stats st;
	struct tc_dma_buf data, sgl, out;
	struct tc_sg_entry *sg;
	struct tc_pool_opts o;
	struct fixture *f;
	uint32_t slot, slot2;
	unsigned i, round;
	struct tc_job *rj;
	size_t nbufs;

	(void)state;
	tc_pool_opts_default(&o);
	o.policy = TC_POOL_ROUND_ROBIN;
	f = make_pool(three, 2, &o);
	for (i = 0; i < 32; i++)
		key[i] = (unsigned char)(i * 7 + 1);
	assert_int_equal(
	    tc_pool_key_create(f->pool, TC_KEY_HMAC, key, 32, &slot), 0);
	assert_int_equal(tc_pool_key_create(f->pool, 0, key, 32, &slot2),
	                 -EINVAL);
	assert_int_equal(tc_dma_alloc(f->ctx, 64, &data), 0);
	assert_int_equal(tc_dma_alloc(f->ctx, sizeof(*sg), &sgl), 0);
	assert_int_equal(tc_dma_alloc(f->ctx, 32, &out), 0);
	memcpy(data.va, "hello pool", 10);
	sg = sgl.va;
	sg->addr = htole64(data.iova);
	sg->len = htole32(10);
	HMAC(EVP_sha256(), key, 32, data.va, 10, want, &wlen);

	for (round = 0; round < 3; round++) {
		for (i = 0; i < 4; i++) {
			struct tc_job *job = &f->jobs[round * 4 + i];

			tc_job_prep_digest(job, TC_HASH_SHA256, sgl.iova, 1,
			                   NULL, 0, out.iova, 32);
			job->sqe.u.digest.dflags = TC_DIGEST_F_HMAC;
			job->sqe.u.digest.key_slot = htole32(slot);
			job->keys = &slot;
			job->nkeys = 1;
			assert_int_equal(tc_pool_submit(f->pool, job), 0);
			tc_pool_flush(f->pool);
			while (f->done_total < round * 4 + i + 1)
				tc_pool_wait(f->pool, 100);
			assert_int_equal(job->status, TC_STS_OK);
			assert_memory_equal(out.va, want, 32);
			memset(out.va, 0, 32);
		}
		if (round == 0)
			assert_int_equal(tc_dev_reset(f->dev[0]), 0);
		if (round == 1)
			tc_pool_set_state(f->pool, 1, TC_CARD_QUARANTINED);
		if (round == 1)
			tc_pool_set_state(f->pool, 1, TC_CARD_UP);
	}
	/* Round robin: both cards load it in round 0; card 0 again after
	 * its reset (round 1), card 1 after its quarantine (round 2). */
	tc_pool_card_stats(f->pool, 0, &st);
	assert_int_equal(st.key_loads, 2);
	assert_int_equal(st.resets, 1);
	tc_pool_card_stats(f->pool, 1, &st);
	assert_int_equal(st.key_loads, 2);
	assert_int_equal(st.quarantines, 1);

	/* A job naming an unknown slot is refused. */
	slot2 = 999;
	f->jobs[50].keys = &slot2;
	f->jobs[50].nkeys = 1;
	assert_int_equal(tc_pool_submit(f->pool, &f->jobs[50]), -EINVAL);
	/* Destroy evicts where loaded; the slot is reused afterwards, with
	 * the DMA page it had (no new mapping) holding the new material. */
	nbufs = f->ctx->nbufs;
	tc_pool_key_destroy(f->pool, slot);
	for (i = 0; i < 20; i++)
		tc_pool_wait(f->pool, 10);
	assert_int_equal(f->ctx->nbufs, nbufs);
	key[0] ^= 0xff;
	assert_int_equal(
	    tc_pool_key_create(f->pool, TC_KEY_HMAC, key, 16, &slot2), 0);
	assert_int_equal(slot2, slot);
	assert_int_equal(f->ctx->nbufs, nbufs);
	HMAC(EVP_sha256(), key, 16, data.va, 10, want, &wlen);
	rj = &f->jobs[60];
	tc_job_prep_digest(rj, TC_HASH_SHA256, sgl.iova, 1, NULL, 0, out.iova,
	                   32);
	rj->sqe.u.digest.dflags = TC_DIGEST_F_HMAC;
	rj->sqe.u.digest.key_slot = htole32(slot2);
	rj->keys = &slot2;
	rj->nkeys = 1;
	assert_int_equal(tc_pool_submit(f->pool, rj), 0);
	tc_pool_flush(f->pool);
	for (i = 0; i < 100 && f->done_count[60] == 0; i++)
		tc_pool_wait(f->pool, 100);
	assert_int_equal(rj->status, TC_STS_OK);
	assert_memory_equal(out.va, want, 32);
	free_pool(f);
}

/* tc_pool_wait sleeps when idle and returns at its timeout. */
static void test_wait_idle(void **state)
{
	struct tc_pool_opts o;
	struct fixture *f;
	uint64_t t0;

	(void)state;
	tc_pool_opts_default(&o);
	f = make_pool(three, 2, &o);
	/* The opening resets raised the error vectors: take those first. */
	tc_pool_wait(f->pool, 0);
	t0 = tc_now_ns();
	assert_int_equal(tc_pool_wait(f->pool, 30), 0);
	assert_true(tc_now_ns() - t0 >= 25000000ull);
	assert_int_equal(tc_pool_ncards(f->pool), 2);
	assert_ptr_equal(tc_pool_card(f->pool, 1), f->dev[1]);
	assert_null(tc_pool_card(f->pool, 2));
	assert_int_equal(tc_pool_add(f->pool, f->dev[1]), -EEXIST);
	free_pool(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ect_prefers_faster_card),
	    cmocka_unit_test(test_round_robin_equal_counts),
	    cmocka_unit_test(test_failover_on_errors),
	    cmocka_unit_test(test_stall_timeout_and_probe),
	    cmocka_unit_test(test_card_resets_itself),
	    cmocka_unit_test(test_no_usable_card),
	    cmocka_unit_test(test_keys_loaded_and_reloaded),
	    cmocka_unit_test(test_wait_idle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
