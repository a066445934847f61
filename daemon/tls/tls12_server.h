/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the TLS 1.2 server files (RFC 5246 with RFC 7627
 * EMS, RFC 8422 ECDHE, RFC 5288/7905 AEAD suites, RFC 5077 tickets):
 *
 *   tls12_server.c        ClientHello, the first flight, the dispatch,
 *                         renegotiation refusal
 *   tls12_server_hello.c  ServerHello and its extensions, the random
 *   tls12_server_kx.c     ServerKeyExchange, ClientKeyExchange, the
 *                         client's Certificate and CertificateVerify
 *   tls12_server_finish.c ChangeCipherSpec, both Finished messages, the
 *                         abbreviated (resumed) handshake
 *   tls12_ticket.c        NewSessionTicket and the resumption decision
 *
 * Full handshake, server view (* = only with --client-ca):
 *   <- ClientHello
 *   -> ServerHello Certificate ServerKeyExchange CertificateRequest*
 *      ServerHelloDone                                   (one write, M2)
 *   <- Certificate* ClientKeyExchange CertificateVerify* [CCS] Finished
 *   -> NewSessionTicket [CCS] Finished                   (one write)
 * Abbreviated: <- ClientHello(ticket) -> ServerHello [CCS] Finished
 *   <- [CCS] Finished.
 */
#ifndef TLS12_SERVER_H
#define TLS12_SERVER_H

#include "tls12_negotiate.h"
#include "tls12_schedule.h"
#include "tls_conn.h"
#include "tls_ticket.h"

/* tls12_server_hello.c */
/* RFC 8446 §4.1.3: random, with the downgrade sentinel when 1.3 is on. */
TLS_RESULT tls12_server_random(const struct tls_config *cfg, uint8_t *random);
/* Append the ServerHello (header included) for this handshake to w. */
TLS_RESULT tls12_build_server_hello(struct tls_conn *c,
                                    const struct tls_client_hello *ch,
                                    struct tls_writer *w);

/* tls12_server_kx.c */
TLS_RESULT tls12_build_server_key_exchange(struct tls_conn *c,
                                           const uint8_t *pub, size_t pub_len,
                                           struct tls_writer *w);
TLS_RESULT tls12_server_client_cert(struct tls_conn *c, const uint8_t *msg,
                                    size_t len);
TLS_RESULT tls12_server_client_key_exchange(struct tls_conn *c,
                                            const uint8_t *msg, size_t len,
                                            size_t idx);
TLS_RESULT tls12_server_client_cv(struct tls_conn *c, const uint8_t *msg,
                                  size_t len, size_t idx);

/* tls12_server_finish.c */
TLS_RESULT tls12_server_abbreviated(struct tls_conn *c,
                                    const struct tls_client_hello *ch);
TLS_RESULT tls12_server_client_finished(struct tls_conn *c, const uint8_t *msg,
                                        size_t len, size_t idx);

/* tls12_ticket.c */
/*
 * Can the ticket in ch resume a session here?  TLS_OK and *s filled when
 * it can; any error means "do a full handshake", never a failure.
 */
TLS_RESULT tls12_ticket_resume(struct tls_config *cfg,
                               const struct tls_client_hello *ch, time_t now,
                               struct tls_session *s);
/* Append a NewSessionTicket (RFC 5077 §3.3) for this connection to w. */
TLS_RESULT tls12_build_new_session_ticket(struct tls_conn *c,
                                          struct tls_writer *w);

#endif /* TLS12_SERVER_H */
