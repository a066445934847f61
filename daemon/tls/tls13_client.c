// SPDX-License-Identifier: MIT
/*
 * TLS 1.3 client, first half: the ServerHello and HelloRetryRequest
 * (RFC 8446 §4.1.3-§4.1.4) with the handshake key schedule (§7.1),
 * EncryptedExtensions (§4.3.1), CertificateRequest (§4.3.2) and the
 * dispatch of the server's encrypted flight.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "tls13_schedule.h"
#include "tls13_server.h"
#include "tls_client.h"

/* §4.1.4: answer an HRR with the second ClientHello. */
static TLS_RESULT tls13_client_hrr(struct tls_conn *c,
                                   const struct tls_server_hello *sh)
{
	struct tls_client *cl = c->client;
	enum tls_aead a;
	enum tls_hash h;

	/* §5.1: the second hello follows; nothing may trail the HRR. */
	TLS_ENSURE(c->hs_parsed == c->hs_end, TLS_ERR_INTERLEAVED);
	tls13_suite_params(sh->suite, &a, &h);
	TLS_GUARD(tls_client_set_transcript_hash(c, h));
	/* §4.4.1: ClientHello1 becomes message_hash; the HRR stays. */
	TLS_GUARD(tls_transcript_restart_hrr(&c->tr));
	cl->offer.after_hrr = true;
	cl->offer.hrr_suite = sh->suite;
	if (sh->group) {
		cl->offer.share_group = sh->group;
		c->hs->retry_group = sh->group;
	}
	cl->cookie = sh->cookie;
	cl->cookie_len = sh->cookie_len;
	/* §D.4: in compatibility mode the CCS may precede the 2nd hello. */
	if (cl->offer.session_id_len && !c->ccs_sent)
		TLS_GUARD(tls_client_write_ccs(c));
	return tls_client_hello_write(c);
}

tls_result tls13_client_server_hello(struct tls_conn *c,
                                     const struct tls_server_hello *sh,
                                     size_t idx)
{
	struct tls_client *cl = c->client;
	struct tls_offload *o = c->off;
	struct tls_hs *hs = c->hs;
	uint8_t shared[TLS_ECDH_MAX_SECRET], thash[TLS_MAX_HASH_LEN];
	size_t shared_len = sizeof(shared);
	tls_result r;

	if (sh->hrr)
		return tls13_client_hrr(c, sh);
	/* §5.1: keys change right after the ServerHello. */
	TLS_ENSURE(c->hs_parsed == c->hs_end, TLS_ERR_INTERLEAVED);
	c->version = TLS_VERSION_13;
	c->suite = sh->suite;
	tls13_suite_params(sh->suite, &c->aead, &c->hash);
	TLS_GUARD(tls_client_set_transcript_hash(c, c->hash));
	c->group = hs->group = sh->group;
	if (sh->psk_selected) {
		enum tls_aead a;
		enum tls_hash h;

		/* §4.2.11: the PSK's hash must be the chosen suite's. */
		tls13_suite_params(cl->resume.suite, &a, &h);
		TLS_ENSURE(cl->offered_resume && h == c->hash,
		           TLS_ERR_ILLEGAL_PARAM);
		hs->resumed = c->resumed = true;
	} else {
		TLS_GUARD(tls13_early_secret(o, c->hash, NULL, 0, hs->early));
	}
	TLS_GUARD(o->ops->ecdh_derive(o, &hs->ecdh, sh->share, sh->share_len,
	                              shared, &shared_len));
	r = tls13_next_secret(o, c->hash, hs->early, shared, shared_len,
	                      hs->secret);
	OPENSSL_cleanse(shared, sizeof(shared));
	TLS_GUARD(r);
	/* §7.1: handshake traffic secrets over ClientHello..ServerHello */
	TLS_GUARD(tls_transcript_hash(&c->tr, idx + 1, thash));
	TLS_GUARD(tls13_derive_secret(o, c->hash, hs->secret, "c hs traffic",
	                              thash, hs->c_hs));
	TLS_GUARD(tls13_derive_secret(o, c->hash, hs->secret, "s hs traffic",
	                              thash, hs->s_hs));
	TLS_GUARD(tls_record_set_secret13(o, &c->rd, c->aead, c->hash, hs->s_hs,
	                                  false));
	/* From here our alerts are protected too (§6). */
	TLS_GUARD(tls_record_set_secret13(o, &c->wr, c->aead, c->hash, hs->c_hs,
	                                  true));
	TLS_GUARD(
	    tls13_next_secret(o, c->hash, hs->secret, NULL, 0, hs->master));
	cl->step = TLS_CL13_WAIT_EE;
	return TLS_OK;
}

