// SPDX-License-Identifier: MIT
/*
 * TLS 1.3 server, second half: the client's Certificate,
 * CertificateVerify and Finished (RFC 8446 §4.4), the application
 * secrets (§7.1), NewSessionTicket (§4.6.1), KeyUpdate (§4.6.3) and the
 * handshake message dispatch.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tls13_schedule.h"
#include "tls13_server.h"
#include "tls_peer_cert.h"
#include "tls_sigalgs.h"
#include "tls_ticket.h"

/*
 * RFC 8446 §7.2 / Appendix A.2: right after sending its Finished the
 * server writes with server_application_traffic_secret_0, while it still
 * reads with the client handshake keys until the client's Finished.  The
 * secrets need the transcript hash through our Finished, which the first
 * flight does not otherwise compute; deriving them when the next record
 * of ours is built (an alert, or the client Finished's reply) puts the
 * same keys on the wire and keeps the flight at its M1 digest calls.
 */
tls_result tls13_server_app_write_keys(struct tls_conn *c)
{
	struct tls_offload *o = c->off;
	struct tls_hs *hs = c->hs;
	uint8_t thash[TLS_MAX_HASH_LEN];

	if (hs->app_write_keys)
		return TLS_OK;
	TLS_GUARD(tls_transcript_hash(&c->tr, hs->n_sf, thash));
	TLS_GUARD(tls13_derive_secret(o, c->hash, hs->master, "c ap traffic",
	                              thash, c->c_ap));
	TLS_GUARD(tls13_derive_secret(o, c->hash, hs->master, "s ap traffic",
	                              thash, c->s_ap));
	TLS_GUARD(tls_record_set_secret13(o, &c->wr, c->aead, c->hash, c->s_ap,
	                                  true));
	hs->app_write_keys = true;
	return TLS_OK;
}

tls_result tls13_server_client_cert(struct tls_conn *c, const uint8_t *msg,
                                    size_t len)
{
	struct tls_hs *hs = c->hs;
	struct tls_reader r, ctx;

	tls_reader_init(&r, msg + TLS_HS_HEADER_LEN, len - TLS_HS_HEADER_LEN);
	/* Our CertificateRequest had an empty context; it must echo. */
	TLS_GUARD(tls_read_vector(&r, 1, 0, 255, &ctx));
	TLS_ENSURE(ctx.len == 0, TLS_ERR_ILLEGAL_PARAM);
	TLS_GUARD(tls_peer_cert_parse(&r, TLS_VERSION_13, &hs->peer_leaf,
	                              &hs->peer_chain));
	TLS_GUARD(tls_reader_done(&r));
	/* §4.4.2.4: we require one; none gets certificate_required. */
	TLS_ENSURE(hs->peer_leaf, TLS_ERR_CERT_REQUIRED);
	TLS_GUARD(tls_peer_cert_verify(c->cfg->client_ca, hs->peer_leaf,
	                               hs->peer_chain, true, NULL));
	c->peer_cert_verified = true;
	c->state = TLS_ST_SERVER_CV;
	return TLS_OK;
}

tls_result tls13_server_client_cv(struct tls_conn *c, const uint8_t *msg,
                                  size_t len, size_t idx)
{
	struct tls_hs *hs = c->hs;
	struct tls_reader r, sig;
	uint8_t thash[TLS_MAX_HASH_LEN], content[64 + 34 + TLS_MAX_HASH_LEN];
	EVP_PKEY *key = X509_get0_pubkey(hs->peer_leaf);
	uint16_t scheme;
	size_t n;

	tls_reader_init(&r, msg + TLS_HS_HEADER_LEN, len - TLS_HS_HEADER_LEN);
	TLS_GUARD(tls_read_u16(&r, &scheme));
	TLS_GUARD(tls_read_vector(&r, 2, 1, 0xffff, &sig));
	TLS_GUARD(tls_reader_done(&r));
	/* §4.4.3: one of the schemes our CertificateRequest listed. */
	TLS_ENSURE(key && tls_sigalg_ok(scheme, TLS_VERSION_13, key),
	           TLS_ERR_ILLEGAL_PARAM);
	/* Signed: the transcript through the client's Certificate. */
	TLS_GUARD(tls_transcript_hash(&c->tr, idx, thash));
	n = tls13_cv_content(false, thash, tls_hash_len(c->hash), content);
	TLS_GUARD(c->off->ops->verify(c->off, key, scheme, content, n, sig.data,
	                              sig.len));
	c->state = TLS_ST_SERVER_FINISHED;
	return TLS_OK;
}

