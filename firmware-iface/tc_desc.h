/* SPDX-License-Identifier: MIT */
/*
 * tlscard descriptors, completions and the in-memory structures they point
 * to.  Every field is little-endian: convert with le16toh/htole16 and
 * friends at every DMA boundary.  docs/card-spec.md documents each field.
 */
#ifndef TC_DESC_H
#define TC_DESC_H

#include <stdint.h>
#include "tc_abi_check.h"

/* ---- opcodes -------------------------------------------------------- */
enum tc_opcode {
	TC_OP_NOP = 0x00,
	TC_OP_DIGEST = 0x01,     /* M1: checkpointed scatter-list digest */
	TC_OP_AEAD_BATCH = 0x02, /* M3: batch of TLS records */
	TC_OP_KEY_LOAD = 0x03,
	TC_OP_KEY_EVICT = 0x04,
	TC_OP_RSA_SIGN = 0x05,
	TC_OP_RSA_DECRYPT = 0x06,
	TC_OP_ECDSA_SIGN = 0x07,
	TC_OP_ECDH_KEYGEN = 0x08,
	TC_OP_ECDH_DERIVE = 0x09,
	TC_OP_BLOB_LOAD = 0x0a, /* M2: precomputed message store */
	TC_OP_BLOB_EVICT = 0x0b,
	TC_OP_COUNT = 0x0c,
};

/* Op classes: the timing model and the host's scheduler reason per class. */
enum tc_op_class {
	TC_CLASS_NOP = 0,
	TC_CLASS_DIGEST = 1,
	TC_CLASS_AEAD = 2,
	TC_CLASS_PKE = 3,
	TC_CLASS_ADMIN = 4, /* key and blob load/evict */
	TC_CLASS_COUNT = 5,
};

/* ---- status codes (completion status[15:1]) -------------------------- */
enum tc_status {
	TC_STS_OK = 0x00,
	TC_STS_INVALID_DESC = 0x01, /* malformed descriptor or structure */
	TC_STS_UNSUPPORTED = 0x02,  /* opcode or algorithm not offered */
	TC_STS_DMA_FAULT = 0x03,    /* an address was not mapped */
	TC_STS_AUTH_FAIL =
	    0x04, /* tag mismatch; per-record status says which */
	TC_STS_BAD_KEY_SLOT = 0x05, /* slot out of range, empty or wrong type */
	TC_STS_INTERNAL = 0x06,     /* engine error (incl. injected faults) */
	TC_STS_ABORTED_RESET = 0x07, /* in flight when the card reset */
	TC_STS_BAD_BLOB = 0x08,      /* blob id out of range, empty, or range */
	TC_STS_BUF_TOO_SMALL = 0x09, /* output buffer shorter than result */
	TC_STS_BAD_KEY = 0x0a,       /* key material or peer point rejected */
	TC_STS_COUNT = 0x0b,
};

/* ---- submission queue entry: 64 bytes -------------------------------- */
/* Common header, then a 56-byte body chosen by opcode. */
#define TC_SQE_SIZE      64u
#define TC_SQE_F_IRQ_NOW (1u << 0) /* interrupt at once, bypass coalescing */

/* DIGEST body */
#define TC_HASH_SHA256    1u
#define TC_HASH_SHA384    2u
#define TC_HASH_SHA512    3u
#define TC_DIGEST_F_HMAC  (1u << 0) /* key from key_slot (TC_KEY_HMAC) */
#define TC_DIGEST_MAX_CP  8u        /* checkpoints per job */
#define TC_DIGEST_MAX_LEN 64u       /* largest digest, SHA-512 */

struct tc_digest_cmd {
	uint8_t hash;   /* TC_HASH_* */
	uint8_t dflags; /* TC_DIGEST_F_* */
	uint16_t nseg;  /* entries at sgl_addr, 1..max SG */
	uint8_t ncp;    /* checkpoints, 0 = one digest at the end */
	uint8_t rsvd5;
	uint16_t rsvd6;
	uint32_t key_slot;             /* HMAC key, when TC_DIGEST_F_HMAC */
	uint32_t out_len;              /* bytes writable at out_addr */
	uint64_t sgl_addr;             /* struct tc_sg_entry[nseg] */
	uint64_t out_addr;             /* digests, packed, one per checkpoint */
	uint16_t cp[TC_DIGEST_MAX_CP]; /* segments hashed at checkpoint i */
	uint64_t rsvd48;
};

/* AEAD_BATCH body */
#define TC_AEAD_MAX_RECORDS 64u
struct tc_aead_cmd {
	uint16_t nrec; /* records at rec_addr, 1..max records */
	uint16_t rsvd2;
	uint32_t rsvd4;
	uint64_t rec_addr;    /* struct tc_aead_record[nrec] */
	uint64_t status_addr; /* uint16_t[nrec], device writes */
	uint8_t rsvd24[32];
};

