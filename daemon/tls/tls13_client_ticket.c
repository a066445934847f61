// SPDX-License-Identifier: MIT
/*
 * TLS 1.3 NewSessionTicket on the client (RFC 8446 §4.6.1): the ticket
 * and the PSK derived from it become the connection's resumable
 * session, offered later with psk_dhe_ke (§4.2.9, §4.2.11).
 */
#include <string.h>

#include "tls13_schedule.h"
#include "tls_client.h"

/* §4.6.1: "Servers MUST NOT use any value greater than 604800". */
#define TLS13_MAX_TICKET_LIFETIME 604800

tls_result tls13_client_ticket(struct tls_conn *c, const uint8_t *msg,
                               size_t len)
{
	struct tls_client *cl = c->client;
	struct tls_client_session *s = &cl->session;
	struct tls_reader r, nonce, ticket, exts;
	uint32_t lifetime, age_add;
	size_t hl = tls_hash_len(c->hash);

	tls_reader_init(&r, msg + TLS_HS_HEADER_LEN, len - TLS_HS_HEADER_LEN);
	TLS_GUARD(tls_read_u32(&r, &lifetime));
	TLS_GUARD(tls_read_u32(&r, &age_add));
	TLS_GUARD(tls_read_vector(&r, 1, 0, 255, &nonce));
	TLS_GUARD(tls_read_vector(&r, 2, 1, 0xffff, &ticket));
	TLS_GUARD(tls_read_vector(&r, 2, 0, 0xfffe, &exts));
	TLS_GUARD(tls_reader_done(&r));
	/* Extensions: well-formed; unknown ones (all of them) ignored. */
	while (tls_reader_left(&exts)) {
		struct tls_reader data;
		uint16_t type;

		TLS_GUARD(tls_read_u16(&exts, &type));
		TLS_GUARD(tls_read_vector(&exts, 2, 0, 0xffff, &data));
	}
	TLS_ENSURE(lifetime <= TLS13_MAX_TICKET_LIFETIME,
	           TLS_ERR_ILLEGAL_PARAM);
	/* Zero lifetime: "discarded immediately"; oversized: not kept. */
	if (!c->cfg->tickets_enabled || !lifetime ||
	    ticket.len > TLS_CLIENT_TICKET_MAX)
		return TLS_OK;
	memset(s, 0, sizeof(*s));
	/* PSK = HKDF-Expand-Label(res_master, "resumption", nonce, Hash.length) */
	TLS_GUARD(tls13_expand_label(c->off, c->hash, c->res_master,
	                             "resumption", nonce.data, nonce.len,
	                             s->secret, hl));
	s->version = TLS_VERSION_13;
	s->suite = c->suite;
	s->secret_len = (uint8_t)hl;
	s->received_ms = tls_client_now_ms();
	s->lifetime = lifetime;
	s->age_add = age_add;
	s->ticket_len = (uint16_t)ticket.len;
	memcpy(s->ticket, ticket.data, ticket.len);
	memcpy(s->server_name, cl->server_name, sizeof(s->server_name));
	cl->tickets++;
	return TLS_OK;
}
