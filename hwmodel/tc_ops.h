/* SPDX-License-Identifier: MIT */
/*
 * The card's operations: the crypto engines' side of the model.  The core
 * (tc_model.c) fetches a descriptor, picks an engine and calls
 * tc_op_execute(); the op reads its inputs and writes its outputs by DMA
 * and returns a status.  Key slots and the blob store live here.
 */
#ifndef TC_OPS_H
#define TC_OPS_H

#include <stdint.h>

#include "tc_dma.h"
#include "tc_model.h"

struct tc_ops_state;

int tc_ops_state_create(const struct tc_model_config *cfg,
                        struct tc_ops_state **out);
void tc_ops_state_destroy(struct tc_ops_state *st);
/* Reset: every key slot and blob is emptied. */
void tc_ops_state_clear(struct tc_ops_state *st);

struct tc_op_ctx {
	struct tc_ops_state *st;
	struct tc_dma *dma;
	unsigned engine; /* 0..nengines-1, for per-engine scratch */
	/* outputs */
	uint64_t bytes;  /* payload bytes processed: stats, timing */
	uint32_t result; /* completion result */
	uint32_t aux;    /* completion aux */
};

/*
 * Run one descriptor.  sqe is the raw little-endian descriptor as fetched.
 * Returns an enum tc_status.  Never asserts on sqe contents.
 */
uint16_t tc_op_execute(struct tc_op_ctx *ctx, const struct tc_sqe *sqe);

/* Bitmaps for the CAP_OPS and CAP_ALGS registers. */
uint32_t tc_ops_cap_ops(void);
uint32_t tc_ops_cap_algs(void);

#endif
