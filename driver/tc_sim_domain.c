/* SPDX-License-Identifier: MIT */
/*
 * The sim backend's IOMMU: a table of {iova, len, va} that the in-process
 * model's bus callbacks consult.  Every access must lie wholly inside one
 * mapping, or it is -EFAULT (a DMA fault), never a stray pointer.
 *
 * The engines call the lookups concurrently, so the table sits behind a
 * reader/writer lock: lookups and copies hold it shared, map/unmap hold it
 * exclusive.  Copies happen under the lock so that a buffer cannot be
 * unmapped and freed in the middle of one.
 *
 * Device writes are done with release atomic stores and followed by a
 * release increment of write_seq; the host's completion poll loads the
 * completion and write_seq with acquire order.  On x86 these are plain
 * moves; they tell a thread sanitizer what real DMA ordering guarantees
 * (the card writes the entry's phase last, after a barrier).
 *
 * Zero-copy maps (tc_sim_domain_map) are the hot path: a digest or AEAD
 * job maps every segment, nearly always inside the same big mapping.  Each
 * thread (in practice: each engine) keeps a copy of the last mapping it
 * hit and checks that first, without the lock.  The copy is valid while
 * the domain's generation is unchanged; remove bumps it, so a mapping
 * removed concurrently is never served from a cache after the remove
 * returns.  A map pointer was never covered by the lock anyway (it is used
 * after the lookup drops it), so the cache weakens nothing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tc_driver_internal.h"

struct tc_sim_map {
	uint64_t iova;
	uint64_t len;
	unsigned char *va;
};

struct tc_sim_domain {
	pthread_rwlock_t lock;
	struct tc_sim_map *maps; /* sorted by iova, non-overlapping */
	size_t n, cap;
	/* Bumped by every remove; see tc_sim_map_cache. */
	atomic_uint_fast64_t gen;
	/*
	 * The host's completion poll reads write_seq all the time: on a line
	 * of its own, the engines' lock and generation loads above do not
	 * miss the cache each time the poll pulled that line to its core.
	 */
	_Alignas(64) atomic_uint_fast64_t write_seq;
};

/*
 * Generations come from one process-wide counter, so a domain created at
 * the address of a destroyed one never matches a cache filled from the
 * old one.
 */
static atomic_uint_fast64_t tc_sim_gen_next;

/* One thread's copy of the last mapping its map lookup hit. */
struct tc_sim_map_cache {
	const struct tc_sim_domain *dom;
	uint64_t gen;
	struct tc_sim_map map;
};

static __thread struct tc_sim_map_cache tc_sim_cache;

static uint64_t tc_sim_new_gen(void)
{
	return atomic_fetch_add_explicit(&tc_sim_gen_next, 1,
	                                 memory_order_relaxed) +
	       1;
}

int tc_sim_domain_create(struct tc_sim_domain **out)
{
	/* aligned_alloc: malloc only guarantees 16-byte alignment. */
	struct tc_sim_domain *d =
	    aligned_alloc(_Alignof(struct tc_sim_domain), sizeof(*d));

	if (!d)
		return -ENOMEM;
	memset(d, 0, sizeof(*d));
	if (pthread_rwlock_init(&d->lock, NULL)) {
		free(d);
		return -ENOMEM;
	}
	atomic_init(&d->write_seq, 0);
	atomic_init(&d->gen, tc_sim_new_gen());
	*out = d;
	return 0;
}

void tc_sim_domain_destroy(struct tc_sim_domain *d)
{
	if (!d)
		return;
	pthread_rwlock_destroy(&d->lock);
	free(d->maps);
	free(d);
}

