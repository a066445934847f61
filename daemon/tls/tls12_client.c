// SPDX-License-Identifier: MIT
/*
 * TLS 1.2 client (RFC 5246 §7.3 with RFC 7627 EMS, RFC 8422 ECDHE,
 * RFC 5077 tickets): the ServerHello decision (full or resumed), the
 * server's Certificate, ServerKeyExchange, CertificateRequest,
 * NewSessionTicket, ChangeCipherSpec and Finished, and the dispatch.
 * Our flight after ServerHelloDone is in tls12_client_flight.c.
 *
 *   -> ClientHello
 *   <- ServerHello Certificate ServerKeyExchange CertificateRequest*
 *      ServerHelloDone
 *   -> Certificate* ClientKeyExchange CertificateVerify* [CCS] Finished
 *                                                    (one write, M2)
 *   <- NewSessionTicket* [CCS] Finished
 * Resumed: -> ClientHello(ticket) <- ServerHello NewSessionTicket*
 *   [CCS] Finished -> [CCS] Finished.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "tls12_schedule.h"
#include "tls_client.h"
#include "tls_sigalgs.h"

#define TLS12_CURVE_NAMED             3 /* ECCurveType named_curve, RFC 8422 §5.4 */
/* RFC 5077 §3.3: a zero hint means "unspecified"; we keep it an hour. */
#define TLS12_DEFAULT_TICKET_LIFETIME 3600

/* RFC 5077 §3.4: the server echoes our session id to accept the ticket. */
static bool tls12_client_resuming(const struct tls_client *cl,
                                  const struct tls_server_hello *sh)
{
	return cl->offer.session_id_len &&
	       sh->session_id_len == cl->offer.session_id_len &&
	       memcmp(sh->session_id, cl->offer.session_id,
	              sh->session_id_len) == 0;
}

tls_result tls12_client_server_hello(struct tls_conn *c,
                                     const struct tls_server_hello *sh)
{
	struct tls_client *cl = c->client;
	struct tls_hs *hs = c->hs;

	/* DESIGN.md §3: EMS is required (RFC 7627 §5.3 allows aborting). */
	TLS_ENSURE(sh->ems, TLS_ERR_MISSING_EMS);
	c->version = TLS_VERSION_12;
	c->suite = sh->suite;
	tls12_suite_params(sh->suite, &c->aead, &c->hash);
	TLS_GUARD(tls_client_set_transcript_hash(c, c->hash));
	c->alpn = sh->alpn;
	memcpy(hs->s12.client_random, cl->client_random, TLS_RANDOM_LEN);
	memcpy(hs->s12.server_random, sh->random, TLS_RANDOM_LEN);
	cl->ticket_expected = sh->ticket_promised;
	if (!tls12_client_resuming(cl, sh)) {
		cl->step = TLS_CL12_WAIT_CERT;
		return TLS_OK;
	}
	/* Only a ticket we offered can be accepted, and with its suite. */
	TLS_ENSURE(cl->offered_resume && cl->resume.version == TLS_VERSION_12,
	           TLS_ERR_ILLEGAL_PARAM);
	TLS_ENSURE(sh->suite == cl->resume.suite && cl->resume.ems,
	           TLS_ERR_ILLEGAL_PARAM);
	memcpy(hs->s12.master, cl->resume.secret, TLS12_MASTER_LEN);
	/* RFC 5246 §6.3: new keys from the old master and new randoms. */
	TLS_GUARD(tls12_key_block(c->off, c->hash, c->aead, hs->s12.master,
	                          hs->s12.client_random, hs->s12.server_random,
	                          &hs->s12.keys));
	hs->resumed = c->resumed = true;
	cl->step =
	    cl->ticket_expected ? TLS_CL12_WAIT_NST_CCS : TLS_CL12_WAIT_CCS;
	return TLS_OK;
}

static TLS_RESULT tls12_client_cert(struct tls_conn *c, const uint8_t *msg,
                                    size_t len)
{
	struct tls_reader r;
	EVP_PKEY *key;
	bool ec;

	tls_reader_init(&r, msg + TLS_HS_HEADER_LEN, len - TLS_HS_HEADER_LEN);
	TLS_GUARD(tls_client_server_cert(c, &r, TLS_VERSION_12));
	/* §7.4.2: the key must suit the key exchange of the suite. */
	key = X509_get0_pubkey(c->hs->peer_leaf);
	ec = tls12_suite_auth(c->suite) == TLS_KEY_ECDSA_P256;
	TLS_ENSURE(key && EVP_PKEY_is_a(key, ec ? "EC" : "RSA"),
	           TLS_ERR_BAD_CERT);
	c->client->step = TLS_CL12_WAIT_SKE;
	return TLS_OK;
}

