// SPDX-License-Identifier: MIT
/*
 * TLS 1.2 session tickets (RFC 5077) on the engine's rotating,
 * authenticated ticket keys (tls_ticket.c): the NewSessionTicket we send
 * and the checks a ticket must pass before a session resumes.
 */
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "tls12_server.h"

tls_result tls12_ticket_resume(struct tls_config *cfg,
                               const struct tls_client_hello *ch, time_t now,
                               struct tls_session *s)
{
	/* Ours, unmodified (AEAD under a live key) and not expired. */
	TLS_GUARD(tls_ticket_open(cfg, ch->ticket, ch->ticket_len, now, s));
	TLS_ENSURE(s->version == TLS_VERSION_12 &&
	               s->secret_len == TLS12_MASTER_LEN,
	           TLS_ERR_DECODE);
	/* RFC 7627 §5.3: a session made without EMS is never resumed; the
	 * client gets a full handshake instead. */
	TLS_ENSURE(s->ems, TLS_ERR_MISSING_EMS);
	/* RFC 5246 §7.4.1.2: the client must still offer the suite. */
	TLS_ENSURE(tls12_suite_known(s->suite) &&
	               tls_client_hello_has_suite(ch, s->suite),
	           TLS_ERR_NO_SHARED_CIPHER);
	/* RFC 6066 §3: "MUST NOT accept the request to resume the session
	 * if the server_name extension contains a different name". */
	TLS_ENSURE(s->sni_len == ch->sni_len &&
	               (!s->sni_len ||
	                strncasecmp((const char *)s->sni, (const char *)ch->sni,
	                            s->sni_len) == 0),
	           TLS_ERR_UNRECOGNIZED_NAME);
	return TLS_OK;
}

tls_result tls12_build_new_session_ticket(struct tls_conn *c,
                                          struct tls_writer *w)
{
	struct tls_session s;
	size_t msg, t, tlen, alpn_len = c->alpn ? strlen(c->alpn) : 0;
	size_t sni_len = strlen(c->sni);
	tls_result r;

	memset(&s, 0, sizeof(s));
	TLS_ENSURE(alpn_len <= sizeof(s.alpn) && sni_len <= sizeof(s.sni),
	           TLS_ERR_INTERNAL);
	s.version = TLS_VERSION_12;
	s.suite = c->suite;
	s.issued = (uint64_t)time(NULL);
	s.secret_len = TLS12_MASTER_LEN;
	memcpy(s.secret, c->hs->s12.master, TLS12_MASTER_LEN);
	s.ems = true;
	memcpy(s.alpn, c->alpn ? c->alpn : "", alpn_len);
	s.alpn_len = (uint8_t)alpn_len;
	memcpy(s.sni, c->sni, sni_len);
	s.sni_len = (uint8_t)sni_len;
	/* RFC 5077 §3.3: ticket_lifetime_hint, opaque ticket<0..2^16-1> */
	TLS_GUARD(tls_write_u8(w, TLS_HS_NEW_SESSION_TICKET));
	TLS_GUARD(tls_write_vector_begin(w, 3, &msg));
	TLS_GUARD(tls_write_u32(w, TLS_TICKET_LIFETIME));
	TLS_GUARD(tls_write_vector_begin(w, 2, &t));
	r = tls_ticket_seal(c->cfg, &s, tls_writer_ptr(w), w->cap - w->len,
	                    &tlen);
	OPENSSL_cleanse(&s, sizeof(s));
	TLS_GUARD(r);
	w->len += tlen;
	TLS_GUARD(tls_write_vector_end(w, 2, t));
	return tls_write_vector_end(w, 3, msg);
}
