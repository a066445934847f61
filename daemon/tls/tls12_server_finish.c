// SPDX-License-Identifier: MIT
/*
 * The end of a TLS 1.2 handshake, server side: the client's
 * ChangeCipherSpec (RFC 5246 §7.1) and Finished (§7.4.9), and ours,
 * with the NewSessionTicket before them (RFC 5077 §3.3); and the
 * abbreviated handshake that resumes a session (§7.3, RFC 5077 §3.1).
 */
#include <string.h>

#include <openssl/crypto.h>

#include "tls12_server.h"

static const uint8_t tls12_ccs_byte = 1;

/*
 * Our [CCS] Finished, after the plaintext messages in pre: all appended
 * to `out` together so they leave in one write.  RFC 5246 §7.4.9: the
 * Finished covers every handshake message so far (the client's Finished
 * and our NewSessionTicket included).
 */
static TLS_RESULT tls12_send_finished(struct tls_conn *c,
                                      const struct tls_iov *pre, size_t npre)
{
	struct tls_offload *o = c->off;
	struct tls_hs *hs = c->hs;
	struct tls_iov ccs = {&tls12_ccs_byte, 1}, fin;
	uint8_t thash[TLS_MAX_HASH_LEN];
	struct tls_writer w;
	uint8_t *vd;

	tls_writer_init(&w, hs->build, sizeof(hs->build));
	w.len = hs->build_len;
	TLS_GUARD(tls_write_u8(&w, TLS_HS_FINISHED));
	TLS_GUARD(tls_write_u24(&w, TLS12_VERIFY_DATA_LEN));
	TLS_GUARD(tls_write_reserve(&w, TLS12_VERIFY_DATA_LEN, &vd));
	fin = (struct tls_iov){w.data + hs->build_len, w.len - hs->build_len};
	hs->build_len = w.len;
	TLS_GUARD(tls_transcript_hash(&c->tr, c->tr.count, thash));
	TLS_GUARD(tls12_finished(o, c->hash, hs->s12.master, true, thash, vd));
	if (npre)
		TLS_GUARD(
		    tls_conn_write_records(c, TLS_CT_HANDSHAKE, pre, npre));
	TLS_GUARD(
	    tls_conn_write_records(c, TLS_CT_CHANGE_CIPHER_SPEC, &ccs, 1));
	c->ccs_sent = true;
	/* §7.1: our write keys take effect right after our CCS. */
	TLS_GUARD(tls_record_set_keys12(o, &c->wr, c->aead, hs->s12.keys.s_key,
	                                hs->s12.keys.s_iv, true));
	TLS_GUARD(tls_conn_write_records(c, TLS_CT_HANDSHAKE, &fin, 1));
	/* The client's Finished of an abbreviated handshake covers ours. */
	return tls_transcript_add(&c->tr, fin.base, fin.len);
}

tls_result tls12_server_abbreviated(struct tls_conn *c,
                                    const struct tls_client_hello *ch)
{
	struct tls_hs *hs = c->hs;
	struct tls_writer w;
	struct tls_iov sh;

	tls_writer_init(&w, hs->build, sizeof(hs->build));
	TLS_GUARD(tls12_build_server_hello(c, ch, &w));
	sh = (struct tls_iov){w.data, w.len};
	hs->build_len = w.len;
	TLS_GUARD(tls_transcript_add(&c->tr, sh.base, sh.len));
	/* RFC 5246 §6.3: fresh keys from the old master, the new randoms. */
	TLS_GUARD(tls12_key_block(c->off, c->hash, c->aead, hs->s12.master,
	                          hs->s12.client_random, hs->s12.server_random,
	                          &hs->s12.keys));
	/* ServerHello [CCS] Finished: one write (M2). */
	TLS_GUARD(tls12_send_finished(c, &sh, 1));
	c->state = TLS_ST_SERVER_CCS;
	return TLS_OK;
}

tls_result tls12_server_ccs(struct tls_conn *c, const uint8_t *p, size_t n)
{
	struct tls_hs *hs = c->hs;

	/* §7.1: the message is a single byte of value 1. */
	TLS_ENSURE(n == 1 && p[0] == tls12_ccs_byte, TLS_ERR_BAD_CCS);
	/* §7.3: only after ClientKeyExchange (or CertificateVerify), or
	 * after our Finished when resuming; never inside a message. */
	TLS_ENSURE(c->state == TLS_ST_SERVER_CCS && hs, TLS_ERR_UNEXPECTED_MSG);
	TLS_ENSURE(c->hs_parsed == c->hs_end, TLS_ERR_INTERLEAVED);
	TLS_GUARD(tls_record_set_keys12(c->off, &c->rd, c->aead,
	                                hs->s12.keys.c_key, hs->s12.keys.c_iv,
	                                false));
	c->state = TLS_ST_SERVER_FINISHED;
	return TLS_OK;
}

tls_result tls12_server_client_finished(struct tls_conn *c, const uint8_t *msg,
                                        size_t len, size_t idx)
{
	struct tls_hs *hs = c->hs;
	uint8_t thash[TLS_MAX_HASH_LEN], want[TLS12_VERIFY_DATA_LEN];
	struct tls_iov nst = {NULL, 0};
	size_t npre = 0;

	/* §7.4.9: verify_data is 12 bytes for all our suites. */
	TLS_ENSURE(len == TLS_HS_HEADER_LEN + TLS12_VERIFY_DATA_LEN,
	           TLS_ERR_DECODE);
	if (!hs->resumed && hs->s12.issue_ticket) {
		struct tls_writer w;

		/* Joined to the transcript before hashing, so one digest
		 * call gives both Finished hashes (M1). */
		tls_writer_init(&w, hs->build, sizeof(hs->build));
		w.len = hs->build_len;
		TLS_GUARD(tls12_build_new_session_ticket(c, &w));
		nst = (struct tls_iov){w.data + hs->build_len,
		                       w.len - hs->build_len};
		hs->build_len = w.len;
		TLS_GUARD(tls_transcript_add(&c->tr, nst.base, nst.len));
		npre = 1;
	}
	TLS_GUARD(tls_transcript_hash(&c->tr, idx, thash));
	TLS_GUARD(tls12_finished(c->off, c->hash, hs->s12.master, false, thash,
	                         want));
	/* §7.2.2: a Finished that does not verify is decrypt_error. */
	TLS_ENSURE(CRYPTO_memcmp(want, msg + TLS_HS_HEADER_LEN,
	                         TLS12_VERIFY_DATA_LEN) == 0,
	           TLS_ERR_BAD_FINISHED);
	if (!hs->resumed)
		TLS_GUARD(tls12_send_finished(c, &nst, npre));
	c->stats.tickets_sent += (unsigned)npre;
	tls_conn_handshake_done(c);
	return TLS_OK;
}
