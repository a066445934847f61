// SPDX-License-Identifier: MIT
/*
 * The TLS 1.2 ServerHello (RFC 5246 §7.4.1.3) and the server side of
 * the 1.2 extensions: renegotiation_info (RFC 5746 §3.6),
 * extended_master_secret (RFC 7627 §5.2), session_ticket (RFC 5077
 * §3.2), ALPN (RFC 7301 §3.1), server_name (RFC 6066 §3),
 * ec_point_formats (RFC 8422 §5.2) and record_size_limit (RFC 8449 §4).
 */
#include <string.h>

#include <openssl/rand.h>

#include "tls12_server.h"

/* RFC 8446 §4.1.3: the last 8 bytes when a 1.3 server negotiates 1.2. */
static const uint8_t tls12_downgrade_sentinel[8] = {0x44, 0x4f, 0x57, 0x4e,
                                                    0x47, 0x52, 0x44, 0x01};

tls_result tls12_server_random(const struct tls_config *cfg, uint8_t *random)
{
	TLS_ENSURE(RAND_bytes(random, TLS_RANDOM_LEN) == 1, TLS_ERR_CRYPTO);
	if (cfg->enable_tls13)
		memcpy(random + TLS_RANDOM_LEN - 8, tls12_downgrade_sentinel,
		       8);
	return TLS_OK;
}

static TLS_RESULT tls12_ext_empty(struct tls_writer *w, uint16_t type)
{
	TLS_GUARD(tls_write_u16(w, type));
	return tls_write_u16(w, 0);
}

static TLS_RESULT tls12_ext_alpn(struct tls_writer *w, const char *proto)
{
	size_t n = strlen(proto), m, l;

	/* RFC 7301 §3.1: a list of exactly one protocol name. */
	TLS_GUARD(tls_write_u16(w, TLS_EXT_ALPN));
	TLS_GUARD(tls_write_vector_begin(w, 2, &m));
	TLS_GUARD(tls_write_vector_begin(w, 2, &l));
	TLS_GUARD(tls_write_u8(w, (uint8_t)n));
	TLS_GUARD(tls_write_bytes(w, proto, n));
	TLS_GUARD(tls_write_vector_end(w, 2, l));
	return tls_write_vector_end(w, 2, m);
}

static TLS_RESULT tls12_write_extensions(struct tls_conn *c,
                                         const struct tls_client_hello *ch,
                                         struct tls_writer *w)
{
	const struct tls_hs *hs = c->hs;
	size_t ext;

	/* §7.4.1.4: only extensions the client sent (plus the RFC 5746
	 * §3.6 exception: renegotiation_info answers the SCSV too). */
	TLS_GUARD(tls_write_vector_begin(w, 2, &ext));
	if (hs->s12.reneg_ext) {
		/* renegotiated_connection<0..255>, empty: initial handshake */
		TLS_GUARD(tls_write_u16(w, TLS_EXT_RENEGOTIATION_INFO));
		TLS_GUARD(tls_write_u16(w, 1));
		TLS_GUARD(tls_write_u8(w, 0));
	}
	/* RFC 7627 §5.2: required of every client, so always echoed. */
	TLS_GUARD(tls12_ext_empty(w, TLS_EXT_EXTENDED_MASTER_SECRET));
	if (hs->s12.issue_ticket)
		TLS_GUARD(tls12_ext_empty(w, TLS_EXT_SESSION_TICKET));
	if (c->alpn)
		TLS_GUARD(tls12_ext_alpn(w, c->alpn));
	/* RFC 6066 §3: empty when the name chose the certificate, and
	 * never when resuming. */
	if (ch->sni && !hs->resumed &&
	    tls_cert_matches(hs->cert, ch->sni, ch->sni_len))
		TLS_GUARD(tls12_ext_empty(w, TLS_EXT_SERVER_NAME));
	if (tls_ch_has(ch, TLS_EXTID_EC_POINT_FORMATS)) {
		/* RFC 8422 §5.2: ec_point_format_list { uncompressed } */
		TLS_GUARD(tls_write_u16(w, TLS_EXT_EC_POINT_FORMATS));
		TLS_GUARD(tls_write_u16(w, 2));
		TLS_GUARD(tls_write_u8(w, 1));
		TLS_GUARD(tls_write_u8(w, 0));
	}
	if (ch->record_size_limit) {
		/* RFC 8449 §4: our limit, the TLS 1.2 maximum 2^14. */
		TLS_GUARD(tls_write_u16(w, TLS_EXT_RECORD_SIZE_LIMIT));
		TLS_GUARD(tls_write_u16(w, 2));
		TLS_GUARD(tls_write_u16(w, TLS_MAX_PLAINTEXT));
	}
	return tls_write_vector_end(w, 2, ext);
}

tls_result tls12_build_server_hello(struct tls_conn *c,
                                    const struct tls_client_hello *ch,
                                    struct tls_writer *w)
{
	const struct tls_hs *hs = c->hs;
	size_t msg;

	TLS_GUARD(tls_write_u8(w, TLS_HS_SERVER_HELLO));
	TLS_GUARD(tls_write_vector_begin(w, 3, &msg));
	/* RFC 8446 §4.2.1: a 1.2 ServerHello has no supported_versions. */
	TLS_GUARD(tls_write_u16(w, TLS_VERSION_12));
	TLS_GUARD(tls_write_bytes(w, hs->s12.server_random, TLS_RANDOM_LEN));
	/*
	 * RFC 5077 §3.4: a resumed session echoes the client's session ID.
	 * A full handshake sends none: we keep no session cache, and an echo
	 * would tell the client we resumed.
	 */
	if (hs->resumed) {
		TLS_GUARD(tls_write_u8(w, ch->session_id_len));
		TLS_GUARD(
		    tls_write_bytes(w, ch->session_id, ch->session_id_len));
	} else {
		TLS_GUARD(tls_write_u8(w, 0));
	}
	TLS_GUARD(tls_write_u16(w, c->suite));
	TLS_GUARD(tls_write_u8(w, 0)); /* null compression, §7.4.1.2 */
	TLS_GUARD(tls12_write_extensions(c, ch, w));
	return tls_write_vector_end(w, 3, msg);
}