/* §4.3.1: only answers to what we asked, and only those that belong. */
static TLS_RESULT tls13_client_ee(struct tls_conn *c, const uint8_t *msg,
                                  size_t len)
{
	struct tls_client *cl = c->client;
	struct tls_reader r, exts;
	struct tls_server_exts x;
	uint32_t allowed = 1u << TLS_EXTID_SERVER_NAME | 1u << TLS_EXTID_ALPN |
	                   1u << TLS_EXTID_SUPPORTED_GROUPS;

	tls_reader_init(&r, msg + TLS_HS_HEADER_LEN, len - TLS_HS_HEADER_LEN);
	TLS_GUARD(tls_read_vector(&r, 2, 0, 0xffff, &exts));
	TLS_GUARD(tls_reader_done(&r));
	TLS_GUARD(tls_server_exts_parse(&exts, cl->offer.sent, allowed, &x));
	/* RFC 6066 §3: the server's server_name is empty. */
	if (tls_sx_has(&x, TLS_EXTID_SERVER_NAME))
		TLS_GUARD(tls_reader_done(&x.data[TLS_EXTID_SERVER_NAME]));
	if (tls_sx_has(&x, TLS_EXTID_ALPN))
		TLS_GUARD(tls_server_alpn_parse(&x.data[TLS_EXTID_ALPN],
		                                &cl->offer, &c->alpn));
	/* §4.2.7: the server's groups, for later; well-formed is enough. */
	if (tls_sx_has(&x, TLS_EXTID_SUPPORTED_GROUPS)) {
		struct tls_reader *g = &x.data[TLS_EXTID_SUPPORTED_GROUPS];
		struct tls_reader list;

		TLS_GUARD(tls_read_vector(g, 2, 2, 0xffff, &list));
		TLS_GUARD(tls_reader_done(g));
		TLS_ENSURE(list.len % 2 == 0, TLS_ERR_DECODE);
	}
	cl->step = c->resumed ? TLS_CL13_WAIT_FINISHED : TLS_CL13_WAIT_CERT_CR;
	return TLS_OK;
}

/* §4.3.2: what the server will accept for our certificate. */
static TLS_RESULT tls13_client_cr(struct tls_conn *c, const uint8_t *msg,
                                  size_t len)
{
	struct tls_client *cl = c->client;
	struct tls_reader r, ctx, exts;
	uint16_t types[32];
	unsigned ntypes = 0;

	tls_reader_init(&r, msg + TLS_HS_HEADER_LEN, len - TLS_HS_HEADER_LEN);
	TLS_GUARD(tls_read_vector(&r, 1, 0, 255, &ctx));
	/* Non-empty only for post-handshake authentication. */
	TLS_ENSURE(ctx.len == 0, TLS_ERR_ILLEGAL_PARAM);
	TLS_GUARD(tls_read_vector(&r, 2, 2, 0xffff, &exts));
	TLS_GUARD(tls_reader_done(&r));
	while (tls_reader_left(&exts)) {
		struct tls_reader data, list;
		uint16_t type;

		TLS_GUARD(tls_read_u16(&exts, &type));
		TLS_GUARD(tls_read_vector(&exts, 2, 0, 0xffff, &data));
		/* §4.2: one of each type. */
		for (unsigned i = 0; i < ntypes; i++)
			TLS_ENSURE(types[i] != type, TLS_ERR_DUP_EXTENSION);
		TLS_ENSURE(ntypes < 32, TLS_ERR_DECODE);
		types[ntypes++] = type;
		/* "Clients MUST ignore unrecognized extensions." */
		if (type != TLS_EXT_SIGNATURE_ALGORITHMS)
			continue;
		TLS_GUARD(tls_read_vector(&data, 2, 2, 0xfffe, &list));
		TLS_GUARD(tls_reader_done(&data));
		TLS_ENSURE(list.len % 2 == 0, TLS_ERR_DECODE);
		cl->cr_sigalgs = list.data;
		cl->cr_sigalgs_len = list.len;
	}
	/* "The signature_algorithms extension MUST be specified". */
	TLS_ENSURE(cl->cr_sigalgs, TLS_ERR_MISSING_EXTENSION);
	cl->cert_requested = true;
	cl->step = TLS_CL13_WAIT_CERT;
	return TLS_OK;
}

tls_result tls13_client_handle(struct tls_conn *c, const uint8_t *msg,
                               size_t len, size_t idx)
{
	struct tls_client *cl = c->client;
	uint8_t type = msg[0];

	switch (cl->step) {
	case TLS_CL13_WAIT_EE:
		TLS_ENSURE(type == TLS_HS_ENCRYPTED_EXTENSIONS,
		           TLS_ERR_UNEXPECTED_MSG);
		return tls13_client_ee(c, msg, len);
	case TLS_CL13_WAIT_CERT_CR:
		if (type == TLS_HS_CERTIFICATE_REQUEST)
			return tls13_client_cr(c, msg, len);
		/* without a request, the Certificate comes next */
		/* fall through */
	case TLS_CL13_WAIT_CERT:
		TLS_ENSURE(type == TLS_HS_CERTIFICATE, TLS_ERR_UNEXPECTED_MSG);
		return tls13_client_cert(c, msg, len);
	case TLS_CL13_WAIT_CV:
		TLS_ENSURE(type == TLS_HS_CERTIFICATE_VERIFY,
		           TLS_ERR_UNEXPECTED_MSG);
		return tls13_client_cv(c, msg, len, idx);
	case TLS_CL13_WAIT_FINISHED:
		TLS_ENSURE(type == TLS_HS_FINISHED, TLS_ERR_UNEXPECTED_MSG);
		return tls13_client_finished(c, msg, len, idx);
	default: TLS_BAIL(TLS_ERR_UNEXPECTED_MSG);
	}
}
