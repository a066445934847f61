/* SPDX-License-Identifier: MIT */
/*
 * DMA through the host's bus callbacks.  The model never dereferences a
 * device address itself: the bus translates and bounds-checks it, so a bad
 * address from the driver is a counted fault and a status, not a crash.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tc_dma.h"

/* Upper bound of one window: keeps a hostile length from turning into a
 * huge bounce allocation. */
#define TC_DMA_MAX_WINDOW (16u << 20)

static int tc_dma_fault(struct tc_dma *dma)
{
	atomic_fetch_add_explicit(&dma->faults, 1, memory_order_relaxed);
	return -EFAULT;
}

/* True if [addr, addr+len) wraps the 64-bit address space. */
static bool tc_dma_wraps(uint64_t addr, size_t len)
{
	return len && addr + (uint64_t)len - 1 < addr;
}

int tc_dma_read(struct tc_dma *dma, uint64_t addr, void *buf, size_t len)
{
	if (!len)
		return 0;
	if (tc_dma_wraps(addr, len) ||
	    dma->bus->dma_read(dma->bus->opaque, addr, buf, len))
		return tc_dma_fault(dma);
	return 0;
}

int tc_dma_write(struct tc_dma *dma, uint64_t addr, const void *buf, size_t len)
{
	if (!len)
		return 0;
	if (tc_dma_wraps(addr, len) ||
	    dma->bus->dma_write(dma->bus->opaque, addr, buf, len))
		return tc_dma_fault(dma);
	return 0;
}

int tc_dma_acquire(struct tc_dma *dma, uint64_t addr, size_t len, bool is_write,
                   struct tc_dma_window *w)
{
	const struct tc_model_bus *bus = dma->bus;
	void *ptr;

	memset(w, 0, sizeof(*w));
	if (len > TC_DMA_MAX_WINDOW)
		return -ENOMEM;
	if (tc_dma_wraps(addr, len))
		return tc_dma_fault(dma);
	w->addr = addr;
	w->len = len;
	w->is_write = is_write;
	if (!len)
		return 0;

	if (bus->dma_map) {
		ptr = bus->dma_map(bus->opaque, addr, len, is_write);
		if (ptr) {
			w->ptr = ptr;
			return 0;
		}
	}

	/* Not mappable as one range: bounce through a private copy. */
	ptr = malloc(len);
	if (!ptr) {
		memset(w, 0, sizeof(*w));
		return -ENOMEM;
	}
	if (!is_write && bus->dma_read(bus->opaque, addr, ptr, len)) {
		free(ptr);
		memset(w, 0, sizeof(*w));
		return tc_dma_fault(dma);
	}
	w->ptr = ptr;
	w->bounced = true;
	return 0;
}

int tc_dma_release(struct tc_dma *dma, struct tc_dma_window *w)
{
	const struct tc_model_bus *bus = dma->bus;
	int ret = 0;

	if (!w->ptr)
		return 0;
	if (w->bounced) {
		if (w->is_write &&
		    bus->dma_write(bus->opaque, w->addr, w->ptr, w->len))
			ret = tc_dma_fault(dma);
		free(w->ptr);
	} else if (bus->dma_unmap) {
		bus->dma_unmap(bus->opaque, w->ptr, w->len, w->is_write);
	}
	w->ptr = NULL;
	return ret;
}
