/* SPDX-License-Identifier: MIT */
/*
 * Public-key ops on slot keys: RSA sign and decrypt, ECDSA sign, ECDH key
 * generation and derivation.  Inputs are small (a digest, one RSA block, a
 * public point), so they are copied into fixed buffers on the stack after
 * their length is checked.  Every op holds a reference to its key, so a
 * concurrent evict or reload of the slot cannot free it mid-signature.
 */
#include <endian.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "tc_op_internal.h"

#define TC_PKE_MAX_IN     512u /* RSA-4096 block */
#define TC_PKE_MAX_OUT    512u /* RSA-4096 signature / plaintext */
#define TC_PKE_MAX_PUB    133u /* uncompressed P-521-sized point, with room */
#define TC_PKE_MAX_SECRET 66u
#define TC_PKE_MAX_PKCS8  256u

/* Descriptor fields every PKE op checks first.  allowed: pflags bits that
 * mean something to this opcode. */
static uint16_t tc_pke_check(const struct tc_pke_cmd *cmd, uint8_t allowed)
{
	if (!tc_ops_is_zero(cmd->rsvd44, sizeof(cmd->rsvd44)))
		return TC_STS_INVALID_DESC;
	if (cmd->pflags & ~allowed)
		return TC_STS_INVALID_DESC;
	return TC_STS_OK;
}

/* A reference to the key in slot if its type is one of types[0..n-1]. */
static struct tc_key *tc_pke_key(struct tc_op_ctx *ctx, uint32_t slot,
                                 const uint8_t *types, unsigned n)
{
	struct tc_key *key = tc_keystore_get(ctx->st->keys, slot);
	unsigned i;

	for (i = 0; key && i < n; i++)
		if (key->type == types[i])
			return key;
	tc_key_put(key);
	return NULL;
}

/* Read in_len bytes of input into buf (cap bytes). */
static uint16_t tc_pke_read_in(struct tc_op_ctx *ctx,
                               const struct tc_pke_cmd *cmd, uint8_t *buf,
                               size_t cap)
{
	uint32_t len = le32toh(cmd->in_len);

	if (len > cap)
		return TC_STS_INVALID_DESC;
	if (tc_dma_read(ctx->dma, le64toh(cmd->in_addr), buf, len))
		return TC_STS_DMA_FAULT;
	return TC_STS_OK;
}

static uint16_t tc_pke_write_out(struct tc_op_ctx *ctx,
                                 const struct tc_pke_cmd *cmd,
                                 const uint8_t *buf, size_t len)
{
	if (tc_dma_write(ctx->dma, le64toh(cmd->out_addr), buf, len))
		return TC_STS_DMA_FAULT;
	ctx->result = len;
	return TC_STS_OK;
}

/* Sign a digest with key: RSA (PKCS#1 v1.5 or PSS) or ECDSA. */
static uint16_t tc_pke_sign(struct tc_op_ctx *ctx, const struct tc_pke_cmd *cmd,
                            EVP_PKEY *pkey, const EVP_MD *md, int rsa_pad)
{
	uint8_t in[TC_DIGEST_MAX_LEN], sig[TC_PKE_MAX_OUT];
	size_t siglen = sizeof(sig);
	EVP_PKEY_CTX *pctx;
	uint16_t sts;
	int ok;

	sts = tc_pke_read_in(ctx, cmd, in, sizeof(in));
	if (sts)
		return sts;
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	ok = pctx && EVP_PKEY_sign_init(pctx) > 0 &&
	     EVP_PKEY_CTX_set_signature_md(pctx, md) > 0;
	if (ok && rsa_pad)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, rsa_pad) > 0;
	if (ok && rsa_pad == RSA_PKCS1_PSS_PADDING)
		ok = EVP_PKEY_CTX_set_rsa_pss_saltlen(
		         pctx, RSA_PSS_SALTLEN_DIGEST) > 0 &&
		     EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) > 0;
	ok = ok &&
	     EVP_PKEY_sign(pctx, sig, &siglen, in, le32toh(cmd->in_len)) > 0;
	EVP_PKEY_CTX_free(pctx);
	if (!ok)
		return TC_STS_INTERNAL;
	ctx->bytes = le32toh(cmd->in_len);
	return tc_pke_write_out(ctx, cmd, sig, siglen);
}

