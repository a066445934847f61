/* SPDX-License-Identifier: MIT */
/*
 * PKE ops (hwmodel/tc_op_pke.c): RSA-2048 PKCS#1 v1.5 and PSS signatures
 * and decryption, ECDSA P-256/P-384, X25519 (RFC 7748 section 6.1) and
 * P-256 ECDH, all checked with libcrypto, plus every validation rule.
 */
#include "ops_fakebus.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#define SLOT_RSA    1
#define SLOT_P256   2
#define SLOT_P384   3
#define SLOT_X25519 4
#define SLOT_GEN    5

/* RSA keygen is slow: one key for the whole binary. */
static EVP_PKEY *rsa_key, *p256_key, *p384_key;

static size_t pkcs8(EVP_PKEY *pkey, uint8_t *buf, size_t cap)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pkey);
	unsigned char *p = buf;
	int n;

	assert_non_null(p8);
	n = i2d_PKCS8_PRIV_KEY_INFO(p8, NULL);
	assert_true(n > 0 && (size_t)n <= cap);
	i2d_PKCS8_PRIV_KEY_INFO(p8, &p);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return n;
}

static void load_pkey(struct fakebus *fb, uint32_t slot, uint8_t type,
                      EVP_PKEY *pkey)
{
	uint8_t der[4096];
	size_t len = pkcs8(pkey, der, sizeof(der));

	assert_int_equal(fb_key_load(fb, slot, type, der, len), TC_STS_OK);
}

static int group_setup(void **state)
{
	(void)state;
	rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	p256_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	p384_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	return rsa_key && p256_key && p384_key ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(p256_key);
	EVP_PKEY_free(p384_key);
	return 0;
}

static int setup(void **state)
{
	struct fakebus *fb = fb_new(NULL);

	load_pkey(fb, SLOT_RSA, TC_KEY_RSA, rsa_key);
	load_pkey(fb, SLOT_P256, TC_KEY_EC_P256, p256_key);
	load_pkey(fb, SLOT_P384, TC_KEY_EC_P384, p384_key);
	*state = fb;
	return 0;
}

static const EVP_MD *md_of(uint8_t hash)
{
	return hash == TC_HASH_SHA256   ? EVP_sha256()
	       : hash == TC_HASH_SHA384 ? EVP_sha384()
	                                : EVP_sha512();
}

/* A PKE sqe with in bytes copied to fake memory and an out buffer. */
static struct tc_sqe pke_sqe(struct fakebus *fb, uint8_t op, uint32_t slot,
                             const void *in, size_t in_len, size_t out_len)
{
	struct tc_sqe sqe = fb_sqe(op);

	sqe.u.pke.slot = htole32(slot);
	sqe.u.pke.in_addr = htole64(fb_put(fb, in, in_len));
	sqe.u.pke.in_len = htole32(in_len);
	sqe.u.pke.out_addr = htole64(fb_alloc(fb, out_len));
	sqe.u.pke.out_len = htole32(out_len);
	return sqe;
}

static uint8_t *out_of(struct fakebus *fb, const struct tc_sqe *sqe)
{
	return fb_ptr(fb, le64toh(sqe->u.pke.out_addr));
}

/* Verify sig over digest dg with libcrypto; pad 0 for ECDSA. */
static int verify(EVP_PKEY *pkey, uint8_t hash, int pad, const uint8_t *sig,
                  size_t siglen, const uint8_t *dg)
{
	EVP_PKEY_CTX *v = EVP_PKEY_CTX_new(pkey, NULL);
	const EVP_MD *md = md_of(hash);
	int ok;

	assert_int_equal(EVP_PKEY_verify_init(v), 1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(v, md), 1);
	if (pad)
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(v, pad), 1);
	if (pad == RSA_PKCS1_PSS_PADDING) {
		/* Exactly digest-length salt, not "auto". */
		assert_int_equal(
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(v, EVP_MD_get_size(md)),
		    1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(v, md), 1);
	}
	ok = EVP_PKEY_verify(v, sig, siglen, dg, EVP_MD_get_size(md));
	EVP_PKEY_CTX_free(v);
	return ok;
}

/* ---- RSA sign -------------------------------------------------------- */