/* KEY_LOAD / KEY_EVICT body */
#define TC_KEY_AES128GCM        1u /* 16 raw bytes */
#define TC_KEY_AES256GCM        2u /* 32 raw bytes */
#define TC_KEY_CHACHA20POLY1305 3u /* 32 raw bytes */
#define TC_KEY_HMAC             4u /* 1..128 raw bytes */
#define TC_KEY_RSA              5u /* PKCS#8 DER, 2048..4096 bits */
#define TC_KEY_EC_P256          6u /* PKCS#8 DER */
#define TC_KEY_EC_P384          7u /* PKCS#8 DER */
#define TC_KEY_X25519           8u /* PKCS#8 DER */
#define TC_KEY_TYPE_COUNT       9u
#define TC_KEY_MAX_LEN          4096u /* largest key material accepted */

struct tc_key_cmd {
	uint32_t slot;
	uint8_t key_type; /* TC_KEY_*; ignored by KEY_EVICT */
	uint8_t rsvd5;
	uint16_t rsvd6;
	uint64_t key_addr; /* KEY_LOAD: material */
	uint32_t key_len;
	uint8_t rsvd20[36];
};

/* PKE body (RSA_SIGN, RSA_DECRYPT, ECDSA_SIGN, ECDH_KEYGEN, ECDH_DERIVE) */
#define TC_RSA_PAD_PKCS1     1u /* sign: PKCS#1 v1.5 DigestInfo; decrypt: v1.5 */
#define TC_RSA_PAD_PSS       2u /* sign only; salt length = digest length */
#define TC_RSA_PAD_NONE      3u /* decrypt only, raw */
#define TC_GROUP_X25519      1u
#define TC_GROUP_P256        2u
#define TC_PKE_F_EVICT_AFTER (1u << 0) /* DERIVE: free the slot when done */
#define TC_PKE_F_EXPORT_PRIV (1u << 1) /* KEYGEN: also write PKCS#8 to aux */

struct tc_pke_cmd {
	uint32_t slot;     /* private key (KEYGEN: slot to fill) */
	uint8_t hash;      /* SIGN: TC_HASH_* of the input digest */
	uint8_t pad;       /* RSA: TC_RSA_PAD_* */
	uint8_t group;     /* ECDH: TC_GROUP_* */
	uint8_t pflags;    /* TC_PKE_F_* */
	uint64_t in_addr;  /* digest / ciphertext / peer public key */
	uint64_t out_addr; /* signature / plaintext / public / secret */
	uint32_t in_len;
	uint32_t out_len;  /* bytes writable at out_addr */
	uint64_t aux_addr; /* KEYGEN + EXPORT_PRIV: PKCS#8 out */
	uint32_t aux_len;
	uint8_t rsvd44[12];
};

/* BLOB_LOAD / BLOB_EVICT body */
#define TC_BLOB_MAX_LEN 65536u
struct tc_blob_cmd {
	uint32_t blob_id;
	uint32_t len; /* BLOB_LOAD: bytes at addr */
	uint64_t addr;
	uint8_t rsvd16[40];
};

struct tc_sqe {
	uint8_t opcode; /* enum tc_opcode */
	uint8_t flags;  /* TC_SQE_F_* */
	uint16_t cid;   /* echoed in the completion */
	uint32_t rsvd4; /* must be zero */
	union {
		struct tc_digest_cmd digest;
		struct tc_aead_cmd aead;
		struct tc_key_cmd key;
		struct tc_pke_cmd pke;
		struct tc_blob_cmd blob;
		uint8_t raw[56];
	} u;
};

/* ---- completion queue entry: 16 bytes ------------------------------- */
#define TC_CQE_SIZE         16u
#define TC_CQE_PHASE        (1u << 0) /* in status; flips on every wrap */
#define TC_CQE_STATUS_SHIFT 1
#define TC_CQE_STATUS_MASK  0x7fffu

struct tc_cqe {
	uint32_t result;  /* op-specific: bytes out, failed records */
	uint32_t aux;     /* op-specific: bytes processed */
	uint16_t sq_head; /* device SQ head, free-running low 16 bits */
	uint16_t sq_id;
	uint16_t cid;
	uint16_t status; /* phase[0], enum tc_status [15:1] */
};

/* ---- structures in host memory -------------------------------------- */
/* Scatter-list entry, 16 bytes.  With TC_SG_F_BLOB the bytes come from the
 * card's blob store: addr is the offset into blob blob_id. */
#define TC_SG_F_BLOB (1u << 0)
struct tc_sg_entry {
	uint64_t addr;
	uint32_t len;
	uint16_t flags; /* TC_SG_F_* */
	uint16_t blob_id;
};

