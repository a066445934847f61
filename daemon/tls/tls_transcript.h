/* SPDX-License-Identifier: MIT */
/*
 * M1, the buffered transcript: a scatter list of references to handshake
 * messages where they were received or built (never copied), hashed by
 * one offload digest() call that returns a digest at every message
 * boundary not yet known.  Asking for the hash after message n computes
 * and caches the hashes at n, n+1, ... count, so one call covers every
 * later request until a new message is appended.
 *
 * The incremental mode (the baseline M1 beats) feeds each message to a
 * running hash as it is needed, one offload call per message.
 */
#ifndef TLS_TRANSCRIPT_H
#define TLS_TRANSCRIPT_H

#include "tls_offload.h"
#include "tls_proto.h"

#define TLS_TRANSCRIPT_MAX 16

struct tls_transcript {
	struct tls_offload *off;
	enum tls_hash hash;
	bool incremental;
	struct tls_iov msg[TLS_TRANSCRIPT_MAX];
	size_t count;
	/* cache[n]: hash over msg[0..n), valid when bit n of cached is set */
	uint8_t cache[TLS_TRANSCRIPT_MAX + 1][TLS_MAX_HASH_LEN];
	uint32_t cached;
	/* incremental mode */
	struct tls_hash_state running;
	size_t fed;
	/* RFC 8446 §4.4.1 message_hash that replaces ClientHello1 */
	uint8_t synthetic[TLS_HS_HEADER_LEN + TLS_MAX_HASH_LEN];
	unsigned digest_calls; /* this handshake's offload hash calls */
};

void tls_transcript_init(struct tls_transcript *t, struct tls_offload *off,
                         enum tls_hash h, bool incremental);
void tls_transcript_fini(struct tls_transcript *t);
/* Append a reference; the bytes must stay put until fini. */
TLS_RESULT tls_transcript_add(struct tls_transcript *t, const uint8_t *msg,
                              size_t len);
/* Transcript-Hash(msg[0..n)). */
TLS_RESULT tls_transcript_hash(struct tls_transcript *t, size_t n,
                               uint8_t *out);
/* Hash of msg[0..n) followed by tail (a truncated ClientHello). */
TLS_RESULT tls_transcript_hash_tail(struct tls_transcript *t, size_t n,
                                    const uint8_t *tail, size_t tail_len,
                                    uint8_t *out);
/*
 * The Finished-aware checkpoint (M1): can one offload call also make
 * the Finished messages (not in incremental mode, and only with a
 * backend that has digest_fin)?
 */
bool tls_transcript_can_finish(const struct tls_transcript *t);
/*
 * One call: the hash over every message so far, then for each of the
 * nfin finished keys a Finished message (RFC 8446 §4.4.4) written to
 * msg[i] and hashed in.  The first nadd of them join the transcript
 * (msg[i] must stay put, like any message) with their hashes cached;
 * th_last gets the hash after the last one.
 */
TLS_RESULT tls_transcript_add_finished(struct tls_transcript *t,
                                       const uint8_t *const *keys, size_t nfin,
                                       size_t nadd, uint8_t *const *msg,
                                       uint8_t *th_last);
/* RFC 8446 §4.4.1: replace ClientHello1 with message_hash after HRR. */
TLS_RESULT tls_transcript_restart_hrr(struct tls_transcript *t);

#endif /* TLS_TRANSCRIPT_H */
