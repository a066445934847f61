// SPDX-License-Identifier: MIT
/*
 * CPU offload backend: digests, HMAC, HKDF (RFC 5869) and the TLS 1.2 PRF
 * (RFC 5246 §5) on libcrypto, plus the ops table and lifetime.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "tls_buf.h"
#include "tls_offload_cpu.h"
#include "tls_proto.h"

static const char *const tls_md_names[TLS_HASH_COUNT] = {
    [TLS_HASH_SHA256] = "SHA256",
    [TLS_HASH_SHA384] = "SHA384",
};

size_t tls_hash_len(enum tls_hash h)
{
	return h == TLS_HASH_SHA384 ? 48 : 32;
}

static TLS_RESULT tls_cpu_check_hash(enum tls_hash h)
{
	TLS_ENSURE((unsigned)h < TLS_HASH_COUNT, TLS_ERR_INTERNAL);
	return TLS_OK;
}

static tls_result tls_cpu_digest(struct tls_offload *o, enum tls_hash h,
                                 const struct tls_iov *seg, size_t nseg,
                                 const size_t *checkpoint, size_t ncp,
                                 uint8_t *out)
{
	struct tls_offload_cpu *c = tls_cpu(o);
	size_t hl = tls_hash_len(h), next = 0;
	unsigned int olen;

	TLS_GUARD(tls_cpu_check_hash(h));
	TLS_ENSURE(ncp >= 1 && ncp <= TLS_MAX_CHECKPOINTS, TLS_ERR_INTERNAL);
	o->stats.digest_calls++;
	TLS_GUARD_OSSL(EVP_DigestInit_ex2(c->mdctx, c->md[h], NULL),
	               TLS_ERR_CRYPTO);
	for (size_t cp = 0; cp < ncp; cp++) {
		TLS_ENSURE(checkpoint[cp] >= next && checkpoint[cp] <= nseg,
		           TLS_ERR_INTERNAL);
		for (; next < checkpoint[cp]; next++) {
			TLS_GUARD_OSSL(EVP_DigestUpdate(c->mdctx,
			                                seg[next].base,
			                                seg[next].len),
			               TLS_ERR_CRYPTO);
			o->stats.digest_bytes += seg[next].len;
		}
		/* A snapshot, so hashing continues past the checkpoint. */
		TLS_GUARD_OSSL(EVP_MD_CTX_copy_ex(c->mdcopy, c->mdctx),
		               TLS_ERR_CRYPTO);
		TLS_GUARD_OSSL(
		    EVP_DigestFinal_ex(c->mdcopy, out + cp * hl, &olen),
		    TLS_ERR_CRYPTO);
	}
	return TLS_OK;
}

static tls_result tls_cpu_hmac(struct tls_offload *o, enum tls_hash h,
                               const uint8_t *key, size_t key_len,
                               const struct tls_iov *seg, size_t nseg,
                               uint8_t *out);

/* The running hash's value so far, without ending it. */
static TLS_RESULT tls_cpu_snapshot(struct tls_offload_cpu *c, uint8_t *out)
{
	unsigned int olen;

	TLS_GUARD_OSSL(EVP_MD_CTX_copy_ex(c->mdcopy, c->mdctx), TLS_ERR_CRYPTO);
	TLS_GUARD_OSSL(EVP_DigestFinal_ex(c->mdcopy, out, &olen),
	               TLS_ERR_CRYPTO);
	return TLS_OK;
}

