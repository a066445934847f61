/* SPDX-License-Identifier: MIT */
/*
 * Selftest: elliptic curves on the card.  ECDSA P-256/P-384 signatures are
 * verified by libcrypto; X25519 is checked against RFC 7748 section 6.1 in
 * both directions; ECDH keygen and derive are checked against libcrypto on
 * the other side of the exchange; then the ephemeral-key eviction flag and
 * invalid peer points.
 */
#include <openssl/core_names.h>
#include <openssl/x509.h>
#include <string.h>

#include "ctl_kat.h"

#define OUT_MAX 160u /* larger than any signature, point or secret here */

/* RFC 7748 section 6.1 */
#define X25519_ALICE_PRIV \
	"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
#define X25519_ALICE_PUB \
	"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
#define X25519_BOB_PRIV \
	"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
#define X25519_BOB_PUB \
	"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
#define X25519_SHARED \
	"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"

static EVP_PKEY *kat_p256, *kat_p384;

void kat_ec_keys_free(void)
{
	EVP_PKEY_free(kat_p256);
	EVP_PKEY_free(kat_p384);
	kat_p256 = kat_p384 = NULL;
}

static bool load_pkey(struct kat_card *c, const char *op, uint32_t slot,
                      uint8_t type, EVP_PKEY *key)
{
	uint8_t *der = NULL;
	int len = key ? ctl_pkcs8_der(key, &der) : -1;
	bool ok;

	if (len < 0) {
		kat_fail(c, op, "libcrypto could not build the key");
		return false;
	}
	ok = kat_load_key(c, op, slot, type, der, (size_t)len);
	OPENSSL_free(der);
	return ok;
}

/* Uncompressed point (P-256) or raw key (X25519) of a libcrypto key. */
static size_t public_bytes(EVP_PKEY *key, uint8_t *out)
{
	size_t len = 0;

	if (EVP_PKEY_get_id(key) == EVP_PKEY_X25519) {
		len = 32;
		return EVP_PKEY_get_raw_public_key(key, out, &len) ? len : 0;
	}
	return EVP_PKEY_get_octet_string_param(
	           key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out, OUT_MAX, &len)
	           ? len
	           : 0;
}

/* A libcrypto key holding the public key the card produced. */
static EVP_PKEY *peer_from_public(EVP_PKEY *like, const uint8_t *pub,
                                  size_t len)
{
	EVP_PKEY *peer;

	if (EVP_PKEY_get_id(like) == EVP_PKEY_X25519)
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub,
		                                   len);
	peer = EVP_PKEY_new();
	if (!peer || !EVP_PKEY_copy_parameters(peer, like) ||
	    !EVP_PKEY_set1_encoded_public_key(peer, pub, len)) {
		EVP_PKEY_free(peer);
		return NULL;
	}
	return peer;
}

static size_t ref_derive(EVP_PKEY *mine, EVP_PKEY *peer, uint8_t *out)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(mine, NULL);
	size_t len = OUT_MAX;
	bool ok = pctx && EVP_PKEY_derive_init(pctx) > 0 &&
	          EVP_PKEY_derive_set_peer(pctx, peer) > 0 &&
	          EVP_PKEY_derive(pctx, out, &len) > 0;

	EVP_PKEY_CTX_free(pctx);
	return ok ? len : 0;
}

/* Build a PKE job with in copied to the arena and an OUT_MAX output. */
static uint8_t *prep_pke(struct kat_card *c, const char *op, uint8_t opcode,
                         struct ctl_pke_args *a, const uint8_t *in,
                         size_t in_len, struct tc_job *job)
{
	uint8_t *out;

	if ((in_len && !kat_dma_copy(c, in, in_len, &a->in)) ||
	    !(out = kat_dma(c, OUT_MAX, &a->out))) {
		kat_fail(c, op, "DMA arena exhausted");
		return NULL;
	}
	a->in_len = (uint32_t)in_len;
	a->out_len = OUT_MAX;
	ctl_prep_pke(job, opcode, a);
	return out;
}

static void check_ecdsa(struct kat_card *c, const char *curve, uint32_t slot,
                        uint8_t type, uint8_t hash, EVP_PKEY **cache)
{
	static const char msg[] = "tlscard selftest: ECDSA CertificateVerify";
	struct ctl_pke_args a = {.slot = slot, .hash = hash};
	uint8_t dgst[TC_DIGEST_MAX_LEN], *sig;
	size_t dlen = ctl_hash_len(hash);
	struct tc_job job = {0};
	EVP_PKEY_CTX *pctx;
	char load_op[48], op[48];
	bool ok;

	snprintf(load_op, sizeof(load_op), "key-load-%s", curve);
	snprintf(op, sizeof(op), "ecdsa-%s-sign-%s", curve,
	         ctl_hash_name(hash));
	kat_reset_arena(c);
	if (!*cache)
		*cache = EVP_EC_gen(!strcmp(curve, "p256") ? "P-256" : "P-384");
	if (!load_pkey(c, load_op, slot, type, *cache))
		return;
	kat_pass(c, load_op);
	EVP_Digest(msg, sizeof(msg) - 1, dgst, NULL, ctl_ref_md(hash), NULL);
	sig = prep_pke(c, op, TC_OP_ECDSA_SIGN, &a, dgst, dlen, &job);
	if (!sig || !kat_run_ok(c, op, &job))
		return;
	if (!job.result || job.result > OUT_MAX) {
		kat_fail(c, op, "result %u", job.result);
		return;
	}
	pctx = EVP_PKEY_CTX_new(*cache, NULL);
	ok = pctx && EVP_PKEY_verify_init(pctx) > 0 &&
	     EVP_PKEY_verify(pctx, sig, job.result, dgst, dlen) == 1;
	EVP_PKEY_CTX_free(pctx);
	if (ok)
		kat_pass(c, op);
	else
		kat_fail(c, op, "libcrypto does not verify the DER signature");
}

