/* SPDX-License-Identifier: MIT */
/*
 * The card model's life cycle and register file (tc_model.c, tc_mmio.c):
 * identity and capabilities, MMIO decode and BAD_MMIO, CTRL/STATUS, a NOP
 * and a DIGEST round trip with statistics, reset, log rate limiting.
 */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_host.h"
#include "tc_ops.h"

static void create(struct fh_host *h, const char *spec)
{
	assert_int_equal(fh_create(h, spec), 0);
}

static void test_identity_caps(void **state)
{
	struct fh_host h;
	uint32_t v;

	(void)state;
	create(&h, "queues=3,engines=5,ring_log2=10,key_slots=100,"
	           "blob_slots=7,blob_bytes=4096,max_input=1000,max_sg=32");
	assert_int_equal(fh_rd(&h, TC_REG_ID), TC_ID_MAGIC);
	assert_int_equal(fh_rd(&h, TC_REG_VERSION),
	                 TC_VERSION_MAJOR << 16 | TC_VERSION_MINOR);
	assert_int_equal(fh_rd(&h, TC_REG_CAP_OPS), tc_ops_cap_ops());
	assert_int_equal(fh_rd(&h, TC_REG_CAP_ALGS), tc_ops_cap_algs());
	v = fh_rd(&h, TC_REG_CAP_QUEUES);
	assert_int_equal((v >> TC_CAP_QUEUES_NQ_SHIFT) & TC_CAP_QUEUES_NQ_MASK,
	                 3);
	assert_int_equal((v >> TC_CAP_QUEUES_MAXLOG2_SHIFT) &
	                     TC_CAP_QUEUES_MAXLOG2_MASK,
	                 10);
	assert_int_equal(
	    (v >> TC_CAP_QUEUES_ENGINES_SHIFT) & TC_CAP_QUEUES_ENGINES_MASK, 5);
	v = fh_rd(&h, TC_REG_CAP_LIMITS);
	assert_int_equal(v & TC_CAP_LIMITS_MAX_SG_MASK, 32);
	assert_int_equal((v >> TC_CAP_LIMITS_MAX_REC_SHIFT) &
	                     TC_CAP_LIMITS_MAX_REC_MASK,
	                 64);
	assert_int_equal(
	    (v >> TC_CAP_LIMITS_MAX_CP_SHIFT) & TC_CAP_LIMITS_MAX_CP_MASK, 8);
	v = fh_rd(&h, TC_REG_CAP_SLOTS);
	assert_int_equal(v & TC_CAP_SLOTS_KEYS_MASK, 100);
	assert_int_equal(v >> TC_CAP_SLOTS_BLOBS_SHIFT, 7);
	assert_int_equal(fh_rd(&h, TC_REG_CAP_FEATURES),
	                 TC_CAP_F_STATS | TC_CAP_F_IRQ_COALESCE |
	                     TC_CAP_F_BLOB_STORE | TC_CAP_F_TIMING_MODEL |
	                     TC_CAP_F_FAULT_INJECT);
	assert_int_equal(fh_rd(&h, TC_REG_CAP_MAX_INPUT), 1000);
	assert_int_equal(fh_rd(&h, TC_REG_CAP_BLOB_BYTES), 4096);
	assert_int_equal(fh_rd(&h, TC_REG_ERR_VECTOR), TC_MAX_QUEUES);
	assert_int_equal(fh_rd(&h, TC_REG_STATUS), 0);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), 0);
	/* Engine 4 exists, engine 5 does not. */
	assert_int_equal(fh_rd(&h, TC_ENG_REG(4, TC_ENG_STAT_JOBS_LO)), 0);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), 0);
	fh_rd(&h, TC_ENG_REG(5, TC_ENG_STAT_JOBS_LO));
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), 1);
	fh_destroy(&h);
}

static void test_defaults(void **state)
{
	struct fh_host h;
	uint32_t v;

	(void)state;
	create(&h, "");
	v = fh_rd(&h, TC_REG_CAP_QUEUES);
	assert_int_equal(v, 4u | 12u << 8 | 2u << 16);
	v = fh_rd(&h, TC_REG_CAP_SLOTS);
	assert_int_equal(v, 4096u | 64u << 16);
	assert_int_equal(fh_rd(&h, TC_REG_CAP_BLOB_BYTES), 1u << 20);
	assert_int_equal(fh_rd(&h, TC_REG_CAP_MAX_INPUT), 64u << 10);
	assert_int_equal(fh_rd(&h, TC_REG_CAP_LIMITS) & 0xffff, 256);
	fh_destroy(&h);
}

