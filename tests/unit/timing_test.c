/* SPDX-License-Identifier: MIT */
/*
 * The timing model (tc_timing.c, with tc_timer.c): the service-time
 * formula, per-engine throughput limits, jitter-free scheduling, and added
 * latency that delays completions without costing throughput.  Bounds are
 * generous on the slow side: the machine is shared and may run sanitizers.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_host.h"
#include "tc_model_internal.h"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

static void test_service_formula(void **state)
{
	struct tc_timing_class t = {0};

	(void)state;
	assert_true(tc_timing_service_ns(&t, 1000) == 0);
	t.ops_per_sec = 2000;
	assert_true(tc_timing_service_ns(&t, 1000) == 500000);
	t.bytes_per_sec = 1000000000;
	assert_true(tc_timing_service_ns(&t, 1000) == 501000);
	t.ops_per_sec = 0;
	assert_true(tc_timing_service_ns(&t, 0) == 0);
	assert_true(tc_timing_service_ns(&t, 3) == 3);
	/* Huge sizes saturate instead of wrapping. */
	t.bytes_per_sec = 1;
	assert_true(tc_timing_service_ns(&t, UINT64_MAX) >=
	            UINT32_MAX * 1000000000ull);
}

/* Submit n NOPs (in batches that fit the ring) and return ms until all
 * completed. */
static uint64_t time_nops(struct fh_host *h, struct fh_queue *fq, unsigned n,
                          uint64_t *first_ms)
{
	unsigned ring = 1u << fq->sq_log2, sent = 0, done = 0;
	struct tc_cqe c;
	uint64_t t0 = fh_now_ms();

	while (done < n) {
		unsigned batch = n - sent;

		if (batch > ring - (sent - done))
			batch = ring - (sent - done);
		if (batch) {
			fh_submit_nops(h, fq, (uint16_t)sent, batch);
			sent += batch;
		}
		assert_true(fh_wait_cqe(fq, &c, FH_WAIT_MS));
		assert_int_equal(fh_status(&c), TC_STS_OK);
		if (!done && first_ms)
			*first_ms = fh_now_ms() - t0;
		done++;
		while (done < sent && fh_poll(fq, &c)) {
			assert_int_equal(fh_status(&c), TC_STS_OK);
			done++;
		}
		fh_ring_cq(h, fq);
	}
	return fh_now_ms() - t0;
}

static uint64_t run_nops(const char *spec, unsigned n, uint64_t *first_ms)
{
	struct fh_host h;
	struct fh_queue fq;
	uint64_t ms;

	assert_int_equal(fh_create(&h, spec), 0);
	fh_enable(&h);
	fh_queue_setup(&h, &fq, 0, 8, 8, 0, 0);
	ms = time_nops(&h, &fq, n, first_ms);
	fh_destroy(&h);
	return ms;
}

static void test_one_engine_rate(void **state)
{
	uint64_t ms;

	(void)state;
	/* 200 jobs at 2000/s on one engine: 100 ms. */
	ms = run_nops("engines=1,nop_ops=2000", 200, NULL);
	printf("# 200 NOPs, 1 engine at 2000/s: %llu ms\n",
	       (unsigned long long)ms);
	assert_true(ms >= 95);
	assert_true(ms <= 600);
}

static void test_two_engine_rate(void **state)
{
	uint64_t ms;

	(void)state;
	/* The limit is per engine: two engines, 50 ms. */
	ms = run_nops("engines=2,nop_ops=2000", 200, NULL);
	printf("# 200 NOPs, 2 engines at 2000/s: %llu ms\n",
	       (unsigned long long)ms);
	assert_true(ms >= 47);
	assert_true(ms <= 500);
}

/* card_jobs caps the whole card: four engines, each allowed 8000 NOPs/s,
 * still take 100 ms for 200 jobs at 2000/s for the card; without the cap
 * they would take 25 ms.  Only the lower bound is strict (load can only
 * slow the model down). */
static void test_card_jobs_rate(void **state)
{
	uint64_t ms;

	(void)state;
	ms = run_nops("engines=4,nop_ops=8000,card_jobs=2000", 200, NULL);
	printf("# 200 NOPs, 4 engines at 8000/s, card at 2000/s: %llu ms\n",
	       (unsigned long long)ms);
	assert_true(ms >= 95);
	assert_true(ms <= 2000);
	/* The cap alone, with unlimited engines. */
	ms = run_nops("engines=2,card_jobs=4000", 200, NULL);
	assert_true(ms >= 47);
	assert_true(ms <= 2000);
}

