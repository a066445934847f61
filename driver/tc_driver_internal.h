/* SPDX-License-Identifier: MIT */
/*
 * libtlscard internals: the layouts of the context, card and queue pair,
 * and the helpers the driver's units share.  Not installed; users include
 * tlscard.h, backends also tc_backend.h.
 */
#ifndef TC_DRIVER_INTERNAL_H
#define TC_DRIVER_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_backend.h"
#include "tc_iova.h"
#include "tlscard.h"

#define TC_PAGE_SIZE 4096u

/* ---- context ---------------------------------------------------------- */

/* One live tc_dma_alloc() buffer. */
struct tc_dma_rec {
	void *va;
	uint64_t iova;
	size_t len; /* mapped length: a whole number of pages */
};

struct tc_ctx {
	/* Live buffers sorted by va: tc_dma_iova() is a binary search. */
	struct tc_dma_rec *bufs;
	size_t nbufs, bufs_cap;
	struct tc_iova_space iova;

	/*
	 * The DMA domain, plugged in by the backend of the first card opened
	 * (sim: the IOVA table the model consults; vfio: the container).  One
	 * domain per context: cards of another backend cannot join.  It is
	 * released when the last card closes.
	 */
	const struct tc_domain_ops *dom;
	const struct tc_backend_ops *dom_backend;
	void *dom_priv;
	void (*dom_release)(struct tc_ctx *ctx);
	/*
	 * Optional (sim): a counter the device side bumps with release order
	 * after each DMA write; completion polling reads it with acquire order
	 * so thread sanitizers see the device's writes happen before the host
	 * uses them.  NULL when the domain needs none (vfio: real hardware).
	 */
	atomic_uint_fast64_t *dma_seq;

	unsigned ncards;
	unsigned sim_next; /* number of the next sim card: "simN" */
};

/*
 * Called by a backend's open when ctx->dom is NULL: plugs the domain in and
 * maps every buffer allocated so far.  0 or -errno (nothing attached).
 */
int tc_ctx_attach_domain(struct tc_ctx *ctx,
                         const struct tc_backend_ops *backend,
                         const struct tc_domain_ops *dom, void *priv,
                         void (*release)(struct tc_ctx *ctx),
                         atomic_uint_fast64_t *dma_seq);
/* Unmaps every buffer and releases the domain (ctx->dom becomes NULL). */
void tc_ctx_detach_domain(struct tc_ctx *ctx);
/* Record a new buffer (sorted by va) and map it if a domain is attached. */
int tc_ctx_buf_add(struct tc_ctx *ctx, void *va, uint64_t iova, size_t len);
/* Index of the buffer containing va, or -1. */
long tc_ctx_buf_find(const struct tc_ctx *ctx, const void *va);
/* Unmap (if attached) and forget buffer i. */
void tc_ctx_buf_remove(struct tc_ctx *ctx, size_t i);

/* ---- sim domain: the IOVA table the in-process model consults ---------- */

struct tc_sim_domain;

int tc_sim_domain_create(struct tc_sim_domain **out);
void tc_sim_domain_destroy(struct tc_sim_domain *d);
/* 0, -EEXIST (overlaps a mapping), -EINVAL or -ENOMEM. */
int tc_sim_domain_insert(struct tc_sim_domain *d, uint64_t iova, size_t len,
                         void *va);
/* 0 or -ENOENT (no mapping with exactly this iova and len). */
int tc_sim_domain_remove(struct tc_sim_domain *d, uint64_t iova, size_t len);
/* 0 or -EFAULT when [iova, iova+len) is not wholly inside one mapping. */
int tc_sim_domain_read(struct tc_sim_domain *d, uint64_t iova, void *buf,
                       size_t len);
int tc_sim_domain_write(struct tc_sim_domain *d, uint64_t iova, const void *buf,
                        size_t len);
/* Host pointer for the range, or NULL. */
void *tc_sim_domain_map(struct tc_sim_domain *d, uint64_t iova, size_t len);
/* Publishes writes made through a tc_sim_domain_map() pointer. */
void tc_sim_domain_unmap(struct tc_sim_domain *d, bool is_write);
size_t tc_sim_domain_count(struct tc_sim_domain *d);
atomic_uint_fast64_t *tc_sim_domain_seq(struct tc_sim_domain *d);

extern const struct tc_domain_ops tc_sim_domain_ops;

/* ---- card --------------------------------------------------------------- */