static void test_no_fault_injection(void **state)
{
	struct fh_host h;

	(void)state;
	create(&h, "fi=off");
	assert_int_equal(fh_rd(&h, TC_REG_CAP_FEATURES) & TC_CAP_F_FAULT_INJECT,
	                 0);
	/* The FI registers behave as undefined. */
	fh_wr(&h, TC_REG_FI_ERROR_PPM, 1000000);
	assert_int_equal(fh_rd(&h, TC_REG_FI_ERROR_PPM), 0);
	fh_wr(&h, TC_REG_FI_CTRL, TC_FI_CTRL_FATAL_NOW);
	assert_int_equal(fh_rd(&h, TC_REG_STATUS) & TC_STATUS_FATAL, 0);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), 3);
	fh_destroy(&h);
}

static void test_bad_mmio(void **state)
{
	struct fh_host h;
	unsigned bad = 0;

	(void)state;
	create(&h, "queues=2");
	/* Undefined offsets read 0 and count. */
	assert_int_equal(tc_model_mmio_read(h.m, 0x028, 4), 0);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	assert_int_equal(tc_model_mmio_read(h.m, 0x3fc, 4), 0);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	/* Unaligned, bad sizes, beyond the BAR. */
	assert_int_equal(tc_model_mmio_read(h.m, TC_REG_ID + 2, 4), 0);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	assert_int_equal(tc_model_mmio_read(h.m, TC_REG_ID, 2), 0);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	assert_int_equal(tc_model_mmio_read(h.m, TC_REG_ID, 1), 0);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	assert_int_equal(tc_model_mmio_read(h.m, TC_BAR0_SIZE, 4), 0);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	assert_int_equal(tc_model_mmio_read(h.m, TC_REG_TIME_NS_LO + 4, 8), 0);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	/* 8 bytes only at the LO offset of a pair. */
	assert_int_equal(tc_model_mmio_read(h.m, TC_REG_CTRL & ~7u, 8), 0);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	tc_model_mmio_read(h.m, TC_QP_REG(0, TC_QP_STAT_JOBS_LO), 8);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), bad);
	/* Writes to read-only registers are ignored and count. */
	fh_wr(&h, TC_REG_ID, 0);
	assert_int_equal(fh_rd(&h, TC_REG_ID), TC_ID_MAGIC);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	fh_wr(&h, TC_REG_RESET_COUNT, 5);
	assert_int_equal(fh_rd(&h, TC_REG_RESET_COUNT), 0);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	fh_wr(&h, TC_QP_REG(0, TC_QP_STAT_JOBS_LO), 5);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	fh_wr(&h, TC_ENG_REG(0, TC_ENG_STAT_JOBS_LO), 5);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	fh_wr(&h, TC_REG_FI_INJECTED, 5);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	fh_wr64(&h, TC_REG_CTRL & ~7u, 1);
	assert_int_equal(fh_rd(&h, TC_REG_CTRL), 0);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	/* Queue registers of a queue that does not exist. */
	fh_rd(&h, TC_QP_REG(2, TC_QP_STATUS));
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	fh_wr(&h, TC_QP_REG(2, TC_QP_SIZE), 0x101);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	/* Doorbells read as 0 and are not counted; 8-byte writes are. */
	assert_int_equal(fh_rd(&h, TC_DB_SQ_TAIL(0)), 0);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), bad);
	fh_wr64(&h, TC_DB_SQ_TAIL(0), 1);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	/* Bad ERR_VECTOR values. */
	fh_wr(&h, TC_REG_ERR_VECTOR, TC_MSIX_VECTORS);
	assert_int_equal(fh_rd(&h, TC_REG_ERR_VECTOR), TC_MAX_QUEUES);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), ++bad);
	fh_wr(&h, TC_REG_ERR_VECTOR, 3);
	assert_int_equal(fh_rd(&h, TC_REG_ERR_VECTOR), 3);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), bad);
	fh_destroy(&h);
}

