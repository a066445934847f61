// SPDX-License-Identifier: MIT
/*
 * TLS 1.3 server, first flight: ClientHello -> HelloRetryRequest, or
 * ServerHello + CCS + {EncryptedExtensions, CertificateRequest,
 * Certificate, CertificateVerify, Finished} built whole in one buffer so
 * it leaves in one write (M2), with the transcript hashes of the flight
 * from at most two digest calls (M1).  RFC 8446 §4.1-§4.4.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tls13_schedule.h"
#include "tls13_server.h"
#include "tls_client_hello.h"
#include "tls_sigalgs.h"
#include "tls_ticket.h"

/* §4.1.3: SHA-256("HelloRetryRequest") as ServerHello.random. */
static const uint8_t tls13_hrr_random[TLS_RANDOM_LEN] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
    0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

static const uint16_t tls13_suites[] = {
    TLS_AES_128_GCM_SHA256,
    TLS_AES_256_GCM_SHA384,
    TLS_CHACHA20_POLY1305_SHA256,
};

static const uint16_t tls13_groups[] = {TLS_GROUP_X25519, TLS_GROUP_SECP256R1};

void tls13_suite_params(uint16_t suite, enum tls_aead *a, enum tls_hash *h)
{
	*h =
	    suite == TLS_AES_256_GCM_SHA384 ? TLS_HASH_SHA384 : TLS_HASH_SHA256;
	*a = suite == TLS_AES_128_GCM_SHA256   ? TLS_AEAD_AES_128_GCM
	     : suite == TLS_AES_256_GCM_SHA384 ? TLS_AEAD_AES_256_GCM
	                                       : TLS_AEAD_CHACHA20_POLY1305;
}

static TLS_RESULT tls13_pick_suite(const struct tls_client_hello *ch,
                                   uint16_t *suite)
{
	for (size_t i = 0; i < sizeof(tls13_suites) / sizeof(tls13_suites[0]);
	     i++) {
		if (tls_client_hello_has_suite(ch, tls13_suites[i])) {
			*suite = tls13_suites[i];
			return TLS_OK;
		}
	}
	TLS_BAIL(TLS_ERR_NO_SHARED_CIPHER);
}

/*
 * §4.2.8: use a share the client sent for a group we support; else ask
 * for one with HelloRetryRequest; else handshake_failure.
 */
static TLS_RESULT tls13_pick_group(const struct tls_client_hello *ch,
                                   const struct tls_key_share **share,
                                   uint16_t *retry)
{
	*share = NULL;
	*retry = 0;
	for (size_t g = 0; g < 2; g++)
		for (unsigned i = 0; i < ch->nshares; i++)
			if (ch->shares[i].group == tls13_groups[g]) {
				*share = &ch->shares[i];
				return TLS_OK;
			}
	for (size_t g = 0; g < 2; g++)
		if (tls_client_hello_has_group(ch, tls13_groups[g])) {
			*retry = tls13_groups[g];
			return TLS_OK;
		}
	TLS_BAIL(TLS_ERR_NO_SHARED_GROUP);
}

/* SNI picks among certificates; the signature algorithms must fit too. */
static TLS_RESULT tls13_pick_cert(struct tls_conn *c,
                                  const struct tls_client_hello *ch)
{
	const struct tls_config *cfg = c->cfg;
	struct tls_hs *hs = c->hs;

	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < cfg->ncerts; i++) {
			const struct tls_cert *crt = &cfg->certs[i];
			uint16_t s;

			if (pass == 0 &&
			    !(ch->sni &&
			      tls_cert_matches(crt, ch->sni, ch->sni_len)))
				continue;
			if (tls_is_err(tls_sigalg_pick(
			        crt->type, TLS_VERSION_13, ch->sigalgs,
			        ch->sigalgs_len, &s)))
				continue;
			hs->cert = crt;
			hs->sigscheme = s;
			return TLS_OK;
		}
	}
	TLS_BAIL(TLS_ERR_NO_SHARED_SIGALG);
}

