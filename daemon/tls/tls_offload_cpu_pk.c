// SPDX-License-Identifier: MIT
/*
 * CPU offload backend: ephemeral ECDH (X25519, P-256) and signatures
 * (ECDSA P-256, RSA-PSS rsae, RSA PKCS#1 v1.5) on libcrypto.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>

#include "tls_offload_cpu.h"
#include "tls_proto.h"

tls_result tls_cpu_pk_init(struct tls_offload_cpu *c)
{
	/* Keygen contexts are initialised once and reused per handshake. */
	c->p256_gen = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	TLS_ENSURE(c->p256_gen, TLS_ERR_CRYPTO);
	TLS_GUARD_OSSL(EVP_PKEY_keygen_init(c->p256_gen), TLS_ERR_CRYPTO);
	TLS_ENSURE(EVP_PKEY_CTX_set_group_name(c->p256_gen, "P-256") > 0,
	           TLS_ERR_CRYPTO);
	TLS_GUARD_OSSL(EVP_PKEY_generate(c->p256_gen, &c->p256_params),
	               TLS_ERR_CRYPTO);
	TLS_GUARD(tls_cpu_x25519_init(c));
	for (size_t i = 0; i < 3; i++) {
		static const char *const names[3] = {"SHA256", "SHA384",
		                                     "SHA512"};

		c->sig_md[i] = EVP_MD_fetch(NULL, names[i], NULL);
		TLS_ENSURE(c->sig_md[i], TLS_ERR_CRYPTO);
	}
	return TLS_OK;
}

void tls_cpu_pk_fini(struct tls_offload_cpu *c)
{
	EVP_PKEY_CTX_free(c->p256_gen);
	tls_cpu_x25519_fini(c);
	for (size_t i = 0; i < TLS_CPU_SIGNERS; i++) {
		EVP_PKEY_CTX_free(c->signer[i].pctx);
		EVP_PKEY_free(c->signer[i].pkey);
		c->signer[i] = (struct tls_cpu_signer){0};
	}
	for (size_t i = 0; i < 3; i++) {
		EVP_MD_free(c->sig_md[i]);
		c->sig_md[i] = NULL;
	}
	EVP_PKEY_free(c->p256_params);
	c->p256_gen = NULL;
	c->p256_params = NULL;
}

tls_result tls_cpu_ecdh_keygen(struct tls_offload *o, uint16_t group,
                               struct tls_ecdh_key *key, uint8_t *pub,
                               size_t *pub_len)
{
	struct tls_offload_cpu *c = tls_cpu(o);
	EVP_PKEY *pkey = NULL;
	size_t n;

	o->stats.ecdh_keygens++;
	switch (group) {
	case TLS_GROUP_X25519:
		TLS_ENSURE(*pub_len >= 32, TLS_ERR_SPACE);
		TLS_GUARD(tls_cpu_x25519_keygen(c, &pkey, pub));
		n = 32;
		break;
	case TLS_GROUP_SECP256R1:
		TLS_GUARD_OSSL(EVP_PKEY_generate(c->p256_gen, &pkey),
		               TLS_ERR_CRYPTO);
		/* RFC 8446 §4.2.8.2: the uncompressed point form. */
		{
			unsigned char *enc = NULL;

			n = EVP_PKEY_get1_encoded_public_key(pkey, &enc);
			if (n && n <= *pub_len)
				memcpy(pub, enc, n);
			OPENSSL_free(enc);
			if (n == 0 || n > *pub_len) {
				EVP_PKEY_free(pkey);
				TLS_BAIL(TLS_ERR_CRYPTO);
			}
		}
		break;
	default: TLS_BAIL(TLS_ERR_NO_SHARED_GROUP);
	}
	key->group = group;
	key->impl = pkey;
	*pub_len = n;
	return TLS_OK;
}

static TLS_RESULT tls_cpu_peer_key(struct tls_offload_cpu *c, uint16_t group,
                                   const uint8_t *peer, size_t peer_len,
                                   EVP_PKEY **out)
{
	EVP_PKEY *pk;

	if (group == TLS_GROUP_X25519)
		return tls_cpu_x25519_peer(c, peer, peer_len, out);
	/* Uncompressed only (legacy_form 4), 65 bytes, on the curve. */
	TLS_ENSURE(peer_len == 65 && peer[0] == 4, TLS_ERR_BAD_KEY_SHARE);
	pk = EVP_PKEY_new();
	TLS_ENSURE(pk, TLS_ERR_NOMEM);
	if (EVP_PKEY_copy_parameters(pk, c->p256_params) != 1 ||
	    EVP_PKEY_set1_encoded_public_key(pk, peer, peer_len) != 1) {
		EVP_PKEY_free(pk);
		TLS_BAIL(TLS_ERR_BAD_KEY_SHARE);
	}
	*out = pk;
	return TLS_OK;
}