/* One TLS record of an AEAD batch, 128 bytes.  Input is ciphertext without
 * the tag (decrypt) or plaintext (encrypt); the tag lives at tag_addr: read
 * for decrypt, written for encrypt.  Output length equals in_len. */
#define TC_AEAD_DIR_ENCRYPT  0u
#define TC_AEAD_DIR_DECRYPT  1u
#define TC_AEAD_F_IN_CONTIG  (1u << 0) /* in_addr is data, not an SG list */
#define TC_AEAD_F_OUT_CONTIG (1u << 1) /* out_addr is data, not an SG list */
#define TC_AEAD_NONCE_LEN    12u
#define TC_AEAD_TAG_LEN      16u
#define TC_AEAD_MAX_AAD      32u

struct tc_aead_record {
	uint32_t key_slot; /* AEAD key; its type picks the algorithm */
	uint8_t dir;       /* TC_AEAD_DIR_* */
	uint8_t aad_len;   /* 0..TC_AEAD_MAX_AAD */
	uint8_t rflags;    /* TC_AEAD_F_* */
	uint8_t rsvd7;
	uint16_t in_nseg;  /* SG entries (ignored if IN_CONTIG) */
	uint16_t out_nseg; /* SG entries (ignored if OUT_CONTIG) */
	uint32_t in_len;   /* total input bytes, excluding the tag */
	uint8_t nonce[TC_AEAD_NONCE_LEN];
	uint32_t rsvd28;
	uint8_t aad[TC_AEAD_MAX_AAD];
	uint64_t in_addr;  /* data or struct tc_sg_entry[in_nseg] */
	uint64_t out_addr; /* data or struct tc_sg_entry[out_nseg] */
	uint64_t tag_addr; /* 16 bytes */
	uint8_t rsvd88[40];
};

/* ---- layout checks -------------------------------------------------- */
TC_CHECK_SIZE(struct tc_digest_cmd, 56);
TC_CHECK_OFFSET(struct tc_digest_cmd, hash, 0);
TC_CHECK_OFFSET(struct tc_digest_cmd, dflags, 1);
TC_CHECK_OFFSET(struct tc_digest_cmd, nseg, 2);
TC_CHECK_OFFSET(struct tc_digest_cmd, ncp, 4);
TC_CHECK_OFFSET(struct tc_digest_cmd, rsvd5, 5);
TC_CHECK_OFFSET(struct tc_digest_cmd, rsvd6, 6);
TC_CHECK_OFFSET(struct tc_digest_cmd, key_slot, 8);
TC_CHECK_OFFSET(struct tc_digest_cmd, out_len, 12);
TC_CHECK_OFFSET(struct tc_digest_cmd, sgl_addr, 16);
TC_CHECK_OFFSET(struct tc_digest_cmd, out_addr, 24);
TC_CHECK_OFFSET(struct tc_digest_cmd, cp, 32);
TC_CHECK_OFFSET(struct tc_digest_cmd, rsvd48, 48);

TC_CHECK_SIZE(struct tc_aead_cmd, 56);
TC_CHECK_OFFSET(struct tc_aead_cmd, nrec, 0);
TC_CHECK_OFFSET(struct tc_aead_cmd, rsvd2, 2);
TC_CHECK_OFFSET(struct tc_aead_cmd, rsvd4, 4);
TC_CHECK_OFFSET(struct tc_aead_cmd, rec_addr, 8);
TC_CHECK_OFFSET(struct tc_aead_cmd, status_addr, 16);
TC_CHECK_OFFSET(struct tc_aead_cmd, rsvd24, 24);

TC_CHECK_SIZE(struct tc_key_cmd, 56);
TC_CHECK_OFFSET(struct tc_key_cmd, slot, 0);
TC_CHECK_OFFSET(struct tc_key_cmd, key_type, 4);
TC_CHECK_OFFSET(struct tc_key_cmd, rsvd5, 5);
TC_CHECK_OFFSET(struct tc_key_cmd, rsvd6, 6);
TC_CHECK_OFFSET(struct tc_key_cmd, key_addr, 8);
TC_CHECK_OFFSET(struct tc_key_cmd, key_len, 16);
TC_CHECK_OFFSET(struct tc_key_cmd, rsvd20, 20);