/* RFC 7748 6.1: load one side's private key, derive with the other's
 * public key, expect the published shared secret. */
static void check_x25519_rfc(struct kat_card *c, const char *op,
                             const char *priv_hex, const char *pub_hex,
                             const char *my_pub_hex)
{
	uint8_t priv[32], pub[32], want[32], my_pub[32], ref_pub[32];
	struct ctl_pke_args a = {.slot = KAT_SLOT_X25519,
	                         .group = TC_GROUP_X25519};
	struct tc_job job = {0};
	EVP_PKEY *key;
	uint8_t *out;
	bool ok;

	kat_reset_arena(c);
	ctl_unhex(priv_hex, priv, 32);
	ctl_unhex(pub_hex, pub, 32);
	ctl_unhex(my_pub_hex, my_pub, 32);
	ctl_unhex(X25519_SHARED, want, 32);
	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
	if (!key || public_bytes(key, ref_pub) != 32 ||
	    memcmp(ref_pub, my_pub, 32)) {
		kat_fail(c, op, "published vector disagrees with libcrypto");
		EVP_PKEY_free(key);
		return;
	}
	ok = load_pkey(c, op, KAT_SLOT_X25519, TC_KEY_X25519, key);
	EVP_PKEY_free(key);
	if (!ok)
		return;
	out = prep_pke(c, op, TC_OP_ECDH_DERIVE, &a, pub, 32, &job);
	if (!out || !kat_run_ok(c, op, &job))
		return;
	if (job.result != 32)
		kat_fail(c, op, "result %u, expected 32", job.result);
	else
		kat_check_bytes(c, op, out, want, 32);
}

/*
 * Card KEYGEN, then both sides of an exchange with a libcrypto peer: the
 * card derives with the peer's public key, libcrypto with the card's, and
 * the secrets must match.  For X25519 the exported PKCS#8 private key must
 * also match the public key the card returned.
 */
static void check_keygen(struct kat_card *c, const char *op, uint8_t group,
                         EVP_PKEY *peer_like)
{
	bool x25519 = group == TC_GROUP_X25519;
	size_t pub_len = x25519 ? 32 : 65;
	struct ctl_pke_args a = {.slot = KAT_SLOT_KEYGEN, .group = group};
	uint8_t peer_pub[OUT_MAX], card_pub[OUT_MAX], want[OUT_MAX];
	uint8_t *out, *aux = NULL;
	struct tc_job job = {0};
	EVP_PKEY *peer = NULL, *card_key = NULL;
	size_t want_len;

	kat_reset_arena(c);
	if (x25519) {
		aux = kat_dma(c, 256, &a.aux);
		a.aux_len = 256;
		a.pflags = TC_PKE_F_EXPORT_PRIV;
	}
	out = prep_pke(c, op, TC_OP_ECDH_KEYGEN, &a, NULL, 0, &job);
	if (!out || (x25519 && !aux) || !kat_run_ok(c, op, &job))
		return;
	if (job.result != pub_len) {
		kat_fail(c, op, "public key of %u bytes, expected %zu",
		         job.result, pub_len);
		return;
	}
	memcpy(card_pub, out, pub_len);
	if (x25519) {
		const uint8_t *p = aux;
		uint8_t derived_pub[32];

		card_key = d2i_AutoPrivateKey(NULL, &p, job.aux);
		if (!card_key || public_bytes(card_key, derived_pub) != 32 ||
		    memcmp(derived_pub, card_pub, 32)) {
			kat_fail(c, op,
			         "exported private key does not match "
			         "the public key");
			goto out;
		}
	}
	peer = x25519 ? EVP_PKEY_Q_keygen(NULL, NULL, "X25519")
	              : EVP_EC_gen("P-256");
	if (!x25519)
		card_key = peer_from_public(peer_like, card_pub, pub_len);
	if (!peer || !card_key || public_bytes(peer, peer_pub) != pub_len) {
		kat_fail(c, op, "libcrypto peer setup failed");
		goto out;
	}
	want_len = ref_derive(peer, card_key, want);
	memset(&a, 0, sizeof(a));
	a.slot = KAT_SLOT_KEYGEN;
	a.group = group;
	out = prep_pke(c, op, TC_OP_ECDH_DERIVE, &a, peer_pub, pub_len, &job);
	if (!want_len || !out || !kat_run_ok(c, op, &job))
		goto out;
	if (job.result != want_len)
		kat_fail(c, op, "secret of %u bytes, expected %zu", job.result,
		         want_len);
	else
		kat_check_bytes(c, op, out, want, want_len);
out:
	EVP_PKEY_free(peer);
	EVP_PKEY_free(card_key);
}

