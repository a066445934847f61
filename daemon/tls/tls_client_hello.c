// SPDX-License-Identifier: MIT
/* ClientHello framing and extension dispatch, RFC 8446 §4.1.2 and §4.2. */
#include <string.h>

#include "tls_client_hello.h"

struct tls_ext_handler {
	uint16_t type;
	enum tls_ext_id id;
	TLS_RESULT (*parse)(struct tls_client_hello *ch, struct tls_reader *r);
};

static TLS_RESULT tls_ext_flag_parse(struct tls_client_hello *ch,
                                     struct tls_reader *r)
{
	(void)ch;
	(void)r;
	return TLS_OK; /* presence is all we need (early_data, cookie) */
}

static const struct tls_ext_handler tls_ch_handlers[] = {
    {TLS_EXT_SERVER_NAME, TLS_EXTID_SERVER_NAME, tls_ext_sni_parse},
    {TLS_EXT_SUPPORTED_GROUPS, TLS_EXTID_SUPPORTED_GROUPS,
     tls_ext_groups_parse},
    {TLS_EXT_EC_POINT_FORMATS, TLS_EXTID_EC_POINT_FORMATS,
     tls_ext_point_formats_parse},
    {TLS_EXT_SIGNATURE_ALGORITHMS, TLS_EXTID_SIGNATURE_ALGORITHMS,
     tls_ext_sigalgs_parse},
    {TLS_EXT_ALPN, TLS_EXTID_ALPN, tls_ext_alpn_parse},
    {TLS_EXT_EXTENDED_MASTER_SECRET, TLS_EXTID_EMS, tls_ext_ems_parse},
    {TLS_EXT_RECORD_SIZE_LIMIT, TLS_EXTID_RECORD_SIZE_LIMIT, tls_ext_rsl_parse},
    {TLS_EXT_SESSION_TICKET, TLS_EXTID_SESSION_TICKET, tls_ext_ticket_parse},
    {TLS_EXT_PRE_SHARED_KEY, TLS_EXTID_PRE_SHARED_KEY, tls_ext_psk_parse},
    {TLS_EXT_EARLY_DATA, TLS_EXTID_EARLY_DATA, tls_ext_flag_parse},
    {TLS_EXT_SUPPORTED_VERSIONS, TLS_EXTID_SUPPORTED_VERSIONS,
     tls_ext_versions_parse},
    {TLS_EXT_COOKIE, TLS_EXTID_COOKIE, tls_ext_flag_parse},
    {TLS_EXT_PSK_KEY_EXCHANGE_MODES, TLS_EXTID_PSK_MODES,
     tls_ext_psk_modes_parse},
    {TLS_EXT_KEY_SHARE, TLS_EXTID_KEY_SHARE, tls_ext_key_share_parse},
    {TLS_EXT_RENEGOTIATION_INFO, TLS_EXTID_RENEGOTIATION_INFO,
     tls_ext_reneg_parse},
};

#define TLS_CH_MAX_EXTS 64

static TLS_RESULT tls_ch_extensions(struct tls_client_hello *ch,
                                    struct tls_reader *exts)
{
	struct {
		const struct tls_ext_handler *h;
		struct tls_reader data;
	} known[TLS_EXTID_COUNT];
	uint16_t types[TLS_CH_MAX_EXTS];
	unsigned ntypes = 0, nknown = 0;

