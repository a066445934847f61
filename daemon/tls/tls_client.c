// SPDX-License-Identifier: MIT
/*
 * Client connections: start-up, the handshake message dispatch of the
 * client side, and its small shared helpers; see tls_client.h.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "tls13_server.h"
#include "tls_client.h"

uint64_t tls_client_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void tls_client_free(struct tls_conn *c)
{
	if (!c->client)
		return;
	OPENSSL_cleanse(c->client, sizeof(*c->client));
	free(c->client);
	c->client = NULL;
}

bool tls_client_session_usable(const struct tls_client_session *s,
                               const char *server_name, uint64_t now_ms)
{
	const char *name = server_name ? server_name : "";

	if (!s->ticket_len || !s->secret_len || !s->lifetime)
		return false;
	/* RFC 8446 §4.6.1 / RFC 6066 §3: only for the name it was made for */
	if (strcmp(s->server_name, name) != 0)
		return false;
	return now_ms >= s->received_ms &&
	       now_ms - s->received_ms < (uint64_t)s->lifetime * 1000;
}

static bool tls_client_version_enabled(const struct tls_config *cfg,
                                       uint16_t version)
{
	return version == TLS_VERSION_13 ? cfg->enable_tls13
	                                 : cfg->enable_tls12;
}

tls_result tls_conn_init_client(struct tls_conn *c, struct tls_config *cfg,
                                const struct tls_client_params *p)
{
	const struct tls_client_session *s = p->session;
	struct tls_client *cl;
	enum tls_hash h = TLS_HASH_SHA256;
	size_t nlen = p->server_name ? strlen(p->server_name) : 0;

	/* The chain is always verified: no trust anchors, no client. */
	TLS_ENSURE(cfg->server_ca, TLS_ERR_CONFIG);
	TLS_ENSURE(cfg->enable_tls13 || cfg->enable_tls12, TLS_ERR_CONFIG);
	/* RFC 6066 §3: a HostName is 1..2^16-1 bytes; we keep 255. */
	TLS_ENSURE(!p->server_name || (nlen > 0 && nlen <= TLS_CLIENT_NAME_MAX),
	           TLS_ERR_CONFIG);
	tls_client_free(c);
	TLS_GUARD(tls_conn_init_server(c, cfg));
	cl = calloc(1, sizeof(*cl));
	TLS_ENSURE(cl, TLS_ERR_NOMEM);
	c->client = cl;
	c->state = TLS_ST_CLIENT;
	cl->step = TLS_CL_WAIT_SH;
	if (p->server_name)
		memcpy(cl->server_name, p->server_name, nlen + 1);
	if (s && tls_client_version_enabled(cfg, s->version) &&
	    tls_client_session_usable(s, p->server_name, tls_client_now_ms()))
		cl->resume = *s;
	/*
	 * The suite, and so the transcript hash, is the server's choice;
	 * until then only a PSK binder hashes, with the PSK's hash.
	 */
	if (cl->resume.version == TLS_VERSION_13) {
		enum tls_aead a;

		tls13_suite_params(cl->resume.suite, &a, &h);
	}
	tls_transcript_init(&c->tr, c->off, h, cfg->incremental_transcript);
	return tls_client_hello_write(c);
}

const struct tls_client_session *tls_client_session(const struct tls_conn *c)
{
	if (!c->client || !c->client->tickets)
		return NULL;
	return &c->client->session;
}

tls_result tls_client_set_transcript_hash(struct tls_conn *c, enum tls_hash h)
{
	struct tls_transcript *t = &c->tr;

	if (t->hash == h)
		return TLS_OK;
	/* Only while nothing has been hashed into the transcript yet. */
	TLS_ENSURE(!t->cached && !t->running.impl, TLS_ERR_INTERNAL);
	t->hash = h;
	return TLS_OK;
}

/* RFC 8446 §D.4 (and RFC 5246 §7.1): one plaintext CCS record. */
tls_result tls_client_write_ccs(struct tls_conn *c)
{
	static const uint8_t ccs[] = {TLS_CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1};
	struct tls_writer w = {c->out, TLS_OUT_CAP, c->out_len};

	TLS_GUARD(tls_write_bytes(&w, ccs, sizeof(ccs)));
	c->out_len = w.len;
	c->ccs_sent = true;
	return TLS_OK;
}

static TLS_RESULT tls_client_post_handshake(struct tls_conn *c,
                                            const uint8_t *msg, size_t len)
{
	uint8_t type = msg[0];

	if (c->version == TLS_VERSION_13) {
		/* §4.6: tickets and key updates; we offered no
		 * post_handshake_auth, so no CertificateRequest. */
		if (type == TLS_HS_NEW_SESSION_TICKET)
			return tls13_client_ticket(c, msg, len);
		TLS_ENSURE(type == TLS_HS_KEY_UPDATE, TLS_ERR_UNEXPECTED_MSG);
		return tls13_key_update_recv(c, msg, len);
	}
	/*
	 * RFC 5246 §7.4.1.1: a client may ignore HelloRequest; we never
	 * renegotiate (RFC 5746), so that is all we do with it.
	 */
	TLS_ENSURE(type == TLS12_HS_HELLO_REQUEST && len == TLS_HS_HEADER_LEN,
	           TLS_ERR_UNEXPECTED_MSG);
	return TLS_OK;
}

tls_result tls_client_handle_handshake(struct tls_conn *c, const uint8_t *msg,
                                       size_t len, size_t idx)
{
	struct tls_client *cl = c->client;
	struct tls_server_hello sh;

	if (c->state == TLS_ST_APP)
		return tls_client_post_handshake(c, msg, len);
	TLS_ENSURE(c->state == TLS_ST_CLIENT, TLS_ERR_UNEXPECTED_MSG);
	if (cl->step != TLS_CL_WAIT_SH) {
		if (c->version == TLS_VERSION_13)
			return tls13_client_handle(c, msg, len, idx);
		return tls12_client_handle(c, msg, len, idx);
	}
	TLS_ENSURE(msg[0] == TLS_HS_SERVER_HELLO, TLS_ERR_UNEXPECTED_MSG);
	TLS_GUARD(tls_server_hello_parse(msg, len, &cl->offer, &sh));
	if (sh.version == TLS_VERSION_13)
		return tls13_client_server_hello(c, &sh, idx);
	return tls12_client_server_hello(c, &sh);
}
