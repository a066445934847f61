/* SPDX-License-Identifier: MIT */
/*
 * KEY_LOAD / KEY_EVICT (hwmodel/tc_op_keys.c): slot and type rules, length
 * rules per type, strict PKCS#8 parsing and type matching, replacement and
 * idempotent eviction, seen through the ops that use the keys.
 */
#include "ops_fakebus.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

static EVP_PKEY *rsa2048, *rsa1024, *p256, *p384, *x25519, *ed25519;

static int group_setup(void **state)
{
	(void)state;
	rsa2048 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	x25519 = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return rsa2048 && rsa1024 && p256 && p384 && x25519 && ed25519 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(rsa2048);
	EVP_PKEY_free(rsa1024);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(x25519);
	EVP_PKEY_free(ed25519);
	return 0;
}

static size_t pkcs8(EVP_PKEY *pkey, uint8_t *buf)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pkey);
	unsigned char *p = buf;
	int n = i2d_PKCS8_PRIV_KEY_INFO(p8, &p);

	PKCS8_PRIV_KEY_INFO_free(p8);
	assert_true(n > 0 && n <= (int)TC_KEY_MAX_LEN);
	return n;
}

/* Is slot usable as an HMAC key?  (DIGEST with HMAC from that slot.) */
static uint16_t hmac_with(struct fakebus *fb, uint32_t slot, uint8_t *mac)
{
	struct tc_sqe sqe = fb_sqe(TC_OP_DIGEST);
	struct tc_sg_entry sg = {.addr = htole64(fb_put(fb, "data", 4)),
	                         .len = htole32(4)};
	uint64_t out = fb_alloc(fb, 32);
	uint16_t sts;

	sqe.u.digest.hash = TC_HASH_SHA256;
	sqe.u.digest.dflags = TC_DIGEST_F_HMAC;
	sqe.u.digest.key_slot = htole32(slot);
	sqe.u.digest.nseg = htole16(1);
	sqe.u.digest.sgl_addr = htole64(fb_put(fb, &sg, sizeof(sg)));
	sqe.u.digest.out_addr = htole64(out);
	sqe.u.digest.out_len = htole32(32);
	sts = fb_exec(fb, &sqe);
	if (mac)
		memcpy(mac, fb_ptr(fb, out), 32);
	return sts;
}

static void test_symmetric_lengths(void **state)
{
	struct fakebus *fb = *state;
	uint8_t k[200] = {0};

	assert_int_equal(fb_key_load(fb, 0, TC_KEY_AES128GCM, k, 16),
	                 TC_STS_OK);
	assert_int_equal(fb_key_load(fb, 0, TC_KEY_AES128GCM, k, 15),
	                 TC_STS_INVALID_DESC);
	assert_int_equal(fb_key_load(fb, 0, TC_KEY_AES128GCM, k, 32),
	                 TC_STS_INVALID_DESC);
	assert_int_equal(fb_key_load(fb, 0, TC_KEY_AES256GCM, k, 32),
	                 TC_STS_OK);
	assert_int_equal(fb_key_load(fb, 0, TC_KEY_AES256GCM, k, 16),
	                 TC_STS_INVALID_DESC);
	assert_int_equal(fb_key_load(fb, 0, TC_KEY_CHACHA20POLY1305, k, 32),
	                 TC_STS_OK);
	assert_int_equal(fb_key_load(fb, 0, TC_KEY_CHACHA20POLY1305, k, 33),
	                 TC_STS_INVALID_DESC);
	assert_int_equal(fb_key_load(fb, 0, TC_KEY_HMAC, k, 1), TC_STS_OK);
	assert_int_equal(fb_key_load(fb, 0, TC_KEY_HMAC, k, 128), TC_STS_OK);
	assert_int_equal(fb_key_load(fb, 0, TC_KEY_HMAC, k, 0),
	                 TC_STS_INVALID_DESC);
	assert_int_equal(fb_key_load(fb, 0, TC_KEY_HMAC, k, 129),
	                 TC_STS_INVALID_DESC);
	assert_int_equal(fb_key_load(fb, 0, TC_KEY_RSA, k, 0),
	                 TC_STS_INVALID_DESC);
	assert_int_equal(fb_key_load(fb, 0, TC_KEY_X25519, k, 0),
	                 TC_STS_INVALID_DESC);
}

