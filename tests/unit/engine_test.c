/* SPDX-License-Identifier: MIT */
/*
 * Engines and dispatch (tc_engine.c): round-robin across queues, engines
 * working in parallel, the admin ordering rule, per-engine statistics.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_host.h"

/* One engine, 10 ms per job, 4 jobs on each of two queues submitted while
 * the card is disabled: fetches alternate between the queues. */
static void test_round_robin(void **state)
{
	struct fh_host h;
	struct fh_queue fq[2];
	struct tc_cqe c;
	unsigned order[8], n = 0, q;
	uint64_t end;

	(void)state;
	assert_int_equal(fh_create(&h, "engines=1,nop_ops=100"), 0);
	for (q = 0; q < 2; q++) {
		fh_queue_setup(&h, &fq[q], q, 3, 3, 0, 0);
		fh_submit_nops(&h, &fq[q], (uint16_t)(q * 100), 4);
	}
	fh_enable(&h);
	end = fh_now_ms() + FH_WAIT_MS;
	while (n < 8 && fh_now_ms() < end) {
		for (q = 0; q < 2; q++)
			while (fh_poll(&fq[q], &c)) {
				assert_int_equal(c.cid, q * 100 + n / 2);
				order[n++] = q;
			}
		fh_sleep_ms(1);
	}
	assert_int_equal(n, 8);
	for (n = 0; n < 8; n++)
		assert_int_equal(order[n], n % 2);
	fh_destroy(&h);
}

static void test_engines_in_parallel(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c[12];
	uint64_t t0, ms, jobs[3], busy;
	unsigned e;

	(void)state;
	/* 12 jobs of 10 ms on three engines: about 40 ms, not 120. */
	assert_int_equal(fh_create(&h, "engines=3,nop_ops=100"), 0);
	fh_enable(&h);
	fh_queue_setup(&h, &fq, 0, 4, 4, 0, 0);
	/* Let every engine fall asleep: one doorbell wakes one engine,
	 * which must wake the next when it sees more work. */
	fh_sleep_ms(20);
	t0 = fh_now_ms();
	fh_submit_nops(&h, &fq, 0, 12);
	assert_int_equal(fh_reap(&h, &fq, c, 12, FH_WAIT_MS), 12);
	ms = fh_now_ms() - t0;
	assert_true(ms >= 38);
	assert_true(ms < 110);
	for (e = 0; e < 3; e++) {
		jobs[e] = fh_rd64(&h, TC_ENG_REG(e, TC_ENG_STAT_JOBS_LO));
		busy = fh_rd64(&h, TC_ENG_REG(e, TC_ENG_STAT_BUSY_NS_LO));
		assert_true(jobs[e] >= 1);
		/* Busy time is 10 ms per job run. */
		assert_true(busy >= jobs[e] * 9900000ull);
		assert_int_equal(fh_rd(&h, TC_ENG_REG(e, TC_ENG_STAT_CLASS)),
		                 TC_CLASS_NOP);
	}
	assert_true(jobs[0] + jobs[1] + jobs[2] == 12);
	fh_destroy(&h);
}

static void prep_blob_load(struct tc_sqe *sqe, uint16_t cid, uint32_t id,
                           uint64_t addr, uint32_t len)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = TC_OP_BLOB_LOAD;
	sqe->cid = htole16(cid);
	sqe->u.blob.blob_id = htole32(id);
	sqe->u.blob.len = htole32(len);
	sqe->u.blob.addr = htole64(addr);
}

/*
 * A slow BLOB_LOAD (50 ms) followed by a DIGEST that reads the blob, with
 * a second engine idle: the digest must not start before the load took
 * effect, so it succeeds (without the rule it fails BAD_BLOB at once).
 * A NOP on another queue is not held up.
 */
static void test_admin_ordering(void **state)
{
	static const uint8_t sha_abc[32] = {
	    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
	    0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
	    0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	struct fh_host h;
	struct fh_queue fq, fq1;
	struct tc_sg_entry *sg;
	struct tc_sqe sqe;
	struct tc_cqe c[2];
	uint64_t blob_iova, sg_iova, out_iova, t0;
	void *blob, *sgv, *out;

	(void)state;
	assert_int_equal(fh_create(&h, "engines=2,admin_ops=20"), 0);
	fh_enable(&h);
	fh_queue_setup(&h, &fq, 0, 3, 3, 0, 0);
	fh_queue_setup(&h, &fq1, 1, 3, 3, 0, 0);
	blob_iova = fh_alloc(&h, 3, 64, &blob);
	memcpy(blob, "abc", 3);
	out_iova = fh_alloc(&h, 32, 64, &out);
	sg_iova = fh_alloc(&h, sizeof(*sg), 64, &sgv);
	sg = sgv;
	sg->addr = 0;
	sg->len = htole32(3);
	sg->flags = htole16(TC_SG_F_BLOB);
	sg->blob_id = htole16(3);

	prep_blob_load(&sqe, 1, 3, blob_iova, 3);
	fh_submit(&fq, &sqe);
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = TC_OP_DIGEST;
	sqe.cid = htole16(2);
	sqe.u.digest.hash = TC_HASH_SHA256;
	sqe.u.digest.nseg = htole16(1);
	sqe.u.digest.out_len = htole32(32);
	sqe.u.digest.sgl_addr = htole64(sg_iova);
	sqe.u.digest.out_addr = htole64(out_iova);
	fh_submit(&fq, &sqe);
	t0 = fh_now_ms();
	fh_ring_sq(&h, &fq);
	/* The other queue runs meanwhile. */
	fh_submit_nops(&h, &fq1, 9, 1);
	assert_true(fh_wait_cqe(&fq1, &c[0], FH_WAIT_MS));
	assert_true(fh_now_ms() - t0 < 45);

	assert_int_equal(fh_reap(&h, &fq, c, 2, FH_WAIT_MS), 2);
	assert_int_equal(c[0].cid, 1);
	assert_int_equal(fh_status(&c[0]), TC_STS_OK);
	assert_int_equal(c[1].cid, 2);
	assert_int_equal(fh_status(&c[1]), TC_STS_OK);
	assert_memory_equal(out, sha_abc, 32);
	assert_true(fh_now_ms() - t0 >= 49);
	fh_destroy(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_robin),
	    cmocka_unit_test(test_engines_in_parallel),
	    cmocka_unit_test(test_admin_ordering),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
