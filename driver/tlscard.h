/* SPDX-License-Identifier: MIT */
/*
 * libtlscard: the host driver for tlscard cards.
 *
 * One API, two backends: "sim" runs the card model in-process (its IOVA
 * table plays the IOMMU), "vfio" drives a real or QEMU-emulated card through
 * VFIO.  Everything above the backend (queue pairs, DMA pools, jobs, the
 * multi-card pool) is shared.
 *
 * Conventions: functions return 0 or a negative errno; counts are unsigned.
 * No function blocks unless its comment says so.  A tc_ctx and everything
 * opened in it belong to one thread at a time.
 */
#ifndef TLSCARD_H
#define TLSCARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlscard_abi.h"

struct tc_ctx;     /* one DMA address space, shared by its cards */
struct tc_dev;     /* one card */
struct tc_qp;      /* one queue pair of a card */
struct tc_pool;    /* several cards, balanced by expected completion */
struct tc_bufpool; /* fixed-size DMA buffers carved from one mapping */
struct tc_model_config;

/* ---- context and DMA memory ---------------------------------------- */

/*
 * A context is one IOVA space.  Every card opened in it sees the same
 * mappings at the same IOVAs (one VFIO container; one sim IOVA table), so a
 * job built for one card can be re-run on another unchanged.
 */
int tc_ctx_create(struct tc_ctx **out);
void tc_ctx_destroy(struct tc_ctx *ctx);

struct tc_dma_buf {
	void *va;
	uint64_t iova;
	size_t len;
};

/* Page-aligned, zeroed, mapped for every card of ctx (present and future). */
int tc_dma_alloc(struct tc_ctx *ctx, size_t len, struct tc_dma_buf *out);
void tc_dma_free(struct tc_ctx *ctx, struct tc_dma_buf *buf);
/* IOVA of a host address inside any live tc_dma_alloc() buffer, or 0. */
uint64_t tc_dma_iova(struct tc_ctx *ctx, const void *va);

int tc_bufpool_create(struct tc_ctx *ctx, size_t bufsize, unsigned count,
                      struct tc_bufpool **out);
void tc_bufpool_destroy(struct tc_bufpool *bp);
/* NULL when empty. */
void *tc_bufpool_get(struct tc_bufpool *bp, uint64_t *iova);
void tc_bufpool_put(struct tc_bufpool *bp, void *buf);
unsigned tc_bufpool_free_count(const struct tc_bufpool *bp);

/* ---- cards ----------------------------------------------------------- */

struct tc_dev_opts {
	/* sim only: the model's configuration; NULL for defaults. */
	const struct tc_model_config *sim;
	/* sim only: "key=value,..." knobs, see tc_model_config_parse(). */
	const char *sim_spec;
};

struct tc_dev_info {
	char name[64];       /* "sim0", "0000:00:03.0" */
	const char *backend; /* "sim" or "vfio" */
	uint32_t version;
	uint32_t cap_ops, cap_algs, cap_features;
	unsigned nqueues, max_ring_log2, nengines;
	unsigned max_sg, max_records, max_checkpoints;
	unsigned key_slots, blob_slots;
	uint32_t max_input, blob_bytes;
};

/*
 * spec: "sim" (a new in-process card) or "vfio:DDDD:BB:DD.F".
 * The card is reset and enabled on open.
 */
int tc_dev_open(struct tc_ctx *ctx, const char *spec,
                const struct tc_dev_opts *opts, struct tc_dev **out);
void tc_dev_close(struct tc_dev *dev);
const struct tc_dev_info *tc_dev_info(const struct tc_dev *dev);
uint32_t tc_dev_read32(struct tc_dev *dev, uint32_t off);
uint64_t tc_dev_read64(struct tc_dev *dev, uint32_t off); /* LO/HI pair */
void tc_dev_write32(struct tc_dev *dev, uint32_t off, uint32_t val);
/*
 * Reset the card (CTRL.RESET, or VFIO_DEVICE_RESET).  Every queue pair of
 * the card is torn down first: its outstanding jobs complete with
 * TC_STS_ABORTED_RESET through their callbacks.  Blocks up to 1 s.
 */
