/* SPDX-License-Identifier: MIT */
/*
 * One TLS connection, transport-agnostic: the caller moves bytes between
 * sockets and the connection's buffers, and the connection runs the
 * record layer and the handshake.
 *
 * Buffers.  Received bytes land in `in` and are opened in place; during
 * the handshake nothing in `in` or `out` moves, so the transcript can
 * keep references to every message where it was received or built (M1).
 * Server flights are built whole in `out` before anything is flushed, so
 * the caller sends each flight with one write (M2).
 */
#ifndef TLS_CONN_H
#define TLS_CONN_H

#include <openssl/x509.h>

#include "tls12_hs.h"
#include "tls_config.h"
#include "tls_record.h"
#include "tls_transcript.h"

#define TLS_IN_CAP  (80 * 1024)
#define TLS_OUT_CAP (48 * 1024)

enum tls_conn_state {
	TLS_ST_SERVER_START,    /* expect ClientHello */
	TLS_ST_SERVER_RETRY,    /* sent HelloRetryRequest, expect ClientHello */
	TLS_ST_SERVER_CERT,     /* expect client Certificate */
	TLS_ST_SERVER_CV,       /* expect client CertificateVerify */
	TLS_ST_SERVER_FINISHED, /* expect client Finished */
	TLS_ST_SERVER_CKE,      /* TLS 1.2: expect ClientKeyExchange */
	TLS_ST_SERVER_CCS,      /* TLS 1.2: expect ChangeCipherSpec */
	TLS_ST_CLIENT,          /* client handshake; the step: c->client */
	TLS_ST_APP,             /* established */
	TLS_ST_CLOSED,          /* peer sent close_notify */
	TLS_ST_FAILED,          /* fatal error; alert (if any) queued */
};

/* Handshake-only state, freed when the handshake completes. */
struct tls_hs {
	uint8_t early[TLS_MAX_HASH_LEN];
	uint8_t secret[TLS_MAX_HASH_LEN]; /* handshake secret */
	uint8_t master[TLS_MAX_HASH_LEN];
	uint8_t c_hs[TLS_MAX_HASH_LEN];
	uint8_t s_hs[TLS_MAX_HASH_LEN];
	struct tls_ecdh_key ecdh;
	uint16_t group;
	uint16_t retry_group; /* HRR asked for this group */
	uint16_t retry_suite;
	const struct tls_cert *cert;
	uint16_t sigscheme;
	bool resumed;
	bool compat_ccs;      /* send one CCS after our first message */
	bool skip_early_data; /* rejected 0-RTT: drop what fails to open */
	size_t early_skipped;
	bool client_auth;
	bool offered_psk_dhe;
	size_t n_sf;         /* transcript messages through server Finished */
	bool app_write_keys; /* 1.3 server: wr uses s_ap (§7.2) */
	/* 1.3 server, M1 Finished-aware checkpoint: the client Finished
	 * we expect, and the transcript hash through it. */
	bool expect_cf;
	uint8_t expected_cf[TLS_HS_HEADER_LEN + TLS_MAX_HASH_LEN];
	uint8_t th_cf[TLS_MAX_HASH_LEN];
	X509 *peer_leaf;
	STACK_OF(X509) * peer_chain;
	struct tls12_hs s12; /* TLS 1.2 only (tls12_server*.c) */
	/* messages we build (EE, CV, Finished) live here until the end */
	uint8_t build[2048];
	size_t build_len;
};

struct tls_conn_stats {
	unsigned digest_calls; /* transcript hash calls of the handshake */
	unsigned records_in, records_out;
	unsigned key_updates_in, key_updates_out;
	unsigned tickets_sent;
	unsigned renegotiations_refused; /* TLS 1.2 */
};

struct tls_conn {
	struct tls_config *cfg;
	struct tls_offload *off;
	struct tls_offload *buf_owner; /* allocated in and out; NULL: malloc */
	enum tls_conn_state state;
	/* The handshake finished, even if the peer has closed since (a
	 * close_notify can arrive in the same read as its Finished). */
	bool completed;
	uint16_t version;
	uint16_t suite;
	uint16_t group;
	enum tls_aead aead;
	enum tls_hash hash;
	/* receive buffer: [in_pos, in_len) is unprocessed wire data */
	uint8_t *in;
	size_t in_len, in_pos;
	/* handshake bytes not yet parsed: [hs_parsed, hs_end) inside `in` */
	size_t hs_parsed, hs_end;
	/* decrypted application data waiting for the reader */
	size_t app_off, app_len;
	/* send buffer: [out_sent, out_len) is waiting for the socket */
	uint8_t *out;
	size_t out_len, out_sent;
	struct tls_record_dir rd, wr;
	struct tls_transcript tr;
	struct tls_hs *hs;
	uint8_t c_ap[TLS_MAX_HASH_LEN], s_ap[TLS_MAX_HASH_LEN];
	uint8_t res_master[TLS_MAX_HASH_LEN];
	size_t max_frag; /* the peer's record_size_limit, as plaintext */
	bool ccs_sent, close_sent;
	uint8_t alert_sent, alert_received; /* TLS_ALERT_NONE if none */
	enum tls_error error;
	const char *error_where;
	const char *alpn;
	char sni[256];
	bool resumed;
	bool hrr; /* server: we sent a HelloRetryRequest (RFC 8446 §4.1.4) */
	bool peer_cert_verified;
	struct tls_conn_stats stats;
	struct tls_client *client; /* client side only (tls_client.h) */
};

