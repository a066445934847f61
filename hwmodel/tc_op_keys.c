/* SPDX-License-Identifier: MIT */
/*
 * KEY_LOAD and KEY_EVICT.  Symmetric keys are kept raw; private keys arrive
 * as PKCS#8 DER and are parsed once here, so the PKE ops find a ready
 * EVP_PKEY and the type in the descriptor is checked against the key
 * actually decoded.
 */
#include <endian.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "tc_op_internal.h"

static bool tc_key_len_ok(uint8_t type, uint32_t len)
{
	switch (type) {
	case TC_KEY_AES128GCM: return len == 16;
	case TC_KEY_AES256GCM: return len == 32;
	case TC_KEY_CHACHA20POLY1305: return len == 32;
	case TC_KEY_HMAC: return len >= 1 && len <= TC_KEY_RAW_MAX;
	default: return len >= 1 && len <= TC_KEY_MAX_LEN;
	}
}

/* NID of an EC key's named curve, or NID_undef. */
static int tc_key_ec_curve(const EVP_PKEY *pkey)
{
	char name[64];

	if (!EVP_PKEY_get_group_name(pkey, name, sizeof(name), NULL))
		return NID_undef;
	return OBJ_txt2nid(name);
}

/* Does the decoded key match the type the host claimed? */
static bool tc_key_matches(uint8_t type, EVP_PKEY *pkey)
{
	int bits;

	switch (type) {
	case TC_KEY_RSA:
		/* Plain rsaEncryption only: an RSA-PSS restricted key would
		 * refuse PKCS#1 v1.5 and decryption. */
		if (EVP_PKEY_get_id(pkey) != EVP_PKEY_RSA)
			return false;
		bits = EVP_PKEY_get_bits(pkey);
		return bits >= 2048 && bits <= 4096;
	case TC_KEY_EC_P256:
		return EVP_PKEY_is_a(pkey, "EC") &&
		       tc_key_ec_curve(pkey) == NID_X9_62_prime256v1;
	case TC_KEY_EC_P384:
		return EVP_PKEY_is_a(pkey, "EC") &&
		       tc_key_ec_curve(pkey) == NID_secp384r1;
	case TC_KEY_X25519: return EVP_PKEY_is_a(pkey, "X25519");
	default: return false;
	}
}

/* An EC private scalar outside [1, n-1] or a public point off the curve
 * would make every later op fail or leak: reject it at load. */
static bool tc_key_valid(uint8_t type, EVP_PKEY *pkey)
{
	EVP_PKEY_CTX *pctx;
	int ok;

	if (type != TC_KEY_EC_P256 && type != TC_KEY_EC_P384)
		return true;
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	ok = pctx && EVP_PKEY_check(pctx) == 1;
	EVP_PKEY_CTX_free(pctx);
	return ok;
}

/* Strict PKCS#8 PrivateKeyInfo: no traditional formats, no trailing
 * bytes.  NULL if malformed or not the claimed type. */
static EVP_PKEY *tc_key_parse_pkcs8(uint8_t type, const uint8_t *der,
                                    size_t len)
{
	const unsigned char *p = der;
	PKCS8_PRIV_KEY_INFO *p8;
	EVP_PKEY *pkey;

	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, len);
	if (!p8)
		return NULL;
	pkey = p == der + len ? EVP_PKCS82PKEY(p8) : NULL;
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (pkey &&
	    (!tc_key_matches(type, pkey) || !tc_key_valid(type, pkey))) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	return pkey;
}

uint16_t tc_op_key_load(struct tc_op_ctx *ctx, const struct tc_key_cmd *cmd)
{
	uint8_t material[TC_KEY_MAX_LEN];
	uint32_t slot = le32toh(cmd->slot);
	uint32_t len = le32toh(cmd->key_len);
	uint8_t type = cmd->key_type;
	struct tc_key *key = NULL;
	EVP_PKEY *pkey;
	uint16_t sts;

	if (cmd->rsvd5 || cmd->rsvd6 ||
	    !tc_ops_is_zero(cmd->rsvd20, sizeof(cmd->rsvd20)))
		return TC_STS_INVALID_DESC;
	if (slot >= tc_keystore_nslots(ctx->st->keys))
		return TC_STS_BAD_KEY_SLOT;
	if (type < TC_KEY_AES128GCM || type > TC_KEY_X25519)
		return TC_STS_UNSUPPORTED;
	if (!tc_key_len_ok(type, len))
		return TC_STS_INVALID_DESC;
	if (tc_dma_read(ctx->dma, le64toh(cmd->key_addr), material, len)) {
		sts = TC_STS_DMA_FAULT;
		goto out;
	}

	if (type <= TC_KEY_HMAC) {
		key = tc_key_new_raw(type, material, len);
	} else {
		pkey = tc_key_parse_pkcs8(type, material, len);
		if (!pkey) {
			sts = TC_STS_BAD_KEY;
			goto out;
		}
		key = tc_key_new_pkey(type, pkey);
	}
	if (!key) {
		sts = TC_STS_INTERNAL;
		goto out;
	}
	/* Replacing an occupied slot drops the old key's slot reference;
	 * ops still using it hold their own. */
	sts = tc_keystore_install(ctx->st->keys, slot, key)
	          ? TC_STS_BAD_KEY_SLOT
	          : TC_STS_OK;
	ctx->bytes = len;
out:
	OPENSSL_cleanse(material, len);
	return sts;
}

uint16_t tc_op_key_evict(struct tc_op_ctx *ctx, const struct tc_key_cmd *cmd)
{
	if (cmd->rsvd5 || cmd->rsvd6 ||
	    !tc_ops_is_zero(cmd->rsvd20, sizeof(cmd->rsvd20)))
		return TC_STS_INVALID_DESC;
	/* Evicting an empty slot succeeds: eviction is idempotent. */
	if (tc_keystore_evict(ctx->st->keys, le32toh(cmd->slot)))
		return TC_STS_BAD_KEY_SLOT;
	return TC_STS_OK;
}