static void test_rsa_sign(void **state)
{
	struct fakebus *fb = *state;
	uint8_t hash, pad;

	for (hash = TC_HASH_SHA256; hash <= TC_HASH_SHA512; hash++) {
		for (pad = TC_RSA_PAD_PKCS1; pad <= TC_RSA_PAD_PSS; pad++) {
			uint8_t dg[64];
			unsigned dlen;
			struct tc_sqe sqe;
			int evp_pad = pad == TC_RSA_PAD_PSS
			                  ? RSA_PKCS1_PSS_PADDING
			                  : RSA_PKCS1_PADDING;

			EVP_Digest("message", 7, dg, &dlen, md_of(hash), NULL);
			sqe = pke_sqe(fb, TC_OP_RSA_SIGN, SLOT_RSA, dg, dlen,
			              256);
			sqe.u.pke.hash = hash;
			sqe.u.pke.pad = pad;
			assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
			assert_int_equal(fb->ctx.result, 256);
			assert_int_equal(verify(rsa_key, hash, evp_pad,
			                        out_of(fb, &sqe), 256, dg),
			                 1);
			/* The other padding must not verify. */
			assert_int_not_equal(verify(rsa_key, hash,
			                            evp_pad == RSA_PKCS1_PADDING
			                                ? RSA_PKCS1_PSS_PADDING
			                                : RSA_PKCS1_PADDING,
			                            out_of(fb, &sqe), 256, dg),
			                     1);
			fb_reset_heap(fb);
		}
	}
}

static void test_rsa_sign_rules(void **state)
{
	struct fakebus *fb = *state;
	uint8_t dg[32] = {1};
	struct tc_sqe base = pke_sqe(fb, TC_OP_RSA_SIGN, SLOT_RSA, dg, 32, 512);
	struct tc_sqe sqe;

	base.u.pke.hash = TC_HASH_SHA256;
	base.u.pke.pad = TC_RSA_PAD_PKCS1;
	assert_int_equal(fb_exec(fb, &base), TC_STS_OK);

	sqe = base;
	sqe.u.pke.slot = htole32(SLOT_P256);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_KEY_SLOT);
	sqe.u.pke.slot = htole32(30);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_KEY_SLOT);
	sqe.u.pke.slot = htole32(fb->cfg.key_slots);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_KEY_SLOT);
	sqe = base;
	sqe.u.pke.hash = 0;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_UNSUPPORTED);
	sqe.u.pke.hash = 4;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_UNSUPPORTED);
	sqe = base;
	sqe.u.pke.in_len = htole32(31);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.pke.hash = TC_HASH_SHA384; /* 32 bytes is not a SHA-384 */
	sqe.u.pke.in_len = htole32(32);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe = base;
	sqe.u.pke.pad = 0;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_UNSUPPORTED);
	sqe.u.pke.pad = TC_RSA_PAD_NONE;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_UNSUPPORTED);
	sqe = base;
	sqe.u.pke.out_len = htole32(255);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BUF_TOO_SMALL);
	sqe.u.pke.out_len = htole32(256);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	sqe = base;
	sqe.u.pke.pflags = TC_PKE_F_EVICT_AFTER;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe = base;
	sqe.u.pke.rsvd44[11] = 1;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe = base;
	sqe.u.pke.in_addr = htole64(FB_BAD);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	sqe = base;
	sqe.u.pke.out_addr = htole64(FB_BASE + FB_SIZE - 255);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
}

/* ---- RSA decrypt ----------------------------------------------------- */

static size_t rsa_encrypt(int pad, const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_PKEY_CTX *e = EVP_PKEY_CTX_new(rsa_key, NULL);
	size_t outlen = 256;

	assert_int_equal(EVP_PKEY_encrypt_init(e), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(e, pad), 1);
	assert_int_equal(EVP_PKEY_encrypt(e, out, &outlen, in, len), 1);
	EVP_PKEY_CTX_free(e);
	return outlen;
}

