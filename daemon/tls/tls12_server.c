// SPDX-License-Identifier: MIT
/*
 * TLS 1.2 server: the ClientHello (RFC 5246 §7.4.1.2), the first flight
 * built whole and sent in one write (M2), the message dispatch (§7.3)
 * and the refusal of renegotiation (§7.2.2).
 */
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "tls12_server.h"

/* RFC 5246 §7.4.5: ServerHelloDone is empty; this constant is its M2 copy. */
static const uint8_t tls12_server_hello_done[TLS_HS_HEADER_LEN] = {
    TLS_HS_SERVER_HELLO_DONE, 0, 0, 0};

/* The messages of the flight, referenced where they live (M1). */
struct tls12_flight {
	struct tls_iov iov[5];
	size_t n;
};

static TLS_RESULT tls12_flight_add(struct tls_conn *c, struct tls12_flight *f,
                                   const uint8_t *msg, size_t len)
{
	TLS_ENSURE(f->n < sizeof(f->iov) / sizeof(f->iov[0]), TLS_ERR_INTERNAL);
	f->iov[f->n++] = (struct tls_iov){msg, len};
	return tls_transcript_add(&c->tr, msg, len);
}

/*
 * ServerHello, Certificate (precomputed), ServerKeyExchange,
 * CertificateRequest (precomputed, mTLS) and ServerHelloDone
 * (precomputed), sealed into records together: one write.
 */
static TLS_RESULT tls12_server_full(struct tls_conn *c,
                                    const struct tls_client_hello *ch)
{
	struct tls_offload *o = c->off;
	struct tls_hs *hs = c->hs;
	uint8_t pub[TLS_ECDH_MAX_PUB];
	size_t pub_len = sizeof(pub), start;
	struct tls12_flight f = {.n = 0};
	struct tls_writer w;

	TLS_GUARD(o->ops->ecdh_keygen(o, hs->group, &hs->ecdh, pub, &pub_len));
	tls_writer_init(&w, hs->build, sizeof(hs->build));
	TLS_GUARD(tls12_build_server_hello(c, ch, &w));
	TLS_GUARD(tls12_flight_add(c, &f, w.data, w.len));
	TLS_GUARD(
	    tls12_flight_add(c, &f, hs->cert->cert12, hs->cert->cert12_len));
	start = w.len;
	TLS_GUARD(tls12_build_server_key_exchange(c, pub, pub_len, &w));
	TLS_GUARD(tls12_flight_add(c, &f, w.data + start, w.len - start));
	if (hs->client_auth)
		TLS_GUARD(tls12_flight_add(c, &f, c->cfg->cert_req12,
		                           c->cfg->cert_req12_len));
	TLS_GUARD(tls12_flight_add(c, &f, tls12_server_hello_done,
	                           sizeof(tls12_server_hello_done)));
	hs->build_len = w.len;
	TLS_GUARD(tls_conn_write_records(c, TLS_CT_HANDSHAKE, f.iov, f.n));
	c->state = hs->client_auth ? TLS_ST_SERVER_CERT : TLS_ST_SERVER_CKE;
	return TLS_OK;
}

/* Resume from the client's ticket when it is usable (RFC 5077 §3.4). */
static void tls12_try_resume(struct tls_conn *c,
                             const struct tls_client_hello *ch)
{
	struct tls_hs *hs = c->hs;
	struct tls_session s;

	if (!c->cfg->tickets_enabled || !ch->ticket_len)
		return;
	if (tls_is_ok(tls12_ticket_resume(c->cfg, ch, time(NULL), &s))) {
		hs->resumed = true;
		c->suite = s.suite;
		memcpy(hs->s12.master, s.secret, TLS12_MASTER_LEN);
	}
	OPENSSL_cleanse(&s, sizeof(s));
}

