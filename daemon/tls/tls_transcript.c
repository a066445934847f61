// SPDX-License-Identifier: MIT
/* The buffered transcript (M1); see tls_transcript.h. */
#include <string.h>

#include "tls_transcript.h"

void tls_transcript_init(struct tls_transcript *t, struct tls_offload *off,
                         enum tls_hash h, bool incremental)
{
	memset(t, 0, sizeof(*t));
	t->off = off;
	t->hash = h;
	t->incremental = incremental;
}

void tls_transcript_fini(struct tls_transcript *t)
{
	if (t->running.impl)
		t->off->ops->hash_free(t->off, &t->running);
	t->count = 0;
	t->cached = 0;
}

tls_result tls_transcript_add(struct tls_transcript *t, const uint8_t *msg,
                              size_t len)
{
	TLS_ENSURE(t->count < TLS_TRANSCRIPT_MAX, TLS_ERR_UNEXPECTED_MSG);
	t->msg[t->count++] = (struct tls_iov){msg, len};
	return TLS_OK;
}

static TLS_RESULT tls_transcript_hash_oneshot(struct tls_transcript *t,
                                              size_t n)
{
	size_t cp[TLS_MAX_CHECKPOINTS], ncp = 0, hl = tls_hash_len(t->hash);
	uint8_t out[TLS_MAX_CHECKPOINTS * TLS_MAX_HASH_LEN];

	/* Every boundary from n on that a later step may ask for. */
	for (size_t k = n; k <= t->count && ncp < TLS_MAX_CHECKPOINTS; k++)
		cp[ncp++] = k;
	TLS_GUARD(t->off->ops->digest(t->off, t->hash, t->msg, t->count, cp,
	                              ncp, out));
	t->digest_calls++;
	for (size_t i = 0; i < ncp; i++) {
		memcpy(t->cache[cp[i]], out + i * hl, hl);
		t->cached |= 1u << cp[i];
	}
	return TLS_OK;
}

static TLS_RESULT tls_transcript_hash_incremental(struct tls_transcript *t,
                                                  size_t n)
{
	struct tls_offload *o = t->off;

	TLS_ENSURE(n >= t->fed, TLS_ERR_INTERNAL);
	if (!t->running.impl)
		TLS_GUARD(o->ops->hash_init(o, t->hash, &t->running));
	for (; t->fed < n; t->fed++) {
		TLS_GUARD(o->ops->hash_update(
		    o, &t->running, t->msg[t->fed].base, t->msg[t->fed].len));
		t->digest_calls++;
	}
	TLS_GUARD(o->ops->hash_peek(o, &t->running, t->cache[n]));
	t->cached |= 1u << n;
	return TLS_OK;
}

tls_result tls_transcript_hash(struct tls_transcript *t, size_t n, uint8_t *out)
{
	TLS_ENSURE(n <= t->count, TLS_ERR_INTERNAL);
	if (!(t->cached & (1u << n))) {
		if (t->incremental)
			TLS_GUARD(tls_transcript_hash_incremental(t, n));
		else
			TLS_GUARD(tls_transcript_hash_oneshot(t, n));
	}
	memcpy(out, t->cache[n], tls_hash_len(t->hash));
	return TLS_OK;
}

tls_result tls_transcript_hash_tail(struct tls_transcript *t, size_t n,
                                    const uint8_t *tail, size_t tail_len,
                                    uint8_t *out)
{
	struct tls_iov seg[TLS_TRANSCRIPT_MAX + 1];
	size_t cp;

	TLS_ENSURE(n <= t->count, TLS_ERR_INTERNAL);
	/* Binders hash a message prefix nobody else needs: always one-shot. */
	memcpy(seg, t->msg, n * sizeof(seg[0]));
	seg[n] = (struct tls_iov){tail, tail_len};
	cp = n + 1;
	TLS_GUARD(t->off->ops->digest(t->off, t->hash, seg, cp, &cp, 1, out));
	t->digest_calls++;
	return TLS_OK;
}

bool tls_transcript_can_finish(const struct tls_transcript *t)
{
	return !t->incremental && t->off->ops->digest_fin;
}

tls_result tls_transcript_add_finished(struct tls_transcript *t,
                                       const uint8_t *const *keys, size_t nfin,
                                       size_t nadd, uint8_t *const *msg,
                                       uint8_t *th_last)
{
	size_t hl = tls_hash_len(t->hash), n = t->count;
	uint8_t out[TLS_MAX_CHECKPOINTS * TLS_MAX_HASH_LEN];

	TLS_ENSURE(tls_transcript_can_finish(t) && nfin >= 1 && nadd <= nfin &&
	               nfin < TLS_MAX_CHECKPOINTS &&
	               n + nadd <= TLS_TRANSCRIPT_MAX,
	           TLS_ERR_INTERNAL);
	TLS_GUARD(t->off->ops->digest_fin(t->off, t->hash, t->msg, n, keys,
	                                  nfin, msg, out));
	t->digest_calls++;
	/* The hash before the first Finished, and after each one added. */
	for (size_t i = 0; i <= nadd; i++) {
		if (i > 0)
			t->msg[t->count++] = (struct tls_iov){
			    msg[i - 1], TLS_HS_HEADER_LEN + hl};
		memcpy(t->cache[n + i], out + i * hl, hl);
		t->cached |= 1u << (n + i);
	}
	memcpy(th_last, out + nfin * hl, hl);
	return TLS_OK;
}

tls_result tls_transcript_restart_hrr(struct tls_transcript *t)
{
	size_t hl = tls_hash_len(t->hash);

	/* The client calls it with the HelloRetryRequest already added. */
	TLS_ENSURE(t->count == 1 || t->count == 2, TLS_ERR_INTERNAL);
	/* message_hash: type 254, u24 length HashLen, Hash(ClientHello1) */
	TLS_GUARD(tls_transcript_hash(t, 1, t->synthetic + TLS_HS_HEADER_LEN));
	t->synthetic[0] = TLS_HS_MESSAGE_HASH;
	t->synthetic[1] = 0;
	t->synthetic[2] = 0;
	t->synthetic[3] = (uint8_t)hl;
	t->msg[0] = (struct tls_iov){t->synthetic, TLS_HS_HEADER_LEN + hl};
	t->cached = 0;
	if (t->running.impl)
		t->off->ops->hash_free(t->off, &t->running);
	t->fed = 0;
	return TLS_OK;
}
