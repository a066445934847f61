/* SPDX-License-Identifier: MIT */
/*
 * tlscardctl load: jobs through the pool, each one verified.  This header
 * joins the command (ctl_load.c: options, the loop, the report) and the
 * job builders (ctl_load_jobs.c: one per op, each with its check).
 */
#ifndef CTL_LOAD_H
#define CTL_LOAD_H

#include "ctl.h"
#include "ctl_crypto.h"

enum load_op {
	LOAD_OP_NOP,
	LOAD_OP_DIGEST,
	LOAD_OP_AEAD,
};

#define LOAD_MAX_SEGS    8u
#define LOAD_MAX_RECS    4u
#define LOAD_MAX_REC_LEN 2048u
#define LOAD_NKEYS       3u /* AEAD: one pool key per algorithm */

/* One outstanding job and the DMA memory it owns. */
struct load_slot {
	struct tc_job job; /* first: done() casts back */
	struct load_state *ls;
	uint64_t id; /* job number, 0..N-1 */
	bool outstanding;
	/* DMA */
	uint8_t *mem;
	uint64_t iova;
	/* expected results */
	uint8_t want[LOAD_MAX_RECS * (LOAD_MAX_REC_LEN + TC_AEAD_TAG_LEN)];
	uint32_t keys[LOAD_NKEYS];
	unsigned nrec;
	uint32_t rec_len[LOAD_MAX_RECS];
	uint8_t rec_dir[LOAD_MAX_RECS];
	size_t want_len;
	struct load_slot *next;
};

struct load_state {
	enum load_op op;
	struct tc_pool *pool;
	uint64_t rng;
	/* digest: random bytes the segments point into */
	struct tc_dma_buf data;
	/* aead: pool keys and their material */
	uint32_t key_slot[LOAD_NKEYS];
	uint8_t key[LOAD_NKEYS][32];
	/* bookkeeping */
	uint8_t *done_count; /* per job id */
	uint64_t njobs, submitted, done, ok, failed, wrong, twice;
	uint64_t card_ok[CTL_MAX_CARDS];
	struct load_slot *free, *pending, *pending_tail;
	bool closing; /* pool teardown: completions no longer count */
	char first_error[160];
	char stopped[96]; /* why the run ended before every job was done */
};

/* ---- command line (ctl_load_opts.c) ------------------------------------ */

#define LOAD_MAX_FAULTS 32u

struct load_fault {
	unsigned card;
	uint32_t reg, value;
	bool set_bits; /* OR into FI_CTRL rather than write */
	const char *text;
};

struct load_opts {
	const char *device;
	struct ctl_knobs knobs;
	struct load_fault faults[LOAD_MAX_FAULTS];
	unsigned nfaults, window;
	uint64_t njobs;
	enum load_op op;
	enum tc_pool_policy policy;
	uint32_t timeout_ms;
	double max_seconds;
	bool json;
};

extern const char ctl_load_usage[];
/* Parse load's options into o (defaults already set): 0, -1 after --help,
 * or CTL_EXIT_USAGE after printing the error. */
int load_parse(const struct ctl_cmd *cmd, int argc, char **argv,
               struct load_opts *o);

/* ---- jobs (ctl_load_jobs.c) ---------------------------------------------- */

/* Bytes of DMA memory one slot needs for op. */
size_t load_slot_bytes(enum load_op op);
/* Op-wide setup (digest data, AEAD pool keys): 0 or -errno. */
int load_op_setup(struct load_state *ls, struct tc_ctx *ctx);
void load_op_teardown(struct load_state *ls, struct tc_ctx *ctx);
/* Build a fresh random job in the slot, and what it must produce. */
int load_slot_prep(struct load_state *ls, struct load_slot *s);
/* Check a completed job's output; 0 if right, else -1 with a reason. */
int load_slot_verify(struct load_state *ls, struct load_slot *s, char *why,
                     size_t len);

#endif