TLS_RESULT tls_conn_init_server(struct tls_conn *c, struct tls_config *cfg);
void tls_conn_free(struct tls_conn *c);
/* Drop keys and handshake state but keep the buffers for reuse. */
void tls_conn_reset(struct tls_conn *c);

/* Where the next received bytes go, and how many fit (0: stop reading). */
uint8_t *tls_conn_in_space(struct tls_conn *c, size_t *room);
void tls_conn_in_commit(struct tls_conn *c, size_t n);
/*
 * Run records and handshake messages through.  Returns TLS_OK when it
 * needs more input or the reader must take application data first.  On
 * failure the state is TLS_ST_FAILED and the alert is queued in `out`.
 */
TLS_RESULT tls_conn_process(struct tls_conn *c);

/* Decrypted application data for the reader (in place). */
size_t tls_conn_app_peek(struct tls_conn *c, const uint8_t **p);
void tls_conn_app_consume(struct tls_conn *c, size_t n);

/* Encrypt application data; at most tls_conn_send_room() bytes. */
size_t tls_conn_send_room(const struct tls_conn *c);
TLS_RESULT tls_conn_send(struct tls_conn *c, const uint8_t *p, size_t n);
/* Queue close_notify (RFC 8446 §6.1). */
TLS_RESULT tls_conn_close(struct tls_conn *c);
/* Send a KeyUpdate (RFC 8446 §4.6.3) and switch our write keys. */
TLS_RESULT tls_conn_key_update(struct tls_conn *c, bool request_peer);

/* Wire bytes waiting to be sent. */
size_t tls_conn_out_peek(struct tls_conn *c, const uint8_t **p);
void tls_conn_out_consume(struct tls_conn *c, size_t n);

static inline bool tls_conn_established(const struct tls_conn *c)
{
	return c->state == TLS_ST_APP;
}

/* True once the handshake finished, whatever happened after. */
static inline bool tls_conn_completed(const struct tls_conn *c)
{
	return c->completed;
}

/* internal, shared by the connection's files */
TLS_RESULT tls_conn_write_records(struct tls_conn *c, uint8_t type,
                                  const struct tls_iov *in, size_t nin);
TLS_RESULT tls_conn_handle_handshake(struct tls_conn *c, const uint8_t *msg,
                                     size_t len, size_t idx);
void tls_conn_handshake_done(struct tls_conn *c);
const char *tls_suite_name(uint16_t suite);
const char *tls_group_name(uint16_t group);

/* tls13_server.c */
TLS_RESULT tls13_server_client_hello(struct tls_conn *c, const uint8_t *msg,
                                     size_t len, size_t idx);
/* tls13_server_auth.c */
TLS_RESULT tls13_server_client_cert(struct tls_conn *c, const uint8_t *msg,
                                    size_t len);
TLS_RESULT tls13_server_client_cv(struct tls_conn *c, const uint8_t *msg,
                                  size_t len, size_t idx);
TLS_RESULT tls13_server_client_finished(struct tls_conn *c, const uint8_t *msg,
                                        size_t len, size_t idx);
TLS_RESULT tls13_key_update_recv(struct tls_conn *c, const uint8_t *msg,
                                 size_t len);
/* 1.3 server after its Finished: derive c_ap/s_ap, write with s_ap. */
TLS_RESULT tls13_server_app_write_keys(struct tls_conn *c);
/* tls12_server*.c: the TLS 1.2 server, entered from the first ClientHello */
struct tls_client_hello;
TLS_RESULT tls12_server_client_hello(struct tls_conn *c,
                                     const struct tls_client_hello *ch);
TLS_RESULT tls12_server_handshake(struct tls_conn *c, const uint8_t *msg,
                                  size_t len, size_t idx);
TLS_RESULT tls12_server_ccs(struct tls_conn *c, const uint8_t *p, size_t n);
/* tls_client*.c: the client side (tls_client.h) */
TLS_RESULT tls_client_handle_handshake(struct tls_conn *c, const uint8_t *msg,
                                       size_t len, size_t idx);
void tls_client_free(struct tls_conn *c);
TLS_RESULT tls12_client_ccs(struct tls_conn *c, const uint8_t *p, size_t n);

#endif /* TLS_CONN_H */