tls_result tls_cpu_ecdh_derive(struct tls_offload *o, struct tls_ecdh_key *key,
                               const uint8_t *peer, size_t peer_len,
                               uint8_t *secret, size_t *secret_len)
{
	static const uint8_t zeros[32];
	EVP_PKEY *peer_key = NULL;
	EVP_PKEY_CTX *dctx = NULL;
	size_t n = *secret_len;
	int ok;

	TLS_ENSURE_REF(key->impl);
	o->stats.ecdh_derives++;
	TLS_GUARD(tls_cpu_peer_key(tls_cpu(o), key->group, peer, peer_len,
	                           &peer_key));
	dctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->impl, NULL);
	ok = dctx && EVP_PKEY_derive_init(dctx) == 1 &&
	     EVP_PKEY_derive_set_peer_ex(dctx, peer_key, 1) == 1 &&
	     EVP_PKEY_derive(dctx, secret, &n) == 1;
	EVP_PKEY_CTX_free(dctx);
	EVP_PKEY_free(peer_key);
	TLS_ENSURE(ok, TLS_ERR_BAD_KEY_SHARE);
	/* RFC 8446 §7.4.2: an all-zero X25519 result must be refused. */
	TLS_ENSURE(n == 32 && CRYPTO_memcmp(secret, zeros, 32) != 0,
	           TLS_ERR_BAD_KEY_SHARE);
	*secret_len = n;
	return TLS_OK;
}

void tls_cpu_ecdh_free(struct tls_offload *o, struct tls_ecdh_key *key)
{
	(void)o;
	EVP_PKEY_free(key->impl);
	key->impl = NULL;
}

struct tls_sig_params {
	const char *md;
	unsigned md_index; /* into tls_offload_cpu.sig_md */
	int padding;       /* 0 for ECDSA */
};

static TLS_RESULT tls_cpu_sig_params(uint16_t scheme, EVP_PKEY *pkey,
                                     struct tls_sig_params *sp)
{
	bool is_rsa = EVP_PKEY_is_a(pkey, "RSA");

	switch (scheme) {
	case TLS_SIG_ECDSA_SECP256R1_SHA256:
		TLS_ENSURE(EVP_PKEY_is_a(pkey, "EC"), TLS_ERR_NO_SHARED_SIGALG);
		*sp = (struct tls_sig_params){"SHA256", 0, 0};
		return TLS_OK;
	case TLS_SIG_RSA_PSS_RSAE_SHA256:
		*sp =
		    (struct tls_sig_params){"SHA256", 0, RSA_PKCS1_PSS_PADDING};
		break;
	case TLS_SIG_RSA_PSS_RSAE_SHA384:
		*sp =
		    (struct tls_sig_params){"SHA384", 1, RSA_PKCS1_PSS_PADDING};
		break;
	case TLS_SIG_RSA_PSS_RSAE_SHA512:
		*sp =
		    (struct tls_sig_params){"SHA512", 2, RSA_PKCS1_PSS_PADDING};
		break;
	case TLS_SIG_RSA_PKCS1_SHA256:
		*sp = (struct tls_sig_params){"SHA256", 0, RSA_PKCS1_PADDING};
		break;
	case TLS_SIG_RSA_PKCS1_SHA384:
		*sp = (struct tls_sig_params){"SHA384", 1, RSA_PKCS1_PADDING};
		break;
	case TLS_SIG_RSA_PKCS1_SHA512:
		*sp = (struct tls_sig_params){"SHA512", 2, RSA_PKCS1_PADDING};
		break;
	default: TLS_BAIL(TLS_ERR_NO_SHARED_SIGALG);
	}
	TLS_ENSURE(is_rsa, TLS_ERR_NO_SHARED_SIGALG);
	return TLS_OK;
}

static TLS_RESULT tls_cpu_sig_pad(EVP_PKEY_CTX *pctx,
                                  const struct tls_sig_params *sp)
{
	if (!sp->padding)
		return TLS_OK;
	TLS_ENSURE(EVP_PKEY_CTX_set_rsa_padding(pctx, sp->padding) > 0,
	           TLS_ERR_CRYPTO);
	/* RFC 8446 §4.2.3: PSS salt length equals the digest length. */
	if (sp->padding == RSA_PKCS1_PSS_PADDING)
		TLS_ENSURE(EVP_PKEY_CTX_set_rsa_pss_saltlen(
		               pctx, RSA_PSS_SALTLEN_DIGEST) > 0,
		           TLS_ERR_CRYPTO);
	return TLS_OK;
}

static TLS_RESULT tls_cpu_signer_ready(EVP_PKEY_CTX *pctx, const EVP_MD *md,
                                       const struct tls_sig_params *sp)
{
	TLS_GUARD_OSSL(EVP_PKEY_sign_init(pctx), TLS_ERR_CRYPTO);
	TLS_ENSURE(EVP_PKEY_CTX_set_signature_md(pctx, md) > 0, TLS_ERR_CRYPTO);
	return tls_cpu_sig_pad(pctx, sp);
}

