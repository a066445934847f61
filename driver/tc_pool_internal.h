/* SPDX-License-Identifier: MIT */
/*
 * The multi-card pool's internals (method M5), shared by tc_pool.c (jobs
 * and failover), tc_pool_sched.c (card choice and estimates),
 * tc_pool_keys.c (pool-wide key slots) and tc_pool_health.c (timeouts,
 * quarantine, probes, waiting).
 */
#ifndef TC_POOL_INTERNAL_H
#define TC_POOL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "tc_driver_internal.h"
#include "tc_hist.h"

#define TC_POOL_MAX_ATTEMPTS    4u      /* card submissions per job */
#define TC_POOL_SEED_NS         10000.0 /* estimate for a class not yet seen */
#define TC_POOL_EWMA_SHIFT      3       /* alpha = 1/8 */
/* An estimate with no sample for this long, and for this many jobs of
 * its class placed on other cards, gets one job to refresh it. */
#define TC_POOL_STALE_NS        20000000ull
#define TC_POOL_STALE_JOBS      64u
/* Default tc_pool_opts.key_move_margin, in jobs. */
#define TC_POOL_KEY_MOVE_MARGIN 8u
#define TC_POOL_PROBE_CAP_MS    5000u  /* longest probe back-off */
#define TC_POOL_MAX_KEYS        65536u /* pool key slots (CAP_SLOTS is 16-bit) */
#define TC_POOL_KEY_WORDS       (TC_POOL_MAX_KEYS / 64u)

struct tc_pool;

struct tc_pool_card {
	struct tc_pool *pool;
	unsigned index;
	struct tc_dev *dev;
	struct tc_qp *qp;
	enum tc_card_state state;

	/* scheduling */
	unsigned inflight[TC_CLASS_COUNT];
	double est_ns[TC_CLASS_COUNT]; /* EWMA of service time, see sched */
	bool est_known[TC_CLASS_COUNT];
	uint64_t est_at_ns[TC_CLASS_COUNT];  /* last sample or probe */
	uint64_t est_at_job[TC_CLASS_COUNT]; /* pool's class_placed then */
	uint64_t last_done_ns;

	/* statistics */
	double ewma_lat_ns[TC_CLASS_COUNT];
	uint64_t class_jobs[TC_CLASS_COUNT];
	struct tc_hist hist[TC_CLASS_COUNT];
	uint64_t resets, quarantines, retried_away, key_loads, key_moves;

	/* keys: bit per pool slot */
	uint64_t *keys_loaded;
	uint64_t *evict_pending; /* destroyed keys still to evict here */
	unsigned nevict_pending;

	/* health */
	unsigned consecutive_errors;
	bool quarantine_now; /* set in the completion hook, acted on later */
	bool touched;        /* the pool queued work here during a poll */
	uint64_t reset_gen;  /* dev->reset_gen we last synced with */
	uint64_t next_scan_ns;
	uint64_t probe_at_ns;
	uint32_t probe_backoff_ms;
	struct tc_pool_ijob *probe;
};

/* Jobs the pool makes for itself. */
enum tc_pool_ijob_kind {
	TC_POOL_IJOB_KEY_LOAD,
	TC_POOL_IJOB_KEY_EVICT,
	TC_POOL_IJOB_PROBE,
};

struct tc_pool_ijob {
	struct tc_job job; /* first: the completion hook casts back */
	enum tc_pool_ijob_kind kind;
	uint32_t slot;
};

struct tc_pool_key {
	bool live;  /* usable by new jobs */
	bool dying; /* destroyed; waiting for loads/evicts to finish */
	uint8_t type;
	uint32_t len;
	struct tc_dma_buf mem; /* host copy of the material */
	unsigned loads_inflight;
	unsigned evicts_owed; /* evictions queued or in flight */
};

struct tc_pool {
	struct tc_ctx *ctx;
	struct tc_pool_opts opts;
	struct tc_pool_card **cards;
	unsigned ncards;
	unsigned rr_next;
	uint64_t class_placed[TC_CLASS_COUNT]; /* jobs chosen a card, ever */

	/* user jobs waiting to be re-run (FIFO through job->next) */
	struct tc_job *retry_head, *retry_tail;
	unsigned nretry;
	unsigned user_inflight; /* submitted, not yet completed */
	unsigned reaped;        /* user jobs completed in this poll */

	struct tc_pool_key *keys;
	unsigned nkeys;   /* entries in keys[] */
	unsigned key_cap; /* slots every card has */

	bool destroying;
};

/* tc_pool.c */
void tc_pool_deliver(struct tc_pool *pool, struct tc_pool_card *card,
                     struct tc_job *job);
int tc_pool_place(struct tc_pool *pool, struct tc_job *job, int avoid);
bool tc_pool_card_usable(const struct tc_pool_card *card);
void tc_pool_ijob_done(struct tc_job *job);

/* tc_pool_sched.c */
unsigned tc_pool_job_class(const struct tc_job *job);
int tc_pool_choose(struct tc_pool *pool, const struct tc_job *job, int avoid);
void tc_pool_account(struct tc_pool_card *card, const struct tc_job *job,
                     uint64_t now);
void tc_pool_sched_init(struct tc_pool_card *card);
/* Key affinity: does a job stay on the card holding its keys, whose queue
 * holds home_depth jobs, when the least loaded other card holds
 * other_depth?  Yes unless home exceeds other by more than margin. */
bool tc_pool_affinity_stay(unsigned home_depth, unsigned other_depth,
                           unsigned margin);

/* tc_pool_keys.c */
unsigned tc_pool_keys_missing(const struct tc_pool_card *card,
                              const struct tc_job *job);
int tc_pool_keys_prepare(struct tc_pool *pool, struct tc_pool_card *card,
                         const struct tc_job *job);
bool tc_pool_keys_loaded(const struct tc_pool_card *card,
                         const struct tc_job *job);
void tc_pool_keys_card_reset(struct tc_pool *pool, struct tc_pool_card *card);
void tc_pool_keys_ijob_done(struct tc_pool *pool, struct tc_pool_card *card,
                            struct tc_pool_ijob *ij);
void tc_pool_keys_run_evicts(struct tc_pool *pool, struct tc_pool_card *card);
void tc_pool_keys_free_all(struct tc_pool *pool);
bool tc_pool_keys_valid(const struct tc_pool *pool, const struct tc_job *job);
unsigned tc_pool_keys_top(const struct tc_pool *pool);

/* tc_pool_health.c */
void tc_pool_quarantine(struct tc_pool *pool, struct tc_pool_card *card,
                        const char *why);
void tc_pool_sync_reset(struct tc_pool *pool, struct tc_pool_card *card);
void tc_pool_health(struct tc_pool *pool, uint64_t now);
void tc_pool_probe_done(struct tc_pool *pool, struct tc_pool_card *card,
                        struct tc_pool_ijob *ij);
struct tc_pool_ijob *tc_pool_ijob_new(enum tc_pool_ijob_kind kind);

#endif
