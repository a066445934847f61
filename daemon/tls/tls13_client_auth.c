// SPDX-License-Identifier: MIT
/*
 * TLS 1.3 client, second half: the server's Certificate,
 * CertificateVerify and Finished (RFC 8446 §4.4), then our flight
 * ([Certificate, CertificateVerify,] Finished) sealed in one batch and
 * sent in one write, and the application secrets (§7.1).
 *
 * M1: the server's CertificateVerify is checked when its Finished
 * arrives, and our Certificate joins the transcript before the first
 * hash is asked for, so one digest call gives the hashes through the
 * server Certificate, CertificateVerify, Finished and our Certificate,
 * even when the server sent each message in its own record.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "tls13_schedule.h"
#include "tls13_server.h"
#include "tls_client.h"
#include "tls_sigalgs.h"

tls_result tls13_client_cert(struct tls_conn *c, const uint8_t *msg, size_t len)
{
	struct tls_reader r, ctx;

	tls_reader_init(&r, msg + TLS_HS_HEADER_LEN, len - TLS_HS_HEADER_LEN);
	TLS_GUARD(tls_read_vector(&r, 1, 0, 255, &ctx));
	/* §4.4.2: "in the case of server authentication, zero length" */
	TLS_ENSURE(ctx.len == 0, TLS_ERR_ILLEGAL_PARAM);
	TLS_GUARD(tls_client_server_cert(c, &r, TLS_VERSION_13));
	c->client->step = TLS_CL13_WAIT_CV;
	return TLS_OK;
}

tls_result tls13_client_cv(struct tls_conn *c, const uint8_t *msg, size_t len,
                           size_t idx)
{
	struct tls_client *cl = c->client;
	EVP_PKEY *key = X509_get0_pubkey(c->hs->peer_leaf);
	struct tls_reader r, sig;
	uint16_t scheme;

	tls_reader_init(&r, msg + TLS_HS_HEADER_LEN, len - TLS_HS_HEADER_LEN);
	TLS_GUARD(tls_read_u16(&r, &scheme));
	TLS_GUARD(tls_read_vector(&r, 2, 1, 0xffff, &sig));
	TLS_GUARD(tls_reader_done(&r));
	/* §4.4.3: one of our signature_algorithms, fitting the key. */
	TLS_ENSURE(key && tls_sigalg_ok(scheme, TLS_VERSION_13, key),
	           TLS_ERR_ILLEGAL_PARAM);
	/* Signed: the transcript through the server Certificate. */
	cl->cv_scheme = scheme;
	cl->cv_sig = sig.data;
	cl->cv_sig_len = sig.len;
	cl->cv_idx = idx;
	cl->step = TLS_CL13_WAIT_FINISHED;
	return TLS_OK;
}

static TLS_RESULT tls13_client_check_cv(struct tls_conn *c)
{
	struct tls_client *cl = c->client;
	uint8_t thash[TLS_MAX_HASH_LEN], content[64 + 34 + TLS_MAX_HASH_LEN];
	size_t n;

	TLS_GUARD(tls_transcript_hash(&c->tr, cl->cv_idx, thash));
	n = tls13_cv_content(true, thash, tls_hash_len(c->hash), content);
	return c->off->ops->verify(c->off, X509_get0_pubkey(c->hs->peer_leaf),
	                           cl->cv_scheme, content, n, cl->cv_sig,
	                           cl->cv_sig_len);
}

/*
 * §4.4.2.4: our Certificate (precomputed at load, M2) when we have one
 * the server's signature_algorithms allow, else an empty one.
 */
static TLS_RESULT tls13_client_our_cert(struct tls_conn *c, struct tls_iov *iov,
                                        size_t *niov,
                                        const struct tls_cert **crt)
{
	static const uint8_t empty[] = {
	    TLS_HS_CERTIFICATE, 0, 0, 4, 0, 0, 0, 0};
	struct tls_client *cl = c->client;
	const struct tls_config *cfg = c->cfg;
	const uint8_t *m = empty;
	size_t n = sizeof(empty);

	*crt = NULL;
	if (cfg->ncerts &&
	    tls_is_ok(tls_sigalg_pick(cfg->certs[0].type, TLS_VERSION_13,
	                              cl->cr_sigalgs, cl->cr_sigalgs_len,
	                              &c->hs->sigscheme))) {
		*crt = &cfg->certs[0];
		m = (*crt)->cert13;
		n = (*crt)->cert13_len;
		cl->cert_sent = true;
	}
	iov[(*niov)++] = (struct tls_iov){m, n};
	return tls_transcript_add(&c->tr, m, n);
}

static TLS_RESULT tls13_client_build_cv(struct tls_conn *c,
                                        const struct tls_cert *crt,
                                        struct tls_writer *w)
{
	uint8_t thash[TLS_MAX_HASH_LEN], content[64 + 34 + TLS_MAX_HASH_LEN];
	size_t n, msg, sl, sig_len;
	uint16_t scheme = c->hs->sigscheme;
	uint8_t *sig;