/* P-256 ECDH with a key libcrypto generated and loaded into the card. */
static void check_p256_derive(struct kat_card *c)
{
	const char *op = "p256-ecdh-derive";
	struct ctl_pke_args a = {.slot = KAT_SLOT_P256, .group = TC_GROUP_P256};
	uint8_t peer_pub[OUT_MAX], want[OUT_MAX], *out;
	struct tc_job job = {0};
	EVP_PKEY *peer = EVP_EC_gen("P-256");
	size_t want_len;

	kat_reset_arena(c);
	if (!kat_p256 || !peer || public_bytes(peer, peer_pub) != 65 ||
	    !(want_len = ref_derive(kat_p256, peer, want))) {
		kat_fail(c, op, "libcrypto peer setup failed");
		EVP_PKEY_free(peer);
		return;
	}
	EVP_PKEY_free(peer);
	out = prep_pke(c, op, TC_OP_ECDH_DERIVE, &a, peer_pub, 65, &job);
	if (!out || !kat_run_ok(c, op, &job))
		return;
	if (job.result != want_len)
		kat_fail(c, op, "secret of %u bytes", job.result);
	else
		kat_check_bytes(c, op, out, want, want_len);
}

/* EVICT_AFTER: the derive succeeds, then the slot is empty. */
static void check_evict_after(struct kat_card *c)
{
	struct ctl_pke_args a = {.slot = KAT_SLOT_KEYGEN,
	                         .group = TC_GROUP_P256};
	struct tc_job job = {0};
	uint8_t pub[OUT_MAX], *out;

	kat_reset_arena(c);
	out = prep_pke(c, "ecdh-evict-after", TC_OP_ECDH_KEYGEN, &a, NULL, 0,
	               &job);
	if (!out || !kat_run_ok(c, "ecdh-evict-after", &job))
		return;
	memcpy(pub, out, 65);
	/* derive with our own public key: any valid point will do */
	a.pflags = TC_PKE_F_EVICT_AFTER;
	if (!prep_pke(c, "ecdh-evict-after", TC_OP_ECDH_DERIVE, &a, pub, 65,
	              &job) ||
	    !kat_expect(c, "ecdh-evict-after", &job, TC_STS_OK))
		return;
	a.pflags = 0;
	if (prep_pke(c, "ecdh-derive-after-evict", TC_OP_ECDH_DERIVE, &a, pub,
	             65, &job))
		kat_expect(c, "ecdh-derive-after-evict", &job,
		           TC_STS_BAD_KEY_SLOT);
}

/* Peer points that are not on the curve / of low order: BAD_KEY. */
static void check_bad_points(struct kat_card *c)
{
	struct ctl_pke_args a = {.slot = KAT_SLOT_P256, .group = TC_GROUP_P256};
	uint8_t point[65] = {0x04};
	uint8_t zero[32] = {0};
	struct tc_job job = {0};

	kat_reset_arena(c);
	point[32] = 1; /* x = 1, y = 1: not on P-256 */
	point[64] = 1;
	if (prep_pke(c, "p256-derive-off-curve-point", TC_OP_ECDH_DERIVE, &a,
	             point, sizeof(point), &job))
		kat_expect(c, "p256-derive-off-curve-point", &job,
		           TC_STS_BAD_KEY);
	a.slot = KAT_SLOT_X25519;
	a.group = TC_GROUP_X25519;
	if (prep_pke(c, "x25519-derive-low-order-point", TC_OP_ECDH_DERIVE, &a,
	             zero, sizeof(zero), &job))
		kat_expect(c, "x25519-derive-low-order-point", &job,
		           TC_STS_BAD_KEY);
}

void kat_run_ec(struct kat_card *c)
{
	check_ecdsa(c, "p256", KAT_SLOT_P256, TC_KEY_EC_P256, TC_HASH_SHA256,
	            &kat_p256);
	check_ecdsa(c, "p384", KAT_SLOT_P384, TC_KEY_EC_P384, TC_HASH_SHA384,
	            &kat_p384);
	check_x25519_rfc(c, "x25519-rfc7748-alice", X25519_ALICE_PRIV,
	                 X25519_BOB_PUB, X25519_ALICE_PUB);
	check_x25519_rfc(c, "x25519-rfc7748-bob", X25519_BOB_PRIV,
	                 X25519_ALICE_PUB, X25519_BOB_PUB);
	check_p256_derive(c);
	if (kat_p256)
		check_keygen(c, "p256-keygen-derive", TC_GROUP_P256, kat_p256);
	check_keygen(c, "x25519-keygen-export-derive", TC_GROUP_X25519, NULL);
	check_evict_after(c);
	check_bad_points(c);
}
