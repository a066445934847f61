// SPDX-License-Identifier: MIT
/*
 * The CPU offload's prefetched paths against libcrypto's ordinary ones:
 * X25519 keygen on the ladder (the public key must be X25519(priv, 9)),
 * peer shares imported through the kept context (bad lengths and
 * low-order points refused), the per-key signing contexts (cache hits,
 * eviction, a scheme that does not fit the key) and HMAC re-keying
 * skipped only when the key is really the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "tls_offload.h"
#include "tls_proto.h"

static struct tls_offload *off;

static int setup(void **state)
{
	(void)state;
	off = tls_offload_cpu_create();
	return off ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tls_offload_destroy(off);
	return 0;
}

static void keygen(struct tls_ecdh_key *k, uint8_t pub[32])
{
	size_t n = 32;

	assert_true(tls_is_ok(
	    off->ops->ecdh_keygen(off, TLS_GROUP_X25519, k, pub, &n)));
	assert_int_equal(n, 32);
}

static void test_x25519_keygen_is_priv_times_base(void **state)
{
	struct tls_ecdh_key a = {0}, b = {0};
	uint8_t pa[32], pb[32], sa[32], sb[32], priv[32], want[32];
	size_t n = 32;
	EVP_PKEY *ref;

	(void)state;
	keygen(&a, pa);
	keygen(&b, pb);
	assert_memory_not_equal(pa, pb, 32);
	/* The public key is the one libcrypto computes from the private. */
	assert_int_equal(EVP_PKEY_get_raw_private_key(a.impl, priv, &n), 1);
	ref = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
	assert_non_null(ref);
	n = 32;
	assert_int_equal(EVP_PKEY_get_raw_public_key(ref, want, &n), 1);
	assert_memory_equal(pa, want, 32);
	EVP_PKEY_free(ref);
	/* Both sides agree. */
	n = 32;
	assert_true(tls_is_ok(off->ops->ecdh_derive(off, &a, pb, 32, sa, &n)));
	n = 32;
	assert_true(tls_is_ok(off->ops->ecdh_derive(off, &b, pa, 32, sb, &n)));
	assert_memory_equal(sa, sb, 32);
	off->ops->ecdh_free(off, &a);
	off->ops->ecdh_free(off, &b);
}

static void test_x25519_bad_shares(void **state)
{
	struct tls_ecdh_key a = {0};
	uint8_t pa[32], s[32], zero[32] = {0}, one[32] = {1};
	size_t n = 32;

	(void)state;
	keygen(&a, pa);
	/* RFC 8446 §4.2.8.2: exactly 32 bytes. */
	assert_true(tls_is_err(off->ops->ecdh_derive(off, &a, pa, 31, s, &n)));
	assert_int_equal(tls_error_last(), TLS_ERR_BAD_KEY_SHARE);
	n = 32;
	assert_true(tls_is_err(off->ops->ecdh_derive(off, &a, pa, 33, s, &n)));
	assert_int_equal(tls_error_last(), TLS_ERR_BAD_KEY_SHARE);
	/* §7.4.2: low-order points give an all-zero secret: refused. */
	n = 32;
	assert_true(
	    tls_is_err(off->ops->ecdh_derive(off, &a, zero, 32, s, &n)));
	assert_int_equal(tls_error_last(), TLS_ERR_BAD_KEY_SHARE);
	n = 32;
	assert_true(tls_is_err(off->ops->ecdh_derive(off, &a, one, 32, s, &n)));
	assert_int_equal(tls_error_last(), TLS_ERR_BAD_KEY_SHARE);
	off->ops->ecdh_free(off, &a);
}

static void sign_verify(EVP_PKEY *k, uint16_t scheme, const uint8_t *msg,
                        size_t len)
{
	uint8_t sig[600];
	size_t n = sizeof(sig);

	assert_true(
	    tls_is_ok(off->ops->sign(off, k, scheme, msg, len, sig, &n)));
	assert_true(
	    tls_is_ok(off->ops->verify(off, k, scheme, msg, len, sig, n)));
	/* Another message does not verify under this signature. */
	assert_true(
	    tls_is_err(off->ops->verify(off, k, scheme, msg, len - 1, sig, n)));
	assert_int_equal(tls_error_last(), TLS_ERR_BAD_SIGNATURE);
}

