// SPDX-License-Identifier: MIT
/*
 * Card offload: ECDHE (RFC 8446 §4.2.8, §7.4) and signatures with keys in
 * card slots.
 *
 * ECDH.  ECDH_KEYGEN runs with EXPORT_PRIV in a card slot the pool never
 * hands out; the exported PKCS#8 becomes a pool key, and ECDH_DERIVE names
 * it, so the derive may run on any card (the pool loads the key there
 * first) and, when no card can, on the CPU from the same private key.
 * A key made on the CPU (the CPU was cheaper, or no card could) stays
 * there for the derive.
 *
 * Signatures.  The certificate's key sits in a pool slot from start-up
 * (tls_offload_card_add_key).  The card signs a digest, so the message is
 * hashed here on the CPU first (one EVP_Digest, counted as part of the
 * sign), then RSA_SIGN (PSS or PKCS#1 v1.5) or ECDSA_SIGN runs on a card.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "tls_offload_card_int.h"
#include "tls_proto.h"

#define TLS_CARD_PKCS8_MAX 512u

/* Our handle behind tls_ecdh_key.impl. */
struct tls_card_ecdh {
	struct tls_ecdh_key cpu; /* a CPU key: impl is its EVP_PKEY */
	bool on_card;
	uint32_t slot; /* pool key holding the private key */
	uint8_t *pkcs8;
	size_t pkcs8_len;
};

static uint8_t tls_card_group(uint16_t group)
{
	return group == TLS_GROUP_X25519 ? TC_GROUP_X25519 : TC_GROUP_P256;
}

static bool tls_card_ecdh_card_keygen(struct tls_offload_card *c,
                                      uint16_t group, struct tls_card_ecdh *k,
                                      uint8_t *pub, size_t *pub_len)
{
	struct tls_card_req *r = tls_card_req_get(c);
	uint64_t out_iova, aux_iova;
	uint8_t *out, *aux;
	bool ok = false;

	if (!r)
		return false;
	out = tls_card_req_alloc(r, 128, &out_iova);
	aux = tls_card_req_alloc(r, TLS_CARD_PKCS8_MAX, &aux_iova);
	tls_card_prep_pke(&r->job, TC_OP_ECDH_KEYGEN, c->keygen_slot, 0, 0,
	                  tls_card_group(group), TC_PKE_F_EXPORT_PRIV, 0, 0,
	                  out_iova, 128, aux_iova, TLS_CARD_PKCS8_MAX);
	if (!tls_card_submit(r)) {
		tls_card_req_put(r);
		return false;
	}
	tls_card_wait(c, &r, 1, &ok);
	if (ok && (r->job.result > *pub_len || !r->job.aux ||
	           r->job.aux > TLS_CARD_PKCS8_MAX))
		ok = false;
	if (ok) {
		k->pkcs8 = malloc(r->job.aux);
		ok = k->pkcs8 && !tc_pool_key_create(c->pool,
		                                     group == TLS_GROUP_X25519
		                                         ? TC_KEY_X25519
		                                         : TC_KEY_EC_P256,
		                                     aux, r->job.aux, &k->slot);
	}
	if (ok) {
		memcpy(k->pkcs8, aux, r->job.aux);
		k->pkcs8_len = r->job.aux;
		memcpy(pub, out, r->job.result);
		*pub_len = r->job.result;
		k->on_card = true;
	} else if (k->pkcs8) {
		free(k->pkcs8);
		k->pkcs8 = NULL;
	}
	if (r)
		OPENSSL_cleanse(r->scratch, r->used);
	tls_card_req_put(r);
	return ok;
}