static void test_slot_type_rules(void **state)
{
	struct fakebus *fb = *state;
	struct tc_sqe sqe;
	uint8_t k[16] = {0};

	assert_int_equal(
	    fb_key_load(fb, fb->cfg.key_slots - 1, TC_KEY_AES128GCM, k, 16),
	    TC_STS_OK);
	assert_int_equal(
	    fb_key_load(fb, fb->cfg.key_slots, TC_KEY_AES128GCM, k, 16),
	    TC_STS_BAD_KEY_SLOT);
	assert_int_equal(fb_key_load(fb, UINT32_MAX, TC_KEY_AES128GCM, k, 16),
	                 TC_STS_BAD_KEY_SLOT);
	assert_int_equal(fb_key_load(fb, 0, 0, k, 16), TC_STS_UNSUPPORTED);
	assert_int_equal(fb_key_load(fb, 0, TC_KEY_TYPE_COUNT, k, 16),
	                 TC_STS_UNSUPPORTED);
	assert_int_equal(fb_key_load(fb, 0, 0xff, k, 16), TC_STS_UNSUPPORTED);

	/* Reserved fields, DMA faults. */
	sqe = fb_sqe(TC_OP_KEY_LOAD);
	sqe.u.key.slot = htole32(0);
	sqe.u.key.key_type = TC_KEY_AES128GCM;
	sqe.u.key.key_addr = htole64(fb_put(fb, k, 16));
	sqe.u.key.key_len = htole32(16);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	assert_int_equal(fb->ctx.bytes, 16);
	sqe.u.key.rsvd5 = 1;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.key.rsvd5 = 0;
	sqe.u.key.rsvd6 = htole16(1);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.key.rsvd6 = 0;
	sqe.u.key.rsvd20[35] = 1;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.key.rsvd20[35] = 0;
	sqe.u.key.key_addr = htole64(FB_BAD);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	sqe.u.key.key_addr = htole64(FB_BASE + FB_SIZE - 8);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);

	/* Evict: out of range, reserved, idempotent. */
	sqe.opcode = TC_OP_KEY_EVICT;
	sqe.u.key.slot = htole32(fb->cfg.key_slots);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_KEY_SLOT);
	sqe.u.key.slot = 0;
	sqe.u.key.rsvd6 = htole16(2);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.key.rsvd6 = 0;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	assert_int_equal(fb_key_evict(fb, 33), TC_STS_OK);
}

/* Replace and evict, seen through HMAC. */
static void test_replace_and_evict(void **state)
{
	struct fakebus *fb = *state;
	uint8_t a[32], b[32];

	assert_int_equal(hmac_with(fb, 3, NULL), TC_STS_BAD_KEY_SLOT);
	assert_int_equal(fb_key_load(fb, 3, TC_KEY_HMAC, "key one", 7),
	                 TC_STS_OK);
	assert_int_equal(hmac_with(fb, 3, a), TC_STS_OK);
	assert_int_equal(fb_key_load(fb, 3, TC_KEY_HMAC, "key two", 7),
	                 TC_STS_OK);
	assert_int_equal(hmac_with(fb, 3, b), TC_STS_OK);
	assert_memory_not_equal(a, b, 32);
	/* Replacing with another type makes it unusable for HMAC. */
	assert_int_equal(fb_key_load(fb, 3, TC_KEY_AES256GCM, a, 32),
	                 TC_STS_OK);
	assert_int_equal(hmac_with(fb, 3, NULL), TC_STS_BAD_KEY_SLOT);
	assert_int_equal(fb_key_load(fb, 3, TC_KEY_HMAC, "key one", 7),
	                 TC_STS_OK);
	assert_int_equal(hmac_with(fb, 3, b), TC_STS_OK);
	assert_memory_equal(a, b, 32);
	assert_int_equal(fb_key_evict(fb, 3), TC_STS_OK);
	assert_int_equal(hmac_with(fb, 3, NULL), TC_STS_BAD_KEY_SLOT);
	/* A failed load leaves the slot as it was. */
	assert_int_equal(fb_key_load(fb, 3, TC_KEY_HMAC, "k", 1), TC_STS_OK);
	assert_int_equal(fb_key_load(fb, 3, TC_KEY_RSA, "garbage", 7),
	                 TC_STS_BAD_KEY);
	assert_int_equal(hmac_with(fb, 3, NULL), TC_STS_OK);
}

