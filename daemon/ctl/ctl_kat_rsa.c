/* SPDX-License-Identifier: MIT */
/*
 * Selftest: RSA-2048 on the card.  Signatures are verified by libcrypto
 * (PKCS#1 v1.5 is deterministic, so it must also equal libcrypto's own
 * signature byte for byte; PSS is verified with the salt length the card
 * promises, the digest length).  Decryption is checked on ciphertexts
 * libcrypto made.  Then eviction and a padding failure.
 */
#include <openssl/rsa.h>
#include <string.h>

#include "ctl_kat.h"

#define RSA_BITS  2048
#define RSA_BYTES (RSA_BITS / 8)

static EVP_PKEY *kat_rsa_key;

void kat_rsa_keys_free(void)
{
	EVP_PKEY_free(kat_rsa_key);
	kat_rsa_key = NULL;
}

static EVP_PKEY *rsa_key(void)
{
	if (!kat_rsa_key)
		kat_rsa_key = EVP_RSA_gen(RSA_BITS);
	return kat_rsa_key;
}

static int set_padding(EVP_PKEY_CTX *pctx, uint8_t pad, uint8_t hash)
{
	if (pad == TC_RSA_PAD_PSS)
		return EVP_PKEY_CTX_set_rsa_padding(
		           pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
		       EVP_PKEY_CTX_set_rsa_pss_saltlen(
		           pctx, RSA_PSS_SALTLEN_DIGEST) > 0 &&
		       EVP_PKEY_CTX_set_signature_md(pctx, ctl_ref_md(hash)) >
		           0;
	if (pad == TC_RSA_PAD_PKCS1)
		return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) >
		           0 &&
		       (!hash || EVP_PKEY_CTX_set_signature_md(
		                     pctx, ctl_ref_md(hash)) > 0);
	return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_NO_PADDING) > 0;
}

static bool ref_verify(EVP_PKEY *key, uint8_t pad, uint8_t hash,
                       const uint8_t *sig, size_t siglen, const uint8_t *dgst,
                       size_t dlen)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(key, NULL);
	bool ok = pctx && EVP_PKEY_verify_init(pctx) > 0 &&
	          set_padding(pctx, pad, hash) &&
	          EVP_PKEY_verify(pctx, sig, siglen, dgst, dlen) == 1;

	EVP_PKEY_CTX_free(pctx);
	return ok;
}

static bool ref_sign_pkcs1(EVP_PKEY *key, uint8_t hash, const uint8_t *dgst,
                           size_t dlen, uint8_t *sig)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(key, NULL);
	size_t siglen = RSA_BYTES;
	bool ok = pctx && EVP_PKEY_sign_init(pctx) > 0 &&
	          set_padding(pctx, TC_RSA_PAD_PKCS1, hash) &&
	          EVP_PKEY_sign(pctx, sig, &siglen, dgst, dlen) > 0 &&
	          siglen == RSA_BYTES;

	EVP_PKEY_CTX_free(pctx);
	return ok;
}

static bool ref_encrypt(EVP_PKEY *key, uint8_t pad, const uint8_t *msg,
                        size_t len, uint8_t *ct)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(key, NULL);
	size_t ctlen = RSA_BYTES;
	bool ok = pctx && EVP_PKEY_encrypt_init(pctx) > 0 &&
	          set_padding(pctx, pad, 0) &&
	          EVP_PKEY_encrypt(pctx, ct, &ctlen, msg, len) > 0 &&
	          ctlen == RSA_BYTES;

	EVP_PKEY_CTX_free(pctx);
	return ok;
}

/* Run one PKE job with in -> out; returns the output in the arena. */
static uint8_t *card_pke(struct kat_card *c, const char *op, uint8_t opcode,
                         struct ctl_pke_args *a, const uint8_t *in,
                         size_t in_len, struct tc_job *job)
{
	uint8_t *out;

	if (!kat_dma_copy(c, in, in_len, &a->in) ||
	    !(out = kat_dma(c, RSA_BYTES, &a->out))) {
		kat_fail(c, op, "DMA arena exhausted");
		return NULL;
	}
	a->in_len = (uint32_t)in_len;
	a->out_len = RSA_BYTES;
	ctl_prep_pke(job, opcode, a);
	return out;
}

static void check_sign(struct kat_card *c, EVP_PKEY *key, uint8_t pad,
                       uint8_t hash)
{
	static const char msg[] = "tlscard selftest: CertificateVerify";
	uint8_t dgst[TC_DIGEST_MAX_LEN], want[RSA_BYTES], *sig;
	struct ctl_pke_args a = {
	    .slot = KAT_SLOT_RSA, .hash = hash, .pad = pad};
	size_t dlen = ctl_hash_len(hash);
	struct tc_job job = {0};
	char op[64];

	snprintf(op, sizeof(op), "rsa2048-sign-%s-%s",
	         pad == TC_RSA_PAD_PSS ? "pss" : "pkcs1", ctl_hash_name(hash));
	kat_reset_arena(c);
	EVP_Digest(msg, sizeof(msg) - 1, dgst, NULL, ctl_ref_md(hash), NULL);
	sig = card_pke(c, op, TC_OP_RSA_SIGN, &a, dgst, dlen, &job);
	if (!sig || !kat_run_ok(c, op, &job))
		return;
	if (job.result != RSA_BYTES) {
		kat_fail(c, op, "result %u, expected %u", job.result,
		         RSA_BYTES);
		return;
	}
	if (!ref_verify(key, pad, hash, sig, RSA_BYTES, dgst, dlen)) {
		kat_fail(c, op, "libcrypto does not verify the signature");
		return;
	}
	if (pad == TC_RSA_PAD_PKCS1) {
		if (!ref_sign_pkcs1(key, hash, dgst, dlen, want))
			kat_fail(c, op, "libcrypto sign failed");
		else
			kat_check_bytes(c, op, sig, want, RSA_BYTES);
		return;
	}
	kat_pass(c, op);
}