static tls_result tls_cpu_digest_fin(struct tls_offload *o, enum tls_hash h,
                                     const struct tls_iov *seg, size_t nseg,
                                     const uint8_t *const *fin_key, size_t nfin,
                                     uint8_t *const *fin_msg, uint8_t *out)
{
	struct tls_offload_cpu *c = tls_cpu(o);
	size_t hl = tls_hash_len(h);

	TLS_GUARD(tls_cpu_check_hash(h));
	TLS_ENSURE(nfin + 1 <= TLS_MAX_CHECKPOINTS, TLS_ERR_INTERNAL);
	o->stats.digest_calls++;
	TLS_GUARD_OSSL(EVP_DigestInit_ex2(c->mdctx, c->md[h], NULL),
	               TLS_ERR_CRYPTO);
	for (size_t i = 0; i < nseg; i++) {
		TLS_GUARD_OSSL(
		    EVP_DigestUpdate(c->mdctx, seg[i].base, seg[i].len),
		    TLS_ERR_CRYPTO);
		o->stats.digest_bytes += seg[i].len;
	}
	for (size_t i = 0; i < nfin; i++) {
		uint8_t *th = out + i * hl, *m = fin_msg[i];
		struct tls_iov in = {th, hl};

		TLS_GUARD(tls_cpu_snapshot(c, th));
		/* RFC 8446 §4.4.4: struct { opaque verify_data[Hash.length]; } */
		m[0] = TLS_HS_FINISHED;
		tls_put_u24(m + 1, (uint32_t)hl);
		TLS_GUARD(tls_cpu_hmac(o, h, fin_key[i], hl, &in, 1,
		                       m + TLS_HS_HEADER_LEN));
		TLS_GUARD_OSSL(
		    EVP_DigestUpdate(c->mdctx, m, TLS_HS_HEADER_LEN + hl),
		    TLS_ERR_CRYPTO);
		o->stats.digest_bytes += TLS_HS_HEADER_LEN + hl;
	}
	return tls_cpu_snapshot(c, out + nfin * hl);
}

static tls_result tls_cpu_hash_init(struct tls_offload *o, enum tls_hash h,
                                    struct tls_hash_state *st)
{
	struct tls_offload_cpu *c = tls_cpu(o);
	EVP_MD_CTX *ctx;

	TLS_GUARD(tls_cpu_check_hash(h));
	ctx = EVP_MD_CTX_new();
	TLS_ENSURE(ctx, TLS_ERR_NOMEM);
	if (EVP_DigestInit_ex2(ctx, c->md[h], NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		TLS_BAIL(TLS_ERR_CRYPTO);
	}
	st->hash = h;
	st->impl = ctx;
	return TLS_OK;
}

static tls_result tls_cpu_hash_update(struct tls_offload *o,
                                      struct tls_hash_state *st,
                                      const uint8_t *p, size_t n)
{
	TLS_ENSURE_REF(st->impl);
	o->stats.digest_calls++;
	o->stats.digest_bytes += n;
	TLS_GUARD_OSSL(EVP_DigestUpdate(st->impl, p, n), TLS_ERR_CRYPTO);
	return TLS_OK;
}

static tls_result tls_cpu_hash_peek(struct tls_offload *o,
                                    struct tls_hash_state *st, uint8_t *out)
{
	struct tls_offload_cpu *c = tls_cpu(o);
	unsigned int olen;

