/* SPDX-License-Identifier: MIT */
/*
 * BLOB_LOAD / BLOB_EVICT (hwmodel/tc_op_blob.c): id and length rules, the
 * total capacity with replaced blobs counted as freed, DMA faults,
 * reserved fields and idempotent eviction, seen through DIGEST.
 */
#include "ops_fakebus.h"

#include <openssl/evp.h>

/* SHA-256 of blob id bytes [off, off+len) through a DIGEST job. */
static uint16_t digest_blob(struct fakebus *fb, uint16_t id, uint64_t off,
                            uint32_t len, uint8_t *out)
{
	struct tc_sqe sqe = fb_sqe(TC_OP_DIGEST);
	struct tc_sg_entry sg = {.addr = htole64(off),
	                         .len = htole32(len),
	                         .flags = htole16(TC_SG_F_BLOB),
	                         .blob_id = htole16(id)};
	uint64_t o = fb_alloc(fb, 32);
	uint16_t sts;

	sqe.u.digest.hash = TC_HASH_SHA256;
	sqe.u.digest.nseg = htole16(1);
	sqe.u.digest.sgl_addr = htole64(fb_put(fb, &sg, sizeof(sg)));
	sqe.u.digest.out_addr = htole64(o);
	sqe.u.digest.out_len = htole32(32);
	sts = fb_exec(fb, &sqe);
	if (out)
		memcpy(out, fb_ptr(fb, o), 32);
	return sts;
}

static uint16_t blob_evict(struct fakebus *fb, uint32_t id)
{
	struct tc_sqe sqe = fb_sqe(TC_OP_BLOB_EVICT);

	sqe.u.blob.blob_id = htole32(id);
	return fb_exec(fb, &sqe);
}

static void test_load_and_use(void **state)
{
	struct fakebus *fb = *state;
	uint8_t data[TC_BLOB_MAX_LEN + 1], got[32], want[32];
	unsigned i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 5);
	assert_int_equal(fb_blob_load(fb, 0, data, TC_BLOB_MAX_LEN), TC_STS_OK);
	assert_int_equal(fb->ctx.bytes, TC_BLOB_MAX_LEN);
	assert_int_equal(digest_blob(fb, 0, 0, TC_BLOB_MAX_LEN, got),
	                 TC_STS_OK);
	EVP_Digest(data, TC_BLOB_MAX_LEN, want, NULL, EVP_sha256(), NULL);
	assert_memory_equal(got, want, 32);

	/* The host buffer may change after the load: the card has a copy. */
	assert_int_equal(fb_blob_load(fb, 1, "abc", 3), TC_STS_OK);
	memset(fb->mem, 0, fb->brk);
	assert_int_equal(digest_blob(fb, 1, 0, 3, got), TC_STS_OK);
	EVP_Digest("abc", 3, want, NULL, EVP_sha256(), NULL);
	assert_memory_equal(got, want, 32);

	/* Replace with other content. */
	assert_int_equal(fb_blob_load(fb, 1, "xyz!", 4), TC_STS_OK);
	assert_int_equal(digest_blob(fb, 1, 0, 3, got), TC_STS_OK);
	EVP_Digest("xyz", 3, want, NULL, EVP_sha256(), NULL);
	assert_memory_equal(got, want, 32);
	assert_int_equal(digest_blob(fb, 1, 0, 5, NULL), TC_STS_BAD_BLOB);

	/* Evict; evict again; the last id; out of range. */
	assert_int_equal(blob_evict(fb, 1), TC_STS_OK);
	assert_int_equal(digest_blob(fb, 1, 0, 3, NULL), TC_STS_BAD_BLOB);
	assert_int_equal(blob_evict(fb, 1), TC_STS_OK);
	assert_int_equal(blob_evict(fb, fb->cfg.blob_slots - 1), TC_STS_OK);
	assert_int_equal(blob_evict(fb, fb->cfg.blob_slots), TC_STS_BAD_BLOB);
	assert_int_equal(blob_evict(fb, UINT32_MAX), TC_STS_BAD_BLOB);
}

