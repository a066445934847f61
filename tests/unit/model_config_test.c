/* SPDX-License-Identifier: MIT */
/* tc_model_config_default and tc_model_config_parse (tc_model_config.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tc_model.h"

static void test_defaults(void **state)
{
	struct tc_model_config cfg;
	unsigned c;

	(void)state;
	memset(&cfg, 0xa5, sizeof(cfg));
	tc_model_config_default(&cfg);
	assert_int_equal(cfg.nqueues, 4);
	assert_int_equal(cfg.nengines, 2);
	assert_int_equal(cfg.max_ring_log2, 12);
	assert_int_equal(cfg.key_slots, 4096);
	assert_int_equal(cfg.blob_slots, 64);
	assert_int_equal(cfg.blob_bytes, 1u << 20);
	assert_int_equal(cfg.max_input, 64u << 10);
	assert_int_equal(cfg.max_sg, 256);
	assert_true(cfg.fault_injection);
	assert_non_null(cfg.name);
	for (c = 0; c < TC_CLASS_COUNT; c++) {
		assert_true(cfg.timing[c].ops_per_sec == 0);
		assert_true(cfg.timing[c].bytes_per_sec == 0);
		assert_int_equal(cfg.timing[c].latency_us, 0);
	}
}

static void test_good_specs(void **state)
{
	struct tc_model_config cfg;
	char err[128];

	(void)state;
	tc_model_config_default(&cfg);
	assert_int_equal(tc_model_config_parse(&cfg, "", err, sizeof(err)), 0);
	assert_int_equal(tc_model_config_parse(&cfg, NULL, err, sizeof(err)),
	                 0);
	assert_int_equal(cfg.nqueues, 4);

	assert_int_equal(
	    tc_model_config_parse(
	        &cfg,
	        "engines=3,queues=16,ring_log2=16,key_slots=65535,"
	        "blob_slots=1,blob_bytes=4294967295,max_input=16384,"
	        "max_sg=64,fi=off",
	        err, sizeof(err)),
	    0);
	assert_int_equal(cfg.nengines, 3);
	assert_int_equal(cfg.nqueues, 16);
	assert_int_equal(cfg.max_ring_log2, 16);
	assert_int_equal(cfg.key_slots, 65535);
	assert_int_equal(cfg.blob_slots, 1);
	assert_int_equal(cfg.blob_bytes, 4294967295u);
	assert_int_equal(cfg.max_input, 16384);
	assert_int_equal(cfg.max_sg, 64);
	assert_false(cfg.fault_injection);
	assert_true(cfg.card_jobs_per_sec == 0);
	assert_int_equal(
	    tc_model_config_parse(&cfg, "card_jobs=20000", err, sizeof(err)),
	    0);
	assert_true(cfg.card_jobs_per_sec == 20000);

	/* Every class, then per class; later keys win. */
	assert_int_equal(
	    tc_model_config_parse(&cfg,
	                          "ops=100,bps=5000,latency_us=7,"
	                          "pke_ops=2000,aead_bps=1000000000,"
	                          "digest_lat_us=50,nop_ops=1,"
	                          "admin_bps=9,fi=1",
	                          err, sizeof(err)),
	    0);
	assert_true(cfg.timing[TC_CLASS_NOP].ops_per_sec == 1);
	assert_true(cfg.timing[TC_CLASS_DIGEST].ops_per_sec == 100);
	assert_true(cfg.timing[TC_CLASS_PKE].ops_per_sec == 2000);
	assert_true(cfg.timing[TC_CLASS_AEAD].bytes_per_sec == 1000000000);
	assert_true(cfg.timing[TC_CLASS_ADMIN].bytes_per_sec == 9);
	assert_true(cfg.timing[TC_CLASS_PKE].bytes_per_sec == 5000);
	assert_int_equal(cfg.timing[TC_CLASS_DIGEST].latency_us, 50);
	assert_int_equal(cfg.timing[TC_CLASS_AEAD].latency_us, 7);
	assert_true(cfg.fault_injection);
	/* Booleans in several spellings. */
	assert_int_equal(tc_model_config_parse(&cfg, "fi=no", err, 8), 0);
	assert_false(cfg.fault_injection);
	assert_int_equal(tc_model_config_parse(&cfg, "fi=true", err, 8), 0);
	assert_true(cfg.fault_injection);
	/* 64-bit rates. */
	assert_int_equal(tc_model_config_parse(&cfg,
	                                       "aead_bps=18446744073709551615",
	                                       err, sizeof(err)),
	                 0);
	assert_true(cfg.timing[TC_CLASS_AEAD].bytes_per_sec == UINT64_MAX);
}

