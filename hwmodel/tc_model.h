/* SPDX-License-Identifier: MIT */
/*
 * The tlscard behavioural model: one core, two hosts.
 *
 * The core is plain C with no QEMU types.  A host (the QEMU PCI device in
 * hwmodel/qemu/, or the driver's in-process sim backend) forwards BAR0 MMIO
 * accesses to tc_model_mmio_read/write, and supplies a bus: DMA callbacks
 * that translate and bounds-check every device address, and an interrupt
 * callback.  The model runs its engines on its own threads.
 *
 * Errors are negative errno.  Nothing the host driver writes can make the
 * model assert: bad input is logged, counted and completed with an error.
 */
#ifndef TC_MODEL_H
#define TC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlscard_abi.h"

struct tc_model;

struct tc_model_bus {
	void *opaque;
	/*
	 * Copy between device address space and a model buffer.  Return 0, or
	 * -EFAULT when any byte of [addr, addr+len) is not mapped.  Called from
	 * engine threads concurrently: must be thread-safe.
	 */
	int (*dma_read)(void *opaque, uint64_t addr, void *buf, size_t len);
	int (*dma_write)(void *opaque, uint64_t addr, const void *buf,
	                 size_t len);
	/*
	 * Optional zero-copy access: return a host pointer covering the whole
	 * range, or NULL (the model then falls back to dma_read/dma_write).
	 * Every successful map is paired with one unmap.
	 */
	void *(*dma_map)(void *opaque, uint64_t addr, size_t len,
	                 bool is_write);
	void (*dma_unmap)(void *opaque, void *ptr, size_t len, bool is_write);
	/* Raise MSI-X vector.  Called from engine threads. */
	void (*irq)(void *opaque, unsigned vector);
	/* Optional: one line of diagnostics (no trailing newline). */
	void (*log)(void *opaque, const char *msg);
};

/* Timing model of one op class.  Zero means "as fast as the host". */
struct tc_timing_class {
	uint64_t ops_per_sec;   /* per engine */
	uint64_t bytes_per_sec; /* per engine */
	uint32_t latency_us;    /* added to every job of the class */
};

struct tc_model_config {
	const char *name;       /* for log lines */
	unsigned nqueues;       /* 1..TC_MAX_QUEUES */
	unsigned nengines;      /* 1..TC_MAX_ENGINES */
	unsigned max_ring_log2; /* largest ring: 1 << this */
	unsigned key_slots;
	unsigned blob_slots;
	uint32_t blob_bytes;  /* blob store capacity */
	uint32_t max_input;   /* largest record / segment in bytes */
	unsigned max_sg;      /* SG entries per list */
	bool fault_injection; /* expose the FI registers */
	struct tc_timing_class timing[TC_CLASS_COUNT];
	/* Jobs per second the whole card completes, over every engine and
	 * class (0: no card-wide limit), on top of the per-class limits. */
	uint64_t card_jobs_per_sec;
};

/* Fill in the defaults: 4 queues, 2 engines, 4096-entry rings, 4096 key
 * slots, 64 blobs in 1 MiB, 64 KiB max input, 256 SG entries, fault
 * injection on, no timing limits. */
void tc_model_config_default(struct tc_model_config *cfg);

/*
 * Parse "key=value,key=value" timing/config knobs into cfg, e.g.
 * "engines=2,queues=4,pke_ops=2000,aead_bps=1000000000,latency_us=50".
 * Keys: queues engines ring_log2 key_slots blob_slots blob_bytes max_input
 * max_sg fi card_jobs and <class>_ops <class>_bps <class>_lat_us for
 * class in nop digest aead pke admin, plus ops/bps/latency_us for every
 * class.
 * Returns 0 or -EINVAL, with a message in err.
 */
int tc_model_config_parse(struct tc_model_config *cfg, const char *spec,
                          char *err, size_t errlen);

int tc_model_create(const struct tc_model_config *cfg,
                    const struct tc_model_bus *bus, struct tc_model **out);
/* Stops and joins every model thread; no callback runs after it returns. */
void tc_model_destroy(struct tc_model *m);

/* BAR0 access, size 4 or 8; off is relative to BAR0. Thread-safe. */
uint64_t tc_model_mmio_read(struct tc_model *m, uint64_t off, unsigned size);
void tc_model_mmio_write(struct tc_model *m, uint64_t off, uint64_t val,
                         unsigned size);

/* Function-level reset (FLR, VFIO_DEVICE_RESET): same as CTRL.RESET, and
 * returns only when the card is quiescent. */
void tc_model_reset(struct tc_model *m);

#endif