/* 1000 jobs at 10000/s: 100 ms.  Sleeping a relative 100 us per job would
 * add the wake-up latency of every sleep (typically 50+ us). */
static void test_jitter_free(void **state)
{
	uint64_t best = UINT64_MAX, ms;
	unsigned i;

	(void)state;
	for (i = 0; i < 3 && best > 140; i++) {
		ms = run_nops("engines=1,nop_ops=10000", 1000, NULL);
		if (ms < best)
			best = ms;
	}
	printf("# 1000 NOPs at 10000/s: best %llu ms\n",
	       (unsigned long long)best);
	assert_true(best >= 95);
	if (!SANITIZED)
		assert_true(best <= 140);
}

static void test_latency_keeps_throughput(void **state)
{
	uint64_t ms, first = 0;

	(void)state;
	/* 20 ms latency per job, 200 jobs, one engine at 2000/s: about
	 * 100 + 20 ms, nowhere near 200 x 20 ms. */
	ms = run_nops("engines=1,nop_ops=2000,nop_lat_us=20000", 200, &first);
	printf("# 200 NOPs at 2000/s + 20 ms latency: %llu ms, first %llu\n",
	       (unsigned long long)ms, (unsigned long long)first);
	assert_true(first >= 19);
	assert_true(ms >= 115);
	assert_true(ms <= 800);
	/* Latency only, no rate limit. */
	ms = run_nops("engines=1,latency_us=30000", 50, &first);
	assert_true(first >= 29);
	assert_true(ms <= 500);
}

static void test_fi_latency(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	uint64_t ms, first = 0;

	(void)state;
	assert_int_equal(fh_create(&h, "engines=1"), 0);
	fh_enable(&h);
	fh_queue_setup(&h, &fq, 0, 4, 4, 0, 0);
	fh_wr(&h, TC_REG_FI_LATENCY_US, 30000);
	ms = time_nops(&h, &fq, 4, &first);
	/* Each 30 ms, together still about 30 ms: the engine is free. */
	assert_true(first >= 29);
	assert_true(ms <= 500);
	fh_destroy(&h);
}

/* bytes_per_sec through a real op: 5 digests of 20000 bytes at 1 MB/s. */
static void test_bytes_per_sec(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_sg_entry *sg;
	struct tc_sqe sqe;
	struct tc_cqe c;
	uint64_t sg_iova, data_iova, out_iova, t0, ms;
	void *sgv;
	unsigned i;

	(void)state;
	assert_int_equal(fh_create(&h, "engines=1,digest_bps=1000000"), 0);
	fh_enable(&h);
	fh_queue_setup(&h, &fq, 0, 3, 3, 0, 0);
	data_iova = fh_alloc(&h, 20000, 64, NULL);
	out_iova = fh_alloc(&h, 32, 64, NULL);
	sg_iova = fh_alloc(&h, sizeof(*sg), 64, &sgv);
	sg = sgv;
	sg->addr = htole64(data_iova);
	sg->len = htole32(20000);
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = TC_OP_DIGEST;
	sqe.u.digest.hash = TC_HASH_SHA256;
	sqe.u.digest.nseg = htole16(1);
	sqe.u.digest.out_len = htole32(32);
	sqe.u.digest.sgl_addr = htole64(sg_iova);
	sqe.u.digest.out_addr = htole64(out_iova);
	t0 = fh_now_ms();
	for (i = 0; i < 5; i++) {
		sqe.cid = htole16((uint16_t)i);
		fh_submit(&fq, &sqe);
	}
	fh_ring_sq(&h, &fq);
	for (i = 0; i < 5; i++) {
		assert_true(fh_wait_cqe(&fq, &c, FH_WAIT_MS));
		assert_int_equal(fh_status(&c), TC_STS_OK);
	}
	ms = fh_now_ms() - t0;
	assert_true(ms >= 95);
	assert_true(ms <= 600);
	/* Busy time is the modelled time: 5 x 20 ms. */
	assert_true(fh_rd64(&h, TC_ENG_REG(0, TC_ENG_STAT_BUSY_NS_LO)) >=
	            99000000ull);
	fh_destroy(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_service_formula),
	    cmocka_unit_test(test_one_engine_rate),
	    cmocka_unit_test(test_two_engine_rate),
	    cmocka_unit_test(test_card_jobs_rate),
	    cmocka_unit_test(test_jitter_free),
	    cmocka_unit_test(test_latency_keeps_throughput),
	    cmocka_unit_test(test_fi_latency),
	    cmocka_unit_test(test_bytes_per_sec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