/* Index of the first mapping with iova > addr. */
static size_t tc_sim_upper(const struct tc_sim_domain *d, uint64_t addr)
{
	size_t lo = 0, hi = d->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->maps[mid].iova <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Host address of [addr, addr+len) if it lies inside one mapping, else
 * NULL.  A zero-length range is valid at any mapped address.  Written to
 * be immune to 64-bit wrap: no addr + len is ever formed.
 */
static unsigned char *tc_sim_in_map(const struct tc_sim_map *m, uint64_t addr,
                                    uint64_t len)
{
	uint64_t off;

	if (addr < m->iova)
		return NULL;
	off = addr - m->iova;
	if (off >= m->len || len > m->len - off)
		return NULL;
	return m->va + off;
}

/* The mapping that holds addr, or NULL.  Lock held. */
static const struct tc_sim_map *tc_sim_find(const struct tc_sim_domain *d,
                                            uint64_t addr)
{
	size_t i = tc_sim_upper(d, addr);

	return i ? &d->maps[i - 1] : NULL;
}

static unsigned char *tc_sim_lookup(const struct tc_sim_domain *d,
                                    uint64_t addr, uint64_t len)
{
	const struct tc_sim_map *m = tc_sim_find(d, addr);

	return m ? tc_sim_in_map(m, addr, len) : NULL;
}

int tc_sim_domain_insert(struct tc_sim_domain *d, uint64_t iova, size_t len,
                         void *va)
{
	struct tc_sim_map *maps;
	size_t i;
	int ret = 0;

	if (!len || !va || iova + (uint64_t)len - 1 < iova)
		return -EINVAL;
	pthread_rwlock_wrlock(&d->lock);
	i = tc_sim_upper(d, iova);
	/* Overlap with the mapping before or the one after? */
	if ((i > 0 && d->maps[i - 1].iova + d->maps[i - 1].len > iova) ||
	    (i < d->n && iova + len > d->maps[i].iova)) {
		ret = -EEXIST;
		goto out;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;

		maps = realloc(d->maps, cap * sizeof(*maps));
		if (!maps) {
			ret = -ENOMEM;
			goto out;
		}
		d->maps = maps;
		d->cap = cap;
	}
	memmove(&d->maps[i + 1], &d->maps[i], (d->n - i) * sizeof(d->maps[0]));
	d->maps[i] = (struct tc_sim_map){.iova = iova, .len = len, .va = va};
	d->n++;
out:
	pthread_rwlock_unlock(&d->lock);
	return ret;
}

int tc_sim_domain_remove(struct tc_sim_domain *d, uint64_t iova, size_t len)
{
	size_t i;
	int ret = -ENOENT;

	pthread_rwlock_wrlock(&d->lock);
	i = tc_sim_upper(d, iova);
	if (i > 0 && d->maps[i - 1].iova == iova && d->maps[i - 1].len == len) {
		memmove(&d->maps[i - 1], &d->maps[i],
		        (d->n - i) * sizeof(d->maps[0]));
		d->n--;
		/* Before the caller can free the buffer: no cache may hand
		 * out a pointer into it from now on. */
		atomic_store_explicit(&d->gen, tc_sim_new_gen(),
		                      memory_order_release);
		ret = 0;
	}
	pthread_rwlock_unlock(&d->lock);
	return ret;
}

int tc_sim_domain_read(struct tc_sim_domain *d, uint64_t iova, void *buf,
                       size_t len)
{
	const unsigned char *src;
	int ret = 0;

	pthread_rwlock_rdlock(&d->lock);
	src = tc_sim_lookup(d, iova, len);
	if (src)
		memcpy(buf, src, len);
	else
		ret = -EFAULT;
	pthread_rwlock_unlock(&d->lock);
	return ret;
}

/*
 * Copy with release stores, widest the alignment allows: a host that sees
 * a later word (the completion's phase) sees every earlier one (see top).
 */
static void tc_sim_store(unsigned char *dst, const unsigned char *src,
                         size_t len)
{
	while (len) {
		uintptr_t a = (uintptr_t)dst;

		if (len >= 8 && !(a & 7)) {
			uint64_t v;

			memcpy(&v, src, 8);
			__atomic_store_n((uint64_t *)dst, v, __ATOMIC_RELEASE);
			dst += 8, src += 8, len -= 8;
		} else if (len >= 4 && !(a & 3)) {
			uint32_t v;

			memcpy(&v, src, 4);
			__atomic_store_n((uint32_t *)dst, v, __ATOMIC_RELEASE);
			dst += 4, src += 4, len -= 4;
		} else if (len >= 2 && !(a & 1)) {
			uint16_t v;

			memcpy(&v, src, 2);
			__atomic_store_n((uint16_t *)dst, v, __ATOMIC_RELEASE);
			dst += 2, src += 2, len -= 2;
		} else {
			__atomic_store_n(dst, *src, __ATOMIC_RELEASE);
			dst++, src++, len--;
		}
	}
}

int tc_sim_domain_write(struct tc_sim_domain *d, uint64_t iova, const void *buf,
                        size_t len)
{
	unsigned char *dst;
	int ret = 0;

	pthread_rwlock_rdlock(&d->lock);
	dst = tc_sim_lookup(d, iova, len);
	if (dst) {
		tc_sim_store(dst, buf, len);
	} else {
		ret = -EFAULT;
	}
	pthread_rwlock_unlock(&d->lock);
	/* Publishes these bytes to the acquire load in the completion poll. */
	atomic_fetch_add_explicit(&d->write_seq, 1, memory_order_release);
	return ret;
}

void *tc_sim_domain_map(struct tc_sim_domain *d, uint64_t iova, size_t len)
{
	struct tc_sim_map_cache *c = &tc_sim_cache;
	const struct tc_sim_map *m;
	void *p = NULL;

	if (!len)
		return NULL;
	/* Acquire pairs with remove's release: a generation we see
	 * unchanged means the cached mapping had not been removed. */
	if (c->dom == d &&
	    c->gen == atomic_load_explicit(&d->gen, memory_order_acquire)) {
		p = tc_sim_in_map(&c->map, iova, len);
		if (p)
			return p;
	}
	pthread_rwlock_rdlock(&d->lock);
	m = tc_sim_find(d, iova);
	if (m)
		p = tc_sim_in_map(m, iova, len);
	if (p) {
		/* Stable under the lock: only remove (exclusive) bumps it. */
		c->gen = atomic_load_explicit(&d->gen, memory_order_relaxed);
		c->dom = d;
		c->map = *m;
	}
	pthread_rwlock_unlock(&d->lock);
	return p;
}

void tc_sim_domain_unmap(struct tc_sim_domain *d, bool is_write)
{
	/* Writes through the pointer become visible to the host's poll. */
	if (is_write)
		atomic_fetch_add_explicit(&d->write_seq, 1,
		                          memory_order_release);
}

size_t tc_sim_domain_count(struct tc_sim_domain *d)
{
	size_t n;

	pthread_rwlock_rdlock(&d->lock);
	n = d->n;
	pthread_rwlock_unlock(&d->lock);
	return n;
}

atomic_uint_fast64_t *tc_sim_domain_seq(struct tc_sim_domain *d)
{
	return &d->write_seq;
}

/* ---- the context's domain ops ------------------------------------------ */

static int tc_sim_dom_map(struct tc_ctx *ctx, void *va, size_t len,
                          uint64_t iova)
{
	return tc_sim_domain_insert(ctx->dom_priv, iova, len, va);
}

static int tc_sim_dom_unmap(struct tc_ctx *ctx, uint64_t iova, size_t len)
{
	return tc_sim_domain_remove(ctx->dom_priv, iova, len);
}

const struct tc_domain_ops tc_sim_domain_ops = {
    .name = "sim",
    .map = tc_sim_dom_map,
    .unmap = tc_sim_dom_unmap,
};
