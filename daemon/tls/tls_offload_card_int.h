/* SPDX-License-Identifier: MIT */
/*
 * Internals of the card offload backend, shared by its files: the core
 * (requests, waiting, the ops table), public-key ops, digests and AEAD.
 */
#ifndef TLS_OFFLOAD_CARD_INT_H
#define TLS_OFFLOAD_CARD_INT_H

#include <openssl/evp.h>

#include "tls_card_thresh.h"
#include "tls_offload_card.h"

#define TLS_CARD_SCRATCH   (160u * 1024u) /* DMA bytes per request */
#define TLS_CARD_NSCRATCH  256u           /* requests in flight at most */
#define TLS_CARD_MAX_PKEYS 16u
#define TLS_CARD_MAX_BLOBS 16u
#define TLS_CARD_POLL_MS   10

/* One card job with its DMA scratch (SG lists, records, outputs, copies). */
struct tls_card_req {
	struct tc_job job;
	struct tls_offload_card *owner;
	uint8_t *scratch;
	uint64_t iova;
	size_t used;
	bool done;
	bool orphan;  /* the caller gave up: free it on completion */
	void *waiter; /* the parked context to wake on completion */
	uint32_t keys[TC_AEAD_MAX_RECORDS]; /* pool keys the job names */
};

struct tls_card_pkey {
	EVP_PKEY *pkey;
	uint32_t slot;
	uint8_t key_type;
};

struct tls_card_blob {
	const uint8_t *base;
	size_t len;
	struct tc_dma_buf mem;
	uint64_t loaded_gen[16]; /* card reset count the blob was loaded at */
	bool loaded[16];
};

struct tls_offload_card {
	struct tls_offload base;
	struct tls_offload *cpu;
	struct tc_ctx *ctx;
	struct tc_pool *pool;
	struct tc_bufpool *scratch;
	struct tlsd_offload_counters *cnt;
	struct tlsd_offload_counters own_cnt; /* when the caller gave none */
	struct tls_card_opts opts;
	struct tls_thresh thresh;
	uint32_t keygen_slot; /* card slot ECDH_KEYGEN fills, outside the
	                         pool's range */
	struct tls_card_pkey pkeys[TLS_CARD_MAX_PKEYS];
	unsigned npkeys;
	struct tls_card_blob blobs[TLS_CARD_MAX_BLOBS];
	unsigned nblobs;
	struct tc_qp *admin_qp[16]; /* per card, for blob loads */
	uint64_t keys_loaded_seen;
	struct tls_card_parker parker;
	bool have_parker;
	/* Queued by parked contexts, waiting for the pass's doorbell. */
	struct tls_card_req *unrung[TLS_CARD_NSCRATCH];
	unsigned nunrung;
};

static inline struct tls_offload_card *tls_card(struct tls_offload *o)
{
	return (struct tls_offload_card *)o;
}

/* tls_offload_card.c */
struct tls_card_req *tls_card_req_get(struct tls_offload_card *c);
void tls_card_req_put(struct tls_card_req *r);
/* Room for len bytes in r's scratch (64-byte aligned), or NULL. */
void *tls_card_req_alloc(struct tls_card_req *r, size_t len, uint64_t *iova);
/* IOVA of host bytes: in DMA memory as they are, else copied into r. */
uint64_t tls_card_req_map(struct tls_card_req *r, const void *p, size_t len);
/* Queue r on the pool; false when the pool cannot take it. */
bool tls_card_submit(struct tls_card_req *r);
/* Flush once, then wait for every req (bounded); each one left
 * unfinished is abandoned (orphaned) and *ok[i] = false. */
void tls_card_wait(struct tls_offload_card *c, struct tls_card_req **r,
                   size_t n, bool *ok);
/* Pick the card or the CPU for a job of cls over bytes. */
bool tls_card_choose(struct tls_offload_card *c, enum tlsd_op op,
                     unsigned tc_class, size_t bytes);
void tls_card_cpu_sample(struct tls_offload_card *c, enum tlsd_op op,
                         size_t bytes, uint64_t t0);
void tls_card_prep_pke(struct tc_job *job, uint8_t opcode, uint32_t slot,
                       uint8_t hash, uint8_t pad, uint8_t group, uint8_t pflags,
                       uint64_t in, uint32_t in_len, uint64_t out,
                       uint32_t out_len, uint64_t aux, uint32_t aux_len);

/* tls_offload_card_pk.c */
TLS_RESULT tls_card_ecdh_keygen(struct tls_offload *o, uint16_t group,
                                struct tls_ecdh_key *key, uint8_t *pub,
                                size_t *pub_len);
TLS_RESULT tls_card_ecdh_derive(struct tls_offload *o, struct tls_ecdh_key *key,
                                const uint8_t *peer, size_t peer_len,
                                uint8_t *secret, size_t *secret_len);
void tls_card_ecdh_free(struct tls_offload *o, struct tls_ecdh_key *key);
TLS_RESULT tls_card_sign(struct tls_offload *o, EVP_PKEY *pkey, uint16_t scheme,
                         const uint8_t *msg, size_t msg_len, uint8_t *sig,
                         size_t *sig_len);

/* tls_offload_card_sym.c */
TLS_RESULT tls_card_digest(struct tls_offload *o, enum tls_hash h,
                           const struct tls_iov *seg, size_t nseg,
                           const size_t *checkpoint, size_t ncp, uint8_t *out);
TLS_RESULT tls_card_aead_key_set(struct tls_offload *o, struct tls_aead_key *k,
                                 enum tls_aead alg, bool seal,
                                 const uint8_t *key);
void tls_card_aead_key_clear(struct tls_offload *o, struct tls_aead_key *k);
TLS_RESULT tls_card_aead_seal(struct tls_offload *o, struct tls_aead_job *j);
TLS_RESULT tls_card_aead_open(struct tls_offload *o, struct tls_aead_job *j);
size_t tls_card_aead_batch(struct tls_offload *o, struct tls_aead_job *jobs,
                           size_t n);

/* tls_offload_card_replay.c: the incremental transcript, replayed */
TLS_RESULT tls_card_hash_init(struct tls_offload *o, enum tls_hash h,
                              struct tls_hash_state *st);
TLS_RESULT tls_card_hash_update(struct tls_offload *o,
                                struct tls_hash_state *st, const uint8_t *p,
                                size_t n);
TLS_RESULT tls_card_hash_peek(struct tls_offload *o, struct tls_hash_state *st,
                              uint8_t *out);
void tls_card_hash_free(struct tls_offload *o, struct tls_hash_state *st);

/* tls_offload_card_blob.c */
void tls_card_blobs_free(struct tls_offload_card *c);
/* A blob holding [p, p + len), or -1; *off = offset of p in it. */
int tls_card_blob_find(const struct tls_offload_card *c, const uint8_t *p,
                       size_t len, uint32_t *off);

#endif /* TLS_OFFLOAD_CARD_INT_H */
