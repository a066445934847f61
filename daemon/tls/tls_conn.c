// SPDX-License-Identifier: MIT
/*
 * Connection buffers and the receive loop: records in, handshake messages
 * reassembled in place, alerts, the middlebox CCS, application data out.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tls_conn.h"

/* Largest handshake message we accept (a client certificate chain). */
#define TLS_MAX_HS_MSG     (64 * 1024)
/* RFC 8446 §4.2.10: bytes of rejected early data we are willing to skip */
#define TLS_MAX_EARLY_SKIP (16 * 1024)
#define TLS_PENDING_MSGS   8

/* The connection buffers come from the offload backend (DMA memory with
 * cards, so jobs read and write them in place) and survive reuse of the
 * connection object while the backend is the same. */
static void tls_conn_bufs_free(struct tls_conn *c)
{
	tls_offload_buf_free(c->buf_owner, c->in);
	tls_offload_buf_free(c->buf_owner, c->out);
	c->in = c->out = NULL;
	c->buf_owner = NULL;
}

/* Who allocates a connection's buffers: a backend with an allocator,
 * or NULL for malloc (so freeing them never needs a backend that may be
 * gone by then). */
static struct tls_offload *tls_conn_buf_source(struct tls_offload *o)
{
	return o && o->ops->buf_alloc ? o : NULL;
}

tls_result tls_conn_init_server(struct tls_conn *c, struct tls_config *cfg)
{
	uint8_t *in = c->in, *out = c->out;
	struct tls_offload *owner = tls_conn_buf_source(cfg->off);

	if (c->buf_owner != owner && (in || out)) {
		tls_conn_bufs_free(c);
		in = out = NULL;
	}
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->off = cfg->off;
	c->buf_owner = owner;
	c->in = in ? in : tls_offload_buf_alloc(owner, TLS_IN_CAP);
	c->out = out ? out : tls_offload_buf_alloc(owner, TLS_OUT_CAP);
	c->hs = calloc(1, sizeof(*c->hs));
	TLS_ENSURE(c->in && c->out && c->hs, TLS_ERR_NOMEM);
	c->state = TLS_ST_SERVER_START;
	c->max_frag = TLS_MAX_PLAINTEXT;
	c->alert_sent = TLS_ALERT_NONE;
	c->alert_received = TLS_ALERT_NONE;
	return TLS_OK;
}

static void tls_conn_free_hs(struct tls_conn *c)
{
	struct tls_hs *hs = c->hs;

	if (!hs)
		return;
	if (hs->ecdh.impl)
		c->off->ops->ecdh_free(c->off, &hs->ecdh);
	X509_free(hs->peer_leaf);
	sk_X509_pop_free(hs->peer_chain, X509_free);
	OPENSSL_cleanse(hs, sizeof(*hs));
	free(hs);
	c->hs = NULL;
	tls_transcript_fini(&c->tr);
}

void tls_conn_reset(struct tls_conn *c)
{
	if (!c->off)
		return;
	tls_conn_free_hs(c);
	tls_client_free(c);
	tls_record_dir_clear(c->off, &c->rd);
	tls_record_dir_clear(c->off, &c->wr);
	OPENSSL_cleanse(c->c_ap, sizeof(c->c_ap));
	OPENSSL_cleanse(c->s_ap, sizeof(c->s_ap));
	OPENSSL_cleanse(c->res_master, sizeof(c->res_master));
}

void tls_conn_free(struct tls_conn *c)
{
	tls_conn_reset(c);
	tls_conn_bufs_free(c);
}

void tls_conn_handshake_done(struct tls_conn *c)
{
	c->stats.digest_calls = c->tr.digest_calls;
	tls_conn_free_hs(c);
	c->state = TLS_ST_APP;
	c->completed = true;
}

/* References into `in` must hold while the handshake or a message is open. */
static bool tls_conn_in_pinned(const struct tls_conn *c)
{
	return c->hs || c->hs_parsed != c->hs_end || c->app_len;
}

uint8_t *tls_conn_in_space(struct tls_conn *c, size_t *room)
{
	if (!tls_conn_in_pinned(c)) {
		if (c->in_pos == c->in_len) {
			c->in_pos = c->in_len = 0;
		} else if (c->in_pos &&
		           TLS_IN_CAP - c->in_len < TLS_MAX_RECORD) {
			memmove(c->in, c->in + c->in_pos,
			        c->in_len - c->in_pos);
			c->in_len -= c->in_pos;
			c->in_pos = 0;
		}
		c->hs_parsed = c->hs_end = c->in_pos;
	}
	*room = TLS_IN_CAP - c->in_len;
	return c->in + c->in_len;
}

void tls_conn_in_commit(struct tls_conn *c, size_t n)
{
	c->in_len += n;
}