static void test_rsa_decrypt(void **state)
{
	struct fakebus *fb = *state;
	static const char secret[] =
	    "pre-master secret, 48 bytes long............";
	uint8_t ct[256], raw[256];
	struct tc_sqe sqe, bad;

	assert_int_equal(rsa_encrypt(RSA_PKCS1_PADDING, (const uint8_t *)secret,
	                             sizeof(secret), ct),
	                 256);
	sqe = pke_sqe(fb, TC_OP_RSA_DECRYPT, SLOT_RSA, ct, 256, 256);
	sqe.u.pke.pad = TC_RSA_PAD_PKCS1;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	assert_int_equal(fb->ctx.result, sizeof(secret));
	assert_memory_equal(out_of(fb, &sqe), secret, sizeof(secret));

	/* out_len: exactly the plaintext fits, one less does not. */
	sqe.u.pke.out_len = htole32(sizeof(secret));
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	sqe.u.pke.out_len = htole32(sizeof(secret) - 1);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BUF_TOO_SMALL);
	sqe.u.pke.out_len = htole32(256);

	/* Raw: a block below the modulus comes back unchanged. */
	memset(raw, 0x11, sizeof(raw));
	raw[0] = 0;
	rsa_encrypt(RSA_NO_PADDING, raw, 256, ct);
	bad = pke_sqe(fb, TC_OP_RSA_DECRYPT, SLOT_RSA, ct, 256, 256);
	bad.u.pke.pad = TC_RSA_PAD_NONE;
	assert_int_equal(fb_exec(fb, &bad), TC_STS_OK);
	assert_int_equal(fb->ctx.result, 256);
	assert_memory_equal(out_of(fb, &bad), raw, 256);
	/* That block is not PKCS#1 v1.5 padded: AUTH_FAIL. */
	bad.u.pke.pad = TC_RSA_PAD_PKCS1;
	assert_int_equal(fb_exec(fb, &bad), TC_STS_AUTH_FAIL);
	/* Raw input not below the modulus. */
	memset(fb_ptr(fb, le64toh(bad.u.pke.in_addr)), 0xff, 256);
	bad.u.pke.pad = TC_RSA_PAD_NONE;
	assert_int_equal(fb_exec(fb, &bad), TC_STS_AUTH_FAIL);

	bad = sqe;
	bad.u.pke.pad = TC_RSA_PAD_PSS;
	assert_int_equal(fb_exec(fb, &bad), TC_STS_UNSUPPORTED);
	bad.u.pke.pad = 0;
	assert_int_equal(fb_exec(fb, &bad), TC_STS_UNSUPPORTED);
	bad = sqe;
	bad.u.pke.in_len = htole32(255);
	assert_int_equal(fb_exec(fb, &bad), TC_STS_INVALID_DESC);
	bad.u.pke.in_len = htole32(257);
	assert_int_equal(fb_exec(fb, &bad), TC_STS_INVALID_DESC);
	bad = sqe;
	bad.u.pke.slot = htole32(SLOT_P384);
	assert_int_equal(fb_exec(fb, &bad), TC_STS_BAD_KEY_SLOT);
	bad = sqe;
	bad.u.pke.pflags = 0x80;
	assert_int_equal(fb_exec(fb, &bad), TC_STS_INVALID_DESC);
	bad = sqe;
	bad.u.pke.in_addr = htole64(FB_BAD);
	assert_int_equal(fb_exec(fb, &bad), TC_STS_DMA_FAULT);
	bad = sqe;
	bad.u.pke.out_addr = htole64(FB_BAD);
	assert_int_equal(fb_exec(fb, &bad), TC_STS_DMA_FAULT);
}

/* ---- ECDSA ------------------------------------------------------------ */

static void check_ecdsa(struct fakebus *fb, uint32_t slot, EVP_PKEY *pkey)
{
	uint8_t hash;

	for (hash = TC_HASH_SHA256; hash <= TC_HASH_SHA512; hash++) {
		uint8_t dg[64];
		unsigned dlen;
		struct tc_sqe sqe;
		size_t max = EVP_PKEY_get_size(pkey);

		EVP_Digest("transcript", 10, dg, &dlen, md_of(hash), NULL);
		sqe = pke_sqe(fb, TC_OP_ECDSA_SIGN, slot, dg, dlen, max);
		sqe.u.pke.hash = hash;
		assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
		assert_true(fb->ctx.result > 8 && fb->ctx.result <= max);
		assert_int_equal(
		    verify(pkey, hash, 0, out_of(fb, &sqe), fb->ctx.result, dg),
		    1);
		dg[0] ^= 1;
		assert_int_not_equal(
		    verify(pkey, hash, 0, out_of(fb, &sqe), fb->ctx.result, dg),
		    1);
		sqe.u.pke.out_len = htole32(max - 1);
		assert_int_equal(fb_exec(fb, &sqe), TC_STS_BUF_TOO_SMALL);
		fb_reset_heap(fb);
	}
}

