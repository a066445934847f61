// SPDX-License-Identifier: MIT
/*
 * The client's ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2), built
 * as a plaintext record straight into the send buffer, where the
 * transcript refers to it (M1).  The same function builds the second
 * hello after a HelloRetryRequest (§4.1.4): same random and session id,
 * the share the server asked for, its cookie, a fresh binder.
 *
 * What it offers is recorded in the connection's tls_client_offer, so
 * the server's answers are checked against exactly this hello.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tls13_schedule.h"
#include "tls13_server.h"
#include "tls_client.h"
#include "tls_sigalgs.h"

/* Our preference order; the server picks. */
static const uint16_t tls_cl_suites13[] = {
    TLS_AES_128_GCM_SHA256,
    TLS_AES_256_GCM_SHA384,
    TLS_CHACHA20_POLY1305_SHA256,
};

static const uint16_t tls_cl_suites12[] = {
    TLS_ECDHE_ECDSA_AES128_GCM, TLS_ECDHE_RSA_AES128_GCM,
    TLS_ECDHE_ECDSA_AES256_GCM, TLS_ECDHE_RSA_AES256_GCM,
    TLS_ECDHE_ECDSA_CHACHA20,   TLS_ECDHE_RSA_CHACHA20,
};

static const uint16_t tls_cl_groups[] = {TLS_GROUP_X25519, TLS_GROUP_SECP256R1};

#define TLS_NELEM(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(TLS_NELEM(tls_cl_suites13) + TLS_NELEM(tls_cl_suites12) <=
                   TLS_OFFER_MAX_SUITES,
               "the offer holds every suite we may send");
_Static_assert(TLS_NELEM(tls_cl_groups) <= TLS_OFFER_MAX_GROUPS,
               "the offer holds every group we may send");

#define TLS_PSK_DHE_KE 1 /* RFC 8446 §4.2.9 */

static TLS_RESULT tls_ch_offer_init(struct tls_conn *c)
{
	struct tls_client *cl = c->client;
	struct tls_client_offer *o = &cl->offer;
	const struct tls_config *cfg = c->cfg;

	o->v13 = cfg->enable_tls13;
	o->v12 = cfg->enable_tls12;
	for (size_t i = 0; o->v13 && i < TLS_NELEM(tls_cl_suites13); i++)
		o->suites[o->nsuites++] = tls_cl_suites13[i];
	for (size_t i = 0; o->v12 && i < TLS_NELEM(tls_cl_suites12); i++)
		o->suites[o->nsuites++] = tls_cl_suites12[i];
	for (size_t i = 0; i < TLS_NELEM(tls_cl_groups); i++)
		o->groups[o->ngroups++] = tls_cl_groups[i];
	o->share_group = o->v13 ? TLS_GROUP_X25519 : 0;
	o->alpn = cfg->alpn;
	o->nalpn = cfg->nalpn;
	/*
	 * RFC 8446 §D.4: a 1.3 client in compatibility mode sends a
	 * non-empty legacy_session_id; RFC 5077 §3.4: so does a 1.2 client
	 * presenting a ticket, to see the server accept it.
	 */
	if (o->v13 || cl->resume.version == TLS_VERSION_12)
		o->session_id_len = TLS_MAX_SESSION_ID;
	TLS_ENSURE(RAND_bytes(cl->client_random, TLS_RANDOM_LEN) == 1 &&
	               RAND_bytes(o->session_id, TLS_MAX_SESSION_ID) == 1,
	           TLS_ERR_CRYPTO);
	return TLS_OK;
}

static TLS_RESULT tls_ch_ext_begin(struct tls_writer *w,
                                   struct tls_client_offer *o, uint16_t type,
                                   enum tls_ext_id id, size_t *mark)
{
	o->sent |= 1u << id;
	TLS_GUARD(tls_write_u16(w, type));
	return tls_write_vector_begin(w, 2, mark);
}

