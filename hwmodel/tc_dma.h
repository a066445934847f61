/* SPDX-License-Identifier: MIT */
/*
 * The model's view of host memory.  Every access goes through the bus
 * callbacks, so an unmapped address is a counted DMA fault, never a stray
 * pointer.
 */
#ifndef TC_DMA_H
#define TC_DMA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_model.h"

struct tc_dma {
	const struct tc_model_bus *bus;
	atomic_uint_fast64_t faults;
};

/* A mapped window: ptr is valid for len bytes until tc_dma_release(). When
 * the bus cannot map, ptr points at a bounce buffer (read: filled; write:
 * flushed on release). */
struct tc_dma_window {
	void *ptr;
	size_t len;
	uint64_t addr;
	bool is_write;
	bool bounced;
};

/* 0 or -EFAULT (counted). */
int tc_dma_read(struct tc_dma *dma, uint64_t addr, void *buf, size_t len);
int tc_dma_write(struct tc_dma *dma, uint64_t addr, const void *buf,
                 size_t len);

/* 0, -EFAULT (counted) or -ENOMEM. */
int tc_dma_acquire(struct tc_dma *dma, uint64_t addr, size_t len, bool is_write,
                   struct tc_dma_window *w);
/* Returns 0, or -EFAULT if a bounced write could not be flushed. */
int tc_dma_release(struct tc_dma *dma, struct tc_dma_window *w);

#endif
