// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the ClientHello extension parsers on their own, fed
 * fuzzer-controlled extension_data for each extension type, without the
 * ClientHello framing in front (tls_client_hello.c fuzzes that).
 *
 * Reaches: tls_ext_sni_parse, tls_ext_groups_parse, tls_ext_key_share_parse,
 * tls_ext_point_formats_parse, tls_ext_sigalgs_parse, tls_ext_alpn_parse,
 * tls_ext_alpn_select, tls_ext_ems_parse, tls_ext_rsl_parse,
 * tls_ext_ticket_parse, tls_ext_psk_parse, tls_ext_versions_parse,
 * tls_ext_psk_modes_parse, tls_ext_reneg_parse, tls_client_hello_has_group,
 * tls_read_* (tls_buf.c).
 *
 * Input: up to 8 entries of [selector u8][length u16][extension_data],
 * applied in order to one struct tls_client_hello (so key_share sees the
 * groups an earlier entry parsed, as in a real hello); the selector picks
 * the parser (modulo the table).  Each body is copied into a heap block of
 * exactly its length, so ASan sees any read past an extension's end.
 *
 * fuzz-sources: daemon/tls/*.c
 * fuzz-libs: -lcrypto
 * fuzz-exclude: daemon/tls/tlsd_*.c daemon/tls/tls_offload_card*.c daemon/tls/tls_card_thresh.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls_client_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ext_parser {
	enum tls_ext_id id;
	TLS_RESULT (*parse)(struct tls_client_hello *ch, struct tls_reader *r);
};

/* Selector order is the seed corpus's: keep it stable. */
static const struct ext_parser parsers[] = {
    {TLS_EXTID_SERVER_NAME, tls_ext_sni_parse},
    {TLS_EXTID_SUPPORTED_GROUPS, tls_ext_groups_parse},
    {TLS_EXTID_KEY_SHARE, tls_ext_key_share_parse},
    {TLS_EXTID_EC_POINT_FORMATS, tls_ext_point_formats_parse},
    {TLS_EXTID_SIGNATURE_ALGORITHMS, tls_ext_sigalgs_parse},
    {TLS_EXTID_ALPN, tls_ext_alpn_parse},
    {TLS_EXTID_EMS, tls_ext_ems_parse},
    {TLS_EXTID_RECORD_SIZE_LIMIT, tls_ext_rsl_parse},
    {TLS_EXTID_SESSION_TICKET, tls_ext_ticket_parse},
    {TLS_EXTID_PRE_SHARED_KEY, tls_ext_psk_parse},
    {TLS_EXTID_SUPPORTED_VERSIONS, tls_ext_versions_parse},
    {TLS_EXTID_PSK_MODES, tls_ext_psk_modes_parse},
    {TLS_EXTID_RENEGOTIATION_INFO, tls_ext_reneg_parse},
};

#define NPARSERS    (sizeof(parsers) / sizeof(parsers[0]))
#define MAX_ENTRIES 8

static int inside(const uint8_t *p, size_t n, const uint8_t *b, size_t len)
{
	return p >= b && n <= len && (size_t)(p - b) <= len - n;
}

/* Every view a successful parse left must lie inside its body. */
static void check_views(const struct tls_client_hello *ch, enum tls_ext_id id,
                        const uint8_t *b, size_t len)
{
	int ok = 1;

	switch (id) {
	case TLS_EXTID_SERVER_NAME:
		ok = !ch->sni || (inside(ch->sni, ch->sni_len, b, len) &&
		                  ch->sni_len >= 1 && ch->sni_len <= 255);
		break;
	case TLS_EXTID_SIGNATURE_ALGORITHMS:
		ok = inside(ch->sigalgs, ch->sigalgs_len, b, len);
		break;
	case TLS_EXTID_ALPN: ok = inside(ch->alpn, ch->alpn_len, b, len); break;
	case TLS_EXTID_SESSION_TICKET:
		ok = inside(ch->ticket, ch->ticket_len, b, len);
		break;
	case TLS_EXTID_PRE_SHARED_KEY:
		ok = ch->binders_offset <= len && ch->npsks <= TLS_CH_MAX_PSKS;
		for (unsigned i = 0; ok && i < ch->npsks; i++)
			ok = inside(ch->psks[i].identity, ch->psks[i].len, b,
			            len) &&
			     inside(ch->psks[i].binder, ch->psks[i].binder_len,
			            b, len);
		break;
	case TLS_EXTID_KEY_SHARE:
		ok = ch->nshares <= TLS_CH_MAX_SHARES;
		for (unsigned i = 0; ok && i < ch->nshares; i++)
			ok =
			    tls_client_hello_has_group(ch, ch->shares[i].group);
		break;
	default: break;
	}
	if (!ok)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_client_hello ch;
	char *ours[] = {(char *)"http/1.1", (char *)"h2"};
	const char *chosen;
	size_t pos = 0;

	memset(&ch, 0, sizeof(ch));
	for (int e = 0; e < MAX_ENTRIES && size - pos >= 3; e++) {
		const struct ext_parser *p = &parsers[data[pos] % NPARSERS];
		size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
		struct tls_reader r;
		uint8_t *body;
		tls_result res;

		pos += 3;
		if (len > size - pos)
			len = size - pos;
		/* malloc(0) may return NULL: keep one block per body. */
		body = malloc(len ? len : 1);
		if (!body)
			return 0;
		memcpy(body, data + pos, len);
		pos += len;
		/* The PSK binders offset is measured from the message. */
		ch.msg = body;
		ch.len = len;
		ch.seen |= 1u << p->id;
		tls_reader_init(&r, body, len);
		res = p->parse(&ch, &r);
		if (tls_is_ok(res) && tls_is_ok(tls_reader_done(&r))) {
			check_views(&ch, p->id, body, len);
			if (p->id == TLS_EXTID_ALPN)
				(void)tls_ext_alpn_select(&ch, ours, 2,
				                          &chosen);
		}
		/* Views into this body must not outlive it. */
		ch.sni = ch.sigalgs = ch.alpn = ch.ticket = NULL;
		ch.sni_len = ch.sigalgs_len = ch.alpn_len = ch.ticket_len = 0;
		ch.nshares = 0;
		ch.npsks = 0;
		free(body);
		if (tls_is_err(res))
			break;
	}
	return 0;
}
