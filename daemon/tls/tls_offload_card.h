/* SPDX-License-Identifier: MIT */
/*
 * The card offload backend: the engine's offload interface on tlscard
 * cards, through the driver's multi-card pool (M5).
 *
 * What runs on the cards: ECDH keygen/derive, signatures with the
 * certificate keys held in pool key slots, checkpointed transcript digests
 * (M1, scatter lists straight into DMA connection buffers, Certificate
 * messages referenced from the cards' blob stores, M2) and AEAD record
 * batches (M3, a pool key slot per connection direction).  Everything else
 * (HMAC/HKDF/PRF, verification, the incremental baseline) stays on the
 * CPU backend this one wraps.
 *
 * Every card op is chosen per job by a learned rule (tls_card_thresh.h):
 * the card when its expected completion beats the measured CPU cost plus a
 * latency budget.  A job the pool cannot run (-ENODEV) or that fails
 * finally is redone on the CPU, so no handshake or record is lost.
 *
 * For the engine a call returns its result, but the caller may run it
 * parked (tls_card_parker below): the job is queued, the connection's
 * context suspended and resumed by the event loop when the job completes,
 * so jobs of many connections are in flight at once.  Without a parker a
 * call submits, flushes and waits in poll(2) on the cards' eventfds (never
 * a busy spin).  Either way the wait is bounded by a deadline after which
 * the job is abandoned to the pool and redone on the CPU.
 */
#ifndef TLS_OFFLOAD_CARD_H
#define TLS_OFFLOAD_CARD_H

#include <stdint.h>

#include "tls_offload.h"
#include "tlscard.h"

/* Op classes of the daemon's offload split (not the card's TC_CLASS_*). */
enum tlsd_op {
	TLSD_OP_ECDH,   /* keygen + derive */
	TLSD_OP_SIGN,   /* CertificateVerify / ServerKeyExchange */
	TLSD_OP_DIGEST, /* M1 checkpointed transcript digests */
	TLSD_OP_AEAD,   /* records (seal + open) */
	TLSD_OP_COUNT
};

struct tlsd_offload_counters {
	uint64_t card_jobs[TLSD_OP_COUNT]; /* ran on a card */
	uint64_t cpu_jobs[TLSD_OP_COUNT];  /* ran on the CPU */
	uint64_t cpu_fallbacks; /* card failed or unusable: redone on CPU */
	uint64_t key_moves;     /* keys loaded on a card they were not on */
	uint64_t digest_calls;  /* DIGEST jobs submitted */
	uint64_t batches;       /* AEAD_BATCH jobs submitted */
	uint64_t records;       /* records in those batches */
	uint64_t doorbells;     /* pool flushes that had new jobs */
	uint64_t passes;        /* event-loop passes that collected jobs */
	uint64_t parks;         /* connections parked on a card job */
	uint64_t sync_waits;    /* synchronous calls that waited for a job */
	uint64_t resumes;       /* parked contexts resumed */
	uint64_t blob_loads;    /* BLOB_LOAD jobs (start + after resets) */
	uint64_t bounce_bytes;  /* copied into DMA scratch (non-DMA input) */
	uint64_t dma_bufs;      /* connection buffers in DMA memory now */
	uint64_t blob_refs;     /* digest segments read from a card blob */
	uint64_t abandoned;     /* jobs past the wait deadline: CPU redid */
};

struct tls_card_opts {
	/* Latency a card job may add over the CPU's cost, in ns. */
	double budget_ns;
	/* Longest synchronous wait for one card job, in ms. */
	unsigned wait_ms;
	/* Force every eligible op to the cards (tests, benchmarks). */
	bool always;
};

/*
 * Wraps cpu (which it owns from now on, also on failure).  counters may
 * be NULL.  NULL on failure.
 */
struct tls_offload *tls_offload_card_create(struct tc_ctx *ctx,
                                            struct tc_pool *pool,
                                            struct tls_offload *cpu,
                                            struct tlsd_offload_counters *cnt,
                                            const struct tls_card_opts *opts);
/* Load a certificate's private key into a pool key slot (at start and at
 * reload); sign() then uses the card for it.  0 or -errno. */
int tls_offload_card_add_key(struct tls_offload *o, EVP_PKEY *pkey);
/* Store a precomputed message in every card's blob store (M2); digests of
 * transcripts that refer to [base, base + len) read it from there.  0 or
 * -errno. */
int tls_offload_card_add_blob(struct tls_offload *o, const uint8_t *base,
                              size_t len);
/* A reload retired the configuration that added them: free the key's
 * pool slot and the blob's store slot (no job may still name them).
 * 0, or -ENOENT when o does not hold it. */
int tls_offload_card_remove_key(struct tls_offload *o, EVP_PKEY *pkey);
int tls_offload_card_remove_blob(struct tls_offload *o, const uint8_t *base);
/* Reload the blobs on cards that reset since the last call; returns how
 * many cards were reloaded. */
unsigned tls_offload_card_refresh(struct tls_offload *o);
/* Does o run on cards? */
bool tls_offload_is_card(const struct tls_offload *o);

/*
 * Parking (asynchronous execution).  A card op that runs inside a context
 * the caller can suspend (the daemon runs each connection's step on its
 * own stack) does not sleep for its jobs: it queues them without a
 * doorbell and parks the context; the caller flushes the pool once per
 * event-loop pass, reaps completions and resumes the contexts they woke.
 * self() names the running context, NULL outside one (then the op waits
 * synchronously, as without a parker).  park() returns when ctx is
 * resumed: after wake(ctx), at deadline_ns (tc_now_ns clock), or at once
 * when the parker is being removed.
 */
struct tls_card_parker {
	void *(*self)(void *arg);
	void (*park)(void *arg, void *ctx, uint64_t deadline_ns);
	void (*wake)(void *arg, void *ctx);
	void *arg;
};
/* Install p (copied), or remove the parker with NULL. */
void tls_offload_card_set_parker(struct tls_offload *o,
                                 const struct tls_card_parker *p);
/* Ring the doorbells for every job parked contexts queued (one per card
 * with new jobs); their latency is measured from now, not from when they
 * were queued, so the pool's estimates see the cards and not the pass. */
void tls_offload_card_flush(struct tls_offload *o);

#endif /* TLS_OFFLOAD_CARD_H */
