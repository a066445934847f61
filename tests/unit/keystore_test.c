/* SPDX-License-Identifier: MIT */
/*
 * Key slots (hwmodel/tc_keystore.c): references outlive eviction and
 * replacement, conditional eviction, range checks, clear, and a threaded
 * get/put against load/evict run.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tlscard_abi.h"
#include "tc_keystore.h"

static void test_get_outlives_evict(void **state)
{
	struct tc_keystore *ks;
	struct tc_key *k, *ref;

	(void)state;
	assert_int_equal(tc_keystore_create(4, &ks), 0);
	assert_int_equal(tc_keystore_nslots(ks), 4);
	assert_null(tc_keystore_get(ks, 0));
	k = tc_key_new_raw(TC_KEY_HMAC, "secret", 6);
	assert_non_null(k);
	assert_int_equal(tc_keystore_install(ks, 2, k), 0);
	ref = tc_keystore_get(ks, 2);
	assert_ptr_equal(ref, k);
	assert_int_equal(tc_keystore_evict(ks, 2), 0);
	assert_null(tc_keystore_get(ks, 2));
	/* Still usable through the reference (ASan would catch a free). */
	assert_memory_equal(ref->raw, "secret", 6);
	assert_int_equal(ref->raw_len, 6);
	tc_key_put(ref);
	/* Evicting an empty slot is fine; out of range is not. */
	assert_int_equal(tc_keystore_evict(ks, 2), 0);
	assert_int_equal(tc_keystore_evict(ks, 4), -ERANGE);
	assert_null(tc_keystore_get(ks, 4));
	tc_keystore_destroy(ks);
}

static void test_replace_and_evict_if(void **state)
{
	struct tc_keystore *ks;
	struct tc_key *a, *b, *ref;

	(void)state;
	assert_int_equal(tc_keystore_create(2, &ks), 0);
	a = tc_key_new_raw(TC_KEY_AES128GCM, "0123456789abcdef", 16);
	b = tc_key_new_raw(TC_KEY_AES128GCM, "fedcba9876543210", 16);
	assert_true(a->id != b->id);
	assert_int_equal(tc_keystore_install(ks, 0, a), 0);
	ref = tc_keystore_get(ks, 0);
	assert_int_equal(tc_keystore_install(ks, 0, b), 0);
	/* The slot now holds b: evict_if(a) leaves it alone. */
	assert_int_equal(tc_keystore_evict_if(ks, 0, ref), 0);
	tc_key_put(ref);
	ref = tc_keystore_get(ks, 0);
	assert_ptr_equal(ref, b);
	assert_int_equal(tc_keystore_evict_if(ks, 0, ref), 0);
	assert_null(tc_keystore_get(ks, 0));
	tc_key_put(ref);
	assert_int_equal(tc_keystore_evict_if(ks, 9, NULL), -ERANGE);
	/* Install out of range drops the reference (no leak under ASan). */
	assert_int_equal(
	    tc_keystore_install(ks, 2, tc_key_new_raw(TC_KEY_HMAC, "x", 1)),
	    -ERANGE);
	assert_null(tc_key_new_raw(TC_KEY_HMAC, "x", TC_KEY_RAW_MAX + 1));
	tc_keystore_destroy(ks);
}

