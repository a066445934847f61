/* SPDX-License-Identifier: MIT */
/* A peer's Certificate message and its X.509 verification. */
#ifndef TLS_PEER_CERT_H
#define TLS_PEER_CERT_H

#include <openssl/x509.h>

#include "tls_buf.h"

/*
 * Parse the certificate_list of a Certificate message body (after the
 * TLS 1.3 context, when version is 1.3) into leaf + chain.  An empty
 * list gives *leaf = NULL.
 */
TLS_RESULT tls_peer_cert_parse(struct tls_reader *r, uint16_t version,
                               X509 **leaf, STACK_OF(X509) * *chain);
/*
 * Verify leaf+chain against store for a TLS client (purpose sslclient)
 * or server (sslserver, and host when not NULL).
 */
TLS_RESULT tls_peer_cert_verify(X509_STORE *store, X509 *leaf,
                                STACK_OF(X509) * chain, bool peer_is_client,
                                const char *host);

#endif /* TLS_PEER_CERT_H */