tls_result tls_card_ecdh_keygen(struct tls_offload *o, uint16_t group,
                                struct tls_ecdh_key *key, uint8_t *pub,
                                size_t *pub_len)
{
	struct tls_offload_card *c = tls_card(o);
	struct tls_card_ecdh *k;
	uint64_t t0;
	tls_result r;

	TLS_ENSURE(group == TLS_GROUP_X25519 || group == TLS_GROUP_SECP256R1,
	           TLS_ERR_INTERNAL);
	k = calloc(1, sizeof(*k));
	TLS_ENSURE(k, TLS_ERR_NOMEM);
	o->stats.ecdh_keygens++;
	key->group = group;
	key->impl = k;
	if (tls_card_choose(c, TLSD_OP_ECDH, TC_CLASS_PKE, 0)) {
		if (tls_card_ecdh_card_keygen(c, group, k, pub, pub_len)) {
			c->cnt->card_jobs[TLSD_OP_ECDH]++;
			return TLS_OK;
		}
		c->cnt->cpu_fallbacks++;
		c->cnt->cpu_jobs[TLSD_OP_ECDH]++;
	}
	t0 = tc_now_ns();
	r = c->cpu->ops->ecdh_keygen(c->cpu, group, &k->cpu, pub, pub_len);
	tls_card_cpu_sample(c, TLSD_OP_ECDH, 0, t0);
	return r;
}

static bool tls_card_ecdh_card_derive(struct tls_offload_card *c,
                                      struct tls_card_ecdh *k,
                                      const uint8_t *peer, size_t peer_len,
                                      uint8_t *secret, size_t *secret_len)
{
	struct tls_card_req *r = tls_card_req_get(c);
	uint64_t in_iova, out_iova;
	uint8_t *in, *out;
	bool ok = false;

	if (!r)
		return false;
	in = tls_card_req_alloc(r, peer_len, &in_iova);
	out = tls_card_req_alloc(r, 64, &out_iova);
	if (!in) {
		tls_card_req_put(r);
		return false;
	}
	memcpy(in, peer, peer_len);
	tls_card_prep_pke(&r->job, TC_OP_ECDH_DERIVE, k->slot, 0, 0, 0, 0,
	                  in_iova, (uint32_t)peer_len, out_iova, 64, 0, 0);
	r->job.keys = &k->slot;
	r->job.nkeys = 1;
	if (!tls_card_submit(r)) {
		tls_card_req_put(r);
		return false;
	}
	tls_card_wait(c, &r, 1, &ok);
	if (ok && r->job.result <= *secret_len) {
		memcpy(secret, out, r->job.result);
		*secret_len = r->job.result;
	} else if (r && r->job.status == TC_STS_BAD_KEY) {
		/* The peer's point was rejected: not a card failure. */
		ok = false;
		*secret_len = 0;
	} else {
		ok = false;
	}
	if (r)
		OPENSSL_cleanse(r->scratch, r->used);
	tls_card_req_put(r);
	return ok;
}

/* The card key's PKCS#8 as a CPU key, for a derive no card could run. */
static bool tls_card_ecdh_to_cpu(struct tls_card_ecdh *k)
{
	const uint8_t *p = k->pkcs8;
	PKCS8_PRIV_KEY_INFO *p8 =
	    d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)k->pkcs8_len);

	if (!p8)
		return false;
	k->cpu.impl = EVP_PKCS82PKEY(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return k->cpu.impl != NULL;
}

tls_result tls_card_ecdh_derive(struct tls_offload *o, struct tls_ecdh_key *key,
                                const uint8_t *peer, size_t peer_len,
                                uint8_t *secret, size_t *secret_len)
{
	struct tls_offload_card *c = tls_card(o);
	struct tls_card_ecdh *k = key->impl;
	uint64_t t0;
	tls_result r;

	TLS_ENSURE_REF(k);
	TLS_ENSURE(peer_len > 0 && peer_len <= TLS_ECDH_MAX_PUB,
	           TLS_ERR_BAD_KEY_SHARE);
	o->stats.ecdh_derives++;
	if (k->on_card) {
		size_t cap = *secret_len;

		if (tls_card_ecdh_card_derive(c, k, peer, peer_len, secret,
		                              secret_len)) {
			c->cnt->card_jobs[TLSD_OP_ECDH]++;
			return TLS_OK;
		}
		/* A rejected point fails on the CPU too, with the right
		 * alert; any other failure is the card's: redo it here. */
		*secret_len = cap;
		c->cnt->cpu_fallbacks++;
		TLS_ENSURE(tls_card_ecdh_to_cpu(k), TLS_ERR_CRYPTO);
	}
	c->cnt->cpu_jobs[TLSD_OP_ECDH] += !k->on_card;
	t0 = tc_now_ns();
	k->cpu.group = key->group;
	r = c->cpu->ops->ecdh_derive(c->cpu, &k->cpu, peer, peer_len, secret,
	                             secret_len);
	tls_card_cpu_sample(c, TLSD_OP_ECDH, 0, t0);
	return r;
}

