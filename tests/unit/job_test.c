/* SPDX-License-Identifier: MIT */
/* Descriptor builders (tc_job.c): every field little-endian, reserved
 * bytes zero, the cid left to the queue. */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tc_driver_internal.h"

static uint64_t rd64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static uint32_t rd32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint16_t rd16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return le16toh(v);
}

static void test_nop_clears(void **state)
{
	struct tc_job job;
	const unsigned char *raw = (const unsigned char *)&job.sqe;
	unsigned i;

	(void)state;
	memset(&job, 0xff, sizeof(job));
	tc_job_prep_nop(&job);
	assert_int_equal(job.sqe.opcode, TC_OP_NOP);
	for (i = 1; i < sizeof(job.sqe); i++)
		assert_int_equal(raw[i], 0);
}

static void test_digest_layout(void **state)
{
	const uint16_t cp[9] = {2, 5, 0x0102};
	struct tc_job job;
	const unsigned char *raw = (const unsigned char *)&job.sqe;

	(void)state;
	memset(&job, 0xee, sizeof(job));
	tc_job_prep_digest(&job, TC_HASH_SHA384, 0x1122334455667788ull, 0x0102,
	                   cp, 3, 0x99aabbccddeeff00ull, 0x30);
	assert_int_equal(raw[0], TC_OP_DIGEST);
	assert_int_equal(raw[8], TC_HASH_SHA384);
	assert_int_equal(raw[9], 0);
	assert_int_equal(rd16(raw + 10), 0x0102);
	assert_int_equal(raw[12], 3);
	assert_int_equal(rd32(raw + 16), 0);
	assert_int_equal(rd32(raw + 20), 0x30);
	assert_int_equal(rd64(raw + 24), 0x1122334455667788ull);
	assert_int_equal(rd64(raw + 32), 0x99aabbccddeeff00ull);
	assert_int_equal(rd16(raw + 40), 2);
	assert_int_equal(rd16(raw + 42), 5);
	assert_int_equal(rd16(raw + 44), 0x0102);
	assert_int_equal(rd16(raw + 46), 0);
	assert_int_equal(rd64(raw + 56), 0);
	/* Too many checkpoints: passed on for the card to reject. */
	tc_job_prep_digest(&job, TC_HASH_SHA256, 0, 1, cp, 9, 0, 0);
	assert_int_equal(raw[12], 9);
}

static void test_aead_and_keys(void **state)
{
	struct tc_job job;
	const unsigned char *raw = (const unsigned char *)&job.sqe;

	(void)state;
	tc_job_prep_aead(&job, 0xabcdef00ull, 64, 0x12340000ull);
	assert_int_equal(raw[0], TC_OP_AEAD_BATCH);
	assert_int_equal(rd16(raw + 8), 64);
	assert_int_equal(rd64(raw + 16), 0xabcdef00ull);
	assert_int_equal(rd64(raw + 24), 0x12340000ull);
	tc_job_prep_key_load(&job, 0x01020304, TC_KEY_AES256GCM, 0x5000, 32);
	assert_int_equal(raw[0], TC_OP_KEY_LOAD);
	assert_int_equal(rd32(raw + 8), 0x01020304);
	assert_int_equal(raw[12], TC_KEY_AES256GCM);
	assert_int_equal(rd64(raw + 16), 0x5000);
	assert_int_equal(rd32(raw + 24), 32);
	tc_job_prep_key_evict(&job, 7);
	assert_int_equal(raw[0], TC_OP_KEY_EVICT);
	assert_int_equal(rd32(raw + 8), 7);
	assert_int_equal(rd64(raw + 16), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nop_clears),
	    cmocka_unit_test(test_digest_layout),
	    cmocka_unit_test(test_aead_and_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
