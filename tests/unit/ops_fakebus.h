/* SPDX-License-Identifier: MIT */
/*
 * A fake bus for the card-operation unit tests: "host memory" is one
 * malloc'd region at a fake device address (FB_BASE); dma_read, dma_write
 * and dma_map bounds-check every access against it, so an address outside
 * is a DMA fault exactly as the sim backend's IOVA table makes it.
 * Header-only (static functions) so each *_test.c stays self-contained.
 */
#ifndef OPS_FAKEBUS_H
#define OPS_FAKEBUS_H

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tc_dma.h"
#include "tc_ops.h"

#define FB_BASE 0x100000ull
#define FB_SIZE (8u << 20)
/* An address no test maps: every access there faults. */
#define FB_BAD  0xdead0000000ull

struct fakebus {
	uint8_t *mem;
	size_t size;
	size_t brk;  /* bump allocator */
	bool map_ok; /* dma_map offered (zero copy) */
	atomic_uint maps, unmaps;
	struct tc_model_bus bus;
	struct tc_dma dma;
	struct tc_model_config cfg;
	struct tc_ops_state *st;
	struct tc_op_ctx ctx;
};

static inline bool fb_in_range(struct fakebus *fb, uint64_t addr, size_t len)
{
	return addr >= FB_BASE && addr - FB_BASE <= fb->size &&
	       len <= fb->size - (addr - FB_BASE);
}

static inline int fb_dma_read(void *opaque, uint64_t addr, void *buf,
                              size_t len)
{
	struct fakebus *fb = opaque;

	if (!fb_in_range(fb, addr, len))
		return -EFAULT;
	memcpy(buf, fb->mem + (addr - FB_BASE), len);
	return 0;
}

static inline int fb_dma_write(void *opaque, uint64_t addr, const void *buf,
                               size_t len)
{
	struct fakebus *fb = opaque;

	if (!fb_in_range(fb, addr, len))
		return -EFAULT;
	memcpy(fb->mem + (addr - FB_BASE), buf, len);
	return 0;
}

static inline void *fb_dma_map(void *opaque, uint64_t addr, size_t len,
                               bool is_write)
{
	struct fakebus *fb = opaque;

	(void)is_write;
	if (!fb->map_ok || !fb_in_range(fb, addr, len))
		return NULL;
	atomic_fetch_add(&fb->maps, 1);
	return fb->mem + (addr - FB_BASE);
}

static inline void fb_dma_unmap(void *opaque, void *ptr, size_t len,
                                bool is_write)
{
	struct fakebus *fb = opaque;

	(void)ptr;
	(void)len;
	(void)is_write;
	atomic_fetch_add(&fb->unmaps, 1);
}

static inline void fb_default_config(struct tc_model_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->name = "fakebus";
	cfg->nqueues = 1;
	cfg->nengines = 2;
	cfg->max_ring_log2 = 8;
	cfg->key_slots = 64;
	cfg->blob_slots = 8;
	cfg->blob_bytes = 1u << 20;
	cfg->max_input = 65536;
	cfg->max_sg = 256;
}

/* A fake bus and ops state; cfg NULL: fb_default_config. */
static inline struct fakebus *fb_new(const struct tc_model_config *cfg)
{
	struct fakebus *fb = calloc(1, sizeof(*fb));

	assert_non_null(fb);
	fb->size = FB_SIZE;
	fb->mem = calloc(1, fb->size);
	assert_non_null(fb->mem);
	fb->map_ok = true;
	fb->bus.opaque = fb;
	fb->bus.dma_read = fb_dma_read;
	fb->bus.dma_write = fb_dma_write;
	fb->bus.dma_map = fb_dma_map;
	fb->bus.dma_unmap = fb_dma_unmap;
	fb->dma.bus = &fb->bus;
	atomic_init(&fb->dma.faults, 0);
	if (cfg)
		fb->cfg = *cfg;
	else
		fb_default_config(&fb->cfg);
	assert_int_equal(tc_ops_state_create(&fb->cfg, &fb->st), 0);
	fb->ctx.st = fb->st;
	fb->ctx.dma = &fb->dma;
	return fb;
}