uint16_t tc_op_rsa_sign(struct tc_op_ctx *ctx, const struct tc_pke_cmd *cmd)
{
	static const uint8_t types[] = {TC_KEY_RSA};
	const EVP_MD *md;
	struct tc_key *key;
	uint16_t sts;
	int pad;

	sts = tc_pke_check(cmd, 0);
	if (sts)
		return sts;
	key = tc_pke_key(ctx, le32toh(cmd->slot), types, 1);
	if (!key)
		return TC_STS_BAD_KEY_SLOT;
	md = tc_ops_md(ctx->st, cmd->hash);
	if (!md) {
		sts = TC_STS_UNSUPPORTED;
	} else if (le32toh(cmd->in_len) != (uint32_t)EVP_MD_get_size(md)) {
		sts = TC_STS_INVALID_DESC;
	} else if (cmd->pad != TC_RSA_PAD_PKCS1 && cmd->pad != TC_RSA_PAD_PSS) {
		sts = TC_STS_UNSUPPORTED;
	} else if (le32toh(cmd->out_len) <
	           (uint32_t)EVP_PKEY_get_size(key->pkey)) {
		sts = TC_STS_BUF_TOO_SMALL;
	} else {
		pad = cmd->pad == TC_RSA_PAD_PSS ? RSA_PKCS1_PSS_PADDING
		                                 : RSA_PKCS1_PADDING;
		sts = tc_pke_sign(ctx, cmd, key->pkey, md, pad);
	}
	tc_key_put(key);
	return sts;
}

uint16_t tc_op_ecdsa_sign(struct tc_op_ctx *ctx, const struct tc_pke_cmd *cmd)
{
	static const uint8_t types[] = {TC_KEY_EC_P256, TC_KEY_EC_P384};
	const EVP_MD *md;
	struct tc_key *key;
	uint16_t sts;

	sts = tc_pke_check(cmd, 0);
	if (sts)
		return sts;
	key = tc_pke_key(ctx, le32toh(cmd->slot), types, 2);
	if (!key)
		return TC_STS_BAD_KEY_SLOT;
	md = tc_ops_md(ctx->st, cmd->hash);
	if (!md)
		sts = TC_STS_UNSUPPORTED;
	else if (le32toh(cmd->in_len) != (uint32_t)EVP_MD_get_size(md))
		sts = TC_STS_INVALID_DESC;
	/* The largest DER ECDSA-Sig-Value: the signature's length varies
	 * with leading zeros, the host must not have to guess. */
	else if (le32toh(cmd->out_len) < (uint32_t)EVP_PKEY_get_size(key->pkey))
		sts = TC_STS_BUF_TOO_SMALL;
	else
		sts = tc_pke_sign(ctx, cmd, key->pkey, md, 0);
	tc_key_put(key);
	return sts;
}

static uint16_t tc_pke_decrypt(struct tc_op_ctx *ctx,
                               const struct tc_pke_cmd *cmd, EVP_PKEY *pkey,
                               int pad)
{
	uint8_t in[TC_PKE_MAX_IN], out[TC_PKE_MAX_OUT];
	size_t outlen = sizeof(out);
	EVP_PKEY_CTX *pctx;
	uint16_t sts;
	int ok;

	sts = tc_pke_read_in(ctx, cmd, in, sizeof(in));
	if (sts)
		return sts;
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!pctx || EVP_PKEY_decrypt_init(pctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, pad) <= 0) {
		EVP_PKEY_CTX_free(pctx);
		return TC_STS_INTERNAL;
	}
	/* Any failure past setup is a padding check (or, raw, an input not
	 * below the modulus): the ciphertext did not authenticate. */
	ok = EVP_PKEY_decrypt(pctx, out, &outlen, in, le32toh(cmd->in_len)) > 0;
	EVP_PKEY_CTX_free(pctx);
	ctx->bytes = le32toh(cmd->in_len);
	if (!ok)
		sts = TC_STS_AUTH_FAIL;
	else if (le32toh(cmd->out_len) < outlen)
		sts = TC_STS_BUF_TOO_SMALL;
	else
		sts = tc_pke_write_out(ctx, cmd, out, outlen);
	OPENSSL_cleanse(out, sizeof(out));
	return sts;
}