static void test_pkcs8_types(void **state)
{
	struct fakebus *fb = *state;
	struct {
		EVP_PKEY **key;
		uint8_t type;
	} good[] = {
	    {&rsa2048, TC_KEY_RSA},
	    {&p256, TC_KEY_EC_P256},
	    {&p384, TC_KEY_EC_P384},
	    {&x25519, TC_KEY_X25519},
	};
	static const uint8_t types[] = {TC_KEY_RSA, TC_KEY_EC_P256,
	                                TC_KEY_EC_P384, TC_KEY_X25519};
	uint8_t der[TC_KEY_MAX_LEN + 8];
	unsigned i, j;

	/* Each key loads as its own type and as no other. */
	for (i = 0; i < 4; i++) {
		size_t len = pkcs8(*good[i].key, der);

		for (j = 0; j < 4; j++)
			assert_int_equal(
			    fb_key_load(fb, 10 + i, types[j], der, len),
			    types[j] == good[i].type ? TC_STS_OK
			                             : TC_STS_BAD_KEY);
	}
	/* RSA below 2048 bits; an Ed25519 key; a symmetric type given
	 * PKCS#8 is just raw bytes of the wrong length. */
	assert_int_equal(
	    fb_key_load(fb, 20, TC_KEY_RSA, der, pkcs8(rsa1024, der)),
	    TC_STS_BAD_KEY);
	assert_int_equal(
	    fb_key_load(fb, 20, TC_KEY_X25519, der, pkcs8(ed25519, der)),
	    TC_STS_BAD_KEY);
}

static void test_pkcs8_malformed(void **state)
{
	struct fakebus *fb = *state;
	uint8_t der[TC_KEY_MAX_LEN + 8];
	unsigned char *p = der;
	size_t len = pkcs8(p256, der);
	int n;

	/* Trailing bytes, truncation, a flipped tag, garbage. */
	der[len] = 0;
	assert_int_equal(fb_key_load(fb, 1, TC_KEY_EC_P256, der, len + 1),
	                 TC_STS_BAD_KEY);
	assert_int_equal(fb_key_load(fb, 1, TC_KEY_EC_P256, der, len - 1),
	                 TC_STS_BAD_KEY);
	der[0] ^= 0x20;
	assert_int_equal(fb_key_load(fb, 1, TC_KEY_EC_P256, der, len),
	                 TC_STS_BAD_KEY);
	der[0] ^= 0x20;
	assert_int_equal(fb_key_load(fb, 1, TC_KEY_EC_P256, der, len),
	                 TC_STS_OK);
	memset(der, 0x30, 64);
	assert_int_equal(fb_key_load(fb, 1, TC_KEY_EC_P256, der, 64),
	                 TC_STS_BAD_KEY);

	/* Traditional (non-PKCS#8) encodings are refused. */
	n = i2d_PrivateKey(p256, &p);
	assert_true(n > 0);
	assert_int_equal(fb_key_load(fb, 1, TC_KEY_EC_P256, der, n),
	                 TC_STS_BAD_KEY);
	p = der;
	n = i2d_PrivateKey(rsa2048, &p);
	assert_true(n > 0);
	assert_int_equal(fb_key_load(fb, 1, TC_KEY_RSA, der, n),
	                 TC_STS_BAD_KEY);

	/* Longest accepted length, one more. */
	memset(der, 0, sizeof(der));
	assert_int_equal(fb_key_load(fb, 1, TC_KEY_RSA, der, TC_KEY_MAX_LEN),
	                 TC_STS_BAD_KEY);
	assert_int_equal(
	    fb_key_load(fb, 1, TC_KEY_RSA, der, TC_KEY_MAX_LEN + 1),
	    TC_STS_INVALID_DESC);
}

/* An X25519 PKCS#8 with a private key of the wrong size. */
static void test_pkcs8_x25519_bad_length(void **state)
{
	struct fakebus *fb = *state;
	uint8_t der[64];
	size_t len = fb_unhex("302d020100300506032b656e042104"
	                      "1f77076d0a7318a57d3c16c17251b26645df4c2f87ebc0"
	                      "992ab177fba51db92c",
	                      der, sizeof(der));

	assert_int_equal(fb_key_load(fb, 1, TC_KEY_X25519, der, len),
	                 TC_STS_BAD_KEY);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fb_setup, fb_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_symmetric_lengths), T(test_slot_type_rules),
	    T(test_replace_and_evict), T(test_pkcs8_types),
	    T(test_pkcs8_malformed),   T(test_pkcs8_x25519_bad_length),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