int tc_dev_reset(struct tc_dev *dev);

/* Cards visible on this host: sim is always available; vfio through
 * libpci. Fills up to max entries, returns the number found (may exceed
 * max) or -errno. */
struct tc_pci_card {
	char bdf[16];
	uint16_t vendor, device;
	int iommu_group; /* -1 when none */
	char driver[32]; /* bound kernel driver, "" when none */
};
int tc_pci_scan(struct tc_pci_card *cards, unsigned max);

/* ---- jobs and queue pairs -------------------------------------------- */

struct tc_job;
typedef void (*tc_job_done_fn)(struct tc_job *job);

struct tc_job {
	struct tc_sqe
	    sqe; /* built by the caller, little-endian; cid is set by the driver */
	tc_job_done_fn done; /* called once, from tc_qp_poll / tc_pool_poll */
	void *user;
	/* Pool keys the job uses (slots from tc_pool_key_create); the pool
	 * loads them on the chosen card first. */
	const uint32_t *keys;
	unsigned nkeys;
	uint32_t cost; /* optional bytes of work, for the scheduler */
	/* set on completion */
	uint16_t status; /* enum tc_status */
	uint32_t result, aux;
	int card; /* pool index of the card that completed it, -1 = none */
	unsigned attempts; /* times submitted to a card */
	/* driver private */
	uint64_t submit_ns;
	struct tc_job *next;
};

/* Helpers that fill job->sqe for each opcode (little-endian). */
void tc_job_prep_nop(struct tc_job *job);
void tc_job_prep_digest(struct tc_job *job, uint8_t hash, uint64_t sgl_iova,
                        unsigned nseg, const uint16_t *cp, unsigned ncp,
                        uint64_t out_iova, uint32_t out_len);
void tc_job_prep_aead(struct tc_job *job, uint64_t rec_iova, unsigned nrec,
                      uint64_t status_iova);

struct tc_qp_stats {
	uint64_t submitted, completed, errors, polls, doorbells, irqs;
	uint64_t cq_doorbells, bad_completions;
	unsigned inflight;
};

/* depth = 1 << depth_log2 entries in each ring. */
int tc_qp_create(struct tc_dev *dev, unsigned qid, unsigned depth_log2,
                 struct tc_qp **out);
/* Outstanding jobs complete with TC_STS_ABORTED_RESET. */
void tc_qp_destroy(struct tc_qp *qp);
/* Copies jobs into the SQ; returns how many were accepted (0..n).  No
 * doorbell: call tc_qp_flush() once for the batch. */
unsigned tc_qp_submit(struct tc_qp *qp, struct tc_job **jobs, unsigned n);
/* One SQ-tail doorbell for everything submitted since the last flush. */
void tc_qp_flush(struct tc_qp *qp);
/* Reap up to max completions, calling each job's done(); one CQ-head
 * doorbell for the batch.  Returns the number reaped. */
unsigned tc_qp_poll(struct tc_qp *qp, unsigned max);
/* Readable when the queue's interrupt fired; read it (8 bytes) to rearm. */
int tc_qp_eventfd(const struct tc_qp *qp);
/* The queue's interrupt coalescing: a TC_QP_COALESCE register value
 * (count and time, card-spec.md "Interrupts"), kept across resets, or
 * TC_QP_COALESCE_ADAPTIVE: a count that follows the jobs in flight and a
 * 1 ms time bound.  The default is 0, an interrupt per completion. */
#define TC_QP_COALESCE_ADAPTIVE 0xffffffffu /* reserved bits: no register */
void tc_qp_set_coalesce(struct tc_qp *qp, uint32_t reg);
unsigned tc_qp_inflight(const struct tc_qp *qp);
unsigned tc_qp_space(const struct tc_qp *qp);
void tc_qp_get_stats(const struct tc_qp *qp, struct tc_qp_stats *st);

/* ---- the pool: several cards (method M5) ------------------------------ */

enum tc_pool_policy {
	TC_POOL_LEAST_ECT,   /* least expected completion time */
	TC_POOL_ROUND_ROBIN, /* baseline for comparison */
};

