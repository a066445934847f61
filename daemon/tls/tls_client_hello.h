/* SPDX-License-Identifier: MIT */
/*
 * ClientHello parsing (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) and the
 * ClientHello extensions we understand, one file per extension
 * (tls_ext_*.c).  Everything parsed is a view into the received message;
 * nothing is copied.  Unknown extensions are ignored (§4.2), duplicates
 * and malformed ones are refused with the RFC's alert.
 */
#ifndef TLS_CLIENT_HELLO_H
#define TLS_CLIENT_HELLO_H

#include "tls_buf.h"
#include "tls_proto.h"

#define TLS_CH_MAX_GROUPS 32
#define TLS_CH_MAX_SHARES 8
#define TLS_CH_MAX_PSKS   4

struct tls_key_share {
	uint16_t group;
	const uint8_t *key;
	size_t len;
};

struct tls_psk_identity {
	const uint8_t *identity;
	size_t len;
	uint32_t obfuscated_age;
	const uint8_t *binder;
	size_t binder_len;
};

struct tls_client_hello {
	const uint8_t *msg; /* the whole message, header included */
	size_t len;
	uint16_t legacy_version;
	const uint8_t *random;
	const uint8_t *session_id;
	uint8_t session_id_len;
	const uint8_t *suites;
	size_t suites_len;
	bool only_null_compression;
	uint32_t seen; /* bit per enum tls_ext_id */
	/* supported_versions (§4.2.1) */
	bool offers13, offers12;
	/* supported_groups (§4.2.7) and key_share (§4.2.8) */
	uint16_t groups[TLS_CH_MAX_GROUPS];
	unsigned ngroups;
	struct tls_key_share shares[TLS_CH_MAX_SHARES];
	unsigned nshares;
	/* signature_algorithms (§4.2.3): the raw 2-byte list */
	const uint8_t *sigalgs;
	size_t sigalgs_len;
	/* server_name (RFC 6066 §3) */
	const uint8_t *sni;
	size_t sni_len;
	/* ALPN (RFC 7301 §3.1): the raw protocol_name_list */
	const uint8_t *alpn;
	size_t alpn_len;
	/* record_size_limit (RFC 8449 §4) */
	uint16_t record_size_limit;
	/* psk_key_exchange_modes (§4.2.9) and pre_shared_key (§4.2.11) */
	bool psk_dhe_ke, psk_ke;
	struct tls_psk_identity psks[TLS_CH_MAX_PSKS];
	unsigned npsks;
	size_t binders_offset; /* the truncated ClientHello ends here */
	/* TLS 1.2: session ticket (RFC 5077), renegotiation_info (RFC 5746) */
	const uint8_t *ticket;
	size_t ticket_len;
	bool scsv_reneg, fallback_scsv;
};

enum tls_ext_id {
	TLS_EXTID_SERVER_NAME,
	TLS_EXTID_SUPPORTED_GROUPS,
	TLS_EXTID_EC_POINT_FORMATS,
	TLS_EXTID_SIGNATURE_ALGORITHMS,
	TLS_EXTID_ALPN,
	TLS_EXTID_EMS,
	TLS_EXTID_RECORD_SIZE_LIMIT,
	TLS_EXTID_SESSION_TICKET,
	TLS_EXTID_PRE_SHARED_KEY,
	TLS_EXTID_EARLY_DATA,
	TLS_EXTID_SUPPORTED_VERSIONS,
	TLS_EXTID_COOKIE,
	TLS_EXTID_PSK_MODES,
	TLS_EXTID_KEY_SHARE,
	TLS_EXTID_RENEGOTIATION_INFO,
	TLS_EXTID_COUNT
};

static inline bool tls_ch_has(const struct tls_client_hello *ch,
                              enum tls_ext_id id)
{
	return ch->seen & (1u << id);
}

/* Parse msg (type 1, header included, exactly one message). */
TLS_RESULT tls_client_hello_parse(const uint8_t *msg, size_t len,
                                  struct tls_client_hello *ch);
/* Does the ClientHello offer this cipher suite? */
bool tls_client_hello_has_suite(const struct tls_client_hello *ch,
                                uint16_t suite);

/* Per-extension parsers (tls_ext_*.c); r holds extension_data. */
TLS_RESULT tls_ext_versions_parse(struct tls_client_hello *ch,
                                  struct tls_reader *r);
TLS_RESULT tls_ext_groups_parse(struct tls_client_hello *ch,
                                struct tls_reader *r);
TLS_RESULT tls_ext_key_share_parse(struct tls_client_hello *ch,
                                   struct tls_reader *r);
TLS_RESULT tls_ext_sigalgs_parse(struct tls_client_hello *ch,
                                 struct tls_reader *r);
TLS_RESULT tls_ext_sni_parse(struct tls_client_hello *ch, struct tls_reader *r);
TLS_RESULT tls_ext_alpn_parse(struct tls_client_hello *ch,
                              struct tls_reader *r);
TLS_RESULT tls_ext_rsl_parse(struct tls_client_hello *ch, struct tls_reader *r);
TLS_RESULT tls_ext_psk_modes_parse(struct tls_client_hello *ch,
                                   struct tls_reader *r);
TLS_RESULT tls_ext_psk_parse(struct tls_client_hello *ch, struct tls_reader *r);
TLS_RESULT tls_ext_ems_parse(struct tls_client_hello *ch, struct tls_reader *r);
TLS_RESULT tls_ext_reneg_parse(struct tls_client_hello *ch,
                               struct tls_reader *r);
TLS_RESULT tls_ext_point_formats_parse(struct tls_client_hello *ch,
                                       struct tls_reader *r);
TLS_RESULT tls_ext_ticket_parse(struct tls_client_hello *ch,
                                struct tls_reader *r);

/* Is group in the client's supported_groups? */
bool tls_client_hello_has_group(const struct tls_client_hello *ch,
                                uint16_t group);
/*
 * ALPN: the first of our protocols (in our order) that the client offers;
 * *chosen = NULL when the client sent no ALPN.  TLS_ERR_NO_ALPN when it
 * did and nothing overlaps (RFC 7301 §3.2).
 */
TLS_RESULT tls_ext_alpn_select(const struct tls_client_hello *ch,
                               char *const *ours, unsigned nours,
                               const char **chosen);

#endif /* TLS_CLIENT_HELLO_H */