/* RFC 6066 §3: ServerNameList with one host_name. */
static TLS_RESULT tls_ch_sni(struct tls_writer *w, struct tls_client *cl)
{
	size_t e, l, n, len = strlen(cl->server_name);

	TLS_GUARD(tls_ch_ext_begin(w, &cl->offer, TLS_EXT_SERVER_NAME,
	                           TLS_EXTID_SERVER_NAME, &e));
	TLS_GUARD(tls_write_vector_begin(w, 2, &l));
	TLS_GUARD(tls_write_u8(w, 0)); /* host_name */
	TLS_GUARD(tls_write_vector_begin(w, 2, &n));
	TLS_GUARD(tls_write_bytes(w, cl->server_name, len));
	TLS_GUARD(tls_write_vector_end(w, 2, n));
	TLS_GUARD(tls_write_vector_end(w, 2, l));
	return tls_write_vector_end(w, 2, e);
}

/* RFC 7301 §3.1: our protocols, in our preference order. */
static TLS_RESULT tls_ch_alpn(struct tls_writer *w, struct tls_client_offer *o)
{
	size_t e, l;

	TLS_GUARD(tls_ch_ext_begin(w, o, TLS_EXT_ALPN, TLS_EXTID_ALPN, &e));
	TLS_GUARD(tls_write_vector_begin(w, 2, &l));
	for (unsigned i = 0; i < o->nalpn; i++) {
		size_t n = strlen(o->alpn[i]);

		TLS_GUARD(tls_write_u8(w, (uint8_t)n));
		TLS_GUARD(tls_write_bytes(w, o->alpn[i], n));
	}
	TLS_GUARD(tls_write_vector_end(w, 2, l));
	return tls_write_vector_end(w, 2, e);
}

/* Extensions every hello carries (both versions). */
static TLS_RESULT tls_ch_common_exts(struct tls_writer *w, struct tls_conn *c)
{
	struct tls_client *cl = c->client;
	struct tls_client_offer *o = &cl->offer;
	size_t e, l;

	if (cl->server_name[0])
		TLS_GUARD(tls_ch_sni(w, cl));
	/* RFC 8446 §4.2.7 / RFC 8422 §5.1.1 */
	TLS_GUARD(tls_ch_ext_begin(w, o, TLS_EXT_SUPPORTED_GROUPS,
	                           TLS_EXTID_SUPPORTED_GROUPS, &e));
	TLS_GUARD(tls_write_vector_begin(w, 2, &l));
	for (unsigned i = 0; i < o->ngroups; i++)
		TLS_GUARD(tls_write_u16(w, o->groups[i]));
	TLS_GUARD(tls_write_vector_end(w, 2, l));
	TLS_GUARD(tls_write_vector_end(w, 2, e));
	/* §4.2.3: PKCS#1 v1.5 only when 1.2 may be chosen. */
	TLS_GUARD(tls_ch_ext_begin(w, o, TLS_EXT_SIGNATURE_ALGORITHMS,
	                           TLS_EXTID_SIGNATURE_ALGORITHMS, &e));
	TLS_GUARD(tls_write_vector_begin(w, 2, &l));
	TLS_GUARD(
	    tls_sigalgs_write(w, o->v12 ? TLS_VERSION_12 : TLS_VERSION_13));
	TLS_GUARD(tls_write_vector_end(w, 2, l));
	TLS_GUARD(tls_write_vector_end(w, 2, e));
	if (o->nalpn)
		TLS_GUARD(tls_ch_alpn(w, o));
	return TLS_OK;
}

