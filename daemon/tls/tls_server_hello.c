// SPDX-License-Identifier: MIT
/*
 * ServerHello / HelloRetryRequest parsing and the server-extension
 * rules, RFC 8446 §4.1.3, §4.1.4, §4.2 and RFC 5246 §7.4.1.3; see
 * tls_server_hello.h.
 */
#include <string.h>

#include "tls_server_hello.h"

/* §4.1.3: SHA-256("HelloRetryRequest") as ServerHello.random. */
static const uint8_t tls_hrr_random[TLS_RANDOM_LEN] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
    0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* §4.1.3: "DOWNGRD" then 01 (TLS 1.2) or 00 (TLS 1.1 and below). */
static const uint8_t tls_downgrade_prefix[7] = {0x44, 0x4f, 0x57, 0x4e,
                                                0x47, 0x52, 0x44};

static const struct {
	uint16_t type;
	enum tls_ext_id id;
} tls_sx_ids[] = {
    {TLS_EXT_SERVER_NAME, TLS_EXTID_SERVER_NAME},
    {TLS_EXT_SUPPORTED_GROUPS, TLS_EXTID_SUPPORTED_GROUPS},
    {TLS_EXT_EC_POINT_FORMATS, TLS_EXTID_EC_POINT_FORMATS},
    {TLS_EXT_SIGNATURE_ALGORITHMS, TLS_EXTID_SIGNATURE_ALGORITHMS},
    {TLS_EXT_ALPN, TLS_EXTID_ALPN},
    {TLS_EXT_EXTENDED_MASTER_SECRET, TLS_EXTID_EMS},
    {TLS_EXT_RECORD_SIZE_LIMIT, TLS_EXTID_RECORD_SIZE_LIMIT},
    {TLS_EXT_SESSION_TICKET, TLS_EXTID_SESSION_TICKET},
    {TLS_EXT_PRE_SHARED_KEY, TLS_EXTID_PRE_SHARED_KEY},
    {TLS_EXT_EARLY_DATA, TLS_EXTID_EARLY_DATA},
    {TLS_EXT_SUPPORTED_VERSIONS, TLS_EXTID_SUPPORTED_VERSIONS},
    {TLS_EXT_COOKIE, TLS_EXTID_COOKIE},
    {TLS_EXT_PSK_KEY_EXCHANGE_MODES, TLS_EXTID_PSK_MODES},
    {TLS_EXT_KEY_SHARE, TLS_EXTID_KEY_SHARE},
    {TLS_EXT_RENEGOTIATION_INFO, TLS_EXTID_RENEGOTIATION_INFO},
};

#define TLS_BIT(id) (1u << (id))

tls_result tls_server_exts_parse(struct tls_reader *block, uint32_t sent,
                                 uint32_t allowed, struct tls_server_exts *x)
{
	memset(x, 0, sizeof(*x));
	while (tls_reader_left(block)) {
		uint16_t type;
		struct tls_reader data;
		int id = -1;

		TLS_GUARD(tls_read_u16(block, &type));
		TLS_GUARD(tls_read_vector(block, 2, 0, 0xffff, &data));
		for (size_t i = 0;
		     i < sizeof(tls_sx_ids) / sizeof(tls_sx_ids[0]); i++)
			if (tls_sx_ids[i].type == type)
				id = (int)tls_sx_ids[i].id;
		/* §4.2: only answers to what we asked; we send no others. */
		TLS_ENSURE(id >= 0 && (sent & TLS_BIT(id)),
		           TLS_ERR_BAD_EXTENSION);
		TLS_ENSURE(!(x->seen & TLS_BIT(id)), TLS_ERR_DUP_EXTENSION);
		/* §4.2: recognised but not specified for this message. */
		TLS_ENSURE(allowed & TLS_BIT(id), TLS_ERR_ILLEGAL_PARAM);
		x->seen |= TLS_BIT(id);
		x->data[id] = data;
	}
	return TLS_OK;
}

tls_result tls_server_alpn_parse(struct tls_reader *r,
                                 const struct tls_client_offer *o,
                                 const char **chosen)
{
	struct tls_reader list, name;

	/* RFC 7301 §3.1: the server's list holds exactly one name. */
	TLS_GUARD(tls_read_vector(r, 2, 2, 0xffff, &list));
	TLS_GUARD(tls_read_vector(&list, 1, 1, 0xff, &name));
	TLS_GUARD(tls_reader_done(&list));
	TLS_GUARD(tls_reader_done(r));
	for (unsigned i = 0; i < o->nalpn; i++) {
		if (strlen(o->alpn[i]) == name.len &&
		    memcmp(o->alpn[i], name.data, name.len) == 0) {
			*chosen = o->alpn[i];
			return TLS_OK;
		}
	}
	/* A protocol we did not offer. */
	TLS_BAIL(TLS_ERR_ILLEGAL_PARAM);
}