void tls_card_ecdh_free(struct tls_offload *o, struct tls_ecdh_key *key)
{
	struct tls_offload_card *c = tls_card(o);
	struct tls_card_ecdh *k = key->impl;

	if (!k)
		return;
	if (k->cpu.impl)
		c->cpu->ops->ecdh_free(c->cpu, &k->cpu);
	if (k->on_card)
		tc_pool_key_destroy(c->pool, k->slot);
	if (k->pkcs8) {
		OPENSSL_cleanse(k->pkcs8, k->pkcs8_len);
		free(k->pkcs8);
	}
	free(k);
	key->impl = NULL;
}

/* ---- signatures ------------------------------------------------------- */

struct tls_card_scheme {
	uint16_t scheme;
	const char *md;
	uint8_t hash; /* TC_HASH_* */
	uint8_t pad;  /* TC_RSA_PAD_*, 0 for ECDSA */
};

static const struct tls_card_scheme tls_card_schemes[] = {
    {0x0403, "SHA256", TC_HASH_SHA256, 0}, /* ecdsa_secp256r1_sha256 */
    {0x0503, "SHA384", TC_HASH_SHA384, 0}, /* ecdsa_secp384r1_sha384 */
    {0x0804, "SHA256", TC_HASH_SHA256, TC_RSA_PAD_PSS},
    {0x0805, "SHA384", TC_HASH_SHA384, TC_RSA_PAD_PSS},
    {0x0806, "SHA512", TC_HASH_SHA512, TC_RSA_PAD_PSS},
    {0x0401, "SHA256", TC_HASH_SHA256, TC_RSA_PAD_PKCS1},
    {0x0501, "SHA384", TC_HASH_SHA384, TC_RSA_PAD_PKCS1},
    {0x0601, "SHA512", TC_HASH_SHA512, TC_RSA_PAD_PKCS1},
};

static const struct tls_card_scheme *tls_card_scheme_find(uint16_t scheme)
{
	for (size_t i = 0;
	     i < sizeof(tls_card_schemes) / sizeof(tls_card_schemes[0]); i++)
		if (tls_card_schemes[i].scheme == scheme)
			return &tls_card_schemes[i];
	return NULL;
}

int tls_offload_card_add_key(struct tls_offload *o, EVP_PKEY *pkey)
{
	struct tls_offload_card *c = tls_card(o);
	PKCS8_PRIV_KEY_INFO *p8;
	unsigned char *der = NULL;
	uint8_t type;
	int len, ret;

	if (!tls_offload_is_card(o) || !pkey)
		return -EINVAL;
	if (c->npkeys == TLS_CARD_MAX_PKEYS)
		return -ENOSPC;
	if (EVP_PKEY_is_a(pkey, "RSA"))
		type = TC_KEY_RSA;
	else if (EVP_PKEY_is_a(pkey, "EC") && EVP_PKEY_get_bits(pkey) == 256)
		type = TC_KEY_EC_P256;
	else if (EVP_PKEY_is_a(pkey, "EC") && EVP_PKEY_get_bits(pkey) == 384)
		type = TC_KEY_EC_P384;
	else
		return -EOPNOTSUPP;
	p8 = EVP_PKEY2PKCS8(pkey);
	if (!p8)
		return -EINVAL;
	len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (len <= 0)
		return -EINVAL;
	ret = tc_pool_key_create(c->pool, type, der, (size_t)len,
	                         &c->pkeys[c->npkeys].slot);
	OPENSSL_clear_free(der, (size_t)len);
	if (ret)
		return ret;
	c->pkeys[c->npkeys].pkey = pkey;
	c->pkeys[c->npkeys].key_type = type;
	c->npkeys++;
	return 0;
}