static void test_rules(void **state)
{
	struct fakebus *fb = *state;
	uint8_t data[16] = {1};
	struct tc_sqe sqe = fb_sqe(TC_OP_BLOB_LOAD);

	assert_int_equal(fb_blob_load(fb, fb->cfg.blob_slots, data, 16),
	                 TC_STS_BAD_BLOB);
	assert_int_equal(fb_blob_load(fb, 0, data, 0), TC_STS_INVALID_DESC);
	sqe.u.blob.blob_id = htole32(0);
	sqe.u.blob.addr = htole64(fb_put(fb, data, 16));
	sqe.u.blob.len = htole32(TC_BLOB_MAX_LEN + 1);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.blob.len = htole32(UINT32_MAX);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.blob.len = htole32(16);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	sqe.u.blob.rsvd16[0] = 1;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.opcode = TC_OP_BLOB_EVICT;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.opcode = TC_OP_BLOB_LOAD;
	sqe.u.blob.rsvd16[0] = 0;
	sqe.u.blob.rsvd16[39] = 1;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.blob.rsvd16[39] = 0;
	/* A faulting load leaves the old blob in place. */
	sqe.u.blob.addr = htole64(FB_BAD);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	sqe.u.blob.addr = htole64(FB_BASE + FB_SIZE - 15);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	assert_int_equal(digest_blob(fb, 0, 0, 16, NULL), TC_STS_OK);
}

/* 100 KiB store: capacity counts every loaded blob, a replaced blob's
 * bytes count as freed, evictions give bytes back. */
static void test_capacity(void **state)
{
	struct tc_model_config cfg;
	struct fakebus *fb;
	static uint8_t data[TC_BLOB_MAX_LEN];

	(void)state;
	fb_default_config(&cfg);
	cfg.blob_bytes = 100 * 1024;
	fb = fb_new(&cfg);
	assert_int_equal(fb_blob_load(fb, 0, data, 60 * 1024), TC_STS_OK);
	assert_int_equal(fb_blob_load(fb, 1, data, 40 * 1024), TC_STS_OK);
	/* Full: one more byte anywhere fails, and leaves nothing behind. */
	assert_int_equal(fb_blob_load(fb, 2, data, 1), TC_STS_BAD_BLOB);
	assert_int_equal(digest_blob(fb, 2, 0, 0, NULL), TC_STS_BAD_BLOB);
	assert_int_equal(fb_blob_load(fb, 1, data, 40 * 1024 + 1),
	                 TC_STS_BAD_BLOB);
	assert_int_equal(digest_blob(fb, 1, 0, 40 * 1024, NULL), TC_STS_OK);
	/* Replacing: the old blob's bytes are counted as freed. */
	assert_int_equal(fb_blob_load(fb, 1, data, 40 * 1024), TC_STS_OK);
	assert_int_equal(fb_blob_load(fb, 1, data, 10 * 1024), TC_STS_OK);
	assert_int_equal(fb_blob_load(fb, 2, data, 30 * 1024), TC_STS_OK);
	assert_int_equal(fb_blob_load(fb, 3, data, 1), TC_STS_BAD_BLOB);
	assert_int_equal(blob_evict(fb, 0), TC_STS_OK);
	assert_int_equal(fb_blob_load(fb, 3, data, 60 * 1024), TC_STS_OK);
	assert_int_equal(fb_blob_load(fb, 4, data, 1), TC_STS_BAD_BLOB);
	/* A reset gives everything back. */
	tc_ops_state_clear(fb->st);
	assert_int_equal(digest_blob(fb, 3, 0, 1, NULL), TC_STS_BAD_BLOB);
	assert_int_equal(fb_blob_load(fb, 4, data, TC_BLOB_MAX_LEN), TC_STS_OK);
	fb_free(fb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_load_and_use, fb_setup,
	                                    fb_teardown),
	    cmocka_unit_test_setup_teardown(test_rules, fb_setup, fb_teardown),
	    cmocka_unit_test(test_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