	TLS_ENSURE_REF(st->impl);
	TLS_GUARD_OSSL(EVP_MD_CTX_copy_ex(c->mdcopy, st->impl), TLS_ERR_CRYPTO);
	TLS_GUARD_OSSL(EVP_DigestFinal_ex(c->mdcopy, out, &olen),
	               TLS_ERR_CRYPTO);
	return TLS_OK;
}

static void tls_cpu_hash_free(struct tls_offload *o, struct tls_hash_state *st)
{
	(void)o;
	EVP_MD_CTX_free(st->impl);
	st->impl = NULL;
}

static tls_result tls_cpu_hmac(struct tls_offload *o, enum tls_hash h,
                               const uint8_t *key, size_t key_len,
                               const struct tls_iov *seg, size_t nseg,
                               uint8_t *out)
{
	struct tls_offload_cpu *c = tls_cpu(o);
	size_t olen;

	TLS_GUARD(tls_cpu_check_hash(h));
	o->stats.hmac_calls++;
	/*
	 * The digest was set once at create; only the key changes.  The
	 * same key as last time only resets the keyed state (no ipad/opad
	 * hashing).
	 */
	if (c->hmac_keyed[h] && c->hmac_key_len[h] == key_len &&
	    CRYPTO_memcmp(c->hmac_key[h], key, key_len) == 0) {
		TLS_GUARD_OSSL(EVP_MAC_init(c->hmac[h], NULL, 0, NULL),
		               TLS_ERR_CRYPTO);
	} else {
		c->hmac_keyed[h] = false;
		TLS_GUARD_OSSL(EVP_MAC_init(c->hmac[h], key, key_len, NULL),
		               TLS_ERR_CRYPTO);
		if (key_len <= TLS_CPU_HMAC_KEY_MAX) {
			memcpy(c->hmac_key[h], key, key_len);
			c->hmac_key_len[h] = key_len;
			c->hmac_keyed[h] = true;
		}
	}
	for (size_t i = 0; i < nseg; i++)
		TLS_GUARD_OSSL(
		    EVP_MAC_update(c->hmac[h], seg[i].base, seg[i].len),
		    TLS_ERR_CRYPTO);
	TLS_GUARD_OSSL(EVP_MAC_final(c->hmac[h], out, &olen, tls_hash_len(h)),
	               TLS_ERR_CRYPTO);
	return TLS_OK;
}

/* RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); an absent salt is zeros. */
static tls_result tls_cpu_hkdf_extract(struct tls_offload *o, enum tls_hash h,
                                       const uint8_t *salt, size_t salt_len,
                                       const uint8_t *ikm, size_t ikm_len,
                                       uint8_t *prk)
{
	static const uint8_t zeros[TLS_MAX_HASH_LEN];
	struct tls_iov in = {ikm, ikm_len};

	o->stats.hkdf_calls++;
	if (!salt || !salt_len) {
		salt = zeros;
		salt_len = tls_hash_len(h);
	}
	return tls_cpu_hmac(o, h, salt, salt_len, &in, 1, prk);
}

/* RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) | info | i). */
static tls_result tls_cpu_hkdf_expand(struct tls_offload *o, enum tls_hash h,
                                      const uint8_t *prk, size_t prk_len,
                                      const uint8_t *info, size_t info_len,
                                      uint8_t *out, size_t out_len)
{
	uint8_t t[TLS_MAX_HASH_LEN];
	size_t hl = tls_hash_len(h), done = 0, tlen = 0;
	uint8_t ctr = 1;

	TLS_ENSURE(out_len <= 255 * hl, TLS_ERR_INTERNAL);
	o->stats.hkdf_calls++;
	while (done < out_len) {
		struct tls_iov seg[3] = {
		    {t, tlen}, {info, info_len}, {&ctr, 1}};
		size_t n;

		TLS_GUARD(tls_cpu_hmac(o, h, prk, prk_len, seg, 3, t));
		tlen = hl;
		n = out_len - done < hl ? out_len - done : hl;
		memcpy(out + done, t, n);
		done += n;
		ctr++;
	}
	OPENSSL_cleanse(t, sizeof(t));
	return TLS_OK;
}

/*
 * RFC 5246 §5: P_hash(secret, seed) = HMAC(secret, A(1) + seed) | ...,
 * A(0) = seed, A(i) = HMAC(secret, A(i-1)); here seed = label | seeds.
 */
static tls_result tls_cpu_prf12(struct tls_offload *o, enum tls_hash h,
                                const uint8_t *secret, size_t secret_len,
                                const char *label, const struct tls_iov *seed,
                                size_t nseed, uint8_t *out, size_t out_len)
{
	struct tls_iov seg[1 + 1 + 4];
	uint8_t a[TLS_MAX_HASH_LEN], t[TLS_MAX_HASH_LEN];
	size_t hl = tls_hash_len(h), done = 0, n;

	TLS_ENSURE(nseed <= 4, TLS_ERR_INTERNAL);
	seg[1] = (struct tls_iov){(const uint8_t *)label, strlen(label)};
	for (size_t i = 0; i < nseed; i++)
		seg[2 + i] = seed[i];
	/* A(1) = HMAC(secret, label | seed) */
	TLS_GUARD(
	    tls_cpu_hmac(o, h, secret, secret_len, seg + 1, 1 + nseed, a));
	while (done < out_len) {
		seg[0] = (struct tls_iov){a, hl};
		TLS_GUARD(
		    tls_cpu_hmac(o, h, secret, secret_len, seg, 2 + nseed, t));
		n = out_len - done < hl ? out_len - done : hl;
		memcpy(out + done, t, n);
		done += n;
		seg[0] = (struct tls_iov){a, hl};
		TLS_GUARD(tls_cpu_hmac(o, h, secret, secret_len, seg, 1, a));
	}
	OPENSSL_cleanse(t, sizeof(t));
	OPENSSL_cleanse(a, sizeof(a));
	return TLS_OK;
}

static void tls_cpu_destroy(struct tls_offload *o)
{
	struct tls_offload_cpu *c = tls_cpu(o);

	tls_cpu_pk_fini(c);
	for (int i = 0; i < TLS_HASH_COUNT; i++) {
		EVP_MAC_CTX_free(c->hmac[i]);
		EVP_MD_free(c->md[i]);
	}
	for (int i = 0; i < TLS_AEAD_COUNT; i++)
		EVP_CIPHER_free(c->cipher[i]);
	EVP_MAC_free(c->mac);
	EVP_MD_CTX_free(c->mdctx);
	EVP_MD_CTX_free(c->mdcopy);
	EVP_MD_CTX_free(c->signctx);
	EVP_MD_CTX_free(c->sigdgst);
	OPENSSL_cleanse(c->hmac_key, sizeof(c->hmac_key));
	free(c);
}

static const struct tls_offload_ops tls_cpu_ops = {
    .name = "cpu",
    .destroy = tls_cpu_destroy,
    .ecdh_keygen = tls_cpu_ecdh_keygen,
    .ecdh_derive = tls_cpu_ecdh_derive,
    .ecdh_free = tls_cpu_ecdh_free,
    .sign = tls_cpu_sign,
    .verify = tls_cpu_verify,
    .verify_digest = tls_cpu_verify_digest,
    .digest = tls_cpu_digest,
    .digest_fin = tls_cpu_digest_fin,
    .hash_init = tls_cpu_hash_init,
    .hash_update = tls_cpu_hash_update,
    .hash_peek = tls_cpu_hash_peek,
    .hash_free = tls_cpu_hash_free,
    .hmac = tls_cpu_hmac,
    .hkdf_extract = tls_cpu_hkdf_extract,
    .hkdf_expand = tls_cpu_hkdf_expand,
    .prf12 = tls_cpu_prf12,
    .aead_key_set = tls_cpu_aead_key_set,
    .aead_key_clear = tls_cpu_aead_key_clear,
    .aead_seal = tls_cpu_aead_seal,
    .aead_open = tls_cpu_aead_open,
    .aead_batch = tls_cpu_aead_batch,
};

static TLS_RESULT tls_cpu_fetch(struct tls_offload_cpu *c)
{
	static const char *const ciphers[TLS_AEAD_COUNT] = {
	    [TLS_AEAD_AES_128_GCM] = "AES-128-GCM",
	    [TLS_AEAD_AES_256_GCM] = "AES-256-GCM",
	    [TLS_AEAD_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
	};

	c->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	TLS_ENSURE(c->mac, TLS_ERR_CRYPTO);
	for (int i = 0; i < TLS_HASH_COUNT; i++) {
		OSSL_PARAM params[2] = {
		    OSSL_PARAM_construct_utf8_string(
		        OSSL_MAC_PARAM_DIGEST, (char *)tls_md_names[i], 0),
		    OSSL_PARAM_construct_end(),
		};

		c->md[i] = EVP_MD_fetch(NULL, tls_md_names[i], NULL);
		c->hmac[i] = EVP_MAC_CTX_new(c->mac);
		TLS_ENSURE(c->md[i] && c->hmac[i], TLS_ERR_CRYPTO);
		TLS_GUARD_OSSL(EVP_MAC_CTX_set_params(c->hmac[i], params),
		               TLS_ERR_CRYPTO);
	}
	for (int i = 0; i < TLS_AEAD_COUNT; i++) {
		c->cipher[i] = EVP_CIPHER_fetch(NULL, ciphers[i], NULL);
		TLS_ENSURE(c->cipher[i], TLS_ERR_CRYPTO);
	}
	c->mdctx = EVP_MD_CTX_new();
	c->mdcopy = EVP_MD_CTX_new();
	c->signctx = EVP_MD_CTX_new();
	c->sigdgst = EVP_MD_CTX_new();
	TLS_ENSURE(c->mdctx && c->mdcopy && c->signctx && c->sigdgst,
	           TLS_ERR_NOMEM);
	return tls_cpu_pk_init(c);
}

struct tls_offload *tls_offload_cpu_create(void)
{
	struct tls_offload_cpu *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->base.ops = &tls_cpu_ops;
	if (tls_is_err(tls_cpu_fetch(c))) {
		tls_cpu_destroy(&c->base);
		return NULL;
	}
	return &c->base;
}
