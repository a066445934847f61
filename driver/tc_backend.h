/* SPDX-License-Identifier: MIT */
/*
 * Driver internals shared by the backends (sim, vfio) and the common code.
 * Not installed; users include tlscard.h.
 */
#ifndef TC_BACKEND_H
#define TC_BACKEND_H

#include <stdint.h>

#include "tlscard.h"

/*
 * A backend gives access to one card's BAR0 and interrupts, and plays its
 * part in the context's DMA address space.  Const tables, one per backend.
 */
struct tc_backend_ops {
	const char *name; /* "sim", "vfio" */
	/* arg: what follows "name:" in the spec ("" for plain "sim"). */
	int (*open)(struct tc_dev *dev, const char *arg,
	            const struct tc_dev_opts *opts);
	void (*close)(struct tc_dev *dev);
	uint32_t (*read32)(struct tc_dev *dev, uint32_t off);
	void (*write32)(struct tc_dev *dev, uint32_t off, uint32_t val);
	/* eventfd signalled when MSI-X vector fires; owned by the backend. */
	int (*irq_eventfd)(struct tc_dev *dev, unsigned vector);
	/* Function-level reset; NULL: use CTRL.RESET. */
	int (*reset)(struct tc_dev *dev);
};

/*
 * The context's DMA domain: called for every tc_dma_alloc/free so each
 * backend can mirror the mapping (sim: the IOVA table the model consults;
 * vfio: VFIO_IOMMU_MAP_DMA on the container).
 */
struct tc_domain_ops {
	const char *name;
	int (*map)(struct tc_ctx *ctx, void *va, size_t len, uint64_t iova);
	int (*unmap)(struct tc_ctx *ctx, uint64_t iova, size_t len);
};

extern const struct tc_backend_ops tc_sim_backend;
extern const struct tc_backend_ops tc_vfio_backend;

#endif
