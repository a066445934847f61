// SPDX-License-Identifier: MIT
/*
 * What a SIGHUP reload does to the card offload (tls_offload_card_blob.c,
 * tls_offload_card_pk.c): a retired configuration's Certificate blob and
 * key leave the cards; the next blob reuses the freed blob id, and a
 * digest that names it reads the new bytes on the card (a stale blob
 * would give a wrong transcript hash); a removed key no longer signs on
 * the card.  One sim card, every op forced to it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "tls_offload_card_int.h"
#include "tls_offload_cpu.h"
#include "tls_proto.h"

#define MSG_LEN 3000

static struct tc_ctx *ctx;
static struct tc_dev *dev;
static struct tc_pool *pool;
static struct tls_offload *off;
static struct tlsd_offload_counters cnt;

/* SHA-256 of the message on the card must equal the CPU's. */
static void digest_on_card(const uint8_t *msg)
{
	struct tls_iov seg = {msg, MSG_LEN};
	size_t cp = 1;
	uint8_t got[32], want[32];
	uint64_t card = cnt.card_jobs[TLSD_OP_DIGEST];
	uint64_t refs = cnt.blob_refs, fallbacks = cnt.cpu_fallbacks;

	assert_true(tls_is_ok(
	    off->ops->digest(off, TLS_HASH_SHA256, &seg, 1, &cp, 1, got)));
	SHA256(msg, MSG_LEN, want);
	assert_memory_equal(got, want, 32);
	/* ... and it was the card's, reading its blob, not a fallback. */
	assert_int_equal(cnt.card_jobs[TLSD_OP_DIGEST], card + 1);
	assert_int_equal(cnt.blob_refs, refs + 1);
	assert_int_equal(cnt.cpu_fallbacks, fallbacks);
}

static void test_blob_slot_reused_with_new_bytes(void **state)
{
	struct tls_offload_card *c = tls_card(off);
	uint8_t *old = malloc(MSG_LEN), *next = malloc(MSG_LEN);

	(void)state;
	assert_non_null(old);
	assert_non_null(next);
	memset(old, 'o', MSG_LEN);
	memset(next, 'n', MSG_LEN);
	assert_int_equal(tls_offload_card_add_blob(off, old, MSG_LEN), 0);
	digest_on_card(old);
	/* The reload retires the old configuration... */
	assert_int_equal(tls_offload_card_remove_blob(off, old), 0);
	assert_int_equal(tls_offload_card_remove_blob(off, old), -ENOENT);
	/* ... and the next one takes the same blob id. */
	assert_int_equal(tls_offload_card_add_blob(off, next, MSG_LEN), 0);
	assert_int_equal(c->nblobs, 1);
	digest_on_card(next);
	assert_int_equal(tls_offload_card_remove_blob(off, next), 0);
	free(old);
	free(next);
}

static void test_removed_key_signs_on_the_cpu(void **state)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	uint8_t sig[256], msg[64] = {1};
	size_t len = sizeof(sig);
	uint64_t card = cnt.card_jobs[TLSD_OP_SIGN];
	uint64_t cpu = cnt.cpu_jobs[TLSD_OP_SIGN];

	(void)state;
	assert_non_null(pkey);
	assert_int_equal(tls_offload_card_add_key(off, pkey), 0);
	assert_true(
	    tls_is_ok(off->ops->sign(off, pkey, TLS_SIG_ECDSA_SECP256R1_SHA256,
	                             msg, sizeof(msg), sig, &len)));
	assert_int_equal(cnt.card_jobs[TLSD_OP_SIGN], card + 1);
	assert_int_equal(tls_offload_card_remove_key(off, pkey), 0);
	assert_int_equal(tls_offload_card_remove_key(off, pkey), -ENOENT);
	assert_int_equal(tls_card(off)->npkeys, 0);
	len = sizeof(sig);
	assert_true(
	    tls_is_ok(off->ops->sign(off, pkey, TLS_SIG_ECDSA_SECP256R1_SHA256,
	                             msg, sizeof(msg), sig, &len)));
	assert_int_equal(cnt.card_jobs[TLSD_OP_SIGN], card + 1);
	assert_int_equal(cnt.cpu_jobs[TLSD_OP_SIGN], cpu + 1);
	EVP_PKEY_free(pkey);
}

static int setup(void **state)
{
	struct tc_dev_opts dopts = {0};
	struct tc_pool_opts popts;
	struct tls_card_opts copts = {.always = true};
	struct tls_offload *cpu = tls_offload_cpu_create();

	(void)state;
	tc_pool_opts_default(&popts);
	if (!cpu || tc_ctx_create(&ctx) ||
	    tc_dev_open(ctx, "sim", &dopts, &dev) ||
	    tc_pool_create(ctx, &popts, &pool) || tc_pool_add(pool, dev) < 0)
		return -1;
	off = tls_offload_card_create(ctx, pool, cpu, &cnt, &copts);
	return off ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tls_offload_destroy(off);
	tc_pool_destroy(pool);
	tc_dev_close(dev);
	tc_ctx_destroy(ctx);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_blob_slot_reused_with_new_bytes),
	    cmocka_unit_test(test_removed_key_signs_on_the_cpu),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