/* RFC 8422 §5.4: ServerECDHParams and their signature. */
static TLS_RESULT tls12_client_ske(struct tls_conn *c, const uint8_t *msg,
                                   size_t len)
{
	struct tls_client *cl = c->client;
	struct tls_hs *hs = c->hs;
	EVP_PKEY *key = X509_get0_pubkey(hs->peer_leaf);
	uint8_t signed_params[2 * TLS_RANDOM_LEN + 4 + TLS_ECDH_MAX_PUB];
	struct tls_reader r, point, sig;
	const uint8_t *params = msg + TLS_HS_HEADER_LEN;
	uint8_t curve_type;
	uint16_t group, scheme;
	size_t params_len;

	tls_reader_init(&r, params, len - TLS_HS_HEADER_LEN);
	TLS_GUARD(tls_read_u8(&r, &curve_type));
	TLS_GUARD(tls_read_u16(&r, &group));
	TLS_GUARD(tls_read_vector(&r, 1, 1, 255, &point));
	params_len = r.pos;
	TLS_GUARD(tls_read_u16(&r, &scheme));
	TLS_GUARD(tls_read_vector(&r, 2, 1, 0xffff, &sig));
	TLS_GUARD(tls_reader_done(&r));
	/* RFC 8422 §5.4: named curves only, and one we offered (§5.1.1). */
	TLS_ENSURE(
	    curve_type == TLS12_CURVE_NAMED &&
	        (group == TLS_GROUP_X25519 || group == TLS_GROUP_SECP256R1),
	    TLS_ERR_ILLEGAL_PARAM);
	TLS_ENSURE(group == TLS_GROUP_X25519
	               ? point.len == 32
	               : point.len == 65 && point.data[0] == 4,
	           TLS_ERR_BAD_KEY_SHARE);
	/* RFC 5246 §7.4.1.4.1: a scheme we offered, fitting the key. */
	TLS_ENSURE(key && tls_sigalg_ok(scheme, TLS_VERSION_12, key),
	           TLS_ERR_ILLEGAL_PARAM);
	memcpy(signed_params, hs->s12.client_random, TLS_RANDOM_LEN);
	memcpy(signed_params + TLS_RANDOM_LEN, hs->s12.server_random,
	       TLS_RANDOM_LEN);
	memcpy(signed_params + 2 * TLS_RANDOM_LEN, params, params_len);
	TLS_GUARD(c->off->ops->verify(c->off, key, scheme, signed_params,
	                              2 * TLS_RANDOM_LEN + params_len, sig.data,
	                              sig.len));
	cl->ske_group = group;
	memcpy(cl->ske_pub, point.data, point.len);
	cl->ske_pub_len = point.len;
	c->group = hs->group = group;
	cl->step = TLS_CL12_WAIT_CR_SHD;
	return TLS_OK;
}

/* RFC 5246 §7.4.4 */
static TLS_RESULT tls12_client_cr(struct tls_conn *c, const uint8_t *msg,
                                  size_t len)
{
	struct tls_client *cl = c->client;
	struct tls_reader r, types, algs, cas;

	tls_reader_init(&r, msg + TLS_HS_HEADER_LEN, len - TLS_HS_HEADER_LEN);
	TLS_GUARD(tls_read_vector(&r, 1, 1, 255, &types));
	TLS_GUARD(tls_read_vector(&r, 2, 2, 0xfffe, &algs));
	TLS_ENSURE(algs.len % 2 == 0, TLS_ERR_DECODE);
	TLS_GUARD(tls_read_vector(&r, 2, 0, 0xffff, &cas));
	TLS_GUARD(tls_reader_done(&r));
	while (tls_reader_left(&cas)) {
		struct tls_reader dn;

		TLS_GUARD(tls_read_vector(&cas, 2, 1, 0xffff, &dn));
	}
	cl->cr_sigalgs = algs.data;
	cl->cr_sigalgs_len = algs.len;
	cl->cert_requested = true;
	cl->step = TLS_CL12_WAIT_SHD;
	return TLS_OK;
}

/* RFC 5077 §3.3: kept, and usable once the server's Finished checks. */
static TLS_RESULT tls12_client_nst(struct tls_conn *c, const uint8_t *msg,
                                   size_t len)
{
	struct tls_client *cl = c->client;
	struct tls_client_session *s = &cl->session;
	struct tls_reader r, ticket;
	uint32_t hint;

	tls_reader_init(&r, msg + TLS_HS_HEADER_LEN, len - TLS_HS_HEADER_LEN);
	TLS_GUARD(tls_read_u32(&r, &hint));
	TLS_GUARD(tls_read_vector(&r, 2, 0, 0xffff, &ticket));
	TLS_GUARD(tls_reader_done(&r));
	memset(s, 0, sizeof(*s));
	/* An empty ticket: the server changed its mind (§3.3). */
	if (ticket.len && ticket.len <= TLS_CLIENT_TICKET_MAX) {
		s->lifetime = hint ? hint : TLS12_DEFAULT_TICKET_LIFETIME;
		s->ticket_len = (uint16_t)ticket.len;
		memcpy(s->ticket, ticket.data, ticket.len);
	}
	cl->step = TLS_CL12_WAIT_CCS;
	return TLS_OK;
}