static void expect_error(const char *spec, const char *msg)
{
	struct tc_model_config cfg, before;
	char err[160];

	tc_model_config_default(&cfg);
	memcpy(&before, &cfg, sizeof(cfg));
	assert_int_equal(tc_model_config_parse(&cfg, spec, err, sizeof(err)),
	                 -EINVAL);
	if (!strstr(err, msg))
		fail_msg("spec '%s': got '%s', want '%s'", spec, err, msg);
	/* A bad spec leaves the config untouched, even after good keys. */
	assert_memory_equal(&cfg, &before, sizeof(cfg));
}

static void test_bad_specs(void **state)
{
	(void)state;
	expect_error("foo=1", "unknown sim option 'foo'");
	expect_error("engines=2,bogus=3", "unknown sim option 'bogus'");
	expect_error("queue=2", "unknown sim option 'queue'");
	expect_error("rsa_ops=5", "unknown sim option 'rsa_ops'");
	expect_error("pke_=5", "unknown sim option 'pke_'");
	expect_error("pke_lat=5", "unknown sim option 'pke_lat'");
	expect_error("=5", "unknown sim option ''");
	expect_error("engines", "sim option 'engines' needs a value");
	expect_error("engines=2,", "empty sim option");
	expect_error(",engines=2", "empty sim option");
	expect_error("engines=2,,queues=1", "empty sim option");
	expect_error("engines=", "bad value '' for sim option 'engines'");
	expect_error("engines=0", "bad value '0' for sim option 'engines' "
	                          "(expected 1..16)");
	expect_error("engines=17", "(expected 1..16)");
	expect_error("queues=-1", "bad value '-1' for sim option 'queues'");
	expect_error("queues=+1", "bad value '+1'");
	expect_error("queues= 1", "bad value ' 1'");
	expect_error("queues=1 ", "bad value '1 '");
	expect_error("queues=0x4", "bad value '0x4'");
	expect_error("queues=4k", "bad value '4k'");
	expect_error("ring_log2=17", "sim option 'ring_log2'");
	expect_error("ring_log2=0", "sim option 'ring_log2'");
	expect_error("max_sg=65536", "sim option 'max_sg'");
	expect_error("key_slots=0", "sim option 'key_slots'");
	expect_error("blob_bytes=4294967296", "sim option 'blob_bytes'");
	expect_error("ops=18446744073709551616", "sim option 'ops'");
	expect_error("latency_us=60000001", "sim option 'latency_us'");
	expect_error("nop_lat_us=99999999999", "sim option 'nop_lat_us'");
	expect_error("fi=maybe", "bad value 'maybe' for sim option 'fi' "
	                         "(expected on or off)");
	expect_error("fi=", "sim option 'fi'");
}

static void test_tiny_error_buffer(void **state)
{
	struct tc_model_config cfg;
	char err[8];

	(void)state;
	tc_model_config_default(&cfg);
	assert_int_equal(
	    tc_model_config_parse(&cfg, "nonsense=1", err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_int_equal(tc_model_config_parse(&cfg, "nonsense=1", NULL, 0),
	                 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_good_specs),
	    cmocka_unit_test(test_bad_specs),
	    cmocka_unit_test(test_tiny_error_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