/* §4.2.11: try the first ticket; an unusable one means a full handshake. */
static TLS_RESULT tls13_try_psk(struct tls_conn *c,
                                const struct tls_client_hello *ch)
{
	struct tls_hs *hs = c->hs;
	struct tls_session s;
	uint8_t binder_key[TLS_MAX_HASH_LEN], thash[TLS_MAX_HASH_LEN];
	uint8_t want[TLS_MAX_HASH_LEN];
	size_t hl = tls_hash_len(c->hash);
	enum tls_aead a;
	enum tls_hash h;
	tls_result r;

	if (!ch->npsks || !ch->psk_dhe_ke)
		return TLS_OK;
	if (tls_is_err(tls_ticket_open(c->cfg, ch->psks[0].identity,
	                               ch->psks[0].len, time(NULL), &s)))
		return TLS_OK;
	tls13_suite_params(s.suite, &a, &h);
	/* The PSK's hash must be the chosen suite's hash. */
	if (s.version != TLS_VERSION_13 || h != c->hash || s.secret_len != hl)
		return TLS_OK;
	TLS_GUARD(tls13_early_secret(c->off, c->hash, s.secret, hl, hs->early));
	OPENSSL_cleanse(&s, sizeof(s));
	/* binder_key = Derive-Secret(early, "res binder", "") (§7.1) */
	TLS_GUARD(tls13_derive_secret(c->off, c->hash, hs->early, "res binder",
	                              tls13_empty_hash(c->hash), binder_key));
	/* §4.2.11.2: over the transcript so far plus the truncated hello. */
	/* The hello itself is already the transcript's last message. */
	TLS_GUARD(tls_transcript_hash_tail(&c->tr, c->tr.count - 1, ch->msg,
	                                   ch->binders_offset, thash));
	r = tls13_finished(c->off, c->hash, binder_key, thash, want);
	OPENSSL_cleanse(binder_key, sizeof(binder_key));
	TLS_GUARD(r);
	TLS_ENSURE(ch->psks[0].binder_len == hl &&
	               CRYPTO_memcmp(want, ch->psks[0].binder, hl) == 0,
	           TLS_ERR_BAD_BINDER);
	hs->resumed = true;
	return TLS_OK;
}

/* Legacy fields, RFC 8446 §4.1.3 */
static TLS_RESULT tls13_write_hello_head(struct tls_writer *w,
                                         const uint8_t *random,
                                         const struct tls_client_hello *ch,
                                         uint16_t suite)
{
	TLS_GUARD(tls_write_u16(w, TLS_VERSION_12));
	TLS_GUARD(tls_write_bytes(w, random, TLS_RANDOM_LEN));
	TLS_GUARD(tls_write_u8(w, ch->session_id_len));
	TLS_GUARD(tls_write_bytes(w, ch->session_id, ch->session_id_len));
	TLS_GUARD(tls_write_u16(w, suite));
	return tls_write_u8(w, 0);
}

static TLS_RESULT tls13_write_ext_u16(struct tls_writer *w, uint16_t type,
                                      uint16_t v)
{
	TLS_GUARD(tls_write_u16(w, type));
	TLS_GUARD(tls_write_u16(w, 2));
	return tls_write_u16(w, v);
}

/*
 * Build a ServerHello (or HRR) as a plaintext record straight into the
 * send buffer; the transcript refers to it there.
 */