uint16_t tc_op_rsa_decrypt(struct tc_op_ctx *ctx, const struct tc_pke_cmd *cmd)
{
	static const uint8_t types[] = {TC_KEY_RSA};
	struct tc_key *key;
	uint16_t sts;

	sts = tc_pke_check(cmd, 0);
	if (sts)
		return sts;
	key = tc_pke_key(ctx, le32toh(cmd->slot), types, 1);
	if (!key)
		return TC_STS_BAD_KEY_SLOT;
	if (cmd->pad != TC_RSA_PAD_PKCS1 && cmd->pad != TC_RSA_PAD_NONE)
		sts = TC_STS_UNSUPPORTED;
	else if (le32toh(cmd->in_len) != (uint32_t)EVP_PKEY_get_size(key->pkey))
		sts = TC_STS_INVALID_DESC;
	else
		sts = tc_pke_decrypt(ctx, cmd, key->pkey,
		                     cmd->pad == TC_RSA_PAD_PKCS1
		                         ? RSA_PKCS1_PADDING
		                         : RSA_NO_PADDING);
	tc_key_put(key);
	return sts;
}

/* ---- ECDH ------------------------------------------------------------ */

/* Public key in wire form: X25519 raw, EC uncompressed point. */
static bool tc_ecdh_public(EVP_PKEY *pkey, uint8_t *buf, size_t cap,
                           size_t *len)
{
	if (EVP_PKEY_is_a(pkey, "X25519")) {
		*len = cap;
		return EVP_PKEY_get_raw_public_key(pkey, buf, len) > 0;
	}
	return EVP_PKEY_get_octet_string_param(
	           pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, cap, len) >
	           0 &&
	       *len && buf[0] == 0x04;
}

/* PKCS#8 PrivateKeyInfo DER, the format KEY_LOAD accepts back. */
static bool tc_ecdh_export(EVP_PKEY *pkey, uint8_t *buf, size_t cap,
                           size_t *len)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pkey);
	unsigned char *p = buf;
	int n;

	if (!p8)
		return false;
	n = i2d_PKCS8_PRIV_KEY_INFO(p8, NULL);
	if (n > 0 && (size_t)n <= cap)
		n = i2d_PKCS8_PRIV_KEY_INFO(p8, &p);
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (n <= 0 || (size_t)n > cap)
		return false;
	*len = n;
	return true;
}

uint16_t tc_op_ecdh_keygen(struct tc_op_ctx *ctx, const struct tc_pke_cmd *cmd)
{
	uint8_t pub[TC_PKE_MAX_PUB], priv[TC_PKE_MAX_PKCS8];
	uint32_t slot = le32toh(cmd->slot);
	bool export = cmd->pflags & TC_PKE_F_EXPORT_PRIV;
	size_t pub_len, want, priv_len = 0;
	EVP_PKEY *pkey = NULL;
	struct tc_key *key;
	uint8_t type;
	uint16_t sts;

	sts = tc_pke_check(cmd, TC_PKE_F_EXPORT_PRIV);
	if (sts)
		return sts;
	if (cmd->group == TC_GROUP_X25519) {
		type = TC_KEY_X25519;
		want = 32;
	} else if (cmd->group == TC_GROUP_P256) {
		type = TC_KEY_EC_P256;
		want = 65;
	} else {
		return TC_STS_UNSUPPORTED;
	}
	if (slot >= tc_keystore_nslots(ctx->st->keys))
		return TC_STS_BAD_KEY_SLOT;
	if (le32toh(cmd->out_len) < want)
		return TC_STS_BUF_TOO_SMALL;

	pkey = type == TC_KEY_X25519
	           ? EVP_PKEY_Q_keygen(NULL, NULL, "X25519")
	           : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!pkey || !tc_ecdh_public(pkey, pub, sizeof(pub), &pub_len) ||
	    pub_len != want ||
	    (export && !tc_ecdh_export(pkey, priv, sizeof(priv), &priv_len))) {
		sts = TC_STS_INTERNAL;
		goto out;
	}
	if (export && le32toh(cmd->aux_len) < priv_len) {
		sts = TC_STS_BUF_TOO_SMALL;
		goto out;
	}
	/* Outputs first: the slot is filled only if the host got the public
	 * key (and the private key it asked for). */
	if (tc_dma_write(ctx->dma, le64toh(cmd->out_addr), pub, pub_len) ||
	    (export &&
	     tc_dma_write(ctx->dma, le64toh(cmd->aux_addr), priv, priv_len))) {
		sts = TC_STS_DMA_FAULT;
		goto out;
	}
	key = tc_key_new_pkey(type, pkey);
	pkey = NULL;
	if (!key || tc_keystore_install(ctx->st->keys, slot, key)) {
		sts = TC_STS_INTERNAL;
		goto out;
	}
	ctx->result = pub_len;
	ctx->aux = priv_len;
	ctx->bytes = pub_len + priv_len;