int tls_offload_card_remove_key(struct tls_offload *o, EVP_PKEY *pkey)
{
	struct tls_offload_card *c = tls_card(o);

	if (!tls_offload_is_card(o) || !pkey)
		return -EINVAL;
	for (unsigned i = 0; i < c->npkeys; i++) {
		if (c->pkeys[i].pkey != pkey)
			continue;
		tc_pool_key_destroy(c->pool, c->pkeys[i].slot);
		c->pkeys[i] = c->pkeys[--c->npkeys];
		return 0;
	}
	return -ENOENT;
}

static const struct tls_card_pkey *
tls_card_pkey_find(struct tls_offload_card *c, EVP_PKEY *pkey)
{
	for (unsigned i = 0; i < c->npkeys; i++)
		if (c->pkeys[i].pkey == pkey)
			return &c->pkeys[i];
	return NULL;
}

static bool tls_card_sign_on_card(struct tls_offload_card *c,
                                  const struct tls_card_pkey *pk,
                                  const struct tls_card_scheme *s,
                                  const uint8_t *msg, size_t msg_len,
                                  uint8_t *sig, size_t *sig_len)
{
	struct tls_card_req *r = tls_card_req_get(c);
	uint8_t dgst[EVP_MAX_MD_SIZE], *in, *out;
	unsigned int dlen = 0;
	uint64_t in_iova, out_iova;
	bool ok = false;

	if (!r)
		return false;
	if (EVP_Digest(msg, msg_len, dgst, &dlen, EVP_get_digestbyname(s->md),
	               NULL) != 1) {
		tls_card_req_put(r);
		return false;
	}
	in = tls_card_req_alloc(r, dlen, &in_iova);
	out = tls_card_req_alloc(r, 1024, &out_iova);
	memcpy(in, dgst, dlen);
	tls_card_prep_pke(&r->job, s->pad ? TC_OP_RSA_SIGN : TC_OP_ECDSA_SIGN,
	                  pk->slot, s->hash, s->pad, 0, 0, in_iova, dlen,
	                  out_iova, 1024, 0, 0);
	r->job.keys = &pk->slot;
	r->job.nkeys = 1;
	if (!tls_card_submit(r)) {
		tls_card_req_put(r);
		return false;
	}
	tls_card_wait(c, &r, 1, &ok);
	if (ok && r->job.result && r->job.result <= *sig_len) {
		memcpy(sig, out, r->job.result);
		*sig_len = r->job.result;
	} else {
		ok = false;
	}
	tls_card_req_put(r);
	return ok;
}

tls_result tls_card_sign(struct tls_offload *o, EVP_PKEY *pkey, uint16_t scheme,
                         const uint8_t *msg, size_t msg_len, uint8_t *sig,
                         size_t *sig_len)
{
	struct tls_offload_card *c = tls_card(o);
	const struct tls_card_pkey *pk = tls_card_pkey_find(c, pkey);
	const struct tls_card_scheme *s = tls_card_scheme_find(scheme);
	uint64_t t0;
	tls_result r;

	o->stats.signs++;
	/* A scheme must fit its key (RSA pad only with an RSA key). */
	if (pk && s && (s->pad != 0) == (pk->key_type == TC_KEY_RSA) &&
	    tls_card_choose(c, TLSD_OP_SIGN, TC_CLASS_PKE, 0)) {
		if (tls_card_sign_on_card(c, pk, s, msg, msg_len, sig,
		                          sig_len)) {
			c->cnt->card_jobs[TLSD_OP_SIGN]++;
			return TLS_OK;
		}
		c->cnt->cpu_fallbacks++;
		c->cnt->cpu_jobs[TLSD_OP_SIGN]++;
	} else if (!pk || !s) {
		/* Not a card key (a client certificate): the CPU's. */
		c->cnt->cpu_jobs[TLSD_OP_SIGN]++;
	}
	t0 = tc_now_ns();
	r = c->cpu->ops->sign(c->cpu, pkey, scheme, msg, msg_len, sig, sig_len);
	tls_card_cpu_sample(c, TLSD_OP_SIGN, 0, t0);
	return r;
}