static void test_pairs_and_time(void **state)
{
	struct fh_host h;
	uint64_t t1, t2;
	uint32_t q = TC_QP_REG(1, 0);

	(void)state;
	create(&h, "");
	/* 8-byte write to a base pair sets both halves. */
	fh_wr64(&h, q + TC_QP_SQ_BASE_LO, 0x123456789abcdec0ull);
	assert_int_equal(fh_rd(&h, q + TC_QP_SQ_BASE_LO), 0x9abcdec0u);
	assert_int_equal(fh_rd(&h, q + TC_QP_SQ_BASE_HI), 0x12345678u);
	assert_true(fh_rd64(&h, q + TC_QP_SQ_BASE_LO) == 0x123456789abcdec0ull);
	/* 4-byte halves. */
	fh_wr(&h, q + TC_QP_CQ_BASE_HI, 0xabcd);
	fh_wr(&h, q + TC_QP_CQ_BASE_LO, 0x10);
	assert_true(fh_rd64(&h, q + TC_QP_CQ_BASE_LO) == 0xabcd00000010ull);
	/* TIME_NS runs forward. */
	t1 = fh_rd64(&h, TC_REG_TIME_NS_LO);
	fh_sleep_ms(2);
	t2 = fh_rd64(&h, TC_REG_TIME_NS_LO);
	assert_true(t2 > t1 + 1000000);
	assert_int_equal(fh_rd(&h, TC_REG_TIME_NS_HI), t2 >> 32);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), 0);
	fh_destroy(&h);
}

static void test_ctrl_status(void **state)
{
	struct fh_host h;

	(void)state;
	create(&h, "");
	assert_int_equal(fh_rd(&h, TC_REG_STATUS) & TC_STATUS_READY, 0);
	fh_enable(&h);
	assert_int_equal(fh_rd(&h, TC_REG_CTRL), TC_CTRL_ENABLE);
	assert_int_equal(fh_rd(&h, TC_REG_STATUS), TC_STATUS_READY);
	/* FATAL clears READY; CLEAR_FATAL restores it. */
	fh_wr(&h, TC_REG_FI_CTRL, TC_FI_CTRL_FATAL_NOW);
	assert_int_equal(fh_rd(&h, TC_REG_STATUS),
	                 TC_STATUS_FATAL | TC_FATAL_INJECTED
	                                       << TC_STATUS_FATAL_CODE_SHIFT);
	assert_true(fh_wait_irqs(&h, TC_MAX_QUEUES, 1, FH_WAIT_MS));
	fh_wr(&h, TC_REG_CTRL, TC_CTRL_ENABLE | TC_CTRL_CLEAR_FATAL);
	assert_int_equal(fh_rd(&h, TC_REG_STATUS), TC_STATUS_READY);
	/* W1 bits read back as 0. */
	assert_int_equal(fh_rd(&h, TC_REG_CTRL), TC_CTRL_ENABLE);
	fh_wr(&h, TC_REG_CTRL, 0);
	assert_int_equal(fh_rd(&h, TC_REG_STATUS), 0);
	fh_destroy(&h);
}

static void test_nop_round_trip(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	struct tc_cqe c;
	uint32_t st;
	uint64_t jobs = 0;
	unsigned e;

	(void)state;
	create(&h, "");
	fh_enable(&h);
	st = fh_queue_setup(&h, &fq, 1, 4, 4, 0, 0);
	assert_int_equal(st, TC_QP_STATUS_ENABLED);
	fh_submit_nops(&h, &fq, 0x1234, 1);
	assert_true(fh_wait_cqe(&fq, &c, FH_WAIT_MS));
	assert_int_equal(fh_status(&c), TC_STS_OK);
	assert_int_equal(c.status & TC_CQE_PHASE, 1);
	assert_int_equal(c.cid, 0x1234);
	assert_int_equal(c.sq_id, 1);
	assert_int_equal(c.sq_head, 1);
	assert_int_equal(c.result, 0);
	fh_ring_cq(&h, &fq);

	assert_true(fh_rd64(&h, TC_QP_REG(1, TC_QP_STAT_JOBS_LO)) == 1);
	assert_int_equal(fh_rd(&h, TC_QP_REG(1, TC_QP_STAT_COMPLETED)), 1);
	assert_int_equal(fh_rd(&h, TC_QP_REG(1, TC_QP_STAT_DOORBELLS)), 1);
	assert_int_equal(fh_rd(&h, TC_QP_REG(1, TC_QP_STAT_ERRORS)), 0);
	assert_int_equal(fh_rd(&h, TC_QP_REG(1, TC_QP_STAT_IRQS)), 0);
	for (e = 0; e < 2; e++) {
		uint64_t n = fh_rd64(&h, TC_ENG_REG(e, TC_ENG_STAT_JOBS_LO));

		if (n)
			assert_int_equal(
			    fh_rd(&h, TC_ENG_REG(e, TC_ENG_STAT_CLASS)),
			    TC_CLASS_NOP);
		jobs += n;
	}
	assert_true(jobs == 1);
	/* Nothing else was posted. */
	assert_false(fh_wait_cqe(&fq, &c, 20));
	fh_destroy(&h);
}