TC_CHECK_SIZE(struct tc_pke_cmd, 56);
TC_CHECK_OFFSET(struct tc_pke_cmd, slot, 0);
TC_CHECK_OFFSET(struct tc_pke_cmd, hash, 4);
TC_CHECK_OFFSET(struct tc_pke_cmd, pad, 5);
TC_CHECK_OFFSET(struct tc_pke_cmd, group, 6);
TC_CHECK_OFFSET(struct tc_pke_cmd, pflags, 7);
TC_CHECK_OFFSET(struct tc_pke_cmd, in_addr, 8);
TC_CHECK_OFFSET(struct tc_pke_cmd, out_addr, 16);
TC_CHECK_OFFSET(struct tc_pke_cmd, in_len, 24);
TC_CHECK_OFFSET(struct tc_pke_cmd, out_len, 28);
TC_CHECK_OFFSET(struct tc_pke_cmd, aux_addr, 32);
TC_CHECK_OFFSET(struct tc_pke_cmd, aux_len, 40);
TC_CHECK_OFFSET(struct tc_pke_cmd, rsvd44, 44);

TC_CHECK_SIZE(struct tc_blob_cmd, 56);
TC_CHECK_OFFSET(struct tc_blob_cmd, blob_id, 0);
TC_CHECK_OFFSET(struct tc_blob_cmd, len, 4);
TC_CHECK_OFFSET(struct tc_blob_cmd, addr, 8);
TC_CHECK_OFFSET(struct tc_blob_cmd, rsvd16, 16);

TC_CHECK_SIZE(struct tc_sqe, TC_SQE_SIZE);
TC_CHECK_OFFSET(struct tc_sqe, opcode, 0);
TC_CHECK_OFFSET(struct tc_sqe, flags, 1);
TC_CHECK_OFFSET(struct tc_sqe, cid, 2);
TC_CHECK_OFFSET(struct tc_sqe, rsvd4, 4);
TC_CHECK_OFFSET(struct tc_sqe, u, 8);

TC_CHECK_SIZE(struct tc_cqe, TC_CQE_SIZE);
TC_CHECK_OFFSET(struct tc_cqe, result, 0);
TC_CHECK_OFFSET(struct tc_cqe, aux, 4);
TC_CHECK_OFFSET(struct tc_cqe, sq_head, 8);
TC_CHECK_OFFSET(struct tc_cqe, sq_id, 10);
TC_CHECK_OFFSET(struct tc_cqe, cid, 12);
TC_CHECK_OFFSET(struct tc_cqe, status, 14);

TC_CHECK_SIZE(struct tc_sg_entry, 16);
TC_CHECK_OFFSET(struct tc_sg_entry, addr, 0);
TC_CHECK_OFFSET(struct tc_sg_entry, len, 8);
TC_CHECK_OFFSET(struct tc_sg_entry, flags, 12);
TC_CHECK_OFFSET(struct tc_sg_entry, blob_id, 14);

TC_CHECK_SIZE(struct tc_aead_record, 128);
TC_CHECK_OFFSET(struct tc_aead_record, key_slot, 0);
TC_CHECK_OFFSET(struct tc_aead_record, dir, 4);
TC_CHECK_OFFSET(struct tc_aead_record, aad_len, 5);
TC_CHECK_OFFSET(struct tc_aead_record, rflags, 6);
TC_CHECK_OFFSET(struct tc_aead_record, rsvd7, 7);
TC_CHECK_OFFSET(struct tc_aead_record, in_nseg, 8);
TC_CHECK_OFFSET(struct tc_aead_record, out_nseg, 10);
TC_CHECK_OFFSET(struct tc_aead_record, in_len, 12);
TC_CHECK_OFFSET(struct tc_aead_record, nonce, 16);
TC_CHECK_OFFSET(struct tc_aead_record, rsvd28, 28);
TC_CHECK_OFFSET(struct tc_aead_record, aad, 32);
TC_CHECK_OFFSET(struct tc_aead_record, in_addr, 64);
TC_CHECK_OFFSET(struct tc_aead_record, out_addr, 72);
TC_CHECK_OFFSET(struct tc_aead_record, tag_addr, 80);
TC_CHECK_OFFSET(struct tc_aead_record, rsvd88, 88);

/* Class of an opcode; TC_CLASS_COUNT for an unknown opcode. */
static inline enum tc_op_class tc_opcode_class(uint8_t opcode)
{
	switch (opcode) {
	case TC_OP_NOP: return TC_CLASS_NOP;
	case TC_OP_DIGEST: return TC_CLASS_DIGEST;
	case TC_OP_AEAD_BATCH: return TC_CLASS_AEAD;
	case TC_OP_RSA_SIGN:
	case TC_OP_RSA_DECRYPT:
	case TC_OP_ECDSA_SIGN:
	case TC_OP_ECDH_KEYGEN:
	case TC_OP_ECDH_DERIVE: return TC_CLASS_PKE;
	case TC_OP_KEY_LOAD:
	case TC_OP_KEY_EVICT:
	case TC_OP_BLOB_LOAD:
	case TC_OP_BLOB_EVICT: return TC_CLASS_ADMIN;
	default: return TC_CLASS_COUNT;
	}
}

#endif