	while (tls_reader_left(exts)) {
		uint16_t type;
		struct tls_reader data;

		/* §4.2.11: pre_shared_key MUST be the last extension. */
		TLS_ENSURE(!tls_ch_has(ch, TLS_EXTID_PRE_SHARED_KEY),
		           TLS_ERR_PSK_NOT_LAST);
		TLS_GUARD(tls_read_u16(exts, &type));
		TLS_GUARD(tls_read_vector(exts, 2, 0, 0xffff, &data));
		/* §4.2: at most one extension of each type, known or not. */
		for (unsigned i = 0; i < ntypes; i++)
			TLS_ENSURE(types[i] != type, TLS_ERR_DUP_EXTENSION);
		TLS_ENSURE(ntypes < TLS_CH_MAX_EXTS, TLS_ERR_DECODE);
		types[ntypes++] = type;
		for (size_t i = 0;
		     i < sizeof(tls_ch_handlers) / sizeof(tls_ch_handlers[0]);
		     i++) {
			const struct tls_ext_handler *h = &tls_ch_handlers[i];

			if (h->type != type)
				continue;
			ch->seen |= 1u << h->id;
			known[nknown].h = h;
			known[nknown].data = data;
			nknown++;
		}
	}
	/*
	 * Parse after framing, so parsers may rely on the whole set (the
	 * key_share check needs supported_groups whatever the order).
	 */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < nknown; i++) {
			bool late = known[i].h->id == TLS_EXTID_KEY_SHARE;

			if (late != (pass == 1))
				continue;
			TLS_GUARD(known[i].h->parse(ch, &known[i].data));
			TLS_GUARD(tls_reader_done(&known[i].data));
		}
	}
	return TLS_OK;
}

tls_result tls_client_hello_parse(const uint8_t *msg, size_t len,
                                  struct tls_client_hello *ch)
{
	struct tls_reader r, body, sid, suites, comp, exts;
	uint8_t type;
	uint32_t blen;

	memset(ch, 0, sizeof(*ch));
	ch->msg = msg;
	ch->len = len;
	tls_reader_init(&r, msg, len);
	TLS_GUARD(tls_read_u8(&r, &type));
	TLS_ENSURE(type == TLS_HS_CLIENT_HELLO, TLS_ERR_UNEXPECTED_MSG);
	TLS_GUARD(tls_read_u24(&r, &blen));
	TLS_ENSURE(blen == len - TLS_HS_HEADER_LEN, TLS_ERR_DECODE);
	tls_reader_init(&body, msg + TLS_HS_HEADER_LEN, blen);
	TLS_GUARD(tls_read_u16(&body, &ch->legacy_version));
	TLS_GUARD(tls_read_view(&body, TLS_RANDOM_LEN, &ch->random));
	TLS_GUARD(tls_read_vector(&body, 1, 0, TLS_MAX_SESSION_ID, &sid));
	ch->session_id = sid.data;
	ch->session_id_len = (uint8_t)sid.len;
	/* cipher_suites<2..2^16-2>: whole suites only */
	TLS_GUARD(tls_read_vector(&body, 2, 2, 0xfffe, &suites));
	TLS_ENSURE(suites.len % 2 == 0, TLS_ERR_DECODE);
	ch->suites = suites.data;
	ch->suites_len = suites.len;
	TLS_GUARD(tls_read_vector(&body, 1, 1, 0xff, &comp));
	ch->only_null_compression = comp.len == 1 && comp.data[0] == 0;
	/* RFC 5246 §7.4.1.2: null compression must be offered. */
	TLS_ENSURE(memchr(comp.data, 0, comp.len) != NULL,
	           TLS_ERR_ILLEGAL_PARAM);
	for (size_t i = 0; i < suites.len; i += 2) {
		uint16_t s = tls_get_u16(suites.data + i);

		ch->scsv_reneg |= s == TLS_EMPTY_RENEGOTIATION_SCSV;
		ch->fallback_scsv |= s == TLS_FALLBACK_SCSV;
	}
	if (!tls_reader_left(&body))
		return TLS_OK; /* a 1.2 hello may omit extensions */
	TLS_GUARD(tls_read_vector(&body, 2, 0, 0xffff, &exts));
	TLS_GUARD(tls_reader_done(&body));
	return tls_ch_extensions(ch, &exts);
}

bool tls_client_hello_has_suite(const struct tls_client_hello *ch,
                                uint16_t suite)
{
	for (size_t i = 0; i + 1 < ch->suites_len; i += 2)
		if (tls_get_u16(ch->suites + i) == suite)
			return true;
	return false;
}

bool tls_client_hello_has_group(const struct tls_client_hello *ch,
                                uint16_t group)
{
	for (unsigned i = 0; i < ch->ngroups; i++)
		if (ch->groups[i] == group)
			return true;
	return false;
}