static TLS_RESULT tls13_write_server_hello(struct tls_conn *c,
                                           const struct tls_client_hello *ch,
                                           const uint8_t *random,
                                           const uint8_t *pub, size_t pub_len,
                                           uint16_t retry_group)
{
	struct tls_writer w = {c->out, TLS_OUT_CAP, c->out_len};
	size_t rec, msg, ext, m;
	uint8_t *start;

	TLS_GUARD(tls_write_u8(&w, TLS_CT_HANDSHAKE));
	TLS_GUARD(tls_write_u16(&w, TLS_VERSION_12));
	TLS_GUARD(tls_write_vector_begin(&w, 2, &rec));
	start = tls_writer_ptr(&w);
	TLS_GUARD(tls_write_u8(&w, TLS_HS_SERVER_HELLO));
	TLS_GUARD(tls_write_vector_begin(&w, 3, &msg));
	TLS_GUARD(tls13_write_hello_head(&w, random, ch, c->suite));
	TLS_GUARD(tls_write_vector_begin(&w, 2, &ext));
	/* §4.2.1: supported_versions selects TLS 1.3. */
	TLS_GUARD(tls13_write_ext_u16(&w, TLS_EXT_SUPPORTED_VERSIONS,
	                              TLS_VERSION_13));
	if (retry_group) {
		/* §4.2.8: KeyShareHelloRetryRequest { selected_group } */
		TLS_GUARD(
		    tls13_write_ext_u16(&w, TLS_EXT_KEY_SHARE, retry_group));
	} else {
		TLS_GUARD(tls_write_u16(&w, TLS_EXT_KEY_SHARE));
		TLS_GUARD(tls_write_vector_begin(&w, 2, &m));
		TLS_GUARD(tls_write_u16(&w, c->hs->group));
		TLS_GUARD(tls_write_u16(&w, (uint16_t)pub_len));
		TLS_GUARD(tls_write_bytes(&w, pub, pub_len));
		TLS_GUARD(tls_write_vector_end(&w, 2, m));
		/* §4.2.11: selected_identity, always our first. */
		if (c->hs->resumed)
			TLS_GUARD(
			    tls13_write_ext_u16(&w, TLS_EXT_PRE_SHARED_KEY, 0));
	}
	TLS_GUARD(tls_write_vector_end(&w, 2, ext));
	TLS_GUARD(tls_write_vector_end(&w, 3, msg));
	TLS_GUARD(tls_write_vector_end(&w, 2, rec));
	TLS_GUARD(tls_transcript_add(&c->tr, start,
	                             (size_t)(tls_writer_ptr(&w) - start)));
	/* §D.4: in compatibility mode, one CCS after our first message. */
	if (c->hs->compat_ccs && !c->ccs_sent) {
		static const uint8_t ccs[] = {
		    TLS_CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1};

		TLS_GUARD(tls_write_bytes(&w, ccs, sizeof(ccs)));
		c->ccs_sent = true;
	}
	c->out_len = w.len;
	return TLS_OK;
}

static TLS_RESULT tls13_send_hrr(struct tls_conn *c,
                                 const struct tls_client_hello *ch,
                                 uint16_t group)
{
	/* §4.1.4: a second unusable ClientHello is fatal. */
	TLS_ENSURE(!c->hs->retry_group, TLS_ERR_HRR_AGAIN);
	c->hs->retry_group = group;
	c->hs->retry_suite = c->suite;
	TLS_GUARD(tls_transcript_restart_hrr(&c->tr));
	TLS_GUARD(
	    tls13_write_server_hello(c, ch, tls13_hrr_random, NULL, 0, group));
	c->state = TLS_ST_SERVER_RETRY;
	c->hrr = true;
	return TLS_OK;
}

/* §4.1.2: what must (not) change in the ClientHello after HRR. */
static TLS_RESULT tls13_check_retry(struct tls_conn *c,
                                    const struct tls_client_hello *ch)
{
	struct tls_hs *hs = c->hs;

	TLS_ENSURE(ch->nshares == 1 && ch->shares[0].group == hs->retry_group,
	           TLS_ERR_HRR_AGAIN);
	TLS_ENSURE(c->suite == hs->retry_suite, TLS_ERR_HRR_AGAIN);
	TLS_ENSURE(!tls_ch_has(ch, TLS_EXTID_EARLY_DATA), TLS_ERR_HRR_AGAIN);
	return TLS_OK;
}

