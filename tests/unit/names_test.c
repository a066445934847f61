/* SPDX-License-Identifier: MIT */
/* Stable names (tc_names.c) and the clock (tc_time.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tlscard.h"

static void test_status_names(void **state)
{
	static const char *const want[] = {
	    "ok",        "invalid_desc",  "unsupported", "dma_fault",
	    "auth_fail", "bad_key_slot",  "internal",    "aborted_reset",
	    "bad_blob",  "buf_too_small", "bad_key",
	};
	unsigned i;

	(void)state;
	assert_int_equal(sizeof(want) / sizeof(want[0]), TC_STS_COUNT);
	for (i = 0; i < TC_STS_COUNT; i++)
		assert_string_equal(tc_status_name((uint16_t)i), want[i]);
	assert_string_equal(tc_status_name(TC_STS_COUNT), "unknown");
	assert_string_equal(tc_status_name(0xffff), "unknown");
}

static void test_opcode_and_class_names(void **state)
{
	static const char *const ops[] = {
	    "nop",         "digest",      "aead_batch",  "key_load",
	    "key_evict",   "rsa_sign",    "rsa_decrypt", "ecdsa_sign",
	    "ecdh_keygen", "ecdh_derive", "blob_load",   "blob_evict",
	};
	static const char *const classes[] = {"nop", "digest", "aead", "pke",
	                                      "admin"};
	unsigned i;

	(void)state;
	assert_int_equal(sizeof(ops) / sizeof(ops[0]), TC_OP_COUNT);
	for (i = 0; i < TC_OP_COUNT; i++)
		assert_string_equal(tc_opcode_name((uint8_t)i), ops[i]);
	assert_string_equal(tc_opcode_name(TC_OP_COUNT), "unknown");
	for (i = 0; i < TC_CLASS_COUNT; i++)
		assert_string_equal(tc_class_name(i), classes[i]);
	assert_string_equal(tc_class_name(TC_CLASS_COUNT), "unknown");
}

static void test_clock_monotonic(void **state)
{
	uint64_t a = tc_now_ns(), b = tc_now_ns();

	(void)state;
	assert_true(a > 0);
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status_names),
	    cmocka_unit_test(test_opcode_and_class_names),
	    cmocka_unit_test(test_clock_monotonic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
