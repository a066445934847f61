/* SPDX-License-Identifier: MIT */
/*
 * The vfio backend's internals: one container per context (the context's
 * DMA domain), holding the IOMMU groups of its cards.  Every card of a
 * context sees the same IOVA space because all their groups share the one
 * container.  Not installed.
 */
#ifndef TC_VFIO_H
#define TC_VFIO_H

#include <stdbool.h>
#include <stdint.h>

#include "tc_driver_internal.h"

#define TC_VFIO_MAX_GROUPS 32

struct tc_vfio_group {
	int id; /* /dev/vfio/<id> */
	int fd;
	unsigned devices; /* cards of the context open in it */
};

struct tc_vfio_container {
	int fd;                /* /dev/vfio/vfio */
	int iommu_type;        /* VFIO_TYPE1v2_IOMMU or VFIO_TYPE1_IOMMU */
	bool iommu_set;        /* VFIO_SET_IOMMU done (needs a group) */
	uint64_t iova_pgsizes; /* from VFIO_IOMMU_GET_INFO */
	uint64_t mapped_bytes; /* live VFIO_IOMMU_MAP_DMA total */
	struct tc_vfio_group groups[TC_VFIO_MAX_GROUPS];
	unsigned ngroups;
};

extern const struct tc_domain_ops tc_vfio_domain_ops;

/*
 * The container of ctx, creating it and plugging it in as the context's
 * DMA domain when ctx has none yet; then the group of the card at bdf,
 * opened and added to the container unless it already is.  On success
 * *group holds a reference (tc_vfio_group_put).  -EXDEV when ctx already
 * belongs to another backend; other -errno with a message on stderr.
 */
int tc_vfio_group_get(struct tc_ctx *ctx, const char *bdf,
                      struct tc_vfio_group **group);
/* Drops the reference.  Groups stay in the container until the domain is
 * released, so the context's mappings live as long as the context. */
void tc_vfio_group_put(struct tc_ctx *ctx, struct tc_vfio_group *group);

/* "tlscard vfio: <msg>" on stderr: open failures need a reason a person can
 * act on, which -errno alone does not give. */
void tc_vfio_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