tls_result tls12_client_ccs(struct tls_conn *c, const uint8_t *p, size_t n)
{
	struct tls_client *cl = c->client;
	struct tls_hs *hs = c->hs;

	/* §7.1: a single byte of value 1. */
	TLS_ENSURE(n == 1 && p[0] == 1, TLS_ERR_BAD_CCS);
	/* §7.3: only where it is due (after a promised ticket, RFC 5077
	 * §3.3), and never inside a handshake message. */
	TLS_ENSURE(hs && c->state == TLS_ST_CLIENT &&
	               cl->step == TLS_CL12_WAIT_CCS,
	           TLS_ERR_UNEXPECTED_MSG);
	TLS_ENSURE(c->hs_parsed == c->hs_end, TLS_ERR_INTERLEAVED);
	TLS_GUARD(tls_record_set_keys12(c->off, &c->rd, c->aead,
	                                hs->s12.keys.s_key, hs->s12.keys.s_iv,
	                                false));
	cl->step = TLS_CL12_WAIT_FINISHED;
	return TLS_OK;
}

/* The ticket (new, or the one we resumed with) becomes the session. */
static void tls12_client_keep_session(struct tls_conn *c)
{
	struct tls_client *cl = c->client;
	struct tls_client_session *s = &cl->session;

	if (!c->cfg->tickets_enabled)
		return;
	if (!s->ticket_len) {
		if (!c->resumed)
			return;
		*s = cl->resume;
	} else {
		s->version = TLS_VERSION_12;
		s->suite = c->suite;
		memcpy(s->secret, c->hs->s12.master, TLS12_MASTER_LEN);
		s->secret_len = TLS12_MASTER_LEN;
		s->ems = true;
		s->received_ms = tls_client_now_ms();
		memcpy(s->server_name, cl->server_name, sizeof(s->server_name));
	}
	cl->tickets++;
}

static TLS_RESULT tls12_client_finished(struct tls_conn *c, const uint8_t *msg,
                                        size_t len, size_t idx)
{
	struct tls_hs *hs = c->hs;
	uint8_t thash[TLS_MAX_HASH_LEN], want[TLS12_VERIFY_DATA_LEN];

	/* §7.4.9: verify_data is 12 bytes for all our suites. */
	TLS_ENSURE(len == TLS_HS_HEADER_LEN + TLS12_VERIFY_DATA_LEN,
	           TLS_ERR_DECODE);
	/* One digest call: through the message before, and through this
	 * one for our Finished when resuming (M1). */
	TLS_GUARD(tls_transcript_hash(&c->tr, idx, thash));
	TLS_GUARD(
	    tls12_finished(c->off, c->hash, hs->s12.master, true, thash, want));
	TLS_ENSURE(CRYPTO_memcmp(want, msg + TLS_HS_HEADER_LEN,
	                         TLS12_VERIFY_DATA_LEN) == 0,
	           TLS_ERR_BAD_FINISHED);
	if (c->resumed)
		TLS_GUARD(tls12_client_send_finished(c, idx + 1));
	tls12_client_keep_session(c);
	c->client->step = TLS_CL_DONE;
	tls_conn_handshake_done(c);
	return TLS_OK;
}

tls_result tls12_client_handle(struct tls_conn *c, const uint8_t *msg,
                               size_t len, size_t idx)
{
	struct tls_client *cl = c->client;
	uint8_t type = msg[0];

	switch (cl->step) {
	case TLS_CL12_WAIT_CERT:
		TLS_ENSURE(type == TLS_HS_CERTIFICATE, TLS_ERR_UNEXPECTED_MSG);
		return tls12_client_cert(c, msg, len);
	case TLS_CL12_WAIT_SKE:
		TLS_ENSURE(type == TLS_HS_SERVER_KEY_EXCHANGE,
		           TLS_ERR_UNEXPECTED_MSG);
		return tls12_client_ske(c, msg, len);
	case TLS_CL12_WAIT_CR_SHD:
		if (type == TLS_HS_CERTIFICATE_REQUEST)
			return tls12_client_cr(c, msg, len);
		/* fall through */
	case TLS_CL12_WAIT_SHD:
		TLS_ENSURE(type == TLS_HS_SERVER_HELLO_DONE,
		           TLS_ERR_UNEXPECTED_MSG);
		/* §7.4.5: ServerHelloDone is empty. */
		TLS_ENSURE(len == TLS_HS_HEADER_LEN, TLS_ERR_DECODE);
		return tls12_client_flight(c);
	case TLS_CL12_WAIT_NST_CCS:
		TLS_ENSURE(type == TLS_HS_NEW_SESSION_TICKET,
		           TLS_ERR_UNEXPECTED_MSG);
		return tls12_client_nst(c, msg, len);
	case TLS_CL12_WAIT_FINISHED:
		TLS_ENSURE(type == TLS_HS_FINISHED, TLS_ERR_UNEXPECTED_MSG);
		return tls12_client_finished(c, msg, len, idx);
	default: TLS_BAIL(TLS_ERR_UNEXPECTED_MSG);
	}
}
