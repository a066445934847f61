/* SPDX-License-Identifier: MIT */
/*
 * Server/client configuration: certificates with their precomputed
 * handshake messages (M2), the client-CA store for mTLS, ALPN, ticket
 * keys and the engine's switches.  Built once at load, read-only to
 * connections (except the ticket key ring, which rotates).
 */
#ifndef TLS_CONFIG_H
#define TLS_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "tls_offload.h"

#define TLS_MAX_CERTS       8
#define TLS_MAX_CERT_NAMES  16
#define TLS_MAX_ALPN        4
#define TLS_TICKET_KEYS     3
#define TLS_TICKET_NAME_LEN 16
#define TLS_TICKET_LIFETIME 7200 /* seconds, RFC 8446 §4.6.1 allows 7d */

enum tls_key_type {
	TLS_KEY_ECDSA_P256,
	TLS_KEY_RSA,
};

struct tls_cert {
	X509 *leaf;
	STACK_OF(X509) * chain; /* intermediates, may be empty */
	EVP_PKEY *key;
	enum tls_key_type type;
	char *names[TLS_MAX_CERT_NAMES]; /* DNS SANs, or the CN */
	unsigned nnames;
	/* M2: the messages built once at load (with handshake headers). */
	uint8_t *cert13; /* TLS 1.3 Certificate, RFC 8446 §4.4.2 */
	size_t cert13_len;
	uint8_t *cert12; /* TLS 1.2 Certificate, RFC 5246 §7.4.2 */
	size_t cert12_len;
};

#define TLS_TICKET_SECRET_LEN 32 /* AES-256-GCM */

struct tls_ticket_key {
	uint8_t name[TLS_TICKET_NAME_LEN];
	/* kept so a reloaded configuration can take over the ring */
	uint8_t secret[TLS_TICKET_SECRET_LEN];
	struct tls_aead_key seal, open;
	time_t created;
	bool valid;
};

struct tls_config {
	struct tls_offload *off;
	struct tls_cert certs[TLS_MAX_CERTS];
	unsigned ncerts;
	/* mTLS */
	X509_STORE *client_ca;
	uint8_t *cert_req13; /* TLS 1.3 CertificateRequest, §4.3.2 */
	size_t cert_req13_len;
	uint8_t *cert_req12; /* TLS 1.2 CertificateRequest, RFC 5246 §7.4.4 */
	size_t cert_req12_len;
	/* client side: trust anchors for the server chain */
	X509_STORE *server_ca;
	/* ALPN protocols we accept, in preference order */
	char *alpn[TLS_MAX_ALPN];
	unsigned nalpn;
	/* tickets: [0] is current, the rest still decrypt */
	struct tls_ticket_key tickets[TLS_TICKET_KEYS];
	unsigned ticket_rotate_secs;
	bool tickets_enabled;
	/* the ring comes from outside (a ticket-key file): never rotate */
	bool ticket_keys_external;
	/* switches */
	bool incremental_transcript;
	bool enable_tls12;
	bool enable_tls13;
};

TLS_RESULT tls_config_init(struct tls_config *cfg, struct tls_offload *off);
void tls_config_free(struct tls_config *cfg);
/* Load a PEM certificate chain and its PEM private key; build M2 messages. */
TLS_RESULT tls_config_add_cert(struct tls_config *cfg, const char *cert_file,
                               const char *key_file);
/* Require client certificates issued by the PEM CA file (mTLS). */
TLS_RESULT tls_config_set_client_ca(struct tls_config *cfg,
                                    const char *ca_file);
TLS_RESULT tls_config_set_server_ca(struct tls_config *cfg,
                                    const char *ca_file);
TLS_RESULT tls_config_add_alpn(struct tls_config *cfg, const char *proto);

/* tls_cert_names.c: fill c->names from the leaf (DNS SANs, else CN). */
TLS_RESULT tls_cert_names(struct tls_cert *c);
/* Does the certificate cover the server name (RFC 6125 §6.4)? */
bool tls_cert_matches(const struct tls_cert *c, const uint8_t *name,
                      size_t len);

/* tls_ticket.c: rotate when the current key is older than the period. */
TLS_RESULT tls_ticket_keys_rotate(struct tls_config *cfg, time_t now);
/*
 * Replace the ring with n (1..TLS_TICKET_KEYS) keys, newest (the one that
 * seals) first; created[i] is when key i was made.  With external set the
 * ring no longer rotates by itself: whoever supplies it rotates it.
 */
TLS_RESULT tls_ticket_keys_set(struct tls_config *cfg,
                               const uint8_t (*names)[TLS_TICKET_NAME_LEN],
                               const uint8_t (*secrets)[TLS_TICKET_SECRET_LEN],
                               const time_t *created, unsigned n,
                               bool external);
/* dst takes src's ring (a reloaded configuration keeps tickets valid). */
TLS_RESULT tls_ticket_keys_copy(struct tls_config *dst,
                                const struct tls_config *src);

/* The detail of the last tls_config_* failure, for the user. */
const char *tls_config_error(void);

#endif /* TLS_CONFIG_H */
