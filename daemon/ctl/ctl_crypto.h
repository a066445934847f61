/* SPDX-License-Identifier: MIT */
/*
 * tlscardctl: descriptors the driver has no prep helper for, and the
 * libcrypto reference every card result is checked against.
 */
#ifndef CTL_CRYPTO_H
#define CTL_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <openssl/evp.h>

#include "tlscard.h"

/* ---- descriptor builders (ctl_prep.c), little-endian like tc_job_prep_* */

void ctl_prep_key_load(struct tc_job *job, uint32_t slot, uint8_t key_type,
                       uint64_t key_iova, uint32_t key_len);
void ctl_prep_key_evict(struct tc_job *job, uint32_t slot);
void ctl_prep_blob_load(struct tc_job *job, uint32_t blob_id, uint64_t iova,
                        uint32_t len);
void ctl_prep_blob_evict(struct tc_job *job, uint32_t blob_id);

struct ctl_pke_args {
	uint32_t slot;
	uint8_t hash, pad, group, pflags;
	uint64_t in, out, aux;
	uint32_t in_len, out_len, aux_len;
};
void ctl_prep_pke(struct tc_job *job, uint8_t opcode,
                  const struct ctl_pke_args *a);
/* Make a DIGEST job keyed (HMAC) with the key in slot. */
void ctl_prep_digest_hmac(struct tc_job *job, uint32_t slot);

/* One AEAD record; in/out are contiguous data unless *_nseg is non-zero,
 * in which case they point at tc_sg_entry arrays. */
struct ctl_aead_rec_args {
	uint32_t slot;
	uint8_t dir;
	const uint8_t *nonce; /* TC_AEAD_NONCE_LEN bytes */
	const uint8_t *aad;
	unsigned aad_len;
	uint64_t in, out, tag;
	uint16_t in_nseg, out_nseg;
	uint32_t len;
};
void ctl_aead_record_fill(struct tc_aead_record *rec,
                          const struct ctl_aead_rec_args *a);
void ctl_sg_fill(struct tc_sg_entry *sg, uint64_t addr, uint32_t len);

/* ---- libcrypto reference (ctl_ref.c) ---------------------------------- */

const EVP_MD *ctl_ref_md(uint8_t hash);             /* TC_HASH_* or NULL */
size_t ctl_hash_len(uint8_t hash);                  /* 0 for an unknown hash */
const char *ctl_hash_name(uint8_t hash);            /* "sha256" ... */
const EVP_CIPHER *ctl_ref_cipher(uint8_t key_type); /* TC_KEY_* AEAD */
size_t ctl_aead_key_len(uint8_t key_type);

/*
 * Digest (key_len == 0) or HMAC of the concatenated segments, finalised at
 * each checkpoint like the card (ncp == 0: once, over everything).  Writes
 * max(ncp, 1) digests packed at out.  0 or -1.
 */
int ctl_ref_digest(uint8_t hash, const void *key, size_t key_len,
                   const struct iovec *segs, unsigned nseg, const uint16_t *cp,
                   unsigned ncp, uint8_t *out);

/* Encrypt: writes out and tag.  Decrypt: writes out, checks tag.
 * 0, or -1 (decrypt: tag mismatch, or a libcrypto failure). */
int ctl_ref_aead(uint8_t key_type, const uint8_t *key, int encrypt,
                 const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                 const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag);

/* Private key as PKCS#8 DER (what KEY_LOAD takes).  Length or -1; *der is
 * OPENSSL_malloc'd. */
int ctl_pkcs8_der(EVP_PKEY *pkey, uint8_t **der);

#endif
