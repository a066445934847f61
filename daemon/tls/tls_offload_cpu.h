/* SPDX-License-Identifier: MIT */
/*
 * Internals of the CPU offload backend, shared by its three files
 * (hashes/KDFs, public-key ops, AEAD).  Every EVP algorithm object is
 * fetched once at create time; the contexts a step needs are kept and
 * reset, so a handshake or a record allocates nothing of its own here
 * beyond what libcrypto's EVP_PKEY API requires.
 */
#ifndef TLS_OFFLOAD_CPU_H
#define TLS_OFFLOAD_CPU_H

#include <openssl/evp.h>

#include "tls_offload.h"

/* Longest HMAC key kept for reuse (TLS 1.2 master secret: 48). */
#define TLS_CPU_HMAC_KEY_MAX 64
#define TLS_CPU_SIGNERS      8

/*
 * A signing context made ready once per (key, scheme): sign_init, the
 * digest and the padding are set, so a handshake's signature is one
 * digest and one EVP_PKEY_sign, with no method fetch by name.  The
 * entry holds a reference on the key, so the pointer cannot be reused
 * by another key while it is cached.
 */
struct tls_cpu_signer {
	EVP_PKEY *pkey;
	uint16_t scheme;
	EVP_PKEY_CTX *pctx;
	const EVP_MD *md;
};

struct tls_offload_cpu {
	struct tls_offload base;
	EVP_MD *md[TLS_HASH_COUNT];
	EVP_MAC *mac;
	EVP_MAC_CTX *hmac[TLS_HASH_COUNT];
	EVP_MD_CTX *mdctx;   /* digest() scratch */
	EVP_MD_CTX *mdcopy;  /* checkpoint snapshots */
	EVP_MD_CTX *signctx; /* DigestVerify (verify) */
	EVP_MD_CTX *sigdgst; /* the plain digest a sign() signs */
	EVP_CIPHER *cipher[TLS_AEAD_COUNT];
	EVP_PKEY_CTX *p256_gen; /* P-256 keygen context, initialised once */
	EVP_PKEY *p256_params;  /* group parameters for peer keys */
	EVP_PKEY_CTX *x25519_gen;
	/* X25519 peer shares are imported here: no keymgmt fetch by name. */
	EVP_PKEY_CTX *x25519_import;
	EVP_PKEY *x25519_base; /* u = 9, for the ladder keygen */
	/*
	 * HMAC key reuse: the key schedule expands the same secret several
	 * times in a row (c/s traffic secrets, key then IV), and re-keying
	 * HMAC costs two extra block hashes; an unchanged key only resets.
	 */
	uint8_t hmac_key[TLS_HASH_COUNT][TLS_CPU_HMAC_KEY_MAX];
	size_t hmac_key_len[TLS_HASH_COUNT];
	bool hmac_keyed[TLS_HASH_COUNT];
	/* Signature digests (SHA-256/384/512), fetched once. */
	EVP_MD *sig_md[3];
	struct tls_cpu_signer signer[TLS_CPU_SIGNERS];
	unsigned signer_next; /* round-robin eviction */
};

static inline struct tls_offload_cpu *tls_cpu(struct tls_offload *o)
{
	return (struct tls_offload_cpu *)o;
}

/* tls_offload_cpu_pk.c */
TLS_RESULT tls_cpu_ecdh_keygen(struct tls_offload *o, uint16_t group,
                               struct tls_ecdh_key *key, uint8_t *pub,
                               size_t *pub_len);
TLS_RESULT tls_cpu_ecdh_derive(struct tls_offload *o, struct tls_ecdh_key *key,
                               const uint8_t *peer, size_t peer_len,
                               uint8_t *secret, size_t *secret_len);
void tls_cpu_ecdh_free(struct tls_offload *o, struct tls_ecdh_key *key);
TLS_RESULT tls_cpu_sign(struct tls_offload *o, EVP_PKEY *pkey, uint16_t scheme,
                        const uint8_t *msg, size_t msg_len, uint8_t *sig,
                        size_t *sig_len);
TLS_RESULT tls_cpu_verify(struct tls_offload *o, EVP_PKEY *pkey,
                          uint16_t scheme, const uint8_t *msg, size_t msg_len,
                          const uint8_t *sig, size_t sig_len);
TLS_RESULT tls_cpu_verify_digest(struct tls_offload *o, EVP_PKEY *pkey,
                                 uint16_t scheme, const uint8_t *digest,
                                 size_t digest_len, const uint8_t *sig,
                                 size_t sig_len);
TLS_RESULT tls_cpu_pk_init(struct tls_offload_cpu *c);
void tls_cpu_pk_fini(struct tls_offload_cpu *c);

/* tls_offload_cpu_x25519.c */
TLS_RESULT tls_cpu_x25519_init(struct tls_offload_cpu *c);
void tls_cpu_x25519_fini(struct tls_offload_cpu *c);
TLS_RESULT tls_cpu_x25519_keygen(struct tls_offload_cpu *c, EVP_PKEY **out,
                                 uint8_t *pub);
TLS_RESULT tls_cpu_x25519_peer(struct tls_offload_cpu *c, const uint8_t *peer,
                               size_t peer_len, EVP_PKEY **out);

/* tls_offload_cpu_aead.c */
TLS_RESULT tls_cpu_aead_key_set(struct tls_offload *o, struct tls_aead_key *k,
                                enum tls_aead alg, bool seal,
                                const uint8_t *key);
void tls_cpu_aead_key_clear(struct tls_offload *o, struct tls_aead_key *k);
TLS_RESULT tls_cpu_aead_seal(struct tls_offload *o, struct tls_aead_job *j);
TLS_RESULT tls_cpu_aead_open(struct tls_offload *o, struct tls_aead_job *j);
size_t tls_cpu_aead_batch(struct tls_offload *o, struct tls_aead_job *jobs,
                          size_t n);

#endif /* TLS_OFFLOAD_CPU_H */
