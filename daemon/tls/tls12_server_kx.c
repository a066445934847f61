// SPDX-License-Identifier: MIT
/*
 * TLS 1.2 key exchange, server side: ServerKeyExchange (RFC 8422 §5.4,
 * RFC 5246 §7.4.3), ClientKeyExchange with the extended master secret
 * (RFC 8422 §5.7, RFC 7627 §4), and the client's Certificate and
 * CertificateVerify (RFC 5246 §7.4.6, §7.4.8).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tls12_server.h"
#include "tls_peer_cert.h"
#include "tls_sigalgs.h"

#define TLS12_CURVE_NAMED 3 /* ECCurveType named_curve, RFC 8422 §5.4 */

tls_result tls12_build_server_key_exchange(struct tls_conn *c,
                                           const uint8_t *pub, size_t pub_len,
                                           struct tls_writer *w)
{
	struct tls_hs *hs = c->hs;
	uint8_t signed_params[2 * TLS_RANDOM_LEN + 4 + TLS_ECDH_MAX_PUB];
	size_t msg, sl, params = 2 * TLS_RANDOM_LEN, sig_len;
	uint8_t *sig;

	TLS_ENSURE(pub_len <= TLS_ECDH_MAX_PUB, TLS_ERR_INTERNAL);
	/* ServerECDHParams: named_curve, the group, ECPoint public<1..255> */
	memcpy(signed_params, hs->s12.client_random, TLS_RANDOM_LEN);
	memcpy(signed_params + TLS_RANDOM_LEN, hs->s12.server_random,
	       TLS_RANDOM_LEN);
	signed_params[params] = TLS12_CURVE_NAMED;
	tls_put_u16(signed_params + params + 1, hs->group);
	signed_params[params + 3] = (uint8_t)pub_len;
	memcpy(signed_params + params + 4, pub, pub_len);

	TLS_GUARD(tls_write_u8(w, TLS_HS_SERVER_KEY_EXCHANGE));
	TLS_GUARD(tls_write_vector_begin(w, 3, &msg));
	TLS_GUARD(tls_write_bytes(w, signed_params + params, 4 + pub_len));
	/* RFC 5246 §4.7 digitally-signed: the scheme, then signature<..>
	 * over client_random + server_random + params (RFC 8422 §5.4). */
	TLS_GUARD(tls_write_u16(w, hs->sigscheme));
	TLS_GUARD(tls_write_vector_begin(w, 2, &sl));
	sig = tls_writer_ptr(w);
	sig_len = w->cap - w->len;
	TLS_GUARD(c->off->ops->sign(c->off, hs->cert->key, hs->sigscheme,
	                            signed_params, params + 4 + pub_len, sig,
	                            &sig_len));
	w->len += sig_len;
	TLS_GUARD(tls_write_vector_end(w, 2, sl));
	return tls_write_vector_end(w, 3, msg);
}

tls_result tls12_server_client_cert(struct tls_conn *c, const uint8_t *msg,
                                    size_t len)
{
	struct tls_hs *hs = c->hs;
	struct tls_reader r;

	tls_reader_init(&r, msg + TLS_HS_HEADER_LEN, len - TLS_HS_HEADER_LEN);
	TLS_GUARD(tls_peer_cert_parse(&r, TLS_VERSION_12, &hs->peer_leaf,
	                              &hs->peer_chain));
	TLS_GUARD(tls_reader_done(&r));
	/* §7.4.6: with no certificate the server may answer a fatal
	 * handshake_failure, which is what requiring one means. */
	TLS_ENSURE(hs->peer_leaf, TLS_ERR_NO_CLIENT_CERT);
	TLS_GUARD(tls_peer_cert_verify(c->cfg->client_ca, hs->peer_leaf,
	                               hs->peer_chain, true, NULL));
	c->peer_cert_verified = true;
	c->state = TLS_ST_SERVER_CKE;
	return TLS_OK;
}

