/* SPDX-License-Identifier: MIT */
/*
 * Bounds-checked readers and writers over caller-owned bytes (after s2n's
 * stuffer).  A reader never copies: sub-readers and byte views point into
 * the buffer the message arrived in, which is what lets the transcript
 * refer to messages in place (M1).  Every read checks the remaining length
 * and fails with TLS_ERR_DECODE; every write checks capacity and fails
 * with TLS_ERR_SPACE.
 */
#ifndef TLS_BUF_H
#define TLS_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "tls_result.h"

struct tls_reader {
	const uint8_t *data;
	size_t len;
	size_t pos;
};

struct tls_writer {
	uint8_t *data;
	size_t cap;
	size_t len;
};

/* A reference to bytes that live elsewhere (a scatter-list element). */
struct tls_iov {
	const uint8_t *base;
	size_t len;
};

static inline void tls_reader_init(struct tls_reader *r, const uint8_t *p,
                                   size_t len)
{
	r->data = p;
	r->len = len;
	r->pos = 0;
}

static inline size_t tls_reader_left(const struct tls_reader *r)
{
	return r->len - r->pos;
}

static inline const uint8_t *tls_reader_ptr(const struct tls_reader *r)
{
	return r->data + r->pos;
}

TLS_RESULT tls_read_u8(struct tls_reader *r, uint8_t *v);
TLS_RESULT tls_read_u16(struct tls_reader *r, uint16_t *v);
TLS_RESULT tls_read_u24(struct tls_reader *r, uint32_t *v);
TLS_RESULT tls_read_u32(struct tls_reader *r, uint32_t *v);
TLS_RESULT tls_read_u64(struct tls_reader *r, uint64_t *v);
/* A view of the next n bytes, consumed. */
TLS_RESULT tls_read_view(struct tls_reader *r, size_t n, const uint8_t **p);
TLS_RESULT tls_read_copy(struct tls_reader *r, void *out, size_t n);
/*
 * A length-prefixed vector (RFC 8446 §3.4) of lenbytes (1, 2 or 3) as a
 * sub-reader; its length must lie in [min, max].
 */
TLS_RESULT tls_read_vector(struct tls_reader *r, unsigned lenbytes, size_t min,
                           size_t max, struct tls_reader *sub);
/* Fails with TLS_ERR_TRAILING unless everything was consumed. */
TLS_RESULT tls_reader_done(const struct tls_reader *r);

static inline void tls_writer_init(struct tls_writer *w, uint8_t *p, size_t cap)
{
	w->data = p;
	w->cap = cap;
	w->len = 0;
}

static inline uint8_t *tls_writer_ptr(const struct tls_writer *w)
{
	return w->data + w->len;
}

TLS_RESULT tls_write_u8(struct tls_writer *w, uint8_t v);
TLS_RESULT tls_write_u16(struct tls_writer *w, uint16_t v);
TLS_RESULT tls_write_u24(struct tls_writer *w, uint32_t v);
TLS_RESULT tls_write_u32(struct tls_writer *w, uint32_t v);
TLS_RESULT tls_write_u64(struct tls_writer *w, uint64_t v);
TLS_RESULT tls_write_bytes(struct tls_writer *w, const void *p, size_t n);
/* Reserve n bytes to be filled in place; returns where they are. */
TLS_RESULT tls_write_reserve(struct tls_writer *w, size_t n, uint8_t **p);
/*
 * Open a length-prefixed vector: reserve lenbytes and remember where.
 * tls_write_vector_end() fills the prefix with the bytes written since.
 */
TLS_RESULT tls_write_vector_begin(struct tls_writer *w, unsigned lenbytes,
                                  size_t *mark);
TLS_RESULT tls_write_vector_end(struct tls_writer *w, unsigned lenbytes,
                                size_t mark);

static inline uint16_t tls_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t tls_get_u24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline void tls_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void tls_put_u24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

#endif /* TLS_BUF_H */
