// SPDX-License-Identifier: MIT
/*
 * CPU offload backend: X25519 key shares (RFC 7748, RFC 8446 §4.2.8.2)
 * without a method fetch by name per handshake: the keygen and import
 * contexts are made once, and our public key comes from the derive
 * path's ladder (see tls_cpu_x25519_keygen).
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "tls_offload_cpu.h"

/* The base point, u = 9 (RFC 7748 §4.1). */
static const uint8_t tls_x25519_base[32] = {9};

tls_result tls_cpu_x25519_init(struct tls_offload_cpu *c)
{
	OSSL_PARAM params[2] = {
	    OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	                                      (void *)tls_x25519_base,
	                                      sizeof(tls_x25519_base)),
	    OSSL_PARAM_construct_end(),
	};

	c->x25519_gen = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
	TLS_ENSURE(c->x25519_gen, TLS_ERR_CRYPTO);
	TLS_GUARD_OSSL(EVP_PKEY_keygen_init(c->x25519_gen), TLS_ERR_CRYPTO);
	c->x25519_import = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
	TLS_ENSURE(c->x25519_import, TLS_ERR_CRYPTO);
	TLS_GUARD_OSSL(EVP_PKEY_fromdata_init(c->x25519_import),
	               TLS_ERR_CRYPTO);
	/* Without it, keygen falls back to EVP_PKEY_generate. */
	if (EVP_PKEY_fromdata(c->x25519_import, &c->x25519_base,
	                      EVP_PKEY_PUBLIC_KEY, params) != 1)
		c->x25519_base = NULL;
	return TLS_OK;
}

void tls_cpu_x25519_fini(struct tls_offload_cpu *c)
{
	EVP_PKEY_CTX_free(c->x25519_gen);
	c->x25519_gen = NULL;
	EVP_PKEY_CTX_free(c->x25519_import);
	c->x25519_import = NULL;
	EVP_PKEY_free(c->x25519_base);
	c->x25519_base = NULL;
}

/*
 * Key generation as a multiplication of the base point on the derive
 * path (RFC 7748 §6.1: public = X25519(priv, 9)).  In OpenSSL 3.0,
 * EVP_PKEY_generate computes the public key with generic fixed-base code
 * and its precomputed table, which the kernel's TCP work between two
 * handshakes evicts from the caches; the derive runs the table-free
 * assembly ladder and costs less per handshake when the caches are cold
 * (docs/bench/tls.md).  The private key is imported with the base point
 * as a placeholder public value, never read: this key only derives.
 */
static TLS_RESULT tls_cpu_x25519_ladder(struct tls_offload_cpu *c,
                                        EVP_PKEY **out, uint8_t *pub)
{
	uint8_t priv[32];
	OSSL_PARAM params[3] = {
	    OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, priv,
	                                      sizeof(priv)),
	    OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	                                      (void *)tls_x25519_base,
	                                      sizeof(tls_x25519_base)),
	    OSSL_PARAM_construct_end(),
	};
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *dctx;
	size_t n = 32;
	int ok;

	TLS_ENSURE(c->x25519_base, TLS_ERR_CRYPTO);
	/* Any 32 random bytes: X25519 clamps the scalar (RFC 7748 §5). */
	ok = RAND_priv_bytes(priv, sizeof(priv)) == 1 &&
	     EVP_PKEY_fromdata(c->x25519_import, &pkey, EVP_PKEY_KEYPAIR,
	                       params) == 1;
	OPENSSL_cleanse(priv, sizeof(priv));
	if (ok) {
		dctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
		ok =
		    dctx && EVP_PKEY_derive_init(dctx) == 1 &&
		    EVP_PKEY_derive_set_peer_ex(dctx, c->x25519_base, 0) == 1 &&
		    EVP_PKEY_derive(dctx, pub, &n) == 1 && n == 32;
		EVP_PKEY_CTX_free(dctx);
	}
	if (!ok) {
		EVP_PKEY_free(pkey);
		TLS_BAIL(TLS_ERR_CRYPTO);
	}
	*out = pkey;
	return TLS_OK;
}

tls_result tls_cpu_x25519_keygen(struct tls_offload_cpu *c, EVP_PKEY **out,
                                 uint8_t *pub)
{
	EVP_PKEY *pkey = NULL;
	size_t n = 32;

	if (tls_is_ok(tls_cpu_x25519_ladder(c, out, pub)))
		return TLS_OK;
	/* A libcrypto that refuses the import: the ordinary keygen. */
	TLS_GUARD_OSSL(EVP_PKEY_generate(c->x25519_gen, &pkey), TLS_ERR_CRYPTO);
	if (EVP_PKEY_get_raw_public_key(pkey, pub, &n) != 1 || n != 32) {
		EVP_PKEY_free(pkey);
		TLS_BAIL(TLS_ERR_CRYPTO);
	}
	*out = pkey;
	return TLS_OK;
}

tls_result tls_cpu_x25519_peer(struct tls_offload_cpu *c, const uint8_t *peer,
                               size_t peer_len, EVP_PKEY **out)
{
	OSSL_PARAM params[2] = {
	    OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	                                      (void *)peer, peer_len),
	    OSSL_PARAM_construct_end(),
	};
	EVP_PKEY *pk = NULL;

	/* RFC 8446 §4.2.8.2: X25519 shares are exactly 32 bytes. */
	TLS_ENSURE(peer_len == 32, TLS_ERR_BAD_KEY_SHARE);
	TLS_ENSURE(EVP_PKEY_fromdata(c->x25519_import, &pk, EVP_PKEY_PUBLIC_KEY,
	                             params) == 1,
	           TLS_ERR_BAD_KEY_SHARE);
	*out = pk;
	return TLS_OK;
}
