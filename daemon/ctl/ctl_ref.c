/* SPDX-License-Identifier: MIT */
/*
 * The CPU reference: libcrypto computes what the card should have, so the
 * selftest, the load test and the benchmarks check every result, and the
 * benchmarks' baseline runs exactly this code.
 */
#include <openssl/core_names.h>
#include <openssl/x509.h>
#include <string.h>

#include "ctl_crypto.h"

const EVP_MD *ctl_ref_md(uint8_t hash)
{
	switch (hash) {
	case TC_HASH_SHA256: return EVP_sha256();
	case TC_HASH_SHA384: return EVP_sha384();
	case TC_HASH_SHA512: return EVP_sha512();
	default: return NULL;
	}
}

size_t ctl_hash_len(uint8_t hash)
{
	const EVP_MD *md = ctl_ref_md(hash);

	return md ? (size_t)EVP_MD_get_size(md) : 0;
}

const char *ctl_hash_name(uint8_t hash)
{
	switch (hash) {
	case TC_HASH_SHA256: return "sha256";
	case TC_HASH_SHA384: return "sha384";
	case TC_HASH_SHA512: return "sha512";
	default: return "unknown";
	}
}

const EVP_CIPHER *ctl_ref_cipher(uint8_t key_type)
{
	switch (key_type) {
	case TC_KEY_AES128GCM: return EVP_aes_128_gcm();
	case TC_KEY_AES256GCM: return EVP_aes_256_gcm();
	case TC_KEY_CHACHA20POLY1305: return EVP_chacha20_poly1305();
	default: return NULL;
	}
}

size_t ctl_aead_key_len(uint8_t key_type)
{
	return key_type == TC_KEY_AES128GCM ? 16 : 32;
}

/* One running state, either a digest or an HMAC, so checkpoints can copy
 * and finalise it the same way the card does. */
struct ref_state {
	EVP_MD_CTX *md;
	EVP_MAC_CTX *mac;
};

static int ref_init(struct ref_state *s, uint8_t hash, const void *key,
                    size_t key_len)
{
	const EVP_MD *md = ctl_ref_md(hash);
	EVP_MAC *mac;
	OSSL_PARAM params[2];

	memset(s, 0, sizeof(*s));
	if (!md)
		return -1;
	if (!key_len) {
		s->md = EVP_MD_CTX_new();
		return s->md && EVP_DigestInit_ex(s->md, md, NULL) ? 0 : -1;
	}
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		return -1;
	s->mac = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_MAC_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0);
	params[1] = OSSL_PARAM_construct_end();
	return s->mac && EVP_MAC_init(s->mac, key, key_len, params) ? 0 : -1;
}

static int ref_update(struct ref_state *s, const void *p, size_t len)
{
	if (s->md)
		return EVP_DigestUpdate(s->md, p, len) ? 0 : -1;
	return EVP_MAC_update(s->mac, p, len) ? 0 : -1;
}

/* Finalise a copy, leaving the running state usable. */
static int ref_checkpoint(struct ref_state *s, uint8_t *out)
{
	int ok = 0;

	if (s->md) {
		EVP_MD_CTX *copy = EVP_MD_CTX_new();
		unsigned len;

		ok = copy && EVP_MD_CTX_copy_ex(copy, s->md) &&
		     EVP_DigestFinal_ex(copy, out, &len);
		EVP_MD_CTX_free(copy);
	} else {
		EVP_MAC_CTX *copy = EVP_MAC_CTX_dup(s->mac);
		size_t len;

		ok = copy && EVP_MAC_final(copy, out, &len, TC_DIGEST_MAX_LEN);
		EVP_MAC_CTX_free(copy);
	}
	return ok ? 0 : -1;
}

static void ref_free(struct ref_state *s)
{
	EVP_MD_CTX_free(s->md);
	EVP_MAC_CTX_free(s->mac);
}

int ctl_ref_digest(uint8_t hash, const void *key, size_t key_len,
                   const struct iovec *segs, unsigned nseg, const uint16_t *cp,
                   unsigned ncp, uint8_t *out)
{
	size_t dlen = ctl_hash_len(hash);
	struct ref_state s;
	unsigned next = 0;
	int ret = -1;

	if (ref_init(&s, hash, key, key_len))
		goto out;
	for (unsigned i = 0; i < nseg; i++) {
		if (ref_update(&s, segs[i].iov_base, segs[i].iov_len))
			goto out;
		if (next < ncp && cp[next] == i + 1) {
			if (ref_checkpoint(&s, out + next * dlen))
				goto out;
			next++;
		}
	}
	if (!ncp && ref_checkpoint(&s, out))
		goto out;
	ret = ncp && next != ncp ? -1 : 0;
out:
	ref_free(&s);
	return ret;
}

int ctl_ref_aead(uint8_t key_type, const uint8_t *key, int encrypt,
                 const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                 const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	const EVP_CIPHER *cipher = ctl_ref_cipher(key_type);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl, ok;

	if (!cipher || !ctx) {
		EVP_CIPHER_CTX_free(ctx);
		return -1;
	}
	/* GCM and ChaCha20-Poly1305 both default to the 96-bit nonce. */
	ok = EVP_CipherInit_ex(ctx, cipher, NULL, key, nonce, encrypt) &&
	     (!aad_len ||
	      EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len)) &&
	     (!len || EVP_CipherUpdate(ctx, out, &outl, in, (int)len));
	if (ok && !encrypt)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
		                         TC_AEAD_TAG_LEN, tag);
	if (ok)
		ok = EVP_CipherFinal_ex(ctx, out + len, &outl);
	if (ok && encrypt)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
		                         TC_AEAD_TAG_LEN, tag);
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

int ctl_pkcs8_der(EVP_PKEY *pkey, uint8_t **der)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pkey);
	int len;

	*der = NULL;
	if (!p8)
		return -1;
	len = i2d_PKCS8_PRIV_KEY_INFO(p8, der);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return len > 0 ? len : -1;
}