/* RFC 7627, RFC 5746, RFC 8422 §5.1.2 and RFC 5077 for a 1.2 server. */
static TLS_RESULT tls_ch_exts12(struct tls_writer *w, struct tls_conn *c)
{
	struct tls_client *cl = c->client;
	struct tls_client_offer *o = &cl->offer;
	size_t e, l;

	TLS_GUARD(tls_ch_ext_begin(w, o, TLS_EXT_EC_POINT_FORMATS,
	                           TLS_EXTID_EC_POINT_FORMATS, &e));
	TLS_GUARD(tls_write_vector_begin(w, 1, &l));
	TLS_GUARD(tls_write_u8(w, 0)); /* uncompressed */
	TLS_GUARD(tls_write_vector_end(w, 1, l));
	TLS_GUARD(tls_write_vector_end(w, 2, e));
	TLS_GUARD(tls_ch_ext_begin(w, o, TLS_EXT_EXTENDED_MASTER_SECRET,
	                           TLS_EXTID_EMS, &e));
	TLS_GUARD(tls_write_vector_end(w, 2, e));
	/* RFC 5746 §3.4: empty renegotiated_connection. */
	TLS_GUARD(tls_ch_ext_begin(w, o, TLS_EXT_RENEGOTIATION_INFO,
	                           TLS_EXTID_RENEGOTIATION_INFO, &e));
	TLS_GUARD(tls_write_u8(w, 0));
	TLS_GUARD(tls_write_vector_end(w, 2, e));
	if (c->cfg->tickets_enabled || cl->resume.version == TLS_VERSION_12) {
		/* RFC 5077 §3.2: the ticket, or empty to ask for one. */
		TLS_GUARD(tls_ch_ext_begin(w, o, TLS_EXT_SESSION_TICKET,
		                           TLS_EXTID_SESSION_TICKET, &e));
		if (cl->resume.version == TLS_VERSION_12) {
			TLS_GUARD(tls_write_bytes(w, cl->resume.ticket,
			                          cl->resume.ticket_len));
			cl->offered_resume = true;
		}
		TLS_GUARD(tls_write_vector_end(w, 2, e));
	}
	return TLS_OK;
}

static TLS_RESULT tls_ch_key_share(struct tls_writer *w, struct tls_conn *c)
{
	struct tls_client *cl = c->client;
	struct tls_client_offer *o = &cl->offer;
	struct tls_offload *off = c->off;
	struct tls_hs *hs = c->hs;
	size_t e, l, k;

	/* A new key only for a new group (a cookie-only HRR keeps it). */
	if (cl->share_group != o->share_group) {
		if (hs->ecdh.impl)
			off->ops->ecdh_free(off, &hs->ecdh);
		cl->share_len = sizeof(cl->share_pub);
		TLS_GUARD(off->ops->ecdh_keygen(off, o->share_group, &hs->ecdh,
		                                cl->share_pub, &cl->share_len));
		cl->share_group = o->share_group;
	}
	/* §4.2.8: client_shares<0..2^16-1>, one KeyShareEntry. */
	TLS_GUARD(
	    tls_ch_ext_begin(w, o, TLS_EXT_KEY_SHARE, TLS_EXTID_KEY_SHARE, &e));
	TLS_GUARD(tls_write_vector_begin(w, 2, &l));
	TLS_GUARD(tls_write_u16(w, cl->share_group));
	TLS_GUARD(tls_write_vector_begin(w, 2, &k));
	TLS_GUARD(tls_write_bytes(w, cl->share_pub, cl->share_len));
	TLS_GUARD(tls_write_vector_end(w, 2, k));
	TLS_GUARD(tls_write_vector_end(w, 2, l));
	return tls_write_vector_end(w, 2, e);
}

/* Offer the 1.3 ticket?  After HRR only if its hash is the suite's. */
static bool tls_ch_offer_psk(const struct tls_conn *c)
{
	const struct tls_client *cl = c->client;
	enum tls_aead a;
	enum tls_hash h;

	if (cl->resume.version != TLS_VERSION_13 || !cl->offer.v13)
		return false;
	tls13_suite_params(cl->resume.suite, &a, &h);
	/* §4.2.11: "SHOULD NOT offer ... a hash other than that of the
	 * selected cipher suite" in the updated ClientHello. */
	return !cl->offer.after_hrr || h == c->tr.hash;
}

/*
 * §4.2.11: identities and binders; the binder is left zero and its
 * offset in the message returned, to be filled over the truncated hello.
 */
