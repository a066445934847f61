/* SPDX-License-Identifier: MIT */
/* Signature schemes we offer and accept (RFC 8446 §4.2.3, RFC 5246 §7.4.1.4.1). */
#ifndef TLS_SIGALGS_H
#define TLS_SIGALGS_H

#include "tls_buf.h"
#include "tls_config.h"

/* Our list, for signature_algorithms and CertificateRequest. */
TLS_RESULT tls_sigalgs_write(struct tls_writer *w, uint16_t version);
/* Is scheme one we accept from a peer of this version and key? */
bool tls_sigalg_ok(uint16_t scheme, uint16_t version, EVP_PKEY *key);
/*
 * Pick the scheme to sign with for key type, from the peer's list
 * (2-byte entries); TLS_ERR_NO_SHARED_SIGALG when none fits.
 */
TLS_RESULT tls_sigalg_pick(enum tls_key_type type, uint16_t version,
                           const uint8_t *peer_list, size_t peer_len,
                           uint16_t *scheme);
/* The hash a scheme signs with (for TLS 1.2 CertificateVerify). */
enum tls_hash tls_sigalg_hash(uint16_t scheme);

#endif /* TLS_SIGALGS_H */