static void test_ecdsa(void **state)
{
	struct fakebus *fb = *state;

	check_ecdsa(fb, SLOT_P256, p256_key);
	check_ecdsa(fb, SLOT_P384, p384_key);
}

static void test_ecdsa_rules(void **state)
{
	struct fakebus *fb = *state;
	uint8_t dg[48] = {2};
	struct tc_sqe base =
	    pke_sqe(fb, TC_OP_ECDSA_SIGN, SLOT_P384, dg, 48, 200);
	struct tc_sqe sqe;

	base.u.pke.hash = TC_HASH_SHA384;
	assert_int_equal(fb_exec(fb, &base), TC_STS_OK);
	sqe = base;
	sqe.u.pke.slot = htole32(SLOT_RSA);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_KEY_SLOT);
	sqe.u.pke.slot = htole32(31);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_KEY_SLOT);
	assert_int_equal(
	    fb_key_load(fb, 31, TC_KEY_AES128GCM, "0123456789abcdef", 16),
	    TC_STS_OK);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_KEY_SLOT);
	sqe = base;
	sqe.u.pke.hash = 9;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_UNSUPPORTED);
	sqe = base;
	sqe.u.pke.in_len = htole32(32);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe = base;
	sqe.u.pke.rsvd44[0] = 1;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe = base;
	sqe.u.pke.pflags = TC_PKE_F_EXPORT_PRIV;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe = base;
	sqe.u.pke.in_addr = htole64(FB_BASE + FB_SIZE - 47);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	sqe = base;
	sqe.u.pke.out_addr = htole64(FB_BAD);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
}

/* ---- ECDH ------------------------------------------------------------- */

/* RFC 7748 section 6.1 */
#define X_ALICE_PRIV \
	"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
#define X_BOB_PUB \
	"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
#define X_SHARED \
	"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
/* PKCS#8 PrivateKeyInfo header for an X25519 key (RFC 8410). */
#define X_PKCS8_HDR "302e020100300506032b656e04220420"

static uint16_t derive(struct fakebus *fb, uint32_t slot, const uint8_t *peer,
                       size_t len, uint8_t flags, uint8_t *secret)
{
	struct tc_sqe sqe = pke_sqe(fb, TC_OP_ECDH_DERIVE, slot, peer, len, 48);
	uint16_t sts;

	sqe.u.pke.pflags = flags;
	sts = fb_exec(fb, &sqe);
	if (sts == TC_STS_OK && secret)
		memcpy(secret, out_of(fb, &sqe), fb->ctx.result);
	return sts;
}