static TLS_RESULT tls_ch_psk(struct tls_writer *w, struct tls_conn *c,
                             size_t msg_start, size_t *binder_at)
{
	struct tls_client *cl = c->client;
	struct tls_client_session *s = &cl->resume;
	size_t e, ids, id, bl, b, hl = s->secret_len;
	/* §4.2.11.1: ticket age in ms plus ticket_age_add, mod 2^32 */
	uint32_t age =
	    (uint32_t)(tls_client_now_ms() - s->received_ms) + s->age_add;
	uint8_t *binder;

	TLS_GUARD(tls_ch_ext_begin(w, &cl->offer, TLS_EXT_PRE_SHARED_KEY,
	                           TLS_EXTID_PRE_SHARED_KEY, &e));
	TLS_GUARD(tls_write_vector_begin(w, 2, &ids));
	TLS_GUARD(tls_write_vector_begin(w, 2, &id));
	TLS_GUARD(tls_write_bytes(w, s->ticket, s->ticket_len));
	TLS_GUARD(tls_write_vector_end(w, 2, id));
	TLS_GUARD(tls_write_u32(w, age));
	TLS_GUARD(tls_write_vector_end(w, 2, ids));
	/* The truncated hello ends before the binders list. */
	*binder_at = w->len - msg_start;
	TLS_GUARD(tls_write_vector_begin(w, 2, &bl));
	TLS_GUARD(tls_write_vector_begin(w, 1, &b));
	TLS_GUARD(tls_write_reserve(w, hl, &binder));
	memset(binder, 0, hl);
	TLS_GUARD(tls_write_vector_end(w, 1, b));
	TLS_GUARD(tls_write_vector_end(w, 2, bl));
	TLS_GUARD(tls_write_vector_end(w, 2, e));
	cl->offer.npsks = 1;
	cl->offered_resume = true;
	return TLS_OK;
}

static TLS_RESULT tls_ch_exts13(struct tls_writer *w, struct tls_conn *c)
{
	struct tls_client *cl = c->client;
	struct tls_client_offer *o = &cl->offer;
	size_t e, l;

	/* §4.2.1: 1.3 first, then 1.2 when enabled. */
	TLS_GUARD(tls_ch_ext_begin(w, o, TLS_EXT_SUPPORTED_VERSIONS,
	                           TLS_EXTID_SUPPORTED_VERSIONS, &e));
	TLS_GUARD(tls_write_vector_begin(w, 1, &l));
	TLS_GUARD(tls_write_u16(w, TLS_VERSION_13));
	if (o->v12)
		TLS_GUARD(tls_write_u16(w, TLS_VERSION_12));
	TLS_GUARD(tls_write_vector_end(w, 1, l));
	TLS_GUARD(tls_write_vector_end(w, 2, e));
	/* §4.2.9: without it a server sends no tickets. */
	if (c->cfg->tickets_enabled || tls_ch_offer_psk(c)) {
		TLS_GUARD(tls_ch_ext_begin(w, o, TLS_EXT_PSK_KEY_EXCHANGE_MODES,
		                           TLS_EXTID_PSK_MODES, &e));
		TLS_GUARD(tls_write_vector_begin(w, 1, &l));
		TLS_GUARD(tls_write_u8(w, TLS_PSK_DHE_KE));
		TLS_GUARD(tls_write_vector_end(w, 1, l));
		TLS_GUARD(tls_write_vector_end(w, 2, e));
	}
	TLS_GUARD(tls_ch_key_share(w, c));
	/* §4.2.2: echo the HRR's cookie as it came. */
	if (cl->cookie) {
		TLS_GUARD(tls_ch_ext_begin(w, o, TLS_EXT_COOKIE,
		                           TLS_EXTID_COOKIE, &e));
		TLS_GUARD(tls_write_bytes(w, cl->cookie, cl->cookie_len));
		TLS_GUARD(tls_write_vector_end(w, 2, e));
	}
	return TLS_OK;
}

