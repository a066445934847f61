// SPDX-License-Identifier: MIT
/*
 * TLS 1.2 key schedule (tls12_schedule.c) against known answers: the
 * offload's PRF (RFC 5246 §5) against the published P_SHA256/P_SHA384
 * test vectors (IETF TLS WG, "test label"), and the extended master
 * secret (RFC 7627 §4), key block (RFC 5246 §6.3) and Finished (§7.4.9)
 * against OpenSSL's EVP_KDF "TLS1-PRF" as the oracle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include "tls12_schedule.h"
#include "tls_test_util.h"

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

/* The oracle: libcrypto's TLS 1.2 PRF, seed = label || s1 || s2. */
static void oracle_prf(enum tls_hash h, const uint8_t *secret, size_t slen,
                       const char *label, const uint8_t *s1, size_t l1,
                       const uint8_t *s2, size_t l2, uint8_t *out, size_t n)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	uint8_t seed[256];
	size_t ll = strlen(label);
	OSSL_PARAM p[4];

	assert_true(ll + l1 + l2 <= sizeof(seed));
	memcpy(seed, label, ll);
	memcpy(seed + ll, s1, l1);
	if (l2)
		memcpy(seed + ll + l1, s2, l2);
	char md[8];

	strcpy(md, h == TLS_HASH_SHA384 ? "SHA384" : "SHA256");
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, md, 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
	                                         (void *)secret, slen);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed,
	                                         ll + l1 + l2);
	p[3] = OSSL_PARAM_construct_end();
	assert_non_null(ctx);
	assert_int_equal(EVP_KDF_derive(ctx, out, n, p), 1);
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
}

static void check_vector(enum tls_hash h, const char *secret_hex,
                         const char *seed_hex, const char *want_hex)
{
	size_t sl, dl, wl;
	uint8_t *secret = tls_test_unhex(secret_hex, &sl);
	uint8_t *seed = tls_test_unhex(seed_hex, &dl);
	uint8_t *want = tls_test_unhex(want_hex, &wl);
	uint8_t got[160], oracle[160];
	struct tls_iov iov = {seed, dl};

	assert_true(wl <= sizeof(got));
	assert_true(tls_is_ok(off->ops->prf12(off, h, secret, sl, "test label",
	                                      &iov, 1, got, wl)));
	assert_memory_equal(got, want, wl);
	oracle_prf(h, secret, sl, "test label", seed, dl, NULL, 0, oracle, wl);
	assert_memory_equal(oracle, want, wl);
	free(secret);
	free(seed);
	free(want);
}

/* The P_SHA256 and P_SHA384 vectors posted to the IETF TLS WG. */
static void test_prf_published_vectors(void **state)
{
	(void)state;
	check_vector(TLS_HASH_SHA256, "9bbe436ba940f017b17652849a71db35",
	             "a0ba9f936cda311827a6f796ffd5198c",
	             "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4"
	             "e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17"
	             "abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d1"
	             "22ee42c5a72e5a5110fff70187347b66");
	check_vector(TLS_HASH_SHA384, "b80b733d6ceefcdc71566ea48e5567df",
	             "cd665cf6a8447dd6ff8b27555edb7465",
	             "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107"
	             "e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700"
	             "884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473"
	             "ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a2"
	             "6066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be8"
	             "5e0990703d73e56f");
}

/* Every output length, both hashes, seed split over two segments. */
static void test_prf_lengths_match_oracle(void **state)
{
	uint8_t secret[48], s1[32], s2[32], got[130], want[130];

	(void)state;
	for (size_t i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)(i * 7 + 1);
	memset(s1, 0xa5, sizeof(s1));
	memset(s2, 0x3c, sizeof(s2));
	for (int h = 0; h < TLS_HASH_COUNT; h++) {
		for (size_t n = 1; n <= sizeof(got); n += 7) {
			struct tls_iov seed[2] = {{s1, 32}, {s2, 32}};

			assert_true(tls_is_ok(off->ops->prf12(
			    off, (enum tls_hash)h, secret, sizeof(secret),
			    "key expansion", seed, 2, got, n)));
			oracle_prf((enum tls_hash)h, secret, sizeof(secret),
			           "key expansion", s1, 32, s2, 32, want, n);
			assert_memory_equal(got, want, n);
		}
	}
}