tls_result tls12_server_client_key_exchange(struct tls_conn *c,
                                            const uint8_t *msg, size_t len,
                                            size_t idx)
{
	struct tls_offload *o = c->off;
	struct tls_hs *hs = c->hs;
	uint8_t pms[TLS_ECDH_MAX_SECRET], session_hash[TLS_MAX_HASH_LEN];
	size_t pms_len = sizeof(pms);
	struct tls_reader r, point;
	tls_result res;

	tls_reader_init(&r, msg + TLS_HS_HEADER_LEN, len - TLS_HS_HEADER_LEN);
	/* RFC 8422 §5.7: ClientECDiffieHellmanPublic { ecdh_Yc<1..255> } */
	TLS_GUARD(tls_read_vector(&r, 1, 1, 255, &point));
	TLS_GUARD(tls_reader_done(&r));
	/* A point of the wrong size or off the curve: illegal_parameter. */
	TLS_GUARD(o->ops->ecdh_derive(o, &hs->ecdh, point.data, point.len, pms,
	                              &pms_len));
	o->ops->ecdh_free(o, &hs->ecdh);
	/*
	 * RFC 7627 §3: session_hash = Hash(ClientHello .. ClientKeyExchange)
	 * (client Certificate included, CertificateVerify not).  One digest
	 * call, checkpointed at every message already here, so a
	 * CertificateVerify that came along needs no call of its own (M1).
	 */
	res = tls_transcript_hash(&c->tr, idx + 1, session_hash);
	if (tls_is_ok(res))
		res = tls12_ems_master_secret(o, c->hash, pms, pms_len,
		                              session_hash, hs->s12.master);
	OPENSSL_cleanse(pms, sizeof(pms));
	TLS_GUARD(res);
	TLS_GUARD(tls12_key_block(o, c->hash, c->aead, hs->s12.master,
	                          hs->s12.client_random, hs->s12.server_random,
	                          &hs->s12.keys));
	c->state = hs->peer_leaf ? TLS_ST_SERVER_CV : TLS_ST_SERVER_CCS;
	return TLS_OK;
}

/* The transcript hash a scheme signs with, when it is one M1 can make. */
static bool tls12_scheme_hash(uint16_t scheme, enum tls_hash *h)
{
	switch (scheme) {
	case TLS_SIG_ECDSA_SECP256R1_SHA256:
	case TLS_SIG_RSA_PSS_RSAE_SHA256:
	case TLS_SIG_RSA_PKCS1_SHA256: *h = TLS_HASH_SHA256; return true;
	case TLS_SIG_RSA_PSS_RSAE_SHA384:
	case TLS_SIG_RSA_PKCS1_SHA384: *h = TLS_HASH_SHA384; return true;
	default: return false;
	}
}

/*
 * A scheme whose hash is not the suite's (e.g. SHA-256 signatures in a
 * SHA-384 suite, or SHA-512): the messages are gathered and the verify
 * job hashes them itself.  That is one more pass over the transcript,
 * counted as a digest call.
 */
static TLS_RESULT tls12_verify_gathered(struct tls_conn *c, EVP_PKEY *key,
                                        uint16_t scheme, size_t n,
                                        const struct tls_reader *sig)
{
	size_t total = 0, off = 0;
	uint8_t *buf;
	tls_result r;

	for (size_t i = 0; i < n; i++)
		total += c->tr.msg[i].len;
	buf = malloc(total ? total : 1);
	TLS_ENSURE(buf, TLS_ERR_NOMEM);
	for (size_t i = 0; i < n; i++) {
		memcpy(buf + off, c->tr.msg[i].base, c->tr.msg[i].len);
		off += c->tr.msg[i].len;
	}
	r = c->off->ops->verify(c->off, key, scheme, buf, total, sig->data,
	                        sig->len);
	c->tr.digest_calls++;
	free(buf);
	return r;
}

tls_result tls12_server_client_cv(struct tls_conn *c, const uint8_t *msg,
                                  size_t len, size_t idx)
{
	struct tls_hs *hs = c->hs;
	EVP_PKEY *key = X509_get0_pubkey(hs->peer_leaf);
	uint8_t thash[TLS_MAX_HASH_LEN];
	struct tls_reader r, sig;
	uint16_t scheme;
	enum tls_hash h;

	tls_reader_init(&r, msg + TLS_HS_HEADER_LEN, len - TLS_HS_HEADER_LEN);
	TLS_GUARD(tls_read_u16(&r, &scheme));
	TLS_GUARD(tls_read_vector(&r, 2, 1, 0xffff, &sig));
	TLS_GUARD(tls_reader_done(&r));
	/* §7.4.8: a scheme our CertificateRequest listed, fitting the key. */
	TLS_ENSURE(key && tls_sigalg_ok(scheme, TLS_VERSION_12, key),
	           TLS_ERR_ILLEGAL_PARAM);
	/* §7.4.8: signed are the messages before this one, which is the
	 * session hash's range: the CKE digest call already made it. */
	if (!tls12_scheme_hash(scheme, &h) || h != c->hash)
		TLS_GUARD(tls12_verify_gathered(c, key, scheme, idx, &sig));
	else {
		TLS_GUARD(tls_transcript_hash(&c->tr, idx, thash));
		TLS_GUARD(c->off->ops->verify_digest(c->off, key, scheme, thash,
		                                     tls_hash_len(h), sig.data,
		                                     sig.len));
	}
	c->state = TLS_ST_SERVER_CCS;
	return TLS_OK;
}