tls_result tls13_server_client_finished(struct tls_conn *c, const uint8_t *msg,
                                        size_t len, size_t idx)
{
	struct tls_offload *o = c->off;
	struct tls_hs *hs = c->hs;
	size_t hl = tls_hash_len(c->hash);
	uint8_t thash[TLS_MAX_HASH_LEN], want[TLS_MAX_HASH_LEN];

	/* §4.4.4: verify_data is exactly Hash.length bytes. */
	TLS_ENSURE(len == TLS_HS_HEADER_LEN + hl, TLS_ERR_DECODE);
	/* §5.1: the key changes after Finished: nothing may follow. */
	TLS_ENSURE(c->hs_parsed == c->hs_end, TLS_ERR_INTERLEAVED);
	if (hs->expect_cf) {
		/* Made with our Finished (M1 Finished-aware checkpoint). */
		TLS_ENSURE(CRYPTO_memcmp(hs->expected_cf + TLS_HS_HEADER_LEN,
		                         msg + TLS_HS_HEADER_LEN, hl) == 0,
		           TLS_ERR_BAD_FINISHED);
		memcpy(thash, hs->th_cf, hl);
	} else {
		/* One call: through server Finished and through this one. */
		TLS_GUARD(tls_transcript_hash(&c->tr, idx, thash));
		TLS_GUARD(tls13_finished(o, c->hash, hs->c_hs, thash, want));
		TLS_ENSURE(CRYPTO_memcmp(want, msg + TLS_HS_HEADER_LEN, hl) ==
		               0,
		           TLS_ERR_BAD_FINISHED);
		TLS_GUARD(tls_transcript_hash(&c->tr, idx + 1, thash));
	}
	/* The hash through server Finished is cached by now (no call). */
	TLS_GUARD(tls13_server_app_write_keys(c));
	TLS_GUARD(tls13_derive_secret(o, c->hash, hs->master, "res master",
	                              thash, c->res_master));
	TLS_GUARD(tls_record_set_secret13(o, &c->rd, c->aead, c->hash, c->c_ap,
	                                  false));
	/* §4.2.9: tickets only for a client that can use them. */
	if (c->cfg->tickets_enabled && hs->offered_psk_dhe)
		TLS_GUARD(tls13_send_ticket(c));
	tls_conn_handshake_done(c);
	return TLS_OK;
}

tls_result tls13_send_ticket(struct tls_conn *c)
{
	struct tls_session s = {0};
	uint8_t msg[64 + TLS_TICKET_MAX], nonce[8];
	struct tls_writer w;
	struct tls_iov iov;
	size_t m, t, tlen;
	uint8_t *ticket;
	size_t hl = tls_hash_len(c->hash);
	tls_result r;

	TLS_ENSURE(RAND_bytes(nonce, sizeof(nonce)) == 1 &&
	               RAND_bytes((uint8_t *)&s.age_add, sizeof(s.age_add)) ==
	                   1,
	           TLS_ERR_CRYPTO);
	s.version = TLS_VERSION_13;
	s.suite = c->suite;
	s.issued = (uint64_t)time(NULL);
	s.secret_len = (uint8_t)hl;
	/* §4.6.1: PSK = HKDF-Expand-Label(res_master, "resumption", nonce) */
	TLS_GUARD(tls13_expand_label(c->off, c->hash, c->res_master,
	                             "resumption", nonce, sizeof(nonce),
	                             s.secret, hl));
	tls_writer_init(&w, msg, sizeof(msg));
	TLS_GUARD(tls_write_u8(&w, TLS_HS_NEW_SESSION_TICKET));
	TLS_GUARD(tls_write_vector_begin(&w, 3, &m));
	TLS_GUARD(tls_write_u32(&w, TLS_TICKET_LIFETIME));
	TLS_GUARD(tls_write_u32(&w, s.age_add));
	TLS_GUARD(tls_write_u8(&w, sizeof(nonce)));
	TLS_GUARD(tls_write_bytes(&w, nonce, sizeof(nonce)));
	TLS_GUARD(tls_write_vector_begin(&w, 2, &t));
	ticket = tls_writer_ptr(&w);
	r = tls_ticket_seal(c->cfg, &s, ticket, w.cap - w.len - 2, &tlen);
	OPENSSL_cleanse(&s, sizeof(s));
	TLS_GUARD(r);
	w.len += tlen;
	TLS_GUARD(tls_write_vector_end(&w, 2, t));
	TLS_GUARD(tls_write_u16(&w, 0)); /* no extensions */
	TLS_GUARD(tls_write_vector_end(&w, 3, m));
	iov = (struct tls_iov){msg, w.len};
	TLS_GUARD(tls_conn_write_records(c, TLS_CT_HANDSHAKE, &iov, 1));
	c->stats.tickets_sent++;
	return TLS_OK;
}