/* §9.2 mandatory-to-implement extensions in a TLS 1.3 ClientHello. */
static TLS_RESULT tls13_check_required(const struct tls_client_hello *ch)
{
	bool psk = tls_ch_has(ch, TLS_EXTID_PRE_SHARED_KEY);

	TLS_ENSURE(tls_ch_has(ch, TLS_EXTID_SUPPORTED_GROUPS) ==
	               tls_ch_has(ch, TLS_EXTID_KEY_SHARE),
	           TLS_ERR_MISSING_EXTENSION);
	/* We do DHE always (psk_dhe_ke only), so groups are required. */
	TLS_ENSURE(tls_ch_has(ch, TLS_EXTID_SUPPORTED_GROUPS),
	           TLS_ERR_MISSING_EXTENSION);
	TLS_ENSURE(psk || tls_ch_has(ch, TLS_EXTID_SIGNATURE_ALGORITHMS),
	           TLS_ERR_MISSING_EXTENSION);
	/* §4.2.9: pre_shared_key without psk_key_exchange_modes. */
	TLS_ENSURE(!psk || tls_ch_has(ch, TLS_EXTID_PSK_MODES),
	           TLS_ERR_MISSING_EXTENSION);
	/* §4.1.2: exactly the null compression method. */
	TLS_ENSURE(ch->only_null_compression, TLS_ERR_ILLEGAL_PARAM);
	return TLS_OK;
}

tls_result tls13_server_client_hello(struct tls_conn *c, const uint8_t *msg,
                                     size_t len, size_t idx)
{
	struct tls_client_hello ch;
	const struct tls_key_share *share;
	struct tls_hs *hs = c->hs;
	uint16_t retry;

	(void)idx;
	TLS_GUARD(tls_client_hello_parse(msg, len, &ch));
	/* §5.1: the hello must end its record (a key change follows). */
	TLS_ENSURE(c->hs_parsed == c->hs_end, TLS_ERR_INTERLEAVED);
	/* §4.2.1: only supported_versions can select TLS 1.3.  A first
	 * hello that does not goes to the 1.2 server, which refuses what
	 * it cannot serve (tls12_server.c). */
	if (c->state == TLS_ST_SERVER_START &&
	    !(ch.offers13 && c->cfg->enable_tls13))
		return tls12_server_client_hello(c, &ch);
	TLS_ENSURE(ch.offers13 && c->cfg->enable_tls13,
	           TLS_ERR_PROTOCOL_VERSION);
	TLS_GUARD(tls13_check_required(&ch));
	TLS_GUARD(tls13_pick_suite(&ch, &c->suite));
	tls13_suite_params(c->suite, &c->aead, &c->hash);
	if (c->state == TLS_ST_SERVER_START) {
		c->version = TLS_VERSION_13;
		tls_transcript_init(&c->tr, c->off, c->hash,
		                    c->cfg->incremental_transcript);
		hs->compat_ccs = ch.session_id_len > 0;
	} else {
		TLS_GUARD(tls13_check_retry(c, &ch));
	}
	TLS_GUARD(tls_transcript_add(&c->tr, msg, len));
	TLS_GUARD(tls13_pick_group(&ch, &share, &retry));
	if (!share)
		return tls13_send_hrr(c, &ch, retry);
	hs->group = share->group;
	c->group = share->group;
	hs->offered_psk_dhe = ch.psk_dhe_ke;
	if (tls_ch_has(&ch, TLS_EXTID_PRE_SHARED_KEY))
		TLS_GUARD(tls13_try_psk(c, &ch));
	if (!hs->resumed) {
		TLS_ENSURE(tls_ch_has(&ch, TLS_EXTID_SIGNATURE_ALGORITHMS),
		           TLS_ERR_MISSING_EXTENSION);
		TLS_GUARD(tls13_pick_cert(c, &ch));
		hs->client_auth = c->cfg->client_ca != NULL;
	}
	TLS_GUARD(
	    tls_ext_alpn_select(&ch, c->cfg->alpn, c->cfg->nalpn, &c->alpn));
	if (ch.sni) {
		memcpy(c->sni, ch.sni, ch.sni_len);
		c->sni[ch.sni_len] = 0;
	}
	/* RFC 8449 §4: the limit counts the inner content type byte. */
	if (ch.record_size_limit && ch.record_size_limit - 1u < c->max_frag)
		c->max_frag = ch.record_size_limit - 1u;
	hs->skip_early_data = tls_ch_has(&ch, TLS_EXTID_EARLY_DATA);
	return tls13_server_flight(c, &ch, share);
}