tls_result tls12_server_client_hello(struct tls_conn *c,
                                     const struct tls_client_hello *ch)
{
	struct tls_hs *hs = c->hs;
	struct tls12_hs *s12 = &hs->s12;
	struct tls12_choice pick;
	uint16_t version;

	TLS_GUARD(tls_negotiate_version(c->cfg, ch, &version));
	TLS_ENSURE(version == TLS_VERSION_12, TLS_ERR_INTERNAL);
	c->version = TLS_VERSION_12;
	TLS_GUARD(tls12_check_client_hello(c->cfg, ch));
	TLS_GUARD(
	    tls_ext_alpn_select(ch, c->cfg->alpn, c->cfg->nalpn, &c->alpn));
	tls12_try_resume(c, ch);
	if (!hs->resumed) {
		TLS_GUARD(tls12_pick_group(ch, &hs->group));
		TLS_GUARD(tls12_pick_cert_suite(c->cfg, ch, &pick));
		c->group = hs->group;
		c->suite = pick.suite;
		hs->cert = pick.cert;
		hs->sigscheme = pick.sigscheme;
		hs->client_auth = c->cfg->client_ca != NULL;
		/* RFC 5077 §3.2: a ticket only for a client that asked. */
		s12->issue_ticket = c->cfg->tickets_enabled &&
		                    tls_ch_has(ch, TLS_EXTID_SESSION_TICKET);
	}
	c->resumed = hs->resumed;
	tls12_suite_params(c->suite, &c->aead, &c->hash);
	tls_transcript_init(&c->tr, c->off, c->hash,
	                    c->cfg->incremental_transcript);
	TLS_GUARD(tls_transcript_add(&c->tr, ch->msg, ch->len));
	memcpy(s12->client_random, ch->random, TLS_RANDOM_LEN);
	/* RFC 5746 §3.6: the SCSV or the (empty) extension asks for ours. */
	s12->reneg_ext =
	    ch->scsv_reneg || tls_ch_has(ch, TLS_EXTID_RENEGOTIATION_INFO);
	if (ch->sni) {
		memcpy(c->sni, ch->sni, ch->sni_len);
		c->sni[ch->sni_len] = 0;
	}
	/* RFC 8449 §4: in TLS 1.2 the limit is plaintext, at most 2^14. */
	if (ch->record_size_limit && ch->record_size_limit < c->max_frag)
		c->max_frag = ch->record_size_limit;
	TLS_GUARD(tls12_server_random(c->cfg, s12->server_random));
	if (hs->resumed)
		return tls12_server_abbreviated(c, ch);
	return tls12_server_full(c, ch);
}

/*
 * RFC 5246 §7.2.2: "no_renegotiation: sent ... by the server in response
 * to a client hello after initial handshaking ... This message is always
 * a warning."  We never renegotiate (DESIGN.md §3): the hello is dropped
 * unread, the warning goes out and the connection carries on if the
 * client so chooses.  A client that asks again has been told: that is
 * handshake_failure.
 */
static TLS_RESULT tls12_refuse_renegotiation(struct tls_conn *c)
{
	static const uint8_t alert[2] = {1, TLS_ALERT_NO_RENEGOTIATION};
	struct tls_iov iov = {alert, sizeof(alert)};

	TLS_ENSURE(c->stats.renegotiations_refused == 0,
	           TLS_ERR_NO_RENEGOTIATION);
	c->stats.renegotiations_refused++;
	return tls_conn_write_records(c, TLS_CT_ALERT, &iov, 1);
}

/* RFC 5246 §7.3: the client's messages, in this order only. */
tls_result tls12_server_handshake(struct tls_conn *c, const uint8_t *msg,
                                  size_t len, size_t idx)
{
	uint8_t type = msg[0];

	switch (c->state) {
	case TLS_ST_SERVER_CERT:
		TLS_ENSURE(type == TLS_HS_CERTIFICATE, TLS_ERR_UNEXPECTED_MSG);
		return tls12_server_client_cert(c, msg, len);
	case TLS_ST_SERVER_CKE:
		TLS_ENSURE(type == TLS_HS_CLIENT_KEY_EXCHANGE,
		           TLS_ERR_UNEXPECTED_MSG);
		return tls12_server_client_key_exchange(c, msg, len, idx);
	case TLS_ST_SERVER_CV:
		TLS_ENSURE(type == TLS_HS_CERTIFICATE_VERIFY,
		           TLS_ERR_UNEXPECTED_MSG);
		return tls12_server_client_cv(c, msg, len, idx);
	case TLS_ST_SERVER_FINISHED:
		TLS_ENSURE(type == TLS_HS_FINISHED, TLS_ERR_UNEXPECTED_MSG);
		return tls12_server_client_finished(c, msg, len, idx);
	case TLS_ST_APP:
		TLS_ENSURE(type == TLS_HS_CLIENT_HELLO, TLS_ERR_UNEXPECTED_MSG);
		return tls12_refuse_renegotiation(c);
	default:
		/* e.g. a handshake message where the CCS is due */
		TLS_BAIL(TLS_ERR_UNEXPECTED_MSG);
	}
}