size_t tls_conn_out_peek(struct tls_conn *c, const uint8_t **p)
{
	*p = c->out + c->out_sent;
	return c->out_len - c->out_sent;
}

void tls_conn_out_consume(struct tls_conn *c, size_t n)
{
	c->out_sent += n;
	/* During the handshake the transcript points into `out`. */
	if (c->hs)
		return;
	if (c->out_sent == c->out_len) {
		c->out_sent = c->out_len = 0;
	} else if (c->out_sent > TLS_OUT_CAP / 2) {
		memmove(c->out, c->out + c->out_sent, c->out_len - c->out_sent);
		c->out_len -= c->out_sent;
		c->out_sent = 0;
	}
}

tls_result tls_conn_write_records(struct tls_conn *c, uint8_t type,
                                  const struct tls_iov *in, size_t nin)
{
	struct tls_writer w = {c->out, TLS_OUT_CAP, c->out_len};
	uint64_t before = c->wr.seq;

	TLS_GUARD(tls_record_write_all(c->off, &c->wr, type, in, nin,
	                               c->max_frag, &w));
	c->stats.records_out += (unsigned)(c->wr.seq - before);
	c->out_len = w.len;
	return TLS_OK;
}

static TLS_RESULT tls_conn_send_alert(struct tls_conn *c, uint8_t desc)
{
	/* RFC 8446 §6: close_notify is a warning, every error is fatal. */
	uint8_t alert[2] = {desc == TLS_ALERT_CLOSE_NOTIFY ? 1 : 2, desc};
	struct tls_iov iov = {alert, 2};
	struct tls_writer w = {c->out, TLS_OUT_CAP, c->out_len};

	/* A 1.3 server between its Finished and the client's. */
	if (!c->client && c->version == TLS_VERSION_13 && c->hs &&
	    (c->state == TLS_ST_SERVER_CERT || c->state == TLS_ST_SERVER_CV ||
	     c->state == TLS_ST_SERVER_FINISHED))
		TLS_GUARD(tls13_server_app_write_keys(c));
	TLS_GUARD(
	    tls_record_write(c->off, &c->wr, TLS_CT_ALERT, &iov, 1, 2, &w));
	c->out_len = w.len;
	if (desc == TLS_ALERT_CLOSE_NOTIFY)
		c->close_sent = true;
	else
		c->alert_sent = desc;
	return TLS_OK;
}

tls_result tls_conn_close(struct tls_conn *c)
{
	if (c->close_sent || c->state == TLS_ST_FAILED)
		return TLS_OK;
	return tls_conn_send_alert(c, TLS_ALERT_CLOSE_NOTIFY);
}

/* RFC 8446 §6.1-§6.2. */
static TLS_RESULT tls_conn_alert_recv(struct tls_conn *c, const uint8_t *p,
                                      size_t n)
{
	/* One alert per record: exactly two bytes. */
	TLS_ENSURE(n == 2, TLS_ERR_DECODE);
	TLS_ENSURE(p[0] == 1 || p[0] == 2, TLS_ERR_ILLEGAL_PARAM);
	c->alert_received = p[1];
	if (p[1] == TLS_ALERT_CLOSE_NOTIFY) {
		c->state = TLS_ST_CLOSED;
		return TLS_OK;
	}
	/* user_canceled is followed by close_notify; anything else is fatal */
	if (p[1] == TLS_ALERT_USER_CANCELED && p[0] == 1)
		return TLS_OK;
	TLS_BAIL(TLS_ERR_PEER_ALERT);
}

static bool tls_conn_handshaking(const struct tls_conn *c)
{
	return c->state < TLS_ST_APP;
}

/* RFC 8446 §5 / §D.4: one CCS byte 0x01, only mid-handshake. */
static TLS_RESULT tls_conn_ccs_recv(struct tls_conn *c, const uint8_t *p,
                                    size_t n)
{
	/* In TLS 1.2 the CCS switches the read keys (RFC 5246 §7.1). */
	if (c->client && c->version == TLS_VERSION_12)
		return tls12_client_ccs(c, p, n);
	if (c->version == TLS_VERSION_12)
		return tls12_server_ccs(c, p, n);
	TLS_ENSURE(n == 1 && p[0] == 1, TLS_ERR_BAD_CCS);
	TLS_ENSURE(tls_conn_handshaking(c) && c->state != TLS_ST_SERVER_START,
	           TLS_ERR_BAD_CCS);
	return TLS_OK;
}

/*
 * Frame every complete message in the handshake area, add them all to
 * the transcript first (so one digest call can cover all of them), then
 * handle them in order.
 */