static inline void fb_free(struct fakebus *fb)
{
	if (!fb)
		return;
	/* Every zero-copy window was given back. */
	assert_int_equal(atomic_load(&fb->maps), atomic_load(&fb->unmaps));
	tc_ops_state_destroy(fb->st);
	free(fb->mem);
	free(fb);
}

/* cmocka setup/teardown wrappers. */
static inline int fb_setup(void **state)
{
	*state = fb_new(NULL);
	return 0;
}

static inline int fb_teardown(void **state)
{
	fb_free(*state);
	return 0;
}

/* len bytes of fake host memory (zeroed, 64-byte aligned). */
static inline uint64_t fb_alloc(struct fakebus *fb, size_t len)
{
	uint64_t addr;

	fb->brk = (fb->brk + 63) & ~(size_t)63;
	assert_true(len <= fb->size - fb->brk);
	addr = FB_BASE + fb->brk;
	memset(fb->mem + fb->brk, 0, len);
	fb->brk += len;
	return addr;
}

static inline void *fb_ptr(struct fakebus *fb, uint64_t addr)
{
	assert_true(addr >= FB_BASE && addr - FB_BASE < fb->size);
	return fb->mem + (addr - FB_BASE);
}

/* A copy of buf in fake host memory. */
static inline uint64_t fb_put(struct fakebus *fb, const void *buf, size_t len)
{
	uint64_t addr = fb_alloc(fb, len);

	if (len)
		memcpy(fb_ptr(fb, addr), buf, len);
	return addr;
}

static inline void fb_reset_heap(struct fakebus *fb)
{
	fb->brk = 0;
}

static inline uint16_t fb_exec(struct fakebus *fb, const struct tc_sqe *sqe)
{
	return tc_op_execute(&fb->ctx, sqe);
}

static inline struct tc_sqe fb_sqe(uint8_t opcode)
{
	struct tc_sqe sqe;

	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = opcode;
	return sqe;
}

static inline uint16_t fb_key_load(struct fakebus *fb, uint32_t slot,
                                   uint8_t type, const void *key, size_t len)
{
	struct tc_sqe sqe = fb_sqe(TC_OP_KEY_LOAD);

	sqe.u.key.slot = htole32(slot);
	sqe.u.key.key_type = type;
	sqe.u.key.key_addr = htole64(fb_put(fb, key, len));
	sqe.u.key.key_len = htole32(len);
	return fb_exec(fb, &sqe);
}

static inline uint16_t fb_key_evict(struct fakebus *fb, uint32_t slot)
{
	struct tc_sqe sqe = fb_sqe(TC_OP_KEY_EVICT);

	sqe.u.key.slot = htole32(slot);
	return fb_exec(fb, &sqe);
}

static inline uint16_t fb_blob_load(struct fakebus *fb, uint32_t id,
                                    const void *data, size_t len)
{
	struct tc_sqe sqe = fb_sqe(TC_OP_BLOB_LOAD);

	sqe.u.blob.blob_id = htole32(id);
	sqe.u.blob.len = htole32(len);
	sqe.u.blob.addr = htole64(fb_put(fb, data, len));
	return fb_exec(fb, &sqe);
}

static inline bool fb_all_zero(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* Hex string to bytes; returns the length. */
static inline size_t fb_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (hex[0] && hex[1]) {
		unsigned v;

		if (hex[0] == ' ' || hex[0] == '\n') {
			hex++;
			continue;
		}
		assert_true(n < cap);
		assert_int_equal(sscanf(hex, "%2x", &v), 1);
		out[n++] = v;
		hex += 2;
	}
	return n;
}

#endif