/* §4.2.11.2: binder = HMAC over the hello up to the binders list. */
static TLS_RESULT tls_ch_fill_binder(struct tls_conn *c, uint8_t *msg,
                                     size_t binder_at)
{
	struct tls_client_session *s = &c->client->resume;
	struct tls_hs *hs = c->hs;
	enum tls_hash h = c->tr.hash;
	uint8_t thash[TLS_MAX_HASH_LEN], key[TLS_MAX_HASH_LEN];
	tls_result r;

	TLS_ENSURE(s->secret_len == tls_hash_len(h), TLS_ERR_INTERNAL);
	TLS_GUARD(
	    tls13_early_secret(c->off, h, s->secret, s->secret_len, hs->early));
	/* Over the transcript so far (message_hash, HRR after a retry). */
	TLS_GUARD(tls_transcript_hash_tail(&c->tr, c->tr.count, msg, binder_at,
	                                   thash));
	TLS_GUARD(tls13_derive_secret(c->off, h, hs->early, "res binder",
	                              tls13_empty_hash(h), key));
	/* binders<33..>: u16 list length, u8 binder length, the binder */
	r = tls13_finished(c->off, h, key, thash, msg + binder_at + 3);
	OPENSSL_cleanse(key, sizeof(key));
	return r;
}

tls_result tls_client_hello_write(struct tls_conn *c)
{
	struct tls_client *cl = c->client;
	struct tls_client_offer *o = &cl->offer;
	struct tls_writer w = {c->out, TLS_OUT_CAP, c->out_len};
	size_t rec, msg, exts, start, binder_at = 0;
	bool psk;

	if (!o->after_hrr)
		TLS_GUARD(tls_ch_offer_init(c));
	o->sent = 0;
	o->npsks = 0;
	cl->offered_resume = false;
	psk = tls_ch_offer_psk(c);
	/* §5.1: 0x0301 is allowed (and most compatible) in a first hello. */
	TLS_GUARD(tls_write_u8(&w, TLS_CT_HANDSHAKE));
	TLS_GUARD(
	    tls_write_u16(&w, o->after_hrr ? TLS_VERSION_12 : TLS_VERSION_10));
	TLS_GUARD(tls_write_vector_begin(&w, 2, &rec));
	start = w.len;
	TLS_GUARD(tls_write_u8(&w, TLS_HS_CLIENT_HELLO));
	TLS_GUARD(tls_write_vector_begin(&w, 3, &msg));
	TLS_GUARD(tls_write_u16(&w, TLS_VERSION_12)); /* legacy_version */
	TLS_GUARD(tls_write_bytes(&w, cl->client_random, TLS_RANDOM_LEN));
	TLS_GUARD(tls_write_u8(&w, o->session_id_len));
	TLS_GUARD(tls_write_bytes(&w, o->session_id, o->session_id_len));
	TLS_GUARD(tls_write_u16(&w, (uint16_t)(2 * o->nsuites)));
	for (unsigned i = 0; i < o->nsuites; i++)
		TLS_GUARD(tls_write_u16(&w, o->suites[i]));
	TLS_GUARD(tls_write_u8(&w, 1));
	TLS_GUARD(tls_write_u8(&w, 0)); /* null compression only */
	TLS_GUARD(tls_write_vector_begin(&w, 2, &exts));
	TLS_GUARD(tls_ch_common_exts(&w, c));
	if (o->v12)
		TLS_GUARD(tls_ch_exts12(&w, c));
	if (o->v13)
		TLS_GUARD(tls_ch_exts13(&w, c));
	/* §4.2.11: pre_shared_key is the last extension. */
	if (psk)
		TLS_GUARD(tls_ch_psk(&w, c, start, &binder_at));
	TLS_GUARD(tls_write_vector_end(&w, 2, exts));
	TLS_GUARD(tls_write_vector_end(&w, 3, msg));
	/* One record: §5.1 allows splitting, nothing needs it. */
	TLS_ENSURE(w.len - start <= TLS_MAX_PLAINTEXT, TLS_ERR_SPACE);
	TLS_GUARD(tls_write_vector_end(&w, 2, rec));
	if (psk)
		TLS_GUARD(tls_ch_fill_binder(c, c->out + start, binder_at));
	TLS_GUARD(tls_transcript_add(&c->tr, c->out + start, w.len - start));
	c->out_len = w.len;
	return TLS_OK;
}