/* The ready context for (pkey, scheme), made on first use. */
static TLS_RESULT tls_cpu_signer(struct tls_offload_cpu *c, EVP_PKEY *pkey,
                                 uint16_t scheme, struct tls_cpu_signer **out)
{
	struct tls_cpu_signer *s;
	struct tls_sig_params sp;
	EVP_PKEY_CTX *pctx;
	tls_result r;

	for (size_t i = 0; i < TLS_CPU_SIGNERS; i++) {
		s = &c->signer[i];
		if (s->pkey == pkey && s->scheme == scheme) {
			*out = s;
			return TLS_OK;
		}
	}
	TLS_GUARD(tls_cpu_sig_params(scheme, pkey, &sp));
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	TLS_ENSURE(pctx, TLS_ERR_NOMEM);
	r = tls_cpu_signer_ready(pctx, c->sig_md[sp.md_index], &sp);
	if (tls_is_err(r) || EVP_PKEY_up_ref(pkey) != 1) {
		EVP_PKEY_CTX_free(pctx);
		TLS_GUARD(r);
		TLS_BAIL(TLS_ERR_CRYPTO);
	}
	s = &c->signer[c->signer_next++ % TLS_CPU_SIGNERS];
	EVP_PKEY_CTX_free(s->pctx);
	EVP_PKEY_free(s->pkey);
	*s =
	    (struct tls_cpu_signer){pkey, scheme, pctx, c->sig_md[sp.md_index]};
	*out = s;
	return TLS_OK;
}

tls_result tls_cpu_sign(struct tls_offload *o, EVP_PKEY *pkey, uint16_t scheme,
                        const uint8_t *msg, size_t msg_len, uint8_t *sig,
                        size_t *sig_len)
{
	struct tls_offload_cpu *c = tls_cpu(o);
	struct tls_cpu_signer *s;
	uint8_t dgst[EVP_MAX_MD_SIZE];
	unsigned int dlen;

	o->stats.signs++;
	TLS_GUARD(tls_cpu_signer(c, pkey, scheme, &s));
	TLS_GUARD_OSSL(EVP_DigestInit_ex2(c->sigdgst, s->md, NULL),
	               TLS_ERR_CRYPTO);
	TLS_GUARD_OSSL(EVP_DigestUpdate(c->sigdgst, msg, msg_len),
	               TLS_ERR_CRYPTO);
	TLS_GUARD_OSSL(EVP_DigestFinal_ex(c->sigdgst, dgst, &dlen),
	               TLS_ERR_CRYPTO);
	TLS_GUARD_OSSL(EVP_PKEY_sign(s->pctx, sig, sig_len, dgst, dlen),
	               TLS_ERR_CRYPTO);
	return TLS_OK;
}

tls_result tls_cpu_verify(struct tls_offload *o, EVP_PKEY *pkey,
                          uint16_t scheme, const uint8_t *msg, size_t msg_len,
                          const uint8_t *sig, size_t sig_len)
{
	struct tls_offload_cpu *c = tls_cpu(o);
	struct tls_sig_params sp;
	EVP_PKEY_CTX *pctx = NULL;

	o->stats.verifies++;
	TLS_GUARD(tls_cpu_sig_params(scheme, pkey, &sp));
	TLS_GUARD_OSSL(EVP_MD_CTX_reset(c->signctx), TLS_ERR_CRYPTO);
	TLS_GUARD_OSSL(EVP_DigestVerifyInit_ex(c->signctx, &pctx, sp.md, NULL,
	                                       NULL, pkey, NULL),
	               TLS_ERR_CRYPTO);
	TLS_GUARD(tls_cpu_sig_pad(pctx, &sp));
	TLS_ENSURE(EVP_DigestVerify(c->signctx, sig, sig_len, msg, msg_len) ==
	               1,
	           TLS_ERR_BAD_SIGNATURE);
	return TLS_OK;
}

tls_result tls_cpu_verify_digest(struct tls_offload *o, EVP_PKEY *pkey,
                                 uint16_t scheme, const uint8_t *digest,
                                 size_t digest_len, const uint8_t *sig,
                                 size_t sig_len)
{
	struct tls_sig_params sp;
	const EVP_MD *md;
	EVP_PKEY_CTX *pctx;
	tls_result r = TLS_OK;
	int ok;

	o->stats.verifies++;
	TLS_GUARD(tls_cpu_sig_params(scheme, pkey, &sp));
	md = EVP_get_digestbyname(sp.md);
	/* The digest must be the scheme's, not just any bytes. */
	TLS_ENSURE(md && (size_t)EVP_MD_get_size(md) == digest_len,
	           TLS_ERR_INTERNAL);
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	TLS_ENSURE(pctx, TLS_ERR_NOMEM);
	ok = EVP_PKEY_verify_init(pctx) == 1 &&
	     EVP_PKEY_CTX_set_signature_md(pctx, md) > 0;
	if (ok)
		r = tls_cpu_sig_pad(pctx, &sp);
	if (ok && tls_is_ok(r) &&
	    EVP_PKEY_verify(pctx, sig, sig_len, digest, digest_len) != 1) {
		EVP_PKEY_CTX_free(pctx);
		TLS_BAIL(TLS_ERR_BAD_SIGNATURE);
	}
	EVP_PKEY_CTX_free(pctx);
	TLS_ENSURE(ok, TLS_ERR_CRYPTO);
	return r;
}
