// SPDX-License-Identifier: MIT
/* The TLS 1.2 key schedule; see tls12_schedule.h. */
#include <string.h>

#include <openssl/crypto.h>

#include "tls12_schedule.h"

bool tls12_suite_known(uint16_t suite)
{
	switch (suite) {
	case TLS_ECDHE_ECDSA_AES128_GCM:
	case TLS_ECDHE_ECDSA_AES256_GCM:
	case TLS_ECDHE_ECDSA_CHACHA20:
	case TLS_ECDHE_RSA_AES128_GCM:
	case TLS_ECDHE_RSA_AES256_GCM:
	case TLS_ECDHE_RSA_CHACHA20: return true;
	default: return false;
	}
}

void tls12_suite_params(uint16_t suite, enum tls_aead *a, enum tls_hash *h)
{
	/* RFC 5288 §3 / RFC 5289 §3.2: the _SHA384 suites use P_SHA384. */
	bool aes256 = suite == TLS_ECDHE_ECDSA_AES256_GCM ||
	              suite == TLS_ECDHE_RSA_AES256_GCM;
	bool chacha = suite == TLS_ECDHE_ECDSA_CHACHA20 ||
	              suite == TLS_ECDHE_RSA_CHACHA20;

	*h = aes256 ? TLS_HASH_SHA384 : TLS_HASH_SHA256;
	*a = aes256   ? TLS_AEAD_AES_256_GCM
	     : chacha ? TLS_AEAD_CHACHA20_POLY1305
	              : TLS_AEAD_AES_128_GCM;
}

enum tls_key_type tls12_suite_auth(uint16_t suite)
{
	return suite == TLS_ECDHE_ECDSA_AES128_GCM ||
	               suite == TLS_ECDHE_ECDSA_AES256_GCM ||
	               suite == TLS_ECDHE_ECDSA_CHACHA20
	           ? TLS_KEY_ECDSA_P256
	           : TLS_KEY_RSA;
}

tls_result tls12_ems_master_secret(struct tls_offload *o, enum tls_hash h,
                                   const uint8_t *pms, size_t pms_len,
                                   const uint8_t *session_hash, uint8_t *master)
{
	struct tls_iov seed = {session_hash, tls_hash_len(h)};

	return o->ops->prf12(o, h, pms, pms_len, "extended master secret",
	                     &seed, 1, master, TLS12_MASTER_LEN);
}

tls_result tls12_key_block(struct tls_offload *o, enum tls_hash h,
                           enum tls_aead a, const uint8_t *master,
                           const uint8_t *client_random,
                           const uint8_t *server_random, struct tls12_keys *k)
{
	struct tls_iov seed[2] = {{server_random, TLS_RANDOM_LEN},
	                          {client_random, TLS_RANDOM_LEN}};
	size_t kl = tls_aead_key_len(a);
	/* RFC 5288 §3: 4-byte implicit salt; RFC 7905 §2: 12-byte IV. */
	size_t il = a == TLS_AEAD_CHACHA20_POLY1305 ? 12 : 4;
	uint8_t block[2 * (TLS_AEAD_MAX_KEY + TLS_AEAD_NONCE_LEN)];
	tls_result r;

	memset(k, 0, sizeof(*k));
	r = o->ops->prf12(o, h, master, TLS12_MASTER_LEN, "key expansion", seed,
	                  2, block, 2 * (kl + il));
	if (tls_is_ok(r)) {
		/* client_write_key, server_write_key, client IV, server IV */
		memcpy(k->c_key, block, kl);
		memcpy(k->s_key, block + kl, kl);
		memcpy(k->c_iv, block + 2 * kl, il);
		memcpy(k->s_iv, block + 2 * kl + il, il);
	}
	OPENSSL_cleanse(block, sizeof(block));
	return r;
}

tls_result tls12_finished(struct tls_offload *o, enum tls_hash h,
                          const uint8_t *master, bool server,
                          const uint8_t *thash, uint8_t *verify_data)
{
	struct tls_iov seed = {thash, tls_hash_len(h)};

	return o->ops->prf12(o, h, master, TLS12_MASTER_LEN,
	                     server ? "server finished" : "client finished",
	                     &seed, 1, verify_data, TLS12_VERIFY_DATA_LEN);
}
