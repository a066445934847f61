/* SPDX-License-Identifier: MIT */
/*
 * The TLS 1.3 key schedule, RFC 8446 §7.1-§7.3, on the offload's HKDF.
 * Secrets are plain byte arrays of the suite's hash length; callers keep
 * them in the connection and wipe them when done.
 */
#ifndef TLS13_SCHEDULE_H
#define TLS13_SCHEDULE_H

#include "tls_offload.h"
#include "tls_proto.h"

/* Hash("") for the "derived" steps and empty-context labels. */
const uint8_t *tls13_empty_hash(enum tls_hash h);

/* RFC 8446 §7.1 HKDF-Expand-Label(Secret, Label, Context, Length). */
TLS_RESULT tls13_expand_label(struct tls_offload *o, enum tls_hash h,
                              const uint8_t *secret, const char *label,
                              const uint8_t *ctx, size_t ctx_len, uint8_t *out,
                              size_t out_len);

/* Derive-Secret(Secret, Label, Messages) given Transcript-Hash(Messages). */
TLS_RESULT tls13_derive_secret(struct tls_offload *o, enum tls_hash h,
                               const uint8_t *secret, const char *label,
                               const uint8_t *thash, uint8_t *out);

/* Early Secret = HKDF-Extract(0, PSK or 0^HashLen). */
TLS_RESULT tls13_early_secret(struct tls_offload *o, enum tls_hash h,
                              const uint8_t *psk, size_t psk_len, uint8_t *out);

/*
 * The next stage: HKDF-Extract(Derive-Secret(prev, "derived", ""), ikm),
 * giving the Handshake Secret from (E)CDHE and the Master Secret from 0.
 */
TLS_RESULT tls13_next_secret(struct tls_offload *o, enum tls_hash h,
                             const uint8_t *prev, const uint8_t *ikm,
                             size_t ikm_len, uint8_t *out);

/* RFC 8446 §7.3 write key and IV of a traffic secret. */
TLS_RESULT tls13_traffic_key(struct tls_offload *o, enum tls_hash h,
                             enum tls_aead a, const uint8_t *secret,
                             uint8_t *key, uint8_t *iv);

/* RFC 8446 §4.4.4 verify_data = HMAC(finished_key, transcript hash). */
TLS_RESULT tls13_finished(struct tls_offload *o, enum tls_hash h,
                          const uint8_t *base_key, const uint8_t *thash,
                          uint8_t *out);

/* RFC 8446 §7.2 application_traffic_secret_N+1. */
TLS_RESULT tls13_update_secret(struct tls_offload *o, enum tls_hash h,
                               uint8_t *secret);

#endif /* TLS13_SCHEDULE_H */
