// SPDX-License-Identifier: MIT
/* Bounds-checked big-endian readers and writers; see tls_buf.h. */
#include <string.h>

#include "tls_buf.h"

static TLS_RESULT tls_read_uint(struct tls_reader *r, unsigned n, uint64_t *v)
{
	uint64_t acc = 0;

	TLS_ENSURE(tls_reader_left(r) >= n, TLS_ERR_DECODE);
	for (unsigned i = 0; i < n; i++)
		acc = acc << 8 | r->data[r->pos + i];
	r->pos += n;
	*v = acc;
	return TLS_OK;
}

tls_result tls_read_u8(struct tls_reader *r, uint8_t *v)
{
	uint64_t x;

	TLS_GUARD(tls_read_uint(r, 1, &x));
	*v = (uint8_t)x;
	return TLS_OK;
}

tls_result tls_read_u16(struct tls_reader *r, uint16_t *v)
{
	uint64_t x;

	TLS_GUARD(tls_read_uint(r, 2, &x));
	*v = (uint16_t)x;
	return TLS_OK;
}

tls_result tls_read_u24(struct tls_reader *r, uint32_t *v)
{
	uint64_t x;

	TLS_GUARD(tls_read_uint(r, 3, &x));
	*v = (uint32_t)x;
	return TLS_OK;
}

tls_result tls_read_u32(struct tls_reader *r, uint32_t *v)
{
	uint64_t x;

	TLS_GUARD(tls_read_uint(r, 4, &x));
	*v = (uint32_t)x;
	return TLS_OK;
}

tls_result tls_read_u64(struct tls_reader *r, uint64_t *v)
{
	return tls_read_uint(r, 8, v);
}

tls_result tls_read_view(struct tls_reader *r, size_t n, const uint8_t **p)
{
	TLS_ENSURE(tls_reader_left(r) >= n, TLS_ERR_DECODE);
	*p = r->data + r->pos;
	r->pos += n;
	return TLS_OK;
}

tls_result tls_read_copy(struct tls_reader *r, void *out, size_t n)
{
	const uint8_t *p;

	TLS_GUARD(tls_read_view(r, n, &p));
	memcpy(out, p, n);
	return TLS_OK;
}

tls_result tls_read_vector(struct tls_reader *r, unsigned lenbytes, size_t min,
                           size_t max, struct tls_reader *sub)
{
	uint64_t n;
	const uint8_t *p;

	TLS_ENSURE(lenbytes >= 1 && lenbytes <= 3, TLS_ERR_INTERNAL);
	TLS_GUARD(tls_read_uint(r, lenbytes, &n));
	TLS_ENSURE(n >= min && n <= max, TLS_ERR_DECODE);
	TLS_GUARD(tls_read_view(r, (size_t)n, &p));
	tls_reader_init(sub, p, (size_t)n);
	return TLS_OK;
}

tls_result tls_reader_done(const struct tls_reader *r)
{
	TLS_ENSURE(r->pos == r->len, TLS_ERR_TRAILING);
	return TLS_OK;
}

static TLS_RESULT tls_write_uint(struct tls_writer *w, unsigned n, uint64_t v)
{
	TLS_ENSURE(w->cap - w->len >= n, TLS_ERR_SPACE);
	for (unsigned i = 0; i < n; i++)
		w->data[w->len + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	w->len += n;
	return TLS_OK;
}

tls_result tls_write_u8(struct tls_writer *w, uint8_t v)
{
	return tls_write_uint(w, 1, v);
}

tls_result tls_write_u16(struct tls_writer *w, uint16_t v)
{
	return tls_write_uint(w, 2, v);
}

tls_result tls_write_u24(struct tls_writer *w, uint32_t v)
{
	TLS_ENSURE(v < (1u << 24), TLS_ERR_INTERNAL);
	return tls_write_uint(w, 3, v);
}

tls_result tls_write_u32(struct tls_writer *w, uint32_t v)
{
	return tls_write_uint(w, 4, v);
}

tls_result tls_write_u64(struct tls_writer *w, uint64_t v)
{
	return tls_write_uint(w, 8, v);
}

tls_result tls_write_bytes(struct tls_writer *w, const void *p, size_t n)
{
	TLS_ENSURE(w->cap - w->len >= n, TLS_ERR_SPACE);
	if (n)
		memcpy(w->data + w->len, p, n);
	w->len += n;
	return TLS_OK;
}

tls_result tls_write_reserve(struct tls_writer *w, size_t n, uint8_t **p)
{
	TLS_ENSURE(w->cap - w->len >= n, TLS_ERR_SPACE);
	*p = w->data + w->len;
	w->len += n;
	return TLS_OK;
}

tls_result tls_write_vector_begin(struct tls_writer *w, unsigned lenbytes,
                                  size_t *mark)
{
	TLS_ENSURE(lenbytes >= 1 && lenbytes <= 3, TLS_ERR_INTERNAL);
	*mark = w->len;
	return tls_write_uint(w, lenbytes, 0);
}

tls_result tls_write_vector_end(struct tls_writer *w, unsigned lenbytes,
                                size_t mark)
{
	size_t n;

	TLS_ENSURE(mark + lenbytes <= w->len, TLS_ERR_INTERNAL);
	n = w->len - mark - lenbytes;
	TLS_ENSURE(n < (1ull << (8 * lenbytes)), TLS_ERR_SPACE);
	for (unsigned i = 0; i < lenbytes; i++)
		w->data[mark + i] = (uint8_t)(n >> (8 * (lenbytes - 1 - i)));
	return TLS_OK;
}
