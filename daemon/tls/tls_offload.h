/* SPDX-License-Identifier: MIT */
/*
 * The offload interface: every crypto step of the TLS engine goes through
 * one const ops table, so the same engine runs on the CPU (libcrypto,
 * tls_offload_cpu.c) or on cards (the driver, a later backend).
 *
 * The shapes follow the card's jobs rather than libcrypto's calls:
 *  - digest() hashes a scatter list of references in one call and returns
 *    a digest at each checkpoint (M1): the transcript never copies a
 *    message, and one call yields every transcript hash a step needs;
 *  - aead_batch() takes many independent records, from any connections,
 *    as one job list (M3/M4);
 *  - keys (AEAD, ECDH) are handles the backend prepares once, so a record
 *    costs no key schedule and no allocation.
 *
 * An offload instance belongs to one thread.
 */
#ifndef TLS_OFFLOAD_H
#define TLS_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "tls_buf.h"
#include "tls_result.h"

enum tls_hash { TLS_HASH_SHA256, TLS_HASH_SHA384, TLS_HASH_COUNT };

enum tls_aead {
	TLS_AEAD_AES_128_GCM,
	TLS_AEAD_AES_256_GCM,
	TLS_AEAD_CHACHA20_POLY1305,
	TLS_AEAD_COUNT
};

#define TLS_AEAD_TAG_LEN    16
#define TLS_AEAD_NONCE_LEN  12
#define TLS_AEAD_MAX_KEY    32
#define TLS_ECDH_MAX_PUB    65 /* uncompressed P-256 point */
#define TLS_ECDH_MAX_SECRET 32
#define TLS_MAX_CHECKPOINTS 8

size_t tls_hash_len(enum tls_hash h);
size_t tls_aead_key_len(enum tls_aead a);

/* Per-instance counters; the daemon prints them, tests read them. */
struct tls_offload_stats {
	uint64_t digest_calls; /* one per digest() or hash_update() */
	uint64_t digest_bytes;
	uint64_t hmac_calls;
	uint64_t hkdf_calls;
	uint64_t ecdh_keygens;
	uint64_t ecdh_derives;
	uint64_t signs;
	uint64_t verifies;
	uint64_t records_sealed;
	uint64_t records_opened;
	uint64_t batches;
	uint64_t errors;
};

/* An ephemeral ECDH key (RFC 8446 §4.2.8); impl is the backend's. */
struct tls_ecdh_key {
	uint16_t group;
	void *impl;
};

/* One direction's AEAD key, prepared once per traffic secret. */
struct tls_aead_key {
	enum tls_aead alg;
	bool seal;
	void *impl;
};

/* A running hash for the incremental (baseline) transcript mode. */
struct tls_hash_state {
	enum tls_hash hash;
	void *impl;
};

/*
 * One record's AEAD job.  Seal: the plaintext is the concatenation of
 * in[0..nin) (gathered, not copied first), out receives ciphertext || tag
 * (len + 16 bytes).  Open: in[0] is ciphertext || tag of len bytes,
 * out (may equal in[0].base) receives len - 16 plaintext bytes.
 * status is 0 or the tls_error of this job alone.
 */
struct tls_aead_job {
	struct tls_aead_key *key;
	uint8_t nonce[TLS_AEAD_NONCE_LEN];
	const uint8_t *aad;
	size_t aad_len;
	const struct tls_iov *in;
	size_t nin;
	uint8_t *out;
	size_t len;
	int status;
};

struct tls_offload;

struct tls_offload_ops {
	const char *name;
	void (*destroy)(struct tls_offload *o);

	/* ECDHE (RFC 8446 §4.2.8.2, §7.4): *pub_len in = cap, out = len. */
	TLS_RESULT(*ecdh_keygen)
	(struct tls_offload *o, uint16_t group, struct tls_ecdh_key *key,
	 uint8_t *pub, size_t *pub_len);
	TLS_RESULT(*ecdh_derive)
	(struct tls_offload *o, struct tls_ecdh_key *key, const uint8_t *peer,
	 size_t peer_len, uint8_t *secret, size_t *secret_len);
	void (*ecdh_free)(struct tls_offload *o, struct tls_ecdh_key *key);

	/* Signatures over msg for a SignatureScheme; *sig_len in = cap. */
	TLS_RESULT(*sign)
	(struct tls_offload *o, EVP_PKEY *pkey, uint16_t scheme,
	 const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t *sig_len);
	TLS_RESULT(*verify)
	(struct tls_offload *o, EVP_PKEY *pkey, uint16_t scheme,
	 const uint8_t *msg, size_t msg_len, const uint8_t *sig,
	 size_t sig_len);
	/*
	 * Verify over a digest already made with the scheme's hash: a TLS
	 * 1.2 CertificateVerify signs the transcript (RFC 5246 §7.4.8),
	 * whose hash M1 already has, so nothing is hashed twice.
	 */
	TLS_RESULT(*verify_digest)
	(struct tls_offload *o, EVP_PKEY *pkey, uint16_t scheme,
	 const uint8_t *digest, size_t digest_len, const uint8_t *sig,
	 size_t sig_len);

