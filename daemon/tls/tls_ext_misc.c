// SPDX-License-Identifier: MIT
/*
 * The small ClientHello extensions: signature_algorithms (RFC 8446
 * §4.2.3), record_size_limit (RFC 8449 §4), extended_master_secret
 * (RFC 7627 §5.1), renegotiation_info (RFC 5746 §3.6), ec_point_formats
 * (RFC 8422 §5.1.2) and session_ticket (RFC 5077 §3.2).
 */
#include <string.h>

#include "tls_client_hello.h"

tls_result tls_ext_sigalgs_parse(struct tls_client_hello *ch,
                                 struct tls_reader *r)
{
	struct tls_reader list;

	/* SignatureScheme supported_signature_algorithms<2..2^16-2> */
	TLS_GUARD(tls_read_vector(r, 2, 2, 0xfffe, &list));
	TLS_ENSURE(list.len % 2 == 0, TLS_ERR_DECODE);
	ch->sigalgs = list.data;
	ch->sigalgs_len = list.len;
	return TLS_OK;
}

tls_result tls_ext_rsl_parse(struct tls_client_hello *ch, struct tls_reader *r)
{
	uint16_t limit;

	TLS_GUARD(tls_read_u16(r, &limit));
	/* RFC 8449 §4: a value below 64 is an illegal_parameter. */
	TLS_ENSURE(limit >= 64, TLS_ERR_ILLEGAL_PARAM);
	ch->record_size_limit = limit;
	return TLS_OK;
}

tls_result tls_ext_ems_parse(struct tls_client_hello *ch, struct tls_reader *r)
{
	(void)ch;
	/* RFC 7627 §5.1: extension_data is empty. */
	TLS_ENSURE(tls_reader_left(r) == 0, TLS_ERR_DECODE);
	return TLS_OK;
}

tls_result tls_ext_reneg_parse(struct tls_client_hello *ch,
                               struct tls_reader *r)
{
	struct tls_reader conn;

	(void)ch;
	TLS_GUARD(tls_read_vector(r, 1, 0, 255, &conn));
	/*
	 * RFC 5746 §3.6: on an initial handshake renegotiated_connection
	 * must be empty, else handshake_failure.  We never renegotiate.
	 */
	TLS_ENSURE(conn.len == 0, TLS_ERR_NO_RENEGOTIATION);
	return TLS_OK;
}

tls_result tls_ext_point_formats_parse(struct tls_client_hello *ch,
                                       struct tls_reader *r)
{
	struct tls_reader list;

	(void)ch;
	TLS_GUARD(tls_read_vector(r, 1, 1, 255, &list));
	/* RFC 8422 §5.1.2: uncompressed (0) must be among them. */
	TLS_ENSURE(memchr(list.data, 0, list.len) != NULL,
	           TLS_ERR_ILLEGAL_PARAM);
	list.pos = list.len;
	return TLS_OK;
}

tls_result tls_ext_ticket_parse(struct tls_client_hello *ch,
                                struct tls_reader *r)
{
	/* RFC 5077 §3.2: the ticket, or empty to ask for one. */
	ch->ticket = tls_reader_ptr(r);
	ch->ticket_len = tls_reader_left(r);
	r->pos = r->len;
	return TLS_OK;
}
