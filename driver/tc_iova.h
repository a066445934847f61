/* SPDX-License-Identifier: MIT */
/*
 * IOVA allocator of one context.  Every allocation is page-aligned and is
 * followed by one unmapped guard page, so a device that runs off the end of
 * a buffer faults instead of reaching the next one.  First fit over a
 * sorted array of the live ranges; freed space is reused.
 */
#ifndef TC_IOVA_H
#define TC_IOVA_H

#include <stddef.h>
#include <stdint.h>

#define TC_IOVA_BASE  0x10000000ull /* first IOVA handed out */
#define TC_IOVA_LIMIT (1ull << 39)  /* fits a 39-bit IOMMU (VT-d 3-level) */
#define TC_IOVA_GUARD 4096ull       /* unmapped page after each range */

struct tc_iova_range {
	uint64_t iova;
	uint64_t span; /* mapped length + guard */
};

struct tc_iova_space {
	uint64_t base, limit;
	struct tc_iova_range *r; /* sorted by iova, non-overlapping */
	size_t n, cap;
};

void tc_iova_init(struct tc_iova_space *s, uint64_t base, uint64_t limit);
void tc_iova_fini(struct tc_iova_space *s);
/* len: bytes, rounded up to pages.  0, -EINVAL (len 0) or -ENOMEM. */
int tc_iova_alloc(struct tc_iova_space *s, uint64_t len, uint64_t *iova);
/* 0 or -ENOENT when iova does not start a live range. */
int tc_iova_free(struct tc_iova_space *s, uint64_t iova);

#endif