tls_result tls_conn_key_update(struct tls_conn *c, bool request_peer)
{
	uint8_t msg[5] = {TLS_HS_KEY_UPDATE, 0, 0, 1, request_peer ? 1 : 0};
	struct tls_iov iov = {msg, sizeof(msg)};
	uint8_t *own = c->client ? c->c_ap : c->s_ap; /* our write secret */

	TLS_ENSURE(c->state == TLS_ST_APP && c->version == TLS_VERSION_13,
	           TLS_ERR_UNEXPECTED_MSG);
	TLS_GUARD(tls_conn_write_records(c, TLS_CT_HANDSHAKE, &iov, 1));
	/* §4.6.3: the sender switches right after sending KeyUpdate. */
	TLS_GUARD(tls13_update_secret(c->off, c->hash, own));
	TLS_GUARD(tls_record_set_secret13(c->off, &c->wr, c->aead, c->hash, own,
	                                  true));
	c->stats.key_updates_out++;
	return TLS_OK;
}

tls_result tls13_key_update_recv(struct tls_conn *c, const uint8_t *msg,
                                 size_t len)
{
	uint8_t *peer = c->client ? c->s_ap : c->c_ap; /* its write secret */
	uint8_t req;

	TLS_ENSURE(len == TLS_HS_HEADER_LEN + 1, TLS_ERR_DECODE);
	req = msg[TLS_HS_HEADER_LEN];
	/* §4.6.3: only update_not_requested(0) / update_requested(1). */
	TLS_ENSURE(req <= 1, TLS_ERR_ILLEGAL_PARAM);
	TLS_ENSURE(c->hs_parsed == c->hs_end, TLS_ERR_INTERLEAVED);
	TLS_GUARD(tls13_update_secret(c->off, c->hash, peer));
	TLS_GUARD(tls_record_set_secret13(c->off, &c->rd, c->aead, c->hash,
	                                  peer, false));
	c->stats.key_updates_in++;
	if (req && !c->close_sent)
		TLS_GUARD(tls_conn_key_update(c, false));
	return TLS_OK;
}

tls_result tls_conn_handle_handshake(struct tls_conn *c, const uint8_t *msg,
                                     size_t len, size_t idx)
{
	uint8_t type = msg[0];

	if (c->client)
		return tls_client_handle_handshake(c, msg, len, idx);
	if (c->version == TLS_VERSION_12)
		return tls12_server_handshake(c, msg, len, idx);
	switch (c->state) {
	case TLS_ST_SERVER_START:
	case TLS_ST_SERVER_RETRY:
		TLS_ENSURE(type == TLS_HS_CLIENT_HELLO, TLS_ERR_UNEXPECTED_MSG);
		return tls13_server_client_hello(c, msg, len, idx);
	case TLS_ST_SERVER_CERT:
		TLS_ENSURE(type == TLS_HS_CERTIFICATE, TLS_ERR_UNEXPECTED_MSG);
		return tls13_server_client_cert(c, msg, len);
	case TLS_ST_SERVER_CV:
		TLS_ENSURE(type == TLS_HS_CERTIFICATE_VERIFY,
		           TLS_ERR_UNEXPECTED_MSG);
		return tls13_server_client_cv(c, msg, len, idx);
	case TLS_ST_SERVER_FINISHED:
		TLS_ENSURE(type == TLS_HS_FINISHED, TLS_ERR_UNEXPECTED_MSG);
		return tls13_server_client_finished(c, msg, len, idx);
	case TLS_ST_APP:
		/* §4.6: a client sends only KeyUpdate after the handshake. */
		TLS_ENSURE(type == TLS_HS_KEY_UPDATE &&
		               c->version == TLS_VERSION_13,
		           TLS_ERR_UNEXPECTED_MSG);
		return tls13_key_update_recv(c, msg, len);
	default: TLS_BAIL(TLS_ERR_UNEXPECTED_MSG);
	}
}
