/* SPDX-License-Identifier: MIT */
/*
 * The client's view of the server's hello: a strict ServerHello /
 * HelloRetryRequest parser (RFC 8446 §4.1.3-§4.1.4, RFC 5246 §7.4.1.3)
 * that checks every field against what our ClientHello offered, and the
 * extension-block walker shared with EncryptedExtensions.
 *
 * Everything parsed is a view into the received message; nothing is
 * copied.  A server may only answer what we asked (RFC 8446 §4.2):
 * an extension we did not send is unsupported_extension, one we sent
 * but that does not belong in this message is illegal_parameter.
 */
#ifndef TLS_SERVER_HELLO_H
#define TLS_SERVER_HELLO_H

#include "tls_buf.h"
#include "tls_client_hello.h"
#include "tls_proto.h"

#define TLS_OFFER_MAX_SUITES 16
#define TLS_OFFER_MAX_GROUPS 2

/* What our ClientHello said: every server message is checked against it. */
struct tls_client_offer {
	bool v13, v12; /* versions in supported_versions / legacy_version */
	uint16_t suites[TLS_OFFER_MAX_SUITES];
	unsigned nsuites;
	uint16_t groups[TLS_OFFER_MAX_GROUPS]; /* supported_groups */
	unsigned ngroups;
	uint16_t share_group; /* the group of our single key_share */
	uint32_t sent;        /* bit per enum tls_ext_id we sent */
	uint8_t session_id[TLS_MAX_SESSION_ID];
	uint8_t session_id_len;
	unsigned npsks; /* identities in our pre_shared_key */
	char *const *alpn;
	unsigned nalpn;
	/* after a HelloRetryRequest (RFC 8446 §4.1.4) */
	bool after_hrr;
	uint16_t hrr_suite;
};

static inline bool tls_offer_sent(const struct tls_client_offer *o,
                                  enum tls_ext_id id)
{
	return o->sent & (1u << id);
}

/* One extension block of a server message, by enum tls_ext_id. */
struct tls_server_exts {
	uint32_t seen;
	struct tls_reader data[TLS_EXTID_COUNT];
};

static inline bool tls_sx_has(const struct tls_server_exts *x,
                              enum tls_ext_id id)
{
	return x->seen & (1u << id);
}

/*
 * Walk Extension extensions<..> in block.  RFC 8446 §4.2: a type we did
 * not send (sent mask) is TLS_ERR_BAD_EXTENSION (unsupported_extension);
 * one we sent that is not in allowed is TLS_ERR_ILLEGAL_PARAM; a repeated
 * type is TLS_ERR_DUP_EXTENSION.
 */
TLS_RESULT tls_server_exts_parse(struct tls_reader *block, uint32_t sent,
                                 uint32_t allowed, struct tls_server_exts *x);

/*
 * ALPN in a server message (RFC 7301 §3.1): exactly one protocol, and one
 * we offered; *chosen points at our copy of its name.
 */
TLS_RESULT tls_server_alpn_parse(struct tls_reader *r,
                                 const struct tls_client_offer *o,
                                 const char **chosen);

struct tls_server_hello {
	const uint8_t *msg; /* the whole message, header included */
	size_t len;
	uint16_t version; /* negotiated: TLS_VERSION_13 or TLS_VERSION_12 */
	bool hrr;         /* HelloRetryRequest (§4.1.3 special random) */
	const uint8_t *random;
	const uint8_t *session_id;
	uint8_t session_id_len;
	uint16_t suite;
	struct tls_server_exts exts;
	/* key_share: the server's share, or the group an HRR asks for */
	uint16_t group;
	const uint8_t *share;
	size_t share_len;
	bool psk_selected;     /* pre_shared_key: selected_identity 0 */
	const uint8_t *cookie; /* HRR cookie extension_data, as received */
	size_t cookie_len;
	/* TLS 1.2 */
	bool ems, ticket_promised, reneg_ok;
	const char *alpn;
};

/*
 * Parse msg (type 2, header included, exactly one message) and check it
 * against the offer.  Errors carry the alert RFC 8446 names: a version we
 * did not offer is protocol_version; a TLS 1.2 answer to a 1.3-capable
 * hello with the downgrade sentinel (§4.1.3) is illegal_parameter; a
 * second HelloRetryRequest is unexpected_message.
 */
TLS_RESULT tls_server_hello_parse(const uint8_t *msg, size_t len,
                                  const struct tls_client_offer *o,
                                  struct tls_server_hello *sh);

#endif /* TLS_SERVER_HELLO_H */