static void test_x25519_rfc7748(void **state)
{
	struct fakebus *fb = *state;
	uint8_t der[48], bob[32], want[32], got[32], zero[32] = {0};
	static uint8_t big[4096];
	struct tc_sqe sqe;

	assert_int_equal(fb_unhex(X_PKCS8_HDR X_ALICE_PRIV, der, sizeof(der)),
	                 48);
	fb_unhex(X_BOB_PUB, bob, sizeof(bob));
	fb_unhex(X_SHARED, want, sizeof(want));
	assert_int_equal(fb_key_load(fb, SLOT_X25519, TC_KEY_X25519, der, 48),
	                 TC_STS_OK);
	assert_int_equal(derive(fb, SLOT_X25519, bob, 32, 0, got), TC_STS_OK);
	assert_int_equal(fb->ctx.result, 32);
	assert_memory_equal(got, want, 32);

	/* Malformed peers, small-order point, short output. */
	assert_int_equal(derive(fb, SLOT_X25519, bob, 31, 0, NULL),
	                 TC_STS_BAD_KEY);
	memcpy(big, bob, 32);
	assert_int_equal(derive(fb, SLOT_X25519, big, 33, 0, NULL),
	                 TC_STS_BAD_KEY);
	assert_int_equal(derive(fb, SLOT_X25519, big, sizeof(big), 0, NULL),
	                 TC_STS_BAD_KEY);
	assert_int_equal(derive(fb, SLOT_X25519, zero, 32, 0, NULL),
	                 TC_STS_BAD_KEY);
	sqe = pke_sqe(fb, TC_OP_ECDH_DERIVE, SLOT_X25519, bob, 32, 31);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BUF_TOO_SMALL);
	sqe.u.pke.out_len = htole32(32);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	sqe.u.pke.in_addr = htole64(FB_BAD);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	sqe.u.pke.in_addr = htole64(fb_put(fb, bob, 32));
	sqe.u.pke.out_addr = htole64(FB_BAD);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	sqe.u.pke.pflags = TC_PKE_F_EXPORT_PRIV;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);

	/* EVICT_AFTER frees the slot; the next derive finds it empty. */
	assert_int_equal(
	    derive(fb, SLOT_X25519, bob, 32, TC_PKE_F_EVICT_AFTER, got),
	    TC_STS_OK);
	assert_memory_equal(got, want, 32);
	assert_int_equal(derive(fb, SLOT_X25519, bob, 32, 0, NULL),
	                 TC_STS_BAD_KEY_SLOT);
	/* ... also when the peer was rejected. */
	assert_int_equal(fb_key_load(fb, SLOT_X25519, TC_KEY_X25519, der, 48),
	                 TC_STS_OK);
	assert_int_equal(
	    derive(fb, SLOT_X25519, zero, 32, TC_PKE_F_EVICT_AFTER, NULL),
	    TC_STS_BAD_KEY);
	assert_int_equal(derive(fb, SLOT_X25519, bob, 32, 0, NULL),
	                 TC_STS_BAD_KEY_SLOT);
}

static size_t encoded_pub(EVP_PKEY *pkey, uint8_t *buf, size_t cap)
{
	size_t len = 0;

	if (EVP_PKEY_is_a(pkey, "X25519")) {
		len = cap;
		assert_int_equal(EVP_PKEY_get_raw_public_key(pkey, buf, &len),
		                 1);
		return len;
	}
	assert_int_equal(
	    EVP_PKEY_get_octet_string_param(
	        pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, cap, &len),
	    1);
	return len;
}

static size_t ref_derive(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t *out)
{
	EVP_PKEY_CTX *d = EVP_PKEY_CTX_new(priv, NULL);
	size_t len = 64;

	assert_int_equal(EVP_PKEY_derive_init(d), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(d, peer), 1);
	assert_int_equal(EVP_PKEY_derive(d, out, &len), 1);
	EVP_PKEY_CTX_free(d);
	return len;
}

/* The public key the card returned, as a libcrypto key. */
static EVP_PKEY *card_pub(uint8_t group, const uint8_t *pub, size_t len)
{
	EVP_PKEY *pk;

	if (group == TC_GROUP_X25519)
		return EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, pub,
		                                      len);
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_int_equal(EVP_PKEY_set1_encoded_public_key(pk, pub, len), 1);
	return pk;
}