static void check_decrypt(struct kat_card *c, EVP_PKEY *key, uint8_t pad)
{
	const char *op = pad == TC_RSA_PAD_PKCS1 ? "rsa2048-decrypt-pkcs1"
	                                         : "rsa2048-decrypt-raw";
	size_t len = pad == TC_RSA_PAD_PKCS1 ? 48 : RSA_BYTES;
	uint8_t msg[RSA_BYTES], ct[RSA_BYTES], *out;
	struct ctl_pke_args a = {.slot = KAT_SLOT_RSA, .pad = pad};
	struct tc_job job = {0};

	kat_reset_arena(c);
	ctl_rand_fill(&c->rng, msg, len);
	/* a TLS 1.2 premaster secret starts with the version; a raw
	 * message must be below the modulus */
	msg[0] = pad == TC_RSA_PAD_PKCS1 ? 3 : 0;
	msg[1] = 3;
	if (!ref_encrypt(key, pad, msg, len, ct)) {
		kat_fail(c, op, "libcrypto encrypt failed");
		return;
	}
	out = card_pke(c, op, TC_OP_RSA_DECRYPT, &a, ct, RSA_BYTES, &job);
	if (!out || !kat_run_ok(c, op, &job))
		return;
	if (job.result != len)
		kat_fail(c, op, "result %u, expected %zu", job.result, len);
	else
		kat_check_bytes(c, op, out, msg, len);
}

/* A block-type-1 (signature) padding decrypted as PKCS#1 v1.5 encryption
 * is a padding failure, which the card reports as AUTH_FAIL. */
static void check_bad_padding(struct kat_card *c, EVP_PKEY *key)
{
	const char *op = "rsa2048-decrypt-bad-padding";
	uint8_t em[RSA_BYTES], ct[RSA_BYTES];
	struct ctl_pke_args a = {.slot = KAT_SLOT_RSA, .pad = TC_RSA_PAD_PKCS1};
	struct tc_job job = {0};

	kat_reset_arena(c);
	memset(em, 0xff, sizeof(em));
	em[0] = 0;
	em[1] = 1;
	em[RSA_BYTES - 49] = 0;
	if (!ref_encrypt(key, TC_RSA_PAD_NONE, em, RSA_BYTES, ct)) {
		kat_fail(c, op, "libcrypto encrypt failed");
		return;
	}
	if (card_pke(c, op, TC_OP_RSA_DECRYPT, &a, ct, RSA_BYTES, &job))
		kat_expect(c, op, &job, TC_STS_AUTH_FAIL);
}

static void check_evict(struct kat_card *c)
{
	uint8_t dgst[32] = {1};
	struct ctl_pke_args a = {.slot = KAT_SLOT_RSA,
	                         .hash = TC_HASH_SHA256,
	                         .pad = TC_RSA_PAD_PKCS1};
	struct tc_job job = {0};

	kat_reset_arena(c);
	ctl_prep_key_evict(&job, KAT_SLOT_RSA);
	if (!kat_expect(c, "key-evict-rsa", &job, TC_STS_OK))
		return;
	if (card_pke(c, "rsa2048-sign-after-evict", TC_OP_RSA_SIGN, &a, dgst,
	             sizeof(dgst), &job))
		kat_expect(c, "rsa2048-sign-after-evict", &job,
		           TC_STS_BAD_KEY_SLOT);
}

void kat_run_rsa(struct kat_card *c)
{
	EVP_PKEY *key = rsa_key();
	uint8_t *der = NULL;
	int len;

	kat_reset_arena(c);
	len = key ? ctl_pkcs8_der(key, &der) : -1;
	if (len < 0) {
		kat_fail(c, "key-load-rsa2048", "libcrypto key generation");
		return;
	}
	if (!kat_load_key(c, "key-load-rsa2048", KAT_SLOT_RSA, TC_KEY_RSA, der,
	                  (size_t)len)) {
		OPENSSL_free(der);
		return;
	}
	OPENSSL_free(der);
	kat_pass(c, "key-load-rsa2048");
	check_sign(c, key, TC_RSA_PAD_PKCS1, TC_HASH_SHA256);
	check_sign(c, key, TC_RSA_PAD_PKCS1, TC_HASH_SHA384);
	check_sign(c, key, TC_RSA_PAD_PSS, TC_HASH_SHA256);
	check_sign(c, key, TC_RSA_PAD_PSS, TC_HASH_SHA384);
	check_decrypt(c, key, TC_RSA_PAD_PKCS1);
	check_decrypt(c, key, TC_RSA_PAD_NONE);
	check_bad_padding(c, key);
	check_evict(c);
}