static bool tls_offer_has_suite(const struct tls_client_offer *o,
                                uint16_t suite)
{
	for (unsigned i = 0; i < o->nsuites; i++)
		if (o->suites[i] == suite)
			return true;
	return false;
}

static bool tls_offer_has_group(const struct tls_client_offer *o,
                                uint16_t group)
{
	for (unsigned i = 0; i < o->ngroups; i++)
		if (o->groups[i] == group)
			return true;
	return false;
}

static bool tls_suite_is13(uint16_t suite)
{
	return (suite >> 8) == 0x13;
}

/* §4.2.1: the negotiated version, from supported_versions or legacy. */
static TLS_RESULT tls_sh_version(struct tls_server_hello *sh,
                                 const struct tls_client_offer *o,
                                 uint16_t legacy)
{
	struct tls_reader *r = &sh->exts.data[TLS_EXTID_SUPPORTED_VERSIONS];
	uint16_t v;

	if (tls_sx_has(&sh->exts, TLS_EXTID_SUPPORTED_VERSIONS)) {
		TLS_GUARD(tls_read_u16(r, &v));
		TLS_GUARD(tls_reader_done(r));
		/* §4.2.1: a version not offered, or below 1.3. */
		TLS_ENSURE(v == TLS_VERSION_13 && o->v13,
		           TLS_ERR_ILLEGAL_PARAM);
		/* §4.1.3: legacy_version stays 0x0303. */
		TLS_ENSURE(legacy == TLS_VERSION_12, TLS_ERR_PROTOCOL_VERSION);
		sh->version = TLS_VERSION_13;
		return TLS_OK;
	}
	/* §4.1.4: a HelloRetryRequest always names the version. */
	TLS_ENSURE(!sh->hrr, TLS_ERR_MISSING_EXTENSION);
	TLS_ENSURE(legacy == TLS_VERSION_12 && o->v12,
	           TLS_ERR_PROTOCOL_VERSION);
	sh->version = TLS_VERSION_12;
	return TLS_OK;
}

/* §4.2.8: KeyShareServerHello, or KeyShareHelloRetryRequest. */
static TLS_RESULT tls_sh_key_share(struct tls_server_hello *sh,
                                   const struct tls_client_offer *o)
{
	struct tls_reader *r = &sh->exts.data[TLS_EXTID_KEY_SHARE];
	struct tls_reader key;

	TLS_GUARD(tls_read_u16(r, &sh->group));
	if (sh->hrr) {
		TLS_GUARD(tls_reader_done(r));
		/* A group we support, and not the share we already sent. */
		TLS_ENSURE(tls_offer_has_group(o, sh->group) &&
		               sh->group != o->share_group,
		           TLS_ERR_ILLEGAL_PARAM);
		return TLS_OK;
	}
	TLS_GUARD(tls_read_vector(r, 2, 1, 0xffff, &key));
	TLS_GUARD(tls_reader_done(r));
	/* The same group as the share we offered (after HRR: asked for). */
	TLS_ENSURE(sh->group == o->share_group, TLS_ERR_ILLEGAL_PARAM);
	/* §4.2.8.1-2: X25519 is 32 bytes; P-256 an uncompressed point. */
	if (sh->group == TLS_GROUP_X25519)
		TLS_ENSURE(key.len == 32, TLS_ERR_BAD_KEY_SHARE);
	else
		TLS_ENSURE(key.len == 65 && key.data[0] == 4,
		           TLS_ERR_BAD_KEY_SHARE);
	sh->share = key.data;
	sh->share_len = key.len;
	return TLS_OK;
}