static void test_clear(void **state)
{
	struct tc_keystore *ks;
	unsigned i;

	(void)state;
	assert_int_equal(tc_keystore_create(100, &ks), 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(
		    tc_keystore_install(ks, i,
		                        tc_key_new_raw(TC_KEY_HMAC, "k", 1)),
		    0);
	tc_keystore_clear(ks);
	for (i = 0; i < 100; i++)
		assert_null(tc_keystore_get(ks, i));
	tc_keystore_destroy(ks);
	/* Zero slots is a valid (keyless) card. */
	assert_int_equal(tc_keystore_create(0, &ks), 0);
	assert_null(tc_keystore_get(ks, 0));
	assert_int_equal(tc_keystore_evict(ks, 0), -ERANGE);
	tc_keystore_destroy(ks);
}

/* Engines wipe cached AEAD schedules when this moves. */
static void test_wipe_generation(void **state)
{
	struct tc_keystore *ks;
	uint64_t g;

	(void)state;
	assert_int_equal(tc_keystore_create(2, &ks), 0);
	g = tc_keystore_wipe_gen(ks);
	assert_int_equal(
	    tc_keystore_install(
	        ks, 0,
	        tc_key_new_raw(TC_KEY_AES128GCM, "0123456789abcdef", 16)),
	    0);
	assert_int_equal(tc_keystore_wipe_gen(ks), g);
	/* Replacing an AEAD key moves it; replacing an HMAC key does not. */
	assert_int_equal(
	    tc_keystore_install(ks, 0, tc_key_new_raw(TC_KEY_HMAC, "k", 1)), 0);
	assert_int_equal(tc_keystore_wipe_gen(ks), g + 1);
	assert_int_equal(tc_keystore_evict(ks, 0), 0);
	assert_int_equal(tc_keystore_wipe_gen(ks), g + 1);
	/* Evicting one, and clearing. */
	assert_int_equal(
	    tc_keystore_install(ks, 1,
	                        tc_key_new_raw(TC_KEY_CHACHA20POLY1305,
	                                       "0123456789abcdef"
	                                       "0123456789abcdef",
	                                       32)),
	    0);
	assert_int_equal(tc_keystore_evict(ks, 1), 0);
	assert_int_equal(tc_keystore_wipe_gen(ks), g + 2);
	assert_int_equal(tc_keystore_install(ks, 1,
	                                     tc_key_new_raw(TC_KEY_AES256GCM,
	                                                    "0123456789abcdef"
	                                                    "0123456789abcdef",
	                                                    32)),
	                 0);
	tc_keystore_clear(ks);
	assert_int_equal(tc_keystore_wipe_gen(ks), g + 3);
	tc_keystore_destroy(ks);
}

struct churn {
	struct tc_keystore *ks;
	unsigned iters;
	unsigned seen;
};

static void *churn_users(void *arg)
{
	struct churn *c = arg;
	unsigned i;

	for (i = 0; i < c->iters; i++) {
		struct tc_key *k = tc_keystore_get(c->ks, i % 4);

		if (k) {
			/* The content is always a whole key. */
			assert_int_equal(k->raw_len, 16);
			assert_int_equal(k->raw[0], k->raw[15]);
			c->seen++;
			tc_key_put(k);
		}
	}
	return NULL;
}

static void *churn_admin(void *arg)
{
	struct churn *c = arg;
	uint8_t raw[16];
	unsigned i;

	for (i = 0; i < c->iters; i++) {
		memset(raw, (int)i, sizeof(raw));
		if (i % 3 == 2)
			tc_keystore_evict(c->ks, i % 4);
		else
			tc_keystore_install(
			    c->ks, i % 4,
			    tc_key_new_raw(TC_KEY_AES128GCM, raw, 16));
	}
	return NULL;
}

static void test_threaded_churn(void **state)
{
	struct churn users = {.iters = 200000}, admin = {.iters = 50000};
	pthread_t t1, t2;

	(void)state;
	assert_int_equal(tc_keystore_create(4, &users.ks), 0);
	admin.ks = users.ks;
	assert_int_equal(pthread_create(&t1, NULL, churn_users, &users), 0);
	assert_int_equal(pthread_create(&t2, NULL, churn_admin, &admin), 0);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	tc_keystore_destroy(users.ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get_outlives_evict),
	    cmocka_unit_test(test_replace_and_evict_if),
	    cmocka_unit_test(test_clear),
	    cmocka_unit_test(test_wipe_generation),
	    cmocka_unit_test(test_threaded_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