struct tc_dev {
	struct tc_ctx *ctx;
	const struct tc_backend_ops *ops;
	void *priv; /* the backend's state */
	struct tc_dev_info info;
	struct tc_qp *qps[TC_MAX_QUEUES];
	uint32_t reset_count; /* RESET_COUNT after our last (re)init */
	uint64_t reset_gen;   /* recoveries done by the driver */
	bool in_reset;
	bool reset_suspect;  /* an ABORTED_RESET arrived outside a reset */
	uint64_t recoveries; /* card-initiated resets recovered */
	bool broken;         /* the last reset failed: queues stay down */
};

/* CTRL.RESET (or the backend's FLR) and wait for RESETTING to clear. */
int tc_dev_hw_reset(struct tc_dev *dev);
/* CTRL.ENABLE and wait for STATUS.READY. */
int tc_dev_enable(struct tc_dev *dev);
/*
 * Card-initiated reset or fatal state: true when RESET_COUNT moved since
 * our last init, STATUS.FATAL is set or the card is not READY.  MMIO
 * reads: not for the fast path.
 */
bool tc_dev_needs_recovery(struct tc_dev *dev);
/* tc_dev_reset() if tc_dev_needs_recovery(); returns true if it reset. */
bool tc_dev_check(struct tc_dev *dev);
/* Error-vector eventfd (fires on resets and fatal errors), or -1. */
int tc_dev_err_eventfd(struct tc_dev *dev);

/* ---- queue pair ----------------------------------------------------------- */

/* Called instead of job->done when set (the pool's failover). */
typedef void (*tc_qp_complete_fn)(struct tc_qp *qp, struct tc_job *job,
                                  void *arg);

struct tc_qp {
	/* hot: submit */
	struct tc_sqe *sq;
	uint32_t mask;
	uint32_t sq_tail;    /* free-running: descriptors written */
	uint32_t sq_tail_db; /* last value rung on the SQ doorbell */
	uint16_t sq_head;    /* device SQ head from the latest completion */
	uint16_t nfree;
	uint16_t *free_cids;  /* stack of free cids */
	struct tc_job **jobs; /* by cid; NULL when the cid is free */
	bool ready;           /* programmed and enabled */
	bool stamp_submit;    /* record job->submit_ns */

	/* hot: poll */
	const struct tc_cqe *cq;
	uint32_t cq_head; /* free-running: completions consumed */
	uint16_t phase;   /* expected phase of the next new entry */
	atomic_uint_fast64_t *dma_seq;
	tc_qp_complete_fn complete;
	void *complete_arg;

	struct tc_dev *dev;
	unsigned qid;
	unsigned depth, depth_log2;
	uint32_t coalesce;      /* TC_QP_COALESCE value */
	bool coalesce_adaptive; /* TC_QP_COALESCE_ADAPTIVE */
	struct tc_dma_buf sq_buf, cq_buf;
	int efd;

	struct tc_qp_stats st; /* inflight is computed on read */
	uint64_t bad_log_ns;   /* rate limit of bad-completion messages */
	unsigned idle_polls;   /* empty polls in a row with jobs in flight */
	unsigned bad_logged;
};

/* Write the queue registers for fresh rings and enable it. */
int tc_qp_program(struct tc_qp *qp);
/* Zero the rings and the host indices (after a reset). */
void tc_qp_rings_clear(struct tc_qp *qp);
/* Reap whatever the card posted, with no doorbell (the queue is down). */
unsigned tc_qp_reap(struct tc_qp *qp);
/* Complete every job still in flight with status (exactly once). */
void tc_qp_abort_all(struct tc_qp *qp, uint16_t status);
/* Oldest job->submit_ns in flight, 0 when idle.  O(depth). */
uint64_t tc_qp_oldest_submit_ns(const struct tc_qp *qp);
void tc_qp_set_complete(struct tc_qp *qp, tc_qp_complete_fn fn, void *arg);
/* Rewrite the CQ-head doorbell (rare path: a queue that went quiet). */
void tc_qp_kick(struct tc_qp *qp);
/* Read the eventfd if it fired; counts irqs.  Returns true if it had. */
bool tc_qp_drain_eventfd(struct tc_qp *qp);

/* ---- job helpers used by the pool ----------------------------------------- */

void tc_job_prep_key_load(struct tc_job *job, uint32_t slot, uint8_t key_type,
                          uint64_t key_iova, uint32_t key_len);
void tc_job_prep_key_evict(struct tc_job *job, uint32_t slot);

#endif