	TLS_GUARD(tls_transcript_hash(&c->tr, c->tr.count, thash));
	n = tls13_cv_content(false, thash, tls_hash_len(c->hash), content);
	TLS_GUARD(tls_write_u8(w, TLS_HS_CERTIFICATE_VERIFY));
	TLS_GUARD(tls_write_vector_begin(w, 3, &msg));
	TLS_GUARD(tls_write_u16(w, scheme));
	TLS_GUARD(tls_write_vector_begin(w, 2, &sl));
	sig = tls_writer_ptr(w);
	sig_len = w->cap - w->len;
	TLS_GUARD(c->off->ops->sign(c->off, crt->key, scheme, content, n, sig,
	                            &sig_len));
	w->len += sig_len;
	TLS_GUARD(tls_write_vector_end(w, 2, sl));
	return tls_write_vector_end(w, 3, msg);
}

static TLS_RESULT tls13_client_add_built(struct tls_conn *c,
                                         struct tls_writer *w, size_t start,
                                         struct tls_iov *iov, size_t *niov)
{
	iov[(*niov)++] = (struct tls_iov){w->data + start, w->len - start};
	return tls_transcript_add(&c->tr, w->data + start, w->len - start);
}

tls_result tls13_client_finished(struct tls_conn *c, const uint8_t *msg,
                                 size_t len, size_t idx)
{
	struct tls_client *cl = c->client;
	struct tls_offload *o = c->off;
	struct tls_hs *hs = c->hs;
	size_t hl = tls_hash_len(c->hash), niov = 0, start;
	uint8_t thash[TLS_MAX_HASH_LEN], want[TLS_MAX_HASH_LEN], *vd;
	const struct tls_cert *crt = NULL;
	struct tls_iov iov[3];
	struct tls_writer w;

	/* §4.4.4: verify_data is exactly Hash.length bytes. */
	TLS_ENSURE(len == TLS_HS_HEADER_LEN + hl, TLS_ERR_DECODE);
	/* §5.1: the server's keys change after its Finished. */
	TLS_ENSURE(c->hs_parsed == c->hs_end, TLS_ERR_INTERLEAVED);
	hs->n_sf = idx + 1;
	tls_writer_init(&w, hs->build, sizeof(hs->build));
	if (cl->cert_requested)
		TLS_GUARD(tls13_client_our_cert(c, iov, &niov, &crt));
	if (cl->cv_sig)
		TLS_GUARD(tls13_client_check_cv(c));
	TLS_GUARD(tls_transcript_hash(&c->tr, idx, thash));
	TLS_GUARD(tls13_finished(o, c->hash, hs->s_hs, thash, want));
	TLS_ENSURE(CRYPTO_memcmp(want, msg + TLS_HS_HEADER_LEN, hl) == 0,
	           TLS_ERR_BAD_FINISHED);
	/* §7.1: application secrets over ClientHello..server Finished */
	TLS_GUARD(tls_transcript_hash(&c->tr, hs->n_sf, thash));
	TLS_GUARD(tls13_derive_secret(o, c->hash, hs->master, "c ap traffic",
	                              thash, c->c_ap));
	TLS_GUARD(tls13_derive_secret(o, c->hash, hs->master, "s ap traffic",
	                              thash, c->s_ap));
	if (crt) {
		start = w.len;
		TLS_GUARD(tls13_client_build_cv(c, crt, &w));
		TLS_GUARD(tls13_client_add_built(c, &w, start, iov, &niov));
	}
	TLS_GUARD(tls_transcript_hash(&c->tr, c->tr.count, thash));
	start = w.len;
	TLS_GUARD(tls_write_u8(&w, TLS_HS_FINISHED));
	TLS_GUARD(tls_write_u24(&w, (uint32_t)hl));
	TLS_GUARD(tls_write_reserve(&w, hl, &vd));
	TLS_GUARD(tls13_finished(o, c->hash, hs->c_hs, thash, vd));
	TLS_GUARD(tls13_client_add_built(c, &w, start, iov, &niov));
	hs->build_len = w.len;
	/* §D.4: the compatibility CCS right before our encrypted flight. */
	if (cl->offer.session_id_len && !c->ccs_sent)
		TLS_GUARD(tls_client_write_ccs(c));
	TLS_GUARD(tls_conn_write_records(c, TLS_CT_HANDSHAKE, iov, niov));
	/* §7.1: resumption_master_secret, only if tickets are kept. */
	if (c->cfg->tickets_enabled) {
		TLS_GUARD(tls_transcript_hash(&c->tr, c->tr.count, thash));
		TLS_GUARD(tls13_derive_secret(o, c->hash, hs->master,
		                              "res master", thash,
		                              c->res_master));
	}
	TLS_GUARD(tls_record_set_secret13(o, &c->wr, c->aead, c->hash, c->c_ap,
	                                  true));
	TLS_GUARD(tls_record_set_secret13(o, &c->rd, c->aead, c->hash, c->s_ap,
	                                  false));
	cl->step = TLS_CL_DONE;
	tls_conn_handshake_done(c);
	return TLS_OK;
}