	/*
	 * M1: hash seg[0..nseg) in order, one call.  checkpoint[i] is a
	 * segment count (non-decreasing, <= nseg); out receives ncp digests,
	 * the i-th over seg[0..checkpoint[i]).
	 */
	TLS_RESULT(*digest)
	(struct tls_offload *o, enum tls_hash h, const struct tls_iov *seg,
	 size_t nseg, const size_t *checkpoint, size_t ncp, uint8_t *out);

	/*
	 * M1 with Finished-aware checkpoints (optional: NULL where the
	 * backend has none, and the engine hashes as above).  Hash
	 * seg[0..nseg); then for each fin_key[i] in turn: verify_data =
	 * HMAC(fin_key[i], hash so far) (RFC 8446 §4.4.4), written as a
	 * whole Finished message (type 20, u24 HashLen, verify_data) to
	 * fin_msg[i], which is hashed in as the next message.  out gets
	 * nfin + 1 digests: before each Finished and after the last one.
	 */
	TLS_RESULT(*digest_fin)
	(struct tls_offload *o, enum tls_hash h, const struct tls_iov *seg,
	 size_t nseg, const uint8_t *const *fin_key, size_t nfin,
	 uint8_t *const *fin_msg, uint8_t *out);

	/*
	 * The incremental baseline: one call per message.  p stays valid
	 * until hash_free (the transcript keeps its messages): the card
	 * backend, whose digests are one-shot, keeps references and replays
	 * them (tls_offload_card_replay.c).
	 */
	TLS_RESULT(*hash_init)
	(struct tls_offload *o, enum tls_hash h, struct tls_hash_state *st);
	TLS_RESULT(*hash_update)
	(struct tls_offload *o, struct tls_hash_state *st, const uint8_t *p,
	 size_t n);
	TLS_RESULT(*hash_peek)
	(struct tls_offload *o, struct tls_hash_state *st, uint8_t *out);
	void (*hash_free)(struct tls_offload *o, struct tls_hash_state *st);

	/* HMAC over a scatter list (Finished, binders, HKDF, PRF). */
	TLS_RESULT(*hmac)
	(struct tls_offload *o, enum tls_hash h, const uint8_t *key,
	 size_t key_len, const struct tls_iov *seg, size_t nseg, uint8_t *out);
	/* RFC 5869 */
	TLS_RESULT(*hkdf_extract)
	(struct tls_offload *o, enum tls_hash h, const uint8_t *salt,
	 size_t salt_len, const uint8_t *ikm, size_t ikm_len, uint8_t *prk);
	TLS_RESULT(*hkdf_expand)
	(struct tls_offload *o, enum tls_hash h, const uint8_t *prk,
	 size_t prk_len, const uint8_t *info, size_t info_len, uint8_t *out,
	 size_t out_len);
	/* RFC 5246 §5: PRF(secret, label, seed) with P_<hash>. */
	TLS_RESULT(*prf12)
	(struct tls_offload *o, enum tls_hash h, const uint8_t *secret,
	 size_t secret_len, const char *label, const struct tls_iov *seed,
	 size_t nseed, uint8_t *out, size_t out_len);

	/* AEAD keys and records. */
	TLS_RESULT(*aead_key_set)
	(struct tls_offload *o, struct tls_aead_key *k, enum tls_aead alg,
	 bool seal, const uint8_t *key);
	void (*aead_key_clear)(struct tls_offload *o, struct tls_aead_key *k);
	TLS_RESULT (*aead_seal)(struct tls_offload *o, struct tls_aead_job *j);
	TLS_RESULT (*aead_open)(struct tls_offload *o, struct tls_aead_job *j);
	/* A batch: every job runs; returns how many succeeded. */
	size_t (*aead_batch)(struct tls_offload *o, struct tls_aead_job *jobs,
	                     size_t n);

	/* Optional: memory for connection buffers (received records and
	 * handshake messages, records to send) that the backend's jobs can
	 * read and write where it is, with no bounce copy (the card backend:
	 * driver DMA memory).  NULL: malloc/free. */
	void *(*buf_alloc)(struct tls_offload *o, size_t len);
	void (*buf_free)(struct tls_offload *o, void *p);
};

struct tls_offload {
	const struct tls_offload_ops *ops;
	struct tls_offload_stats stats;
};

static inline void *tls_offload_buf_alloc(struct tls_offload *o, size_t len)
{
	return o && o->ops->buf_alloc ? o->ops->buf_alloc(o, len) : malloc(len);
}

static inline void tls_offload_buf_free(struct tls_offload *o, void *p)
{
	if (o && o->ops->buf_free)
		o->ops->buf_free(o, p);
	else
		free(p);
}

/* The CPU (libcrypto) backend; NULL on failure (logged by caller). */
struct tls_offload *tls_offload_cpu_create(void);

static inline void tls_offload_destroy(struct tls_offload *o)
{
	if (o)
		o->ops->destroy(o);
}

#endif /* TLS_OFFLOAD_H */
