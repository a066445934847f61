/* SPDX-License-Identifier: MIT */
/*
 * The server's negotiation decisions for a ClientHello, as pure
 * functions of the configuration and the parsed hello (so they are unit
 * tested without a connection): protocol version, the TLS 1.2 checks
 * that refuse a hello outright, the ECDHE group, and the certificate,
 * cipher suite and signature scheme.
 */
#ifndef TLS12_NEGOTIATE_H
#define TLS12_NEGOTIATE_H

#include "tls_client_hello.h"
#include "tls_config.h"

/*
 * RFC 8446 §4.2.1: with supported_versions the hello's list decides and
 * legacy_version is ignored; without it, legacy_version >= 1.2 means
 * TLS 1.2 (RFC 5246 §E.1: the highest version both support).  TLS 1.3
 * when offered and enabled, else 1.2 when possible and enabled, else
 * TLS_ERR_PROTOCOL_VERSION.
 */
TLS_RESULT tls_negotiate_version(const struct tls_config *cfg,
                                 const struct tls_client_hello *ch,
                                 uint16_t *version);

/*
 * Refusals of a hello that will get TLS 1.2: TLS_FALLBACK_SCSV while we
 * could have done 1.3 (RFC 7507 §3, inappropriate_fallback); no
 * extended_master_secret (RFC 7627 §5.2, handshake_failure).
 */
TLS_RESULT tls12_check_client_hello(const struct tls_config *cfg,
                                    const struct tls_client_hello *ch);

/*
 * RFC 8422 §5.1.1: the first of x25519, secp256r1 the client lists; a
 * client without supported_groups gets secp256r1 (§5.1: the server may
 * choose); no overlap is TLS_ERR_NO_SHARED_GROUP.
 */
TLS_RESULT tls12_pick_group(const struct tls_client_hello *ch, uint16_t *group);

struct tls12_choice {
	const struct tls_cert *cert;
	uint16_t suite;
	uint16_t sigscheme; /* signs the ServerKeyExchange */
};

/*
 * A certificate (SNI match first, then any: the first --cert is the
 * default; ECDSA only for a client that lists secp256r1, RFC 8422
 * §5.1), a signature scheme for its key from the client's
 * signature_algorithms (RFC 5246 §7.4.1.4.1) and our first suite that
 * authenticates with that key type and the client offers.
 */
TLS_RESULT tls12_pick_cert_suite(const struct tls_config *cfg,
                                 const struct tls_client_hello *ch,
                                 struct tls12_choice *out);

#endif /* TLS12_NEGOTIATE_H */