static TLS_RESULT tls_conn_handshake_batch(struct tls_conn *c)
{
	struct {
		size_t off, len, idx;
	} msg[TLS_PENDING_MSGS];
	size_t n = 0, pos = c->hs_parsed;
	bool in_hs = tls_conn_handshaking(c);

	while (n < TLS_PENDING_MSGS && c->hs_end - pos >= TLS_HS_HEADER_LEN) {
		uint32_t len = tls_get_u24(c->in + pos + 1);

		TLS_ENSURE(len <= TLS_MAX_HS_MSG, TLS_ERR_DECODE);
		if (c->hs_end - pos < TLS_HS_HEADER_LEN + len)
			break;
		msg[n].off = pos;
		msg[n].len = TLS_HS_HEADER_LEN + len;
		msg[n].idx = c->tr.count;
		/* The first ClientHello is added by its handler (HRR). */
		if (in_hs && c->in[pos] != TLS_HS_CLIENT_HELLO)
			TLS_GUARD(tls_transcript_add(&c->tr, c->in + pos,
			                             msg[n].len));
		pos += msg[n].len;
		n++;
		if (!in_hs)
			break; /* post-handshake: one at a time */
	}
	for (size_t i = 0; i < n; i++) {
		c->hs_parsed = msg[i].off + msg[i].len;
		TLS_GUARD(tls_conn_handle_handshake(c, c->in + msg[i].off,
		                                    msg[i].len, msg[i].idx));
		if (c->state >= TLS_ST_CLOSED)
			break;
	}
	return TLS_OK;
}

/*
 * Batches until no complete message is left: post-handshake messages go
 * one per batch, and one record may hold several (RFC 8446 §5.1), e.g.
 * two NewSessionTickets.
 */
static TLS_RESULT tls_conn_handshake_recv(struct tls_conn *c)
{
	for (;;) {
		size_t before = c->hs_parsed;

		TLS_GUARD(tls_conn_handshake_batch(c));
		if (c->hs_parsed == before || c->hs_parsed == c->hs_end ||
		    c->state >= TLS_ST_CLOSED)
			return TLS_OK;
	}
}

static TLS_RESULT tls_conn_hs_append(struct tls_conn *c, uint8_t *pt, size_t n)
{
	size_t off = (size_t)(pt - c->in);

	if (c->hs_parsed == c->hs_end) {
		c->hs_parsed = off;
		c->hs_end = off + n;
	} else {
		/* Coalesce a fragmented message in place, right after its
		 * first part; the gap held headers and tags already used. */
		memmove(c->in + c->hs_end, pt, n);
		c->hs_end += n;
	}
	return tls_conn_handshake_recv(c);
}

static TLS_RESULT tls_conn_record(struct tls_conn *c, uint8_t *rec,
                                  const struct tls_record_hdr *h)
{
	size_t rec_len = TLS_RECORD_HEADER_LEN + h->len;
	uint8_t type = h->type;
	uint8_t *pt = rec + TLS_RECORD_HEADER_LEN;
	size_t n = h->len;

	c->stats.records_in++;
	if (type == TLS_CT_CHANGE_CIPHER_SPEC)
		return tls_conn_ccs_recv(c, pt, n);
	if (c->rd.protected) {
		tls_result r = tls_record_open(c->off, &c->rd, rec, rec_len,
		                               &type, &pt, &n);

		if (tls_is_err(r)) {
			/* §4.2.10: skip 0-RTT records we declined. */
			if (c->hs && c->hs->skip_early_data &&
			    tls_error_last() == TLS_ERR_BAD_RECORD_MAC &&
			    c->hs->early_skipped + h->len <=
			        TLS_MAX_EARLY_SKIP) {
				c->hs->early_skipped += h->len;
				return TLS_OK;
			}
			return r;
		}
		if (c->hs)
			c->hs->skip_early_data = false;
	}
	/* §5.1: handshake data must not interleave with other types. */
	if (type != TLS_CT_HANDSHAKE)
		TLS_ENSURE(c->hs_parsed == c->hs_end, TLS_ERR_UNEXPECTED_MSG);
	switch (type) {
	case TLS_CT_ALERT: return tls_conn_alert_recv(c, pt, n);
	case TLS_CT_HANDSHAKE: return tls_conn_hs_append(c, pt, n);
	case TLS_CT_APPLICATION_DATA:
		TLS_ENSURE(c->state == TLS_ST_APP, TLS_ERR_UNEXPECTED_MSG);
		c->app_off = (size_t)(pt - c->in);
		c->app_len = n;
		return TLS_OK;
	default: TLS_BAIL(TLS_ERR_RECORD_TYPE);
	}
}