/* A real op through the model: SHA-256("abc"), bytes accounted. */
static void test_digest_round_trip(void **state)
{
	static const uint8_t want[32] = {
	    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
	    0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
	    0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	struct fh_host h;
	struct fh_queue fq;
	struct tc_sg_entry *sg;
	struct tc_sqe sqe;
	struct tc_cqe c;
	uint64_t sg_iova, data_iova, out_iova;
	void *data, *out, *sgv;
	uint64_t bytes = 0;
	unsigned e;

	(void)state;
	create(&h, "engines=1");
	fh_enable(&h);
	fh_queue_setup(&h, &fq, 0, 3, 3, 0, 0);
	data_iova = fh_alloc(&h, 3, 64, &data);
	memcpy(data, "abc", 3);
	out_iova = fh_alloc(&h, 32, 64, &out);
	sg_iova = fh_alloc(&h, sizeof(*sg), 64, &sgv);
	sg = sgv;
	sg->addr = htole64(data_iova);
	sg->len = htole32(3);

	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = TC_OP_DIGEST;
	sqe.cid = htole16(7);
	sqe.u.digest.hash = TC_HASH_SHA256;
	sqe.u.digest.nseg = htole16(1);
	sqe.u.digest.out_len = htole32(32);
	sqe.u.digest.sgl_addr = htole64(sg_iova);
	sqe.u.digest.out_addr = htole64(out_iova);
	fh_submit(&fq, &sqe);
	fh_ring_sq(&h, &fq);
	assert_true(fh_wait_cqe(&fq, &c, FH_WAIT_MS));
	assert_int_equal(fh_status(&c), TC_STS_OK);
	assert_int_equal(c.cid, 7);
	assert_int_equal(c.result, 32);
	assert_memory_equal(out, want, 32);
	assert_true(fh_rd64(&h, TC_QP_REG(0, TC_QP_STAT_BYTES_LO)) == 3);
	for (e = 0; e < 1; e++)
		bytes += fh_rd64(&h, TC_ENG_REG(e, TC_ENG_STAT_BYTES_LO));
	assert_true(bytes == 3);
	assert_int_equal(fh_rd(&h, TC_ENG_REG(0, TC_ENG_STAT_CLASS)),
	                 TC_CLASS_DIGEST);
	assert_true(fh_rd64(&h, TC_ENG_REG(0, TC_ENG_STAT_BUSY_NS_LO)) > 0);
	fh_destroy(&h);
}

static void test_reset_clears(void **state)
{
	struct fh_host h;
	struct fh_queue fq;
	uint32_t q = TC_QP_REG(0, 0);
	struct tc_cqe c;

	(void)state;
	create(&h, "");
	fh_enable(&h);
	fh_queue_setup(&h, &fq, 0, 3, 3,
	               TC_QP_CTRL_IRQ_ENABLE | 2u << TC_QP_CTRL_VECTOR_SHIFT,
	               0x00100004);
	fh_submit_nops(&h, &fq, 1, 1);
	assert_true(fh_wait_cqe(&fq, &c, FH_WAIT_MS));
	fh_wr(&h, TC_REG_CTRL, TC_CTRL_RESET);
	/* The reset ran synchronously. */
	assert_int_equal(fh_rd(&h, TC_REG_STATUS), 0);
	assert_int_equal(fh_rd(&h, TC_REG_CTRL), 0);
	assert_int_equal(fh_rd(&h, TC_REG_RESET_COUNT), 1);
	assert_int_equal(fh_rd(&h, q + TC_QP_STATUS), 0);
	assert_int_equal(fh_rd(&h, q + TC_QP_CTRL), 0);
	assert_int_equal(fh_rd(&h, q + TC_QP_SIZE), 0);
	assert_int_equal(fh_rd(&h, q + TC_QP_COALESCE), 0);
	assert_true(fh_rd64(&h, q + TC_QP_SQ_BASE_LO) == 0);
	assert_true(fh_rd64(&h, q + TC_QP_CQ_BASE_LO) == 0);
	/* Statistics survive. */
	assert_int_equal(fh_rd(&h, q + TC_QP_STAT_COMPLETED), 1);
	/* The queue's vector and the error vector fired. */
	assert_true(fh_wait_irqs(&h, 2, 2, FH_WAIT_MS));
	assert_true(fh_wait_irqs(&h, TC_MAX_QUEUES, 1, FH_WAIT_MS));
	/* Doorbells to the cleared queue are refused. */
	fh_wr(&h, TC_DB_SQ_TAIL(0), 1);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_DOORBELLS), 1);

	/* FLR through the API: same effect, and the card works after. */
	tc_model_reset(h.m);
	assert_int_equal(fh_rd(&h, TC_REG_RESET_COUNT), 2);
	fh_enable(&h);
	fh_queue_setup(&h, &fq, 0, 3, 3, 0, 0);
	fh_submit_nops(&h, &fq, 9, 1);
	assert_true(fh_wait_cqe(&fq, &c, FH_WAIT_MS));
	assert_int_equal(c.cid, 9);
	assert_int_equal(c.status & TC_CQE_PHASE, 1);
	fh_destroy(&h);
}

