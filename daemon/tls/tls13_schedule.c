// SPDX-License-Identifier: MIT
/* TLS 1.3 key schedule, RFC 8446 §7.1-§7.3; see tls13_schedule.h. */
#include <string.h>

#include <openssl/crypto.h>

#include "tls13_schedule.h"

static const uint8_t tls_sha256_empty[32] = {
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
    0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
    0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
};

static const uint8_t tls_sha384_empty[48] = {
    0x38, 0xb0, 0x60, 0xa7, 0x51, 0xac, 0x96, 0x38, 0x4c, 0xd9, 0x32, 0x7e,
    0xb1, 0xb1, 0xe3, 0x6a, 0x21, 0xfd, 0xb7, 0x11, 0x14, 0xbe, 0x07, 0x43,
    0x4c, 0x0c, 0xc7, 0xbf, 0x63, 0xf6, 0xe1, 0xda, 0x27, 0x4e, 0xde, 0xbf,
    0xe7, 0x6f, 0x65, 0xfb, 0xd5, 0x1a, 0xd2, 0xf1, 0x48, 0x98, 0xb9, 0x5b,
};

const uint8_t *tls13_empty_hash(enum tls_hash h)
{
	return h == TLS_HASH_SHA384 ? tls_sha384_empty : tls_sha256_empty;
}

tls_result tls13_expand_label(struct tls_offload *o, enum tls_hash h,
                              const uint8_t *secret, const char *label,
                              const uint8_t *ctx, size_t ctx_len, uint8_t *out,
                              size_t out_len)
{
	/*
	 * struct { uint16 length; opaque label<7..255> = "tls13 " + Label;
	 *          opaque context<0..255>; } HkdfLabel;
	 */
	uint8_t info[2 + 1 + 255 + 1 + 255];
	size_t llen = strlen(label), n = 0;

	TLS_ENSURE(6 + llen <= 255 && ctx_len <= 255 && out_len <= 0xffff,
	           TLS_ERR_INTERNAL);
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + llen);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, llen);
	n += llen;
	info[n++] = (uint8_t)ctx_len;
	if (ctx_len)
		memcpy(info + n, ctx, ctx_len);
	n += ctx_len;
	return o->ops->hkdf_expand(o, h, secret, tls_hash_len(h), info, n, out,
	                           out_len);
}

tls_result tls13_derive_secret(struct tls_offload *o, enum tls_hash h,
                               const uint8_t *secret, const char *label,
                               const uint8_t *thash, uint8_t *out)
{
	size_t hl = tls_hash_len(h);

	return tls13_expand_label(o, h, secret, label, thash, hl, out, hl);
}

tls_result tls13_early_secret(struct tls_offload *o, enum tls_hash h,
                              const uint8_t *psk, size_t psk_len, uint8_t *out)
{
	static const uint8_t zeros[TLS_MAX_HASH_LEN];

	/* §7.1: without a PSK the IKM is a string of HashLen zeros. */
	if (!psk) {
		psk = zeros;
		psk_len = tls_hash_len(h);
	}
	return o->ops->hkdf_extract(o, h, NULL, 0, psk, psk_len, out);
}

tls_result tls13_next_secret(struct tls_offload *o, enum tls_hash h,
                             const uint8_t *prev, const uint8_t *ikm,
                             size_t ikm_len, uint8_t *out)
{
	static const uint8_t zeros[TLS_MAX_HASH_LEN];
	uint8_t salt[TLS_MAX_HASH_LEN];
	size_t hl = tls_hash_len(h);

	TLS_GUARD(tls13_derive_secret(o, h, prev, "derived",
	                              tls13_empty_hash(h), salt));
	if (!ikm) {
		ikm = zeros;
		ikm_len = hl;
	}
	TLS_GUARD(o->ops->hkdf_extract(o, h, salt, hl, ikm, ikm_len, out));
	OPENSSL_cleanse(salt, sizeof(salt));
	return TLS_OK;
}

tls_result tls13_traffic_key(struct tls_offload *o, enum tls_hash h,
                             enum tls_aead a, const uint8_t *secret,
                             uint8_t *key, uint8_t *iv)
{
	TLS_GUARD(tls13_expand_label(o, h, secret, "key", NULL, 0, key,
	                             tls_aead_key_len(a)));
	TLS_GUARD(tls13_expand_label(o, h, secret, "iv", NULL, 0, iv,
	                             TLS_AEAD_NONCE_LEN));
	return TLS_OK;
}

tls_result tls13_finished(struct tls_offload *o, enum tls_hash h,
                          const uint8_t *base_key, const uint8_t *thash,
                          uint8_t *out)
{
	uint8_t fk[TLS_MAX_HASH_LEN];
	size_t hl = tls_hash_len(h);
	struct tls_iov in = {thash, hl};

	/* finished_key = HKDF-Expand-Label(BaseKey, "finished", "", HashLen) */
	TLS_GUARD(
	    tls13_expand_label(o, h, base_key, "finished", NULL, 0, fk, hl));
	TLS_GUARD(o->ops->hmac(o, h, fk, hl, &in, 1, out));
	OPENSSL_cleanse(fk, sizeof(fk));
	return TLS_OK;
}

tls_result tls13_update_secret(struct tls_offload *o, enum tls_hash h,
                               uint8_t *secret)
{
	uint8_t next[TLS_MAX_HASH_LEN];
	size_t hl = tls_hash_len(h);

	TLS_GUARD(
	    tls13_expand_label(o, h, secret, "traffic upd", NULL, 0, next, hl));
	memcpy(secret, next, hl);
	OPENSSL_cleanse(next, sizeof(next));
	return TLS_OK;
}