/* Card keygen (with private export) + derive agree with libcrypto. */
static void check_keygen(struct fakebus *fb, uint8_t group)
{
	size_t want_pub = group == TC_GROUP_X25519 ? 32 : 65;
	EVP_PKEY *peer = group == TC_GROUP_X25519
	                     ? EVP_PKEY_Q_keygen(NULL, NULL, "X25519")
	                     : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	uint8_t peer_pub[65], card_secret[48], ref_secret[64], pub2[65];
	size_t peer_len = encoded_pub(peer, peer_pub, sizeof(peer_pub));
	const unsigned char *p;
	struct tc_sqe sqe;
	EVP_PKEY *cardk, *exported;
	uint64_t aux;
	uint32_t aux_len;

	sqe = pke_sqe(fb, TC_OP_ECDH_KEYGEN, SLOT_GEN, NULL, 0, want_pub);
	sqe.u.pke.group = group;
	sqe.u.pke.pflags = TC_PKE_F_EXPORT_PRIV;
	aux = fb_alloc(fb, 512);
	sqe.u.pke.aux_addr = htole64(aux);
	sqe.u.pke.aux_len = htole32(512);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	assert_int_equal(fb->ctx.result, want_pub);
	aux_len = fb->ctx.aux;
	assert_true(aux_len > 32 && aux_len < 512);
	if (group == TC_GROUP_P256)
		assert_int_equal(out_of(fb, &sqe)[0], 0x04);

	/* Card derive == libcrypto derive with the card's public key. */
	assert_int_equal(
	    derive(fb, SLOT_GEN, peer_pub, peer_len, 0, card_secret),
	    TC_STS_OK);
	assert_int_equal(fb->ctx.result, 32);
	cardk = card_pub(group, out_of(fb, &sqe), want_pub);
	assert_int_equal(ref_derive(peer, cardk, ref_secret), 32);
	assert_memory_equal(card_secret, ref_secret, 32);

	/* The exported PKCS#8 is the same key: same public key, and it
	 * loads back into another slot and derives the same secret. */
	p = fb_ptr(fb, aux);
	exported = d2i_AutoPrivateKey(NULL, &p, aux_len);
	assert_non_null(exported);
	assert_int_equal(encoded_pub(exported, pub2, sizeof(pub2)), want_pub);
	assert_memory_equal(pub2, out_of(fb, &sqe), want_pub);
	assert_int_equal(fb_key_load(fb, SLOT_GEN + 1,
	                             group == TC_GROUP_X25519 ? TC_KEY_X25519
	                                                      : TC_KEY_EC_P256,
	                             fb_ptr(fb, aux), aux_len),
	                 TC_STS_OK);
	assert_int_equal(
	    derive(fb, SLOT_GEN + 1, peer_pub, peer_len, 0, ref_secret),
	    TC_STS_OK);
	assert_memory_equal(card_secret, ref_secret, 32);

	/* Without EXPORT_PRIV nothing is written at aux. */
	memset(fb_ptr(fb, aux), 0xaa, 512);
	sqe.u.pke.pflags = 0;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	assert_int_equal(fb->ctx.aux, 0);
	assert_int_equal(((uint8_t *)fb_ptr(fb, aux))[0], 0xaa);

	EVP_PKEY_free(exported);
	EVP_PKEY_free(cardk);
	EVP_PKEY_free(peer);
}

static void test_keygen_x25519(void **state)
{
	check_keygen(*state, TC_GROUP_X25519);
}

static void test_keygen_p256(void **state)
{
	check_keygen(*state, TC_GROUP_P256);
}

/* The slot is filled only when the job succeeds. */
static void test_keygen_rules(void **state)
{
	struct fakebus *fb = *state;
	uint8_t peer[32] = {9};
	struct tc_sqe base, sqe;

	base = pke_sqe(fb, TC_OP_ECDH_KEYGEN, SLOT_GEN, NULL, 0, 65);
	base.u.pke.group = TC_GROUP_P256;
	base.u.pke.aux_addr = htole64(fb_alloc(fb, 512));
	base.u.pke.aux_len = htole32(512);

	sqe = base;
	sqe.u.pke.group = 0;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_UNSUPPORTED);
	sqe.u.pke.group = 3;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_UNSUPPORTED);
	sqe = base;
	sqe.u.pke.slot = htole32(fb->cfg.key_slots);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_KEY_SLOT);
	sqe = base;
	sqe.u.pke.pflags = 0x40;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.pke.pflags = TC_PKE_F_EVICT_AFTER;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe = base;
	sqe.u.pke.rsvd44[5] = 1;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe = base;
	sqe.u.pke.out_len = htole32(64);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BUF_TOO_SMALL);
	sqe.u.pke.group = TC_GROUP_X25519;
	sqe.u.pke.out_len = htole32(31);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BUF_TOO_SMALL);
	sqe = base;
	sqe.u.pke.pflags = TC_PKE_F_EXPORT_PRIV;
	sqe.u.pke.aux_len = htole32(40);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BUF_TOO_SMALL);
	sqe = base;
	sqe.u.pke.out_addr = htole64(FB_BAD);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	sqe = base;
	sqe.u.pke.pflags = TC_PKE_F_EXPORT_PRIV;
	sqe.u.pke.aux_addr = htole64(FB_BAD);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	/* None of the failures above filled the slot. */
	assert_int_equal(derive(fb, SLOT_GEN, peer, 32, 0, NULL),
	                 TC_STS_BAD_KEY_SLOT);
	/* Keygen replaces an occupied slot (of another type). */
	assert_int_equal(fb_exec(fb, &base), TC_STS_OK);
	sqe = base;
	sqe.u.pke.group = TC_GROUP_X25519;
	sqe.u.pke.out_len = htole32(32);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	assert_int_equal(derive(fb, SLOT_GEN, peer, 32, 0, NULL), TC_STS_OK);
}