static TLS_RESULT tls13_build_ee(struct tls_conn *c,
                                 const struct tls_client_hello *ch,
                                 struct tls_writer *w)
{
	size_t msg, ext, m, l;

	TLS_GUARD(tls_write_u8(w, TLS_HS_ENCRYPTED_EXTENSIONS));
	TLS_GUARD(tls_write_vector_begin(w, 3, &msg));
	TLS_GUARD(tls_write_vector_begin(w, 2, &ext));
	if (c->alpn) {
		size_t n = strlen(c->alpn);

		/* RFC 7301 §3.1: exactly one protocol name. */
		TLS_GUARD(tls_write_u16(w, TLS_EXT_ALPN));
		TLS_GUARD(tls_write_vector_begin(w, 2, &m));
		TLS_GUARD(tls_write_vector_begin(w, 2, &l));
		TLS_GUARD(tls_write_u8(w, (uint8_t)n));
		TLS_GUARD(tls_write_bytes(w, c->alpn, n));
		TLS_GUARD(tls_write_vector_end(w, 2, l));
		TLS_GUARD(tls_write_vector_end(w, 2, m));
	}
	/* RFC 8449 §4: only in answer to the client's; we take 2^14 + 1. */
	if (ch->record_size_limit)
		TLS_GUARD(tls13_write_ext_u16(w, TLS_EXT_RECORD_SIZE_LIMIT,
		                              TLS_MAX_PLAINTEXT + 1));
	/* RFC 6066 §3: an empty server_name when the name was used. */
	if (ch->sni && !c->hs->resumed &&
	    tls_cert_matches(c->hs->cert, ch->sni, ch->sni_len)) {
		TLS_GUARD(tls_write_u16(w, TLS_EXT_SERVER_NAME));
		TLS_GUARD(tls_write_u16(w, 0));
	}
	TLS_GUARD(tls_write_vector_end(w, 2, ext));
	return tls_write_vector_end(w, 3, msg);
}

/* §4.4.3: 64 spaces, the context string, a zero byte, the hash. */
size_t tls13_cv_content(bool server, const uint8_t *thash, size_t hl,
                        uint8_t *out)
{
	static const char sctx[] = "TLS 1.3, server CertificateVerify";
	static const char cctx[] = "TLS 1.3, client CertificateVerify";
	const char *ctx = server ? sctx : cctx;
	size_t n = 64;

	memset(out, 0x20, 64);
	memcpy(out + n, ctx, sizeof(sctx)); /* includes the zero byte */
	n += sizeof(sctx);
	memcpy(out + n, thash, hl);
	return n + hl;
}

static TLS_RESULT tls13_build_cv(struct tls_conn *c, const uint8_t *thash,
                                 struct tls_writer *w)
{
	struct tls_hs *hs = c->hs;
	uint8_t content[64 + 34 + TLS_MAX_HASH_LEN];
	size_t n =
	    tls13_cv_content(true, thash, tls_hash_len(c->hash), content);
	size_t msg, sl;
	uint8_t *sig;
	size_t sig_len;

