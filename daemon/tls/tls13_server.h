/* SPDX-License-Identifier: MIT */
/* Internals shared by the TLS 1.3 (and 1.2) server files. */
#ifndef TLS13_SERVER_H
#define TLS13_SERVER_H

#include "tls_client_hello.h"
#include "tls_conn.h"

void tls13_suite_params(uint16_t suite, enum tls_aead *a, enum tls_hash *h);
TLS_RESULT tls13_server_flight(struct tls_conn *c,
                               const struct tls_client_hello *ch,
                               const struct tls_key_share *share);
/* RFC 8446 §4.4.3 signed content; out needs 98 + hash length bytes. */
size_t tls13_cv_content(bool server, const uint8_t *thash, size_t hl,
                        uint8_t *out);
TLS_RESULT tls13_send_ticket(struct tls_conn *c);

#endif /* TLS13_SERVER_H */