static void test_signers(void **state)
{
	EVP_PKEY *ec[10], *rsa;
	uint8_t msg[130], sig[600];
	size_t n = sizeof(sig);

	(void)state;
	memset(msg, 0x20, sizeof(msg));
	rsa = EVP_RSA_gen(2048);
	assert_non_null(rsa);
	/* More keys than the signer cache holds: eviction, then reuse. */
	for (int i = 0; i < 10; i++) {
		ec[i] = EVP_EC_gen("P-256");
		assert_non_null(ec[i]);
		sign_verify(ec[i], TLS_SIG_ECDSA_SECP256R1_SHA256, msg,
		            sizeof(msg));
	}
	for (int i = 0; i < 10; i++)
		sign_verify(ec[i], TLS_SIG_ECDSA_SECP256R1_SHA256, msg,
		            sizeof(msg));
	/* One RSA key, three schemes: one context each. */
	sign_verify(rsa, TLS_SIG_RSA_PSS_RSAE_SHA256, msg, sizeof(msg));
	sign_verify(rsa, TLS_SIG_RSA_PSS_RSAE_SHA384, msg, sizeof(msg));
	sign_verify(rsa, TLS_SIG_RSA_PKCS1_SHA256, msg, sizeof(msg));
	sign_verify(rsa, TLS_SIG_RSA_PSS_RSAE_SHA256, msg, sizeof(msg));
	/* A scheme that does not fit the key. */
	assert_true(
	    tls_is_err(off->ops->sign(off, ec[0], TLS_SIG_RSA_PSS_RSAE_SHA256,
	                              msg, sizeof(msg), sig, &n)));
	assert_int_equal(tls_error_last(), TLS_ERR_NO_SHARED_SIGALG);
	n = sizeof(sig);
	assert_true(
	    tls_is_err(off->ops->sign(off, rsa, TLS_SIG_ECDSA_SECP256R1_SHA256,
	                              msg, sizeof(msg), sig, &n)));
	assert_int_equal(tls_error_last(), TLS_ERR_NO_SHARED_SIGALG);
	/* A buffer too small for the signature. */
	n = 16;
	assert_true(tls_is_err(off->ops->sign(
	    off, rsa, TLS_SIG_RSA_PSS_RSAE_SHA256, msg, sizeof(msg), sig, &n)));
	/* The cache holds references: freeing ours is safe. */
	for (int i = 0; i < 10; i++)
		EVP_PKEY_free(ec[i]);
	EVP_PKEY_free(rsa);
}

static void hmac_check(const uint8_t *key, size_t klen, const uint8_t *msg,
                       size_t mlen)
{
	struct tls_iov in = {msg, mlen};
	uint8_t got[32], want[32];
	unsigned int wlen;

	assert_true(tls_is_ok(
	    off->ops->hmac(off, TLS_HASH_SHA256, key, klen, &in, 1, got)));
	assert_non_null(
	    HMAC(EVP_sha256(), key, (int)klen, msg, mlen, want, &wlen));
	assert_memory_equal(got, want, 32);
}

static void test_hmac_key_reuse(void **state)
{
	uint8_t k1[32], k2[32], big[100], m1[40], m2[77];

	(void)state;
	memset(k1, 0x11, sizeof(k1));
	memcpy(k2, k1, sizeof(k2));
	k2[31] ^= 1; /* differs only in its last byte */
	memset(big, 0x33, sizeof(big));
	memset(m1, 0x44, sizeof(m1));
	memset(m2, 0x55, sizeof(m2));
	hmac_check(k1, 32, m1, sizeof(m1));
	hmac_check(k1, 32, m2, sizeof(m2)); /* same key: reset only */
	hmac_check(k1, 32, m1, sizeof(m1));
	hmac_check(k2, 32, m1, sizeof(m1));
	hmac_check(k1, 31, m1, sizeof(m1)); /* a prefix is another key */
	hmac_check(big, sizeof(big), m1, sizeof(m1)); /* too long to keep */
	hmac_check(big, sizeof(big), m2, sizeof(m2));
	hmac_check(k1, 32, m2, sizeof(m2));
	hmac_check(k1, 0, m2, sizeof(m2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_x25519_keygen_is_priv_times_base),
	    cmocka_unit_test(test_x25519_bad_shares),
	    cmocka_unit_test(test_signers),
	    cmocka_unit_test(test_hmac_key_reuse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