static void test_ems_master_secret(void **state)
{
	uint8_t pms[32], shash[48], got[48], want[48];

	(void)state;
	memset(pms, 0x42, sizeof(pms));
	for (size_t i = 0; i < sizeof(shash); i++)
		shash[i] = (uint8_t)i;
	for (int h = 0; h < TLS_HASH_COUNT; h++) {
		size_t hl = tls_hash_len((enum tls_hash)h);

		assert_true(tls_is_ok(tls12_ems_master_secret(
		    off, (enum tls_hash)h, pms, sizeof(pms), shash, got)));
		/* RFC 7627 §4: the session hash replaces the randoms. */
		oracle_prf((enum tls_hash)h, pms, sizeof(pms),
		           "extended master secret", shash, hl, NULL, 0, want,
		           48);
		assert_memory_equal(got, want, 48);
	}
}

static void test_key_block_slices(void **state)
{
	static const struct {
		uint16_t suite;
		size_t kl, il;
	} cases[] = {
	    {TLS_ECDHE_ECDSA_AES128_GCM, 16, 4},
	    {TLS_ECDHE_RSA_AES256_GCM, 32, 4},
	    {TLS_ECDHE_ECDSA_CHACHA20, 32, 12},
	};
	uint8_t master[48], cr[32], sr[32], want[2 * (32 + 12)];
	struct tls12_keys k;

	(void)state;
	memset(master, 0x17, sizeof(master));
	memset(cr, 0xc1, sizeof(cr));
	memset(sr, 0x5e, sizeof(sr));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum tls_aead a;
		enum tls_hash h;
		size_t kl = cases[i].kl, il = cases[i].il;

		tls12_suite_params(cases[i].suite, &a, &h);
		assert_int_equal(tls_aead_key_len(a), kl);
		assert_true(
		    tls_is_ok(tls12_key_block(off, h, a, master, cr, sr, &k)));
		/* §6.3: seed is server_random + client_random. */
		oracle_prf(h, master, 48, "key expansion", sr, 32, cr, 32, want,
		           2 * (kl + il));
		assert_memory_equal(k.c_key, want, kl);
		assert_memory_equal(k.s_key, want + kl, kl);
		assert_memory_equal(k.c_iv, want + 2 * kl, il);
		assert_memory_equal(k.s_iv, want + 2 * kl + il, il);
	}
}

static void test_finished(void **state)
{
	uint8_t master[48], thash[48], got[12], want[12];

	(void)state;
	memset(master, 0x99, sizeof(master));
	memset(thash, 0x11, sizeof(thash));
	for (int server = 0; server < 2; server++) {
		assert_true(tls_is_ok(tls12_finished(
		    off, TLS_HASH_SHA384, master, server, thash, got)));
		oracle_prf(TLS_HASH_SHA384, master, 48,
		           server ? "server finished" : "client finished",
		           thash, 48, NULL, 0, want, 12);
		assert_memory_equal(got, want, 12);
	}
}

static void test_suite_params(void **state)
{
	enum tls_aead a;
	enum tls_hash h;

	(void)state;
	tls12_suite_params(TLS_ECDHE_ECDSA_AES256_GCM, &a, &h);
	assert_int_equal(a, TLS_AEAD_AES_256_GCM);
	assert_int_equal(h, TLS_HASH_SHA384);
	tls12_suite_params(TLS_ECDHE_RSA_CHACHA20, &a, &h);
	assert_int_equal(a, TLS_AEAD_CHACHA20_POLY1305);
	assert_int_equal(h, TLS_HASH_SHA256);
	tls12_suite_params(TLS_ECDHE_RSA_AES128_GCM, &a, &h);
	assert_int_equal(a, TLS_AEAD_AES_128_GCM);
	assert_int_equal(h, TLS_HASH_SHA256);
	assert_int_equal(tls12_suite_auth(TLS_ECDHE_ECDSA_CHACHA20),
	                 TLS_KEY_ECDSA_P256);
	assert_int_equal(tls12_suite_auth(TLS_ECDHE_RSA_AES256_GCM),
	                 TLS_KEY_RSA);
	assert_true(tls12_suite_known(TLS_ECDHE_RSA_AES256_GCM));
	assert_false(tls12_suite_known(TLS_AES_128_GCM_SHA256));
	assert_false(tls12_suite_known(0x009c)); /* RSA key exchange */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prf_published_vectors),
	    cmocka_unit_test(test_prf_lengths_match_oracle),
	    cmocka_unit_test(test_ems_master_secret),
	    cmocka_unit_test(test_key_block_slices),
	    cmocka_unit_test(test_finished),
	    cmocka_unit_test(test_suite_params),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