static TLS_RESULT tls_sh_check13(struct tls_server_hello *sh,
                                 const struct tls_client_offer *o)
{
	struct tls_server_exts *x = &sh->exts;
	uint32_t allowed =
	    TLS_BIT(TLS_EXTID_SUPPORTED_VERSIONS) |
	    TLS_BIT(TLS_EXTID_KEY_SHARE) |
	    TLS_BIT(sh->hrr ? TLS_EXTID_COOKIE : TLS_EXTID_PRE_SHARED_KEY);

	TLS_ENSURE(!(x->seen & ~allowed), TLS_ERR_ILLEGAL_PARAM);
	TLS_ENSURE(tls_suite_is13(sh->suite), TLS_ERR_ILLEGAL_PARAM);
	/* §4.1.3: the echo must be exactly our legacy_session_id. */
	TLS_ENSURE(
	    sh->session_id_len == o->session_id_len &&
	        memcmp(sh->session_id, o->session_id, o->session_id_len) == 0,
	    TLS_ERR_ILLEGAL_PARAM);
	if (o->after_hrr) {
		/* §4.1.4: one HRR only, and the suite may not change. */
		TLS_ENSURE(!sh->hrr, TLS_ERR_UNEXPECTED_MSG);
		TLS_ENSURE(sh->suite == o->hrr_suite, TLS_ERR_ILLEGAL_PARAM);
	}
	if (tls_sx_has(x, TLS_EXTID_KEY_SHARE))
		TLS_GUARD(tls_sh_key_share(sh, o));
	if (sh->hrr) {
		struct tls_reader *r = &x->data[TLS_EXTID_COOKIE];
		struct tls_reader cookie;

		if (tls_sx_has(x, TLS_EXTID_COOKIE)) {
			sh->cookie = tls_reader_ptr(r);
			sh->cookie_len = tls_reader_left(r);
			/* §4.2.2: Cookie { opaque cookie<1..2^16-1> } */
			TLS_GUARD(tls_read_vector(r, 2, 1, 0xffff, &cookie));
			TLS_GUARD(tls_reader_done(r));
		}
		/* §4.1.4: an HRR that would change nothing is illegal. */
		TLS_ENSURE(sh->group || sh->cookie, TLS_ERR_ILLEGAL_PARAM);
		return TLS_OK;
	}
	/* We offer (EC)DHE modes only, so the server must send a share. */
	TLS_ENSURE(tls_sx_has(x, TLS_EXTID_KEY_SHARE),
	           TLS_ERR_MISSING_EXTENSION);
	if (tls_sx_has(x, TLS_EXTID_PRE_SHARED_KEY)) {
		struct tls_reader *r = &x->data[TLS_EXTID_PRE_SHARED_KEY];
		uint16_t idx;

		TLS_GUARD(tls_read_u16(r, &idx));
		TLS_GUARD(tls_reader_done(r));
		/* §4.2.11: selected_identity within what we offered. */
		TLS_ENSURE(idx < o->npsks, TLS_ERR_ILLEGAL_PARAM);
		sh->psk_selected = true;
	}
	return TLS_OK;
}

static TLS_RESULT tls_sh_empty(struct tls_reader *r)
{
	return tls_reader_done(r);
}

static TLS_RESULT tls_sh_check12(struct tls_server_hello *sh,
                                 const struct tls_client_offer *o)
{
	struct tls_server_exts *x = &sh->exts;
	uint32_t allowed = TLS_BIT(TLS_EXTID_SERVER_NAME) |
	                   TLS_BIT(TLS_EXTID_EC_POINT_FORMATS) |
	                   TLS_BIT(TLS_EXTID_ALPN) | TLS_BIT(TLS_EXTID_EMS) |
	                   TLS_BIT(TLS_EXTID_SESSION_TICKET) |
	                   TLS_BIT(TLS_EXTID_RENEGOTIATION_INFO);
	const uint8_t *tail = sh->random + TLS_RANDOM_LEN - 8;

	/*
	 * §4.1.3: a 1.3-capable client must refuse a 1.2 (or older)
	 * answer whose random ends in a downgrade sentinel.
	 */
	if (o->v13)
		TLS_ENSURE(memcmp(tail, tls_downgrade_prefix, 7) != 0 ||
		               tail[7] > 1,
		           TLS_ERR_DOWNGRADE);
	TLS_ENSURE(!(x->seen & ~allowed), TLS_ERR_ILLEGAL_PARAM);
	TLS_ENSURE(!tls_suite_is13(sh->suite), TLS_ERR_ILLEGAL_PARAM);
	/* RFC 6066 §3 and RFC 5077 §3.2: empty extension_data. */
	if (tls_sx_has(x, TLS_EXTID_SERVER_NAME))
		TLS_GUARD(tls_sh_empty(&x->data[TLS_EXTID_SERVER_NAME]));
	if (tls_sx_has(x, TLS_EXTID_SESSION_TICKET)) {
		TLS_GUARD(tls_sh_empty(&x->data[TLS_EXTID_SESSION_TICKET]));
		sh->ticket_promised = true;
	}
	/* RFC 7627 §5.1: empty. */
	if (tls_sx_has(x, TLS_EXTID_EMS)) {
		TLS_GUARD(tls_sh_empty(&x->data[TLS_EXTID_EMS]));
		sh->ems = true;
	}
	if (tls_sx_has(x, TLS_EXTID_RENEGOTIATION_INFO)) {
		struct tls_reader *r = &x->data[TLS_EXTID_RENEGOTIATION_INFO];
		struct tls_reader conn;

		TLS_GUARD(tls_read_vector(r, 1, 0, 255, &conn));
		TLS_GUARD(tls_reader_done(r));
		/* RFC 5746 §3.4: initial handshake, so it must be empty. */
		TLS_ENSURE(conn.len == 0, TLS_ERR_NO_RENEGOTIATION);
		sh->reneg_ok = true;
	}
	if (tls_sx_has(x, TLS_EXTID_EC_POINT_FORMATS)) {
		struct tls_reader *r = &x->data[TLS_EXTID_EC_POINT_FORMATS];
		struct tls_reader list;

		TLS_GUARD(tls_read_vector(r, 1, 1, 255, &list));
		TLS_GUARD(tls_reader_done(r));
		/* RFC 8422 §5.2: uncompressed must be among them. */
		TLS_ENSURE(memchr(list.data, 0, list.len) != NULL,
		           TLS_ERR_ILLEGAL_PARAM);
	}
	if (tls_sx_has(x, TLS_EXTID_ALPN))
		TLS_GUARD(tls_server_alpn_parse(&x->data[TLS_EXTID_ALPN], o,
		                                &sh->alpn));
	return TLS_OK;
}