static void tls_conn_fail(struct tls_conn *c, size_t out_mark, bool rollback)
{
	enum tls_error err = tls_error_last();
	enum tls_alert alert = tls_error_alert(err);

	c->error = err;
	c->error_where = tls_error_where();
	if (rollback) {
		/* Nothing of a half-built first flight may leave. */
		c->out_len = out_mark;
		tls_record_dir_clear(c->off, &c->wr);
	}
	/* If even the alert cannot be built, the close says it all.  The
	 * state still says which keys the alert goes under. */
	if (alert != TLS_ALERT_NONE &&
	    tls_is_err(tls_conn_send_alert(c, (uint8_t)alert)))
		c->alert_sent = TLS_ALERT_NONE;
	c->state = TLS_ST_FAILED;
}

tls_result tls_conn_process(struct tls_conn *c)
{
	while (c->state != TLS_ST_FAILED && c->state != TLS_ST_CLOSED &&
	       !c->app_len) {
		struct tls_record_hdr h;
		size_t avail = c->in_len - c->in_pos, out_mark = c->out_len;
		bool first_flight =
		    c->state <= TLS_ST_SERVER_RETRY && !c->wr.protected;
		tls_result r;

		r = tls_record_header(c->in + c->in_pos, avail, &c->rd, &h);
		if (tls_is_ok(r) &&
		    avail < (size_t)TLS_RECORD_HEADER_LEN + h.len)
			break;
		if (tls_is_err(r) && tls_error_last() == TLS_ERR_BLOCKED)
			break;
		if (tls_is_ok(r)) {
			uint8_t *rec = c->in + c->in_pos;

			c->in_pos += TLS_RECORD_HEADER_LEN + h.len;
			r = tls_conn_record(c, rec, &h);
		}
		if (tls_is_err(r)) {
			tls_conn_fail(c, out_mark, first_flight);
			return TLS_ERR;
		}
	}
	return TLS_OK;
}

size_t tls_conn_app_peek(struct tls_conn *c, const uint8_t **p)
{
	*p = c->in + c->app_off;
	return c->app_len;
}

void tls_conn_app_consume(struct tls_conn *c, size_t n)
{
	if (n > c->app_len)
		n = c->app_len;
	c->app_off += n;
	c->app_len -= n;
}

size_t tls_conn_send_room(const struct tls_conn *c)
{
	size_t free_bytes = TLS_OUT_CAP - c->out_len, per, nrec;

	if (c->state != TLS_ST_APP || c->close_sent)
		return 0;
	/* Each record costs a header, the inner type byte and a tag. */
	per = TLS_RECORD_HEADER_LEN + 1 + TLS_AEAD_TAG_LEN + 8;
	nrec = free_bytes / (c->max_frag + per) + 1;
	return free_bytes > nrec * per ? free_bytes - nrec * per : 0;
}

/* RFC 8446 §5.5: rekey long before the AEAD limits (2^24.5 records). */
#define TLS_REKEY_RECORDS (1ull << 23)

tls_result tls_conn_send(struct tls_conn *c, const uint8_t *p, size_t n)
{
	struct tls_iov iov = {p, n};

	TLS_ENSURE(c->state == TLS_ST_APP && !c->close_sent,
	           TLS_ERR_UNEXPECTED_MSG);
	TLS_ENSURE(n <= tls_conn_send_room(c), TLS_ERR_SPACE);
	if (c->version == TLS_VERSION_13 && c->wr.seq >= TLS_REKEY_RECORDS)
		TLS_GUARD(tls_conn_key_update(c, false));
	return tls_conn_write_records(c, TLS_CT_APPLICATION_DATA, &iov, 1);
}

const char *tls_suite_name(uint16_t suite)
{
	switch (suite) {
	case TLS_AES_128_GCM_SHA256: return "TLS_AES_128_GCM_SHA256";
	case TLS_AES_256_GCM_SHA384: return "TLS_AES_256_GCM_SHA384";
	case TLS_CHACHA20_POLY1305_SHA256:
		return "TLS_CHACHA20_POLY1305_SHA256";
	case TLS_ECDHE_ECDSA_AES128_GCM: return "ECDHE-ECDSA-AES128-GCM-SHA256";
	case TLS_ECDHE_ECDSA_AES256_GCM: return "ECDHE-ECDSA-AES256-GCM-SHA384";
	case TLS_ECDHE_RSA_AES128_GCM: return "ECDHE-RSA-AES128-GCM-SHA256";
	case TLS_ECDHE_RSA_AES256_GCM: return "ECDHE-RSA-AES256-GCM-SHA384";
	case TLS_ECDHE_RSA_CHACHA20: return "ECDHE-RSA-CHACHA20-POLY1305";
	case TLS_ECDHE_ECDSA_CHACHA20: return "ECDHE-ECDSA-CHACHA20-POLY1305";
	default: return "unknown";
	}
}

const char *tls_group_name(uint16_t group)
{
	switch (group) {
	case TLS_GROUP_X25519: return "x25519";
	case TLS_GROUP_SECP256R1: return "secp256r1";
	default: return "none";
	}
}
