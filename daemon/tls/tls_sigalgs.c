// SPDX-License-Identifier: MIT
/* Signature scheme policy; see tls_sigalgs.h. */
#include <string.h>

#include "tls_proto.h"
#include "tls_sigalgs.h"

/* Preference order.  PKCS#1 v1.5 is TLS 1.2 only (RFC 8446 §4.2.3). */
static const uint16_t tls_sigalgs[] = {
    TLS_SIG_ECDSA_SECP256R1_SHA256, TLS_SIG_RSA_PSS_RSAE_SHA256,
    TLS_SIG_RSA_PSS_RSAE_SHA384,    TLS_SIG_RSA_PSS_RSAE_SHA512,
    TLS_SIG_RSA_PKCS1_SHA256,       TLS_SIG_RSA_PKCS1_SHA384,
    TLS_SIG_RSA_PKCS1_SHA512,
};

static bool tls_sigalg_is_pkcs1(uint16_t s)
{
	return s == TLS_SIG_RSA_PKCS1_SHA256 || s == TLS_SIG_RSA_PKCS1_SHA384 ||
	       s == TLS_SIG_RSA_PKCS1_SHA512;
}

static bool tls_sigalg_for_type(uint16_t s, enum tls_key_type type)
{
	if (s == TLS_SIG_ECDSA_SECP256R1_SHA256)
		return type == TLS_KEY_ECDSA_P256;
	return type == TLS_KEY_RSA;
}

tls_result tls_sigalgs_write(struct tls_writer *w, uint16_t version)
{
	for (size_t i = 0; i < sizeof(tls_sigalgs) / sizeof(tls_sigalgs[0]);
	     i++) {
		if (version == TLS_VERSION_13 &&
		    tls_sigalg_is_pkcs1(tls_sigalgs[i]))
			continue;
		TLS_GUARD(tls_write_u16(w, tls_sigalgs[i]));
	}
	return TLS_OK;
}

bool tls_sigalg_ok(uint16_t scheme, uint16_t version, EVP_PKEY *key)
{
	bool known = false;

	for (size_t i = 0; i < sizeof(tls_sigalgs) / sizeof(tls_sigalgs[0]);
	     i++)
		known |= tls_sigalgs[i] == scheme;
	if (!known ||
	    (version == TLS_VERSION_13 && tls_sigalg_is_pkcs1(scheme)))
		return false;
	if (scheme == TLS_SIG_ECDSA_SECP256R1_SHA256) {
		char group[32];
		size_t n;

		/* §4.2.3: the scheme names the curve, too. */
		return EVP_PKEY_is_a(key, "EC") &&
		       EVP_PKEY_get_group_name(key, group, sizeof(group), &n) ==
		           1 &&
		       strcmp(group, "prime256v1") == 0;
	}
	return EVP_PKEY_is_a(key, "RSA");
}

tls_result tls_sigalg_pick(enum tls_key_type type, uint16_t version,
                           const uint8_t *peer_list, size_t peer_len,
                           uint16_t *scheme)
{
	for (size_t i = 0; i < sizeof(tls_sigalgs) / sizeof(tls_sigalgs[0]);
	     i++) {
		uint16_t s = tls_sigalgs[i];

		if (!tls_sigalg_for_type(s, type))
			continue;
		if (version == TLS_VERSION_13 && tls_sigalg_is_pkcs1(s))
			continue;
		for (size_t k = 0; k + 1 < peer_len; k += 2) {
			if (tls_get_u16(peer_list + k) == s) {
				*scheme = s;
				return TLS_OK;
			}
		}
	}
	TLS_BAIL(TLS_ERR_NO_SHARED_SIGALG);
}

enum tls_hash tls_sigalg_hash(uint16_t scheme)
{
	return scheme == TLS_SIG_RSA_PSS_RSAE_SHA384 ||
	               scheme == TLS_SIG_RSA_PKCS1_SHA384
	           ? TLS_HASH_SHA384
	           : TLS_HASH_SHA256;
}