tls_result tls_server_hello_parse(const uint8_t *msg, size_t len,
                                  const struct tls_client_offer *o,
                                  struct tls_server_hello *sh)
{
	struct tls_reader r, body, sid, exts;
	uint16_t legacy;
	uint8_t type, comp;
	uint32_t blen, sent;

	memset(sh, 0, sizeof(*sh));
	sh->msg = msg;
	sh->len = len;
	tls_reader_init(&r, msg, len);
	TLS_GUARD(tls_read_u8(&r, &type));
	TLS_ENSURE(type == TLS_HS_SERVER_HELLO, TLS_ERR_UNEXPECTED_MSG);
	TLS_GUARD(tls_read_u24(&r, &blen));
	TLS_ENSURE(blen == len - TLS_HS_HEADER_LEN, TLS_ERR_DECODE);
	tls_reader_init(&body, msg + TLS_HS_HEADER_LEN, blen);
	TLS_GUARD(tls_read_u16(&body, &legacy));
	TLS_GUARD(tls_read_view(&body, TLS_RANDOM_LEN, &sh->random));
	TLS_GUARD(tls_read_vector(&body, 1, 0, TLS_MAX_SESSION_ID, &sid));
	sh->session_id = sid.data;
	sh->session_id_len = (uint8_t)sid.len;
	TLS_GUARD(tls_read_u16(&body, &sh->suite));
	TLS_GUARD(tls_read_u8(&body, &comp));
	tls_reader_init(&exts, NULL, 0);
	/* RFC 5246 §7.4.1.3: a 1.2 hello may end here. */
	if (tls_reader_left(&body))
		TLS_GUARD(tls_read_vector(&body, 2, 0, 0xffff, &exts));
	TLS_GUARD(tls_reader_done(&body));
	sh->hrr = memcmp(sh->random, tls_hrr_random, TLS_RANDOM_LEN) == 0;
	/* §4.2: the HRR may carry a cookie we never sent. */
	sent = o->sent | (sh->hrr ? TLS_BIT(TLS_EXTID_COOKIE) : 0);
	TLS_GUARD(tls_server_exts_parse(&exts, sent, sent, &sh->exts));
	TLS_GUARD(tls_sh_version(sh, o, legacy));
	/* §4.1.3 / RFC 5246 §7.4.1.3: a suite we offered ... */
	TLS_ENSURE(tls_offer_has_suite(o, sh->suite), TLS_ERR_ILLEGAL_PARAM);
	/* ... and the null compression method, the only one we offer. */
	TLS_ENSURE(comp == 0, TLS_ERR_ILLEGAL_PARAM);
	if (sh->version == TLS_VERSION_13)
		return tls_sh_check13(sh, o);
	return tls_sh_check12(sh, o);
}