static void test_log_rate_limit(void **state)
{
	struct fh_host h;
	char line[256];
	unsigned i;

	(void)state;
	create(&h, "");
	for (i = 0; i < 25; i++)
		fh_rd(&h, 0x028);
	assert_int_equal(fh_log_lines(&h), 10);
	fh_last_log(&h, line, sizeof(line));
	assert_non_null(strstr(line, "fake: bad MMIO read off=0x28"));
	for (; i < 1000; i++)
		fh_rd(&h, 0x028);
	assert_int_equal(fh_log_lines(&h), 11);
	fh_last_log(&h, line, sizeof(line));
	assert_non_null(strstr(line, "1000 of this kind"));
	/* Another kind has its own budget. */
	fh_wr(&h, TC_DB_SQ_TAIL(9), 1);
	assert_int_equal(fh_log_lines(&h), 12);
	assert_int_equal(fh_rd(&h, TC_REG_BAD_MMIO), 1000);
	fh_destroy(&h);
}

static int dummy_dma(void *opaque, uint64_t addr, void *buf, size_t len)
{
	(void)opaque;
	(void)addr;
	(void)buf;
	(void)len;
	return -EFAULT;
}

static int dummy_dma_write(void *opaque, uint64_t addr, const void *buf,
                           size_t len)
{
	(void)opaque;
	(void)addr;
	(void)buf;
	(void)len;
	return -EFAULT;
}

static void test_create_rejects(void **state)
{
	struct tc_model_config cfg;
	struct tc_model_bus bus = {.dma_read = dummy_dma};
	struct tc_model *m = (struct tc_model *)1;

	(void)state;
	tc_model_config_default(&cfg);
	/* No dma_write. */
	assert_int_equal(tc_model_create(&cfg, &bus, &m), -EINVAL);
	assert_null(m);
	bus.dma_write = dummy_dma_write;
	cfg.nqueues = 0;
	assert_int_equal(tc_model_create(&cfg, &bus, &m), -EINVAL);
	cfg.nqueues = 17;
	assert_int_equal(tc_model_create(&cfg, &bus, &m), -EINVAL);
	tc_model_config_default(&cfg);
	cfg.nengines = 0;
	assert_int_equal(tc_model_create(&cfg, &bus, &m), -EINVAL);
	tc_model_config_default(&cfg);
	cfg.max_ring_log2 = 17;
	assert_int_equal(tc_model_create(&cfg, &bus, &m), -EINVAL);
	tc_model_config_default(&cfg);
	assert_int_equal(tc_model_create(&cfg, &bus, &m), 0);
	tc_model_destroy(m);
	tc_model_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identity_caps),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_no_fault_injection),
	    cmocka_unit_test(test_bad_mmio),
	    cmocka_unit_test(test_pairs_and_time),
	    cmocka_unit_test(test_ctrl_status),
	    cmocka_unit_test(test_nop_round_trip),
	    cmocka_unit_test(test_digest_round_trip),
	    cmocka_unit_test(test_reset_clears),
	    cmocka_unit_test(test_log_rate_limit),
	    cmocka_unit_test(test_create_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