	TLS_GUARD(tls_write_u8(w, TLS_HS_CERTIFICATE_VERIFY));
	TLS_GUARD(tls_write_vector_begin(w, 3, &msg));
	TLS_GUARD(tls_write_u16(w, hs->sigscheme));
	TLS_GUARD(tls_write_vector_begin(w, 2, &sl));
	sig = tls_writer_ptr(w);
	sig_len = w->cap - w->len;
	TLS_GUARD(c->off->ops->sign(c->off, hs->cert->key, hs->sigscheme,
	                            content, n, sig, &sig_len));
	w->len += sig_len;
	TLS_GUARD(tls_write_vector_end(w, 2, sl));
	return tls_write_vector_end(w, 3, msg);
}

static TLS_RESULT tls13_build_finished(struct tls_conn *c,
                                       const uint8_t *base_key,
                                       const uint8_t *thash,
                                       struct tls_writer *w)
{
	size_t hl = tls_hash_len(c->hash);
	uint8_t *vd;

	TLS_GUARD(tls_write_u8(w, TLS_HS_FINISHED));
	TLS_GUARD(tls_write_u24(w, (uint32_t)hl));
	TLS_GUARD(tls_write_reserve(w, hl, &vd));
	return tls13_finished(c->off, c->hash, base_key, thash, vd);
}

/*
 * M1's Finished-aware checkpoint: one digest call hashes through our
 * CertificateVerify (EncryptedExtensions when resumed), makes our
 * Finished and, unless the client still has to authenticate, the client
 * Finished due next, whose content is already determined (RFC 8446
 * §4.4.4 over the transcript through our Finished), with the hashes
 * through both.  The client Finished handler then compares bytes and
 * needs no digest call.
 */
static TLS_RESULT tls13_finished_m1(struct tls_conn *c, struct tls_writer *w,
                                    struct tls_iov *iov, size_t *niov)
{
	struct tls_hs *hs = c->hs;
	size_t hl = tls_hash_len(c->hash), nfin = hs->client_auth ? 1 : 2;
	uint8_t fk[2][TLS_MAX_HASH_LEN];
	const uint8_t *keys[2] = {fk[0], fk[1]};
	uint8_t *msgs[2] = {NULL, hs->expected_cf};
	tls_result r;

	TLS_GUARD(tls_write_reserve(w, TLS_HS_HEADER_LEN + hl, &msgs[0]));
	/* finished_key = HKDF-Expand-Label(BaseKey, "finished", "", L) */
	r = tls13_expand_label(c->off, c->hash, hs->s_hs, "finished", NULL, 0,
	                       fk[0], hl);
	if (tls_is_ok(r) && nfin == 2)
		r = tls13_expand_label(c->off, c->hash, hs->c_hs, "finished",
		                       NULL, 0, fk[1], hl);
	if (tls_is_ok(r))
		r = tls_transcript_add_finished(&c->tr, keys, nfin, 1, msgs,
		                                hs->th_cf);
	OPENSSL_cleanse(fk, sizeof(fk));
	TLS_GUARD(r);
	iov[(*niov)++] = (struct tls_iov){msgs[0], TLS_HS_HEADER_LEN + hl};
	hs->expect_cf = nfin == 2;
	return TLS_OK;
}

static TLS_RESULT tls13_add_built(struct tls_conn *c, struct tls_writer *w,
                                  size_t start, struct tls_iov *iov,
                                  size_t *niov)
{
	iov[*niov] = (struct tls_iov){w->data + start, w->len - start};
	(*niov)++;
	return tls_transcript_add(&c->tr, w->data + start, w->len - start);
}

