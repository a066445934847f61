// SPDX-License-Identifier: MIT
/*
 * Card offload: the incremental transcript (--incremental-transcript, the
 * M1 baseline) on a card.
 *
 * The card's DIGEST op is one-shot: it keeps no hash state between jobs.
 * A card without checkpoints can still follow the transcript message by
 * message, but only by replaying it: every hash_update() becomes a DIGEST
 * job over every message fed so far, and hash_peek() returns the last
 * job's result.  That is the baseline DESIGN M1 (and the patent) compare
 * checkpointed one-shot digests with: the same messages, one card job per
 * message instead of one per transcript step.  Each replay goes through
 * tls_card_digest(), so it takes the same CPU-vs-card choice and the same
 * CPU fallback as a checkpointed digest.
 *
 * The state keeps references, not copies: the transcript keeps every
 * message in place until it is freed, as the checkpointed mode relies on.
 */
#include <stdlib.h>
#include <string.h>

#include "tls_offload_card_int.h"
#include "tls_transcript.h"

/* The transcript's messages, plus a HelloRetryRequest's message_hash. */
#define TLS_CARD_REPLAY_MAX (TLS_TRANSCRIPT_MAX + 1)

struct tls_card_replay {
	size_t n;
	struct tls_iov seg[TLS_CARD_REPLAY_MAX];
	uint8_t out[TLS_MAX_HASH_LEN];
};

TLS_RESULT tls_card_hash_init(struct tls_offload *o, enum tls_hash h,
                              struct tls_hash_state *st)
{
	struct tls_offload *cpu = tls_card(o)->cpu;
	struct tls_card_replay *r;
	struct tls_iov empty = {(const uint8_t *)"", 0};
	size_t cp = 1;

	TLS_ENSURE(h < TLS_HASH_COUNT, TLS_ERR_INTERNAL);
	r = calloc(1, sizeof(*r));
	TLS_ENSURE(r, TLS_ERR_NOMEM);
	/* The hash of nothing, for a peek before any update: on the CPU
	 * (it is not a transcript step and not counted as one). */
	if (tls_is_err(cpu->ops->digest(cpu, h, &empty, 1, &cp, 1, r->out))) {
		free(r);
		return TLS_ERR; /* the CPU backend recorded why */
	}
	st->hash = h;
	st->impl = r;
	return TLS_OK;
}

TLS_RESULT tls_card_hash_update(struct tls_offload *o,
                                struct tls_hash_state *st, const uint8_t *p,
                                size_t n)
{
	struct tls_card_replay *r = st->impl;
	size_t cp;

	TLS_ENSURE_REF(r);
	TLS_ENSURE(r->n < TLS_CARD_REPLAY_MAX, TLS_ERR_INTERNAL);
	r->seg[r->n++] = (struct tls_iov){p, n};
	cp = r->n;
	/* Counted by tls_card_digest: one digest call per update, as on the
	 * CPU backend. */
	return tls_card_digest(o, st->hash, r->seg, r->n, &cp, 1, r->out);
}

TLS_RESULT tls_card_hash_peek(struct tls_offload *o, struct tls_hash_state *st,
                              uint8_t *out)
{
	struct tls_card_replay *r = st->impl;

	(void)o;
	TLS_ENSURE_REF(r);
	memcpy(out, r->out, tls_hash_len(st->hash));
	return TLS_OK;
}

void tls_card_hash_free(struct tls_offload *o, struct tls_hash_state *st)
{
	(void)o;
	free(st->impl);
	st->impl = NULL;
}