static void test_ecdh_p384_and_bad_points(void **state)
{
	struct fakebus *fb = *state;
	EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *p256_peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	uint8_t pub[97], pub256[65], secret[48], want[64];
	size_t len = encoded_pub(peer, pub, sizeof(pub));

	assert_int_equal(len, 97);
	assert_int_equal(derive(fb, SLOT_P384, pub, len, 0, secret), TC_STS_OK);
	assert_int_equal(fb->ctx.result, 48);
	assert_int_equal(ref_derive(peer, p384_key, want), 48);
	assert_memory_equal(secret, want, 48);

	/* A P-256 point for a P-384 key; compressed; off the curve;
	 * truncated; the wrong prefix. */
	encoded_pub(p256_peer, pub256, sizeof(pub256));
	assert_int_equal(derive(fb, SLOT_P384, pub256, 65, 0, NULL),
	                 TC_STS_BAD_KEY);
	assert_int_equal(derive(fb, SLOT_P256, pub256, 33, 0, NULL),
	                 TC_STS_BAD_KEY);
	pub256[0] = 0x02;
	assert_int_equal(derive(fb, SLOT_P256, pub256, 33, 0, NULL),
	                 TC_STS_BAD_KEY);
	pub256[0] = 0x04;
	assert_int_equal(derive(fb, SLOT_P256, pub256, 65, 0, NULL), TC_STS_OK);
	pub256[64] ^= 1;
	assert_int_equal(derive(fb, SLOT_P256, pub256, 65, 0, NULL),
	                 TC_STS_BAD_KEY);
	pub256[64] ^= 1;
	pub256[0] = 0x06;
	assert_int_equal(derive(fb, SLOT_P256, pub256, 65, 0, NULL),
	                 TC_STS_BAD_KEY);
	memset(pub256 + 1, 0, 64); /* the point at infinity's coordinates */
	pub256[0] = 0x04;
	assert_int_equal(derive(fb, SLOT_P256, pub256, 65, 0, NULL),
	                 TC_STS_BAD_KEY);
	assert_int_equal(derive(fb, SLOT_P256, pub256, 0, 0, NULL),
	                 TC_STS_BAD_KEY);
	/* Keys that do not do ECDH. */
	assert_int_equal(derive(fb, SLOT_RSA, pub, len, 0, NULL),
	                 TC_STS_BAD_KEY_SLOT);
	assert_int_equal(derive(fb, 40, pub, len, 0, NULL),
	                 TC_STS_BAD_KEY_SLOT);
	assert_int_equal(derive(fb, UINT32_MAX, pub, len, 0, NULL),
	                 TC_STS_BAD_KEY_SLOT);
	/* Unknown flags. */
	assert_int_equal(derive(fb, SLOT_P384, pub, len, 0x10, NULL),
	                 TC_STS_INVALID_DESC);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(p256_peer);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fb_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_rsa_sign),      T(test_rsa_sign_rules),
	    T(test_rsa_decrypt),   T(test_ecdsa),
	    T(test_ecdsa_rules),   T(test_x25519_rfc7748),
	    T(test_keygen_x25519), T(test_keygen_p256),
	    T(test_keygen_rules),  T(test_ecdh_p384_and_bad_points),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