tls_result tls13_server_flight(struct tls_conn *c,
                               const struct tls_client_hello *ch,
                               const struct tls_key_share *share)
{
	struct tls_offload *o = c->off;
	struct tls_hs *hs = c->hs;
	uint8_t random[TLS_RANDOM_LEN], pub[TLS_ECDH_MAX_PUB];
	uint8_t shared[TLS_ECDH_MAX_SECRET], thash[TLS_MAX_HASH_LEN];
	size_t pub_len = sizeof(pub), shared_len = sizeof(shared);
	size_t n_sh, start, niov = 0;
	struct tls_writer w;
	struct tls_iov iov[6];
	tls_result r;

	TLS_GUARD(o->ops->ecdh_keygen(o, hs->group, &hs->ecdh, pub, &pub_len));
	TLS_GUARD(o->ops->ecdh_derive(o, &hs->ecdh, share->key, share->len,
	                              shared, &shared_len));
	TLS_ENSURE(RAND_bytes(random, sizeof(random)) == 1, TLS_ERR_CRYPTO);
	TLS_GUARD(tls13_write_server_hello(c, ch, random, pub, pub_len, 0));
	n_sh = c->tr.count;
	if (!hs->resumed)
		TLS_GUARD(tls13_early_secret(o, c->hash, NULL, 0, hs->early));
	r = tls13_next_secret(o, c->hash, hs->early, shared, shared_len,
	                      hs->secret);
	OPENSSL_cleanse(shared, sizeof(shared));
	TLS_GUARD(r);

	/* Everything that does not depend on keys joins the transcript
	 * before the first hash, so one digest call covers it all. */
	tls_writer_init(&w, hs->build, sizeof(hs->build));
	start = w.len;
	TLS_GUARD(tls13_build_ee(c, ch, &w));
	TLS_GUARD(tls13_add_built(c, &w, start, iov, &niov));
	if (hs->client_auth) {
		iov[niov++] = (struct tls_iov){c->cfg->cert_req13,
		                               c->cfg->cert_req13_len};
		TLS_GUARD(tls_transcript_add(&c->tr, c->cfg->cert_req13,
		                             c->cfg->cert_req13_len));
	}
	if (!hs->resumed) {
		iov[niov++] =
		    (struct tls_iov){hs->cert->cert13, hs->cert->cert13_len};
		TLS_GUARD(tls_transcript_add(&c->tr, hs->cert->cert13,
		                             hs->cert->cert13_len));
	}
	/* §7.1: handshake traffic secrets over ClientHello..ServerHello */
	TLS_GUARD(tls_transcript_hash(&c->tr, n_sh, thash));
	TLS_GUARD(tls13_derive_secret(o, c->hash, hs->secret, "c hs traffic",
	                              thash, hs->c_hs));
	TLS_GUARD(tls13_derive_secret(o, c->hash, hs->secret, "s hs traffic",
	                              thash, hs->s_hs));
	if (!hs->resumed) {
		TLS_GUARD(tls_transcript_hash(&c->tr, c->tr.count, thash));
		start = w.len;
		TLS_GUARD(tls13_build_cv(c, thash, &w));
		TLS_GUARD(tls13_add_built(c, &w, start, iov, &niov));
	}
	if (tls_transcript_can_finish(&c->tr)) {
		TLS_GUARD(tls13_finished_m1(c, &w, iov, &niov));
	} else {
		TLS_GUARD(tls_transcript_hash(&c->tr, c->tr.count, thash));
		start = w.len;
		TLS_GUARD(tls13_build_finished(c, hs->s_hs, thash, &w));
		TLS_GUARD(tls13_add_built(c, &w, start, iov, &niov));
	}
	hs->build_len = w.len;
	hs->n_sf = c->tr.count;

	TLS_GUARD(tls_record_set_secret13(o, &c->wr, c->aead, c->hash, hs->s_hs,
	                                  true));
	TLS_GUARD(tls_conn_write_records(c, TLS_CT_HANDSHAKE, iov, niov));
	TLS_GUARD(tls_record_set_secret13(o, &c->rd, c->aead, c->hash, hs->c_hs,
	                                  false));
	TLS_GUARD(
	    tls13_next_secret(o, c->hash, hs->secret, NULL, 0, hs->master));
	c->resumed = hs->resumed;
	c->state =
	    hs->client_auth ? TLS_ST_SERVER_CERT : TLS_ST_SERVER_FINISHED;
	return TLS_OK;
}