enum tc_card_state {
	TC_CARD_UP,
	TC_CARD_DRAINING,    /* no new jobs; in-flight ones finish */
	TC_CARD_QUARANTINED, /* failed; probed back later */
};

struct tc_pool_opts {
	enum tc_pool_policy policy;
	unsigned depth_log2;      /* ring size per card */
	uint32_t timeout_ms;      /* job older than this: card hung */
	unsigned error_threshold; /* errors in a row before quarantine */
	uint32_t probe_ms;        /* first probe after quarantine */
	/* Key affinity: a job whose keys are on a card stays there unless
	 * that card holds more than this many jobs beyond the least loaded
	 * other card; then it goes elsewhere and the keys move. */
	unsigned key_move_margin;
	/* The caller rings every doorbell (tc_pool_flush once per pass of
	 * its loop, after each tc_pool_poll/tc_pool_wait): the pool then
	 * never flushes by itself, not for its own re-runs, probes and
	 * key evictions either, so they share the caller's doorbell. */
	bool caller_flushes;
};
void tc_pool_opts_default(struct tc_pool_opts *o);

struct tc_pool_card_stats {
	char name[64];
	enum tc_card_state state;
	struct tc_qp_stats qp;
	uint64_t resets, quarantines, retried_away, key_loads;
	uint64_t key_moves; /* keys loaded here while on another card */
	double ewma_ns[TC_CLASS_COUNT]; /* latency per op class */
	uint64_t class_jobs[TC_CLASS_COUNT];
};

int tc_pool_create(struct tc_ctx *ctx, const struct tc_pool_opts *opts,
                   struct tc_pool **out);
/* Destroys the pool; cards are not closed (the caller owns them). */
void tc_pool_destroy(struct tc_pool *pool);
/* Returns the card's index in the pool, or -errno. */
int tc_pool_add(struct tc_pool *pool, struct tc_dev *dev);
unsigned tc_pool_ncards(const struct tc_pool *pool);

/*
 * Choose a card and queue the job there (no doorbell).  Returns 0,
 * -EAGAIN when every usable card is full (poll, then retry), or -ENODEV
 * when no card is usable.
 */
int tc_pool_submit(struct tc_pool *pool, struct tc_job *job);
/* One doorbell per card with new jobs. */
void tc_pool_flush(struct tc_pool *pool);
/* Reap completions on every card, run failover (errors, timeouts, resets)
 * and probes.  Returns jobs completed. */
unsigned tc_pool_poll(struct tc_pool *pool, unsigned max);
/* Jobs submitted and not yet completed, over all cards. */
unsigned tc_pool_inflight(const struct tc_pool *pool);
/* Block in poll(2) on the cards' eventfds up to timeout_ms, then poll. */
unsigned tc_pool_wait(struct tc_pool *pool, int timeout_ms);
/* The fds tc_pool_wait sleeps on (each card's queue and error eventfds),
 * for an event loop of the caller's own: up to max into fds, returns how
 * many.  When one is readable, tc_pool_wait(pool, 0) drains and reaps. */
unsigned tc_pool_fds(const struct tc_pool *pool, int *fds, unsigned max);

/* Pool-wide key slots: the material is kept host-side and loaded on a
 * card the first time a job using it goes there. */
int tc_pool_key_create(struct tc_pool *pool, uint8_t key_type,
                       const void *material, size_t len, uint32_t *slot);
void tc_pool_key_destroy(struct tc_pool *pool, uint32_t slot);

/* Change tc_pool_opts.key_move_margin of a running pool. */
void tc_pool_set_key_move_margin(struct tc_pool *pool, unsigned margin);
int tc_pool_set_state(struct tc_pool *pool, unsigned card,
                      enum tc_card_state state);
int tc_pool_card_stats(const struct tc_pool *pool, unsigned card,
                       struct tc_pool_card_stats *st);
struct tc_dev *tc_pool_card(const struct tc_pool *pool, unsigned card);

/* ---- misc -------------------------------------------------------------- */
const char *tc_status_name(uint16_t status);
const char *tc_opcode_name(uint8_t opcode);
const char *tc_class_name(unsigned op_class);
uint64_t tc_now_ns(void);

#endif
