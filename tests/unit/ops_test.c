/* SPDX-License-Identifier: MIT */
/*
 * The engines' entry point (hwmodel/tc_ops.c): state creation, dispatch by
 * opcode, capability bitmaps, reset (clear), the engine index check, and
 * completion outputs never leaking from one job into the next.
 */
#include "ops_fakebus.h"

static void test_create_rejects_bad_config(void **state)
{
	struct tc_model_config cfg;
	struct tc_ops_state *st = NULL;

	(void)state;
	fb_default_config(&cfg);
	cfg.nengines = 0;
	assert_int_equal(tc_ops_state_create(&cfg, &st), -EINVAL);
	fb_default_config(&cfg);
	cfg.max_sg = 0;
	assert_int_equal(tc_ops_state_create(&cfg, &st), -EINVAL);
	cfg.max_sg = 0x10000;
	assert_int_equal(tc_ops_state_create(&cfg, &st), -EINVAL);
	assert_null(st);
	/* No key slots and no blobs is a valid card. */
	fb_default_config(&cfg);
	cfg.key_slots = 0;
	cfg.blob_slots = 0;
	cfg.blob_bytes = 0;
	assert_int_equal(tc_ops_state_create(&cfg, &st), 0);
	tc_ops_state_destroy(st);
	tc_ops_state_destroy(NULL);
}

static void test_nop_and_unknown(void **state)
{
	struct fakebus *fb = *state;
	struct tc_sqe sqe = fb_sqe(TC_OP_NOP);
	unsigned op;

	fb->ctx.result = 77;
	fb->ctx.aux = 77;
	fb->ctx.bytes = 77;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	assert_int_equal(fb->ctx.result, 0);
	assert_int_equal(fb->ctx.aux, 0);
	assert_int_equal(fb->ctx.bytes, 0);
	for (op = TC_OP_COUNT; op <= 0xff; op++) {
		sqe.opcode = op;
		assert_int_equal(fb_exec(fb, &sqe), TC_STS_UNSUPPORTED);
	}
}

static void test_caps(void **state)
{
	struct fakebus *fb = *state;
	uint32_t ops = tc_ops_cap_ops();
	unsigned op;

	/* Every opcode of the ABI, and nothing else.  An all-zero body
	 * of an opcode without algorithm fields reaches its op. */
	for (op = 0; op < 32; op++)
		assert_int_equal(!!(ops & (1u << op)), op < TC_OP_COUNT);
	{
		struct tc_sqe sqe = fb_sqe(TC_OP_KEY_EVICT);

		assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
		sqe.opcode = TC_OP_BLOB_EVICT;
		assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
		sqe.opcode = TC_OP_AEAD_BATCH;
		assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
		sqe.opcode = TC_OP_RSA_SIGN;
		assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_KEY_SLOT);
	}
	assert_int_equal(tc_ops_cap_algs(),
	                 TC_CAP_ALG_SHA256 | TC_CAP_ALG_SHA384 |
	                     TC_CAP_ALG_SHA512 | TC_CAP_ALG_HMAC |
	                     TC_CAP_ALG_AES128GCM | TC_CAP_ALG_AES256GCM |
	                     TC_CAP_ALG_CHACHA20POLY1305 | TC_CAP_ALG_RSA |
	                     TC_CAP_ALG_RSA_PSS | TC_CAP_ALG_P256 |
	                     TC_CAP_ALG_P384 | TC_CAP_ALG_X25519);
}

static void test_engine_index(void **state)
{
	struct fakebus *fb = *state;
	struct tc_sqe sqe = fb_sqe(TC_OP_NOP);

	fb->ctx.engine = fb->cfg.nengines - 1;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	fb->ctx.engine = fb->cfg.nengines;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INTERNAL);
	fb->ctx.engine = 0;
}

/* A reset empties key slots and blobs; the card keeps working. */
static void test_clear(void **state)
{
	struct fakebus *fb = *state;
	struct tc_sg_entry sg = {.len = htole32(4),
	                         .flags = htole16(TC_SG_F_BLOB),
	                         .blob_id = htole16(1)};
	struct tc_sqe sqe = fb_sqe(TC_OP_DIGEST);

	sqe.u.digest.hash = TC_HASH_SHA256;
	sqe.u.digest.dflags = TC_DIGEST_F_HMAC;
	sqe.u.digest.key_slot = htole32(2);
	sqe.u.digest.nseg = htole16(1);
	sqe.u.digest.sgl_addr = htole64(fb_put(fb, &sg, sizeof(sg)));
	sqe.u.digest.out_addr = htole64(fb_alloc(fb, 32));
	sqe.u.digest.out_len = htole32(32);
	assert_int_equal(fb_key_load(fb, 2, TC_KEY_HMAC, "key", 3), TC_STS_OK);
	assert_int_equal(fb_blob_load(fb, 1, "blob", 4), TC_STS_OK);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	assert_int_equal(fb->ctx.result, 32);
	tc_ops_state_clear(fb->st);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_KEY_SLOT);
	assert_int_equal(fb->ctx.result, 0);
	assert_int_equal(fb_key_load(fb, 2, TC_KEY_HMAC, "key", 3), TC_STS_OK);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_BLOB);
	assert_int_equal(fb_blob_load(fb, 1, "blob", 4), TC_STS_OK);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
}

/* Failed jobs report zero result/aux/bytes, whatever ran before. */
static void test_outputs_reset(void **state)
{
	struct fakebus *fb = *state;
	struct tc_sqe sqe = fb_sqe(TC_OP_BLOB_LOAD);

	assert_int_equal(fb_blob_load(fb, 0, "0123456789", 10), TC_STS_OK);
	assert_int_equal(fb->ctx.bytes, 10);
	sqe.u.blob.blob_id = htole32(fb->cfg.blob_slots);
	sqe.u.blob.len = htole32(1);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_BLOB);
	assert_int_equal(fb->ctx.bytes, 0);
	assert_int_equal(fb->ctx.result, 0);
	assert_int_equal(fb->ctx.aux, 0);
}

/* The sqe header is the core's: ops ignore flags, cid and rsvd4. */
static void test_header_ignored(void **state)
{
	struct fakebus *fb = *state;
	struct tc_sqe sqe = fb_sqe(TC_OP_NOP);

	sqe.flags = 0xff;
	sqe.cid = 0xffff;
	sqe.rsvd4 = 0xffffffff;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fb_setup, fb_teardown)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_rejects_bad_config),
	    T(test_nop_and_unknown),
	    T(test_caps),
	    T(test_engine_index),
	    T(test_clear),
	    T(test_outputs_reset),
	    T(test_header_ignored),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
