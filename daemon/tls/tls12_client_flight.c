// SPDX-License-Identifier: MIT
/*
 * TLS 1.2 client, our flight after ServerHelloDone: Certificate (when
 * asked; precomputed at load, M2), ClientKeyExchange (RFC 8422 §5.7),
 * CertificateVerify (RFC 5246 §7.4.8), ChangeCipherSpec and Finished
 * (§7.4.9), appended to the send buffer together so they leave in one
 * write; the extended master secret (RFC 7627 §4) and the key block in
 * between.  Also our [CCS] Finished at the end of a resumed handshake.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tls12_schedule.h"
#include "tls_client.h"
#include "tls_sigalgs.h"

static TLS_RESULT tls12_client_add(struct tls_conn *c, struct tls_iov *iov,
                                   size_t *niov, const uint8_t *m, size_t n)
{
	iov[(*niov)++] = (struct tls_iov){m, n};
	return tls_transcript_add(&c->tr, m, n);
}

/* [CCS] Finished over the transcript's first n messages. */
tls_result tls12_client_send_finished(struct tls_conn *c, size_t n)
{
	struct tls_hs *hs = c->hs;
	uint8_t thash[TLS_MAX_HASH_LEN], *vd;
	struct tls_writer w;
	struct tls_iov fin;

	tls_writer_init(&w, hs->build, sizeof(hs->build));
	w.len = hs->build_len;
	TLS_GUARD(tls_write_u8(&w, TLS_HS_FINISHED));
	TLS_GUARD(tls_write_u24(&w, TLS12_VERIFY_DATA_LEN));
	TLS_GUARD(tls_write_reserve(&w, TLS12_VERIFY_DATA_LEN, &vd));
	fin = (struct tls_iov){w.data + hs->build_len, w.len - hs->build_len};
	hs->build_len = w.len;
	TLS_GUARD(tls_transcript_hash(&c->tr, n, thash));
	TLS_GUARD(
	    tls12_finished(c->off, c->hash, hs->s12.master, false, thash, vd));
	TLS_GUARD(tls_transcript_add(&c->tr, fin.base, fin.len));
	TLS_GUARD(tls_client_write_ccs(c));
	/* §7.1: our write keys take effect right after our CCS. */
	TLS_GUARD(tls_record_set_keys12(c->off, &c->wr, c->aead,
	                                hs->s12.keys.c_key, hs->s12.keys.c_iv,
	                                true));
	return tls_conn_write_records(c, TLS_CT_HANDSHAKE, &fin, 1);
}

/*
 * §7.4.8: the signature covers the messages before it.  The sign job
 * hashes them itself, so they are gathered once (counted as a digest
 * call, like the server's verify of a scheme whose hash is not M1's).
 */
static TLS_RESULT tls12_client_build_cv(struct tls_conn *c,
                                        const struct tls_cert *crt,
                                        struct tls_writer *w)
{
	struct tls_transcript *t = &c->tr;
	uint16_t scheme = c->hs->sigscheme;
	size_t total = 0, off = 0, msg, sl, sig_len;
	uint8_t *buf, *sig;
	tls_result r;

	for (size_t i = 0; i < t->count; i++)
		total += t->msg[i].len;
	buf = malloc(total);
	TLS_ENSURE(buf, TLS_ERR_NOMEM);
	for (size_t i = 0; i < t->count; i++) {
		memcpy(buf + off, t->msg[i].base, t->msg[i].len);
		off += t->msg[i].len;
	}
	r = tls_write_u8(w, TLS_HS_CERTIFICATE_VERIFY);
	if (tls_is_ok(r))
		r = tls_write_vector_begin(w, 3, &msg);
	if (tls_is_ok(r))
		r = tls_write_u16(w, scheme);
	if (tls_is_ok(r))
		r = tls_write_vector_begin(w, 2, &sl);
	if (tls_is_ok(r)) {
		sig = tls_writer_ptr(w);
		sig_len = w->cap - w->len;
		r = c->off->ops->sign(c->off, crt->key, scheme, buf, total, sig,
		                      &sig_len);
		t->digest_calls++;
	}
	free(buf);
	TLS_GUARD(r);
	w->len += sig_len;
	TLS_GUARD(tls_write_vector_end(w, 2, sl));
	return tls_write_vector_end(w, 3, msg);
}