out:
	EVP_PKEY_free(pkey);
	OPENSSL_cleanse(priv, sizeof(priv));
	return sts;
}

/* The peer's public key as an EVP_PKEY of our key's type, or NULL if the
 * encoding is malformed or the point is not on the curve. */
static EVP_PKEY *tc_ecdh_peer(const struct tc_key *key, const uint8_t *in,
                              size_t len)
{
	char group[64];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *fctx;
	EVP_PKEY *peer = NULL;
	size_t field;

	if (key->type == TC_KEY_X25519)
		return len == 32 ? EVP_PKEY_new_raw_public_key_ex(
		                       NULL, "X25519", NULL, in, len)
		                 : NULL;
	/* Uncompressed points only: 0x04 || X || Y. */
	field = key->type == TC_KEY_EC_P256 ? 32 : 48;
	if (len != 1 + 2 * field || in[0] != 0x04)
		return NULL;
	if (!EVP_PKEY_get_group_name(key->pkey, group, sizeof(group), NULL))
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	                                             group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	                                              (void *)in, len);
	params[2] = OSSL_PARAM_construct_end();
	fctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!fctx || EVP_PKEY_fromdata_init(fctx) <= 0 ||
	    EVP_PKEY_fromdata(fctx, &peer, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		peer = NULL;
	EVP_PKEY_CTX_free(fctx);
	return peer;
}

static uint16_t tc_ecdh_compute(struct tc_op_ctx *ctx,
                                const struct tc_pke_cmd *cmd,
                                const struct tc_key *key, size_t secret_len)
{
	uint8_t in[TC_PKE_MAX_PUB], secret[TC_PKE_MAX_SECRET];
	uint32_t in_len = le32toh(cmd->in_len);
	size_t len = sizeof(secret);
	EVP_PKEY_CTX *pctx = NULL;
	EVP_PKEY *peer;
	uint16_t sts;
	int ok;

	if (le32toh(cmd->out_len) < secret_len)
		return TC_STS_BUF_TOO_SMALL;
	if (in_len > sizeof(in))
		return TC_STS_BAD_KEY;
	if (tc_dma_read(ctx->dma, le64toh(cmd->in_addr), in, in_len))
		return TC_STS_DMA_FAULT;
	peer = tc_ecdh_peer(key, in, in_len);
	if (!peer)
		return TC_STS_BAD_KEY;
	/* set_peer validates the point (on the curve, in the subgroup);
	 * X25519 derivation fails on an all-zero (small-order) result. */
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	ok = pctx && EVP_PKEY_derive_init(pctx) > 0 &&
	     EVP_PKEY_derive_set_peer(pctx, peer) > 0 &&
	     EVP_PKEY_derive(pctx, secret, &len) > 0 && len == secret_len;
	EVP_PKEY_CTX_free(pctx);
	EVP_PKEY_free(peer);
	ctx->bytes = in_len;
	sts = ok ? tc_pke_write_out(ctx, cmd, secret, len) : TC_STS_BAD_KEY;
	OPENSSL_cleanse(secret, sizeof(secret));
	return sts;
}

uint16_t tc_op_ecdh_derive(struct tc_op_ctx *ctx, const struct tc_pke_cmd *cmd)
{
	static const uint8_t types[] = {TC_KEY_X25519, TC_KEY_EC_P256,
	                                TC_KEY_EC_P384};
	uint32_t slot = le32toh(cmd->slot);
	struct tc_key *key;
	uint16_t sts;

	sts = tc_pke_check(cmd, TC_PKE_F_EVICT_AFTER);
	if (sts)
		return sts;
	key = tc_pke_key(ctx, slot, types, 3);
	if (!key)
		return TC_STS_BAD_KEY_SLOT;
	sts = tc_ecdh_compute(ctx, cmd, key,
	                      key->type == TC_KEY_EC_P384 ? 48 : 32);
	/* An ephemeral key is used once, whatever the outcome; a KEY_LOAD
	 * that replaced it meanwhile is left alone. */
	if (cmd->pflags & TC_PKE_F_EVICT_AFTER)
		tc_keystore_evict_if(ctx->st->keys, slot, key);
	tc_key_put(key);
	return sts;
}
