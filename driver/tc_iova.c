/* SPDX-License-Identifier: MIT */
/*
 * IOVA allocation: first fit with a guard page after every range.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tc_iova.h"

#define TC_IOVA_PAGE 4096ull

void tc_iova_init(struct tc_iova_space *s, uint64_t base, uint64_t limit)
{
	memset(s, 0, sizeof(*s));
	s->base = base;
	s->limit = limit;
}

void tc_iova_fini(struct tc_iova_space *s)
{
	free(s->r);
	memset(s, 0, sizeof(*s));
}

static int tc_iova_grow(struct tc_iova_space *s)
{
	size_t cap = s->cap ? s->cap * 2 : 16;
	struct tc_iova_range *r;

	if (s->n < s->cap)
		return 0;
	r = realloc(s->r, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	s->r = r;
	s->cap = cap;
	return 0;
}

int tc_iova_alloc(struct tc_iova_space *s, uint64_t len, uint64_t *iova)
{
	uint64_t span, cand = s->base;
	size_t i;

	if (!len)
		return -EINVAL;
	/* Round up to pages and add the guard, refusing 64-bit overflow. */
	if (len > s->limit)
		return -ENOMEM;
	span = ((len + TC_IOVA_PAGE - 1) & ~(TC_IOVA_PAGE - 1)) + TC_IOVA_GUARD;
	for (i = 0; i < s->n; i++) {
		if (s->r[i].iova - cand >= span && s->r[i].iova >= cand)
			break;
		cand = s->r[i].iova + s->r[i].span;
	}
	if (cand > s->limit || s->limit - cand < span)
		return -ENOMEM;
	if (tc_iova_grow(s))
		return -ENOMEM;
	memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof(s->r[0]));
	s->r[i].iova = cand;
	s->r[i].span = span;
	s->n++;
	*iova = cand;
	return 0;
}

int tc_iova_free(struct tc_iova_space *s, uint64_t iova)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->r[mid].iova < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == s->n || s->r[lo].iova != iova)
		return -ENOENT;
	memmove(&s->r[lo], &s->r[lo + 1], (s->n - lo - 1) * sizeof(s->r[0]));
	s->n--;
	return 0;
}