/* RFC 5246 §7.4.6: our certificate if one fits the request, else none. */
static const struct tls_cert *tls12_client_pick_cert(struct tls_conn *c)
{
	const struct tls_config *cfg = c->cfg;
	const struct tls_client *cl = c->client;

	if (cfg->ncerts &&
	    tls_is_ok(tls_sigalg_pick(cfg->certs[0].type, TLS_VERSION_12,
	                              cl->cr_sigalgs, cl->cr_sigalgs_len,
	                              &c->hs->sigscheme)))
		return &cfg->certs[0];
	return NULL;
}

tls_result tls12_client_flight(struct tls_conn *c)
{
	static const uint8_t no_cert[] = {TLS_HS_CERTIFICATE, 0, 0, 3, 0, 0, 0};
	struct tls_client *cl = c->client;
	struct tls_offload *o = c->off;
	struct tls_hs *hs = c->hs;
	const struct tls_cert *crt = NULL;
	uint8_t pub[TLS_ECDH_MAX_PUB], pms[TLS_ECDH_MAX_SECRET];
	uint8_t session_hash[TLS_MAX_HASH_LEN];
	size_t pub_len = sizeof(pub), pms_len = sizeof(pms), niov = 0, start;
	struct tls_iov iov[3];
	struct tls_writer w;
	tls_result r;

	/* The 1.3 key_share of our hello went unused: a fresh key. */
	if (hs->ecdh.impl)
		o->ops->ecdh_free(o, &hs->ecdh);
	TLS_GUARD(
	    o->ops->ecdh_keygen(o, cl->ske_group, &hs->ecdh, pub, &pub_len));
	/* A point off the curve: illegal_parameter (bad key share). */
	TLS_GUARD(o->ops->ecdh_derive(o, &hs->ecdh, cl->ske_pub,
	                              cl->ske_pub_len, pms, &pms_len));
	tls_writer_init(&w, hs->build, sizeof(hs->build));
	if (cl->cert_requested) {
		crt = tls12_client_pick_cert(c);
		cl->cert_sent = crt != NULL;
		r = crt ? tls12_client_add(c, iov, &niov, crt->cert12,
		                           crt->cert12_len)
		        : tls12_client_add(c, iov, &niov, no_cert,
		                           sizeof(no_cert));
		TLS_GUARD(r);
	}
	/* RFC 8422 §5.7: ClientECDiffieHellmanPublic { ecdh_Yc<1..255> } */
	start = w.len;
	TLS_GUARD(tls_write_u8(&w, TLS_HS_CLIENT_KEY_EXCHANGE));
	TLS_GUARD(tls_write_u24(&w, (uint32_t)(pub_len + 1)));
	TLS_GUARD(tls_write_u8(&w, (uint8_t)pub_len));
	TLS_GUARD(tls_write_bytes(&w, pub, pub_len));
	TLS_GUARD(
	    tls12_client_add(c, iov, &niov, w.data + start, w.len - start));
	/* RFC 7627 §3: session_hash over ClientHello..ClientKeyExchange */
	r = tls_transcript_hash(&c->tr, c->tr.count, session_hash);
	if (tls_is_ok(r))
		r = tls12_ems_master_secret(o, c->hash, pms, pms_len,
		                            session_hash, hs->s12.master);
	OPENSSL_cleanse(pms, sizeof(pms));
	TLS_GUARD(r);
	TLS_GUARD(tls12_key_block(o, c->hash, c->aead, hs->s12.master,
	                          hs->s12.client_random, hs->s12.server_random,
	                          &hs->s12.keys));
	if (crt) {
		start = w.len;
		TLS_GUARD(tls12_client_build_cv(c, crt, &w));
		TLS_GUARD(tls12_client_add(c, iov, &niov, w.data + start,
		                           w.len - start));
	}
	hs->build_len = w.len;
	TLS_GUARD(tls_conn_write_records(c, TLS_CT_HANDSHAKE, iov, niov));
	TLS_GUARD(tls12_client_send_finished(c, c->tr.count));
	cl->step =
	    cl->ticket_expected ? TLS_CL12_WAIT_NST_CCS : TLS_CL12_WAIT_CCS;
	return TLS_OK;
}
