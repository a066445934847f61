/* SPDX-License-Identifier: MIT */
/*
 * The client side of the engine, for TLS connections to backends.
 *
 * Same connection object and the same byte-moving API as the server
 * (tls_conn.h): tls_conn_init_client() builds the ClientHello into the
 * send buffer; the caller then moves bytes with tls_conn_out_peek /
 * tls_conn_in_space / tls_conn_process exactly as for a server, until
 * tls_conn_established().  Nothing blocks, so an event loop can run
 * many client connections beside its server ones.
 *
 * The handshake follows the server's M1/M2 rules: messages stay where
 * they were received or built (the ClientHello in the send buffer, the
 * client Certificate precomputed in the configuration), the transcript
 * is a scatter list of references, and the client's second flight
 * leaves in one write.
 *
 * Configuration is a struct tls_config: server_ca (required: the chain
 * is always verified), alpn (offered in order), certs[0] (the client
 * certificate for mTLS, optional), enable_tls12/13, tickets_enabled
 * (keep the server's tickets for resumption) and incremental_transcript.
 */
#ifndef TLS_CLIENT_H
#define TLS_CLIENT_H

#include "tls_conn.h"
#include "tls_server_hello.h"

#define TLS_CLIENT_TICKET_MAX  1024
#define TLS_CLIENT_NAME_MAX    255
/* RFC 5246 §7.4: HelloRequest, which we ignore (no renegotiation). */
#define TLS12_HS_HELLO_REQUEST 0

/* A resumable session: a ticket and what it unlocks. */
struct tls_client_session {
	uint16_t version; /* TLS_VERSION_13 or TLS_VERSION_12 */
	uint16_t suite;
	/* TLS 1.3: the PSK (§4.6.1); TLS 1.2: the master secret */
	uint8_t secret[TLS_MAX_HASH_LEN];
	uint8_t secret_len;
	bool ems;
	uint64_t received_ms; /* CLOCK_REALTIME, for the ticket age */
	uint32_t lifetime;    /* seconds */
	uint32_t age_add;
	uint16_t ticket_len;
	uint8_t ticket[TLS_CLIENT_TICKET_MAX];
	char server_name[TLS_CLIENT_NAME_MAX + 1];
};

struct tls_client_params {
	/*
	 * SNI and the DNS name the certificate must match (RFC 6125);
	 * NULL sends no SNI and checks only the chain.
	 */
	const char *server_name;
	/* A session to resume (copied), or NULL. */
	const struct tls_client_session *session;
};

/* Where the client handshake is (RFC 8446 §2, RFC 5246 §7.3). */
enum tls_client_step {
	TLS_CL_WAIT_SH,        /* sent ClientHello (1 or 2) */
	TLS_CL13_WAIT_EE,      /* 1.3: EncryptedExtensions */
	TLS_CL13_WAIT_CERT_CR, /* 1.3: CertificateRequest or Certificate */
	TLS_CL13_WAIT_CERT,    /* 1.3: Certificate after CertificateRequest */
	TLS_CL13_WAIT_CV,      /* 1.3: CertificateVerify */
	TLS_CL13_WAIT_FINISHED,
	TLS_CL12_WAIT_CERT,    /* 1.2: Certificate */
	TLS_CL12_WAIT_SKE,     /* 1.2: ServerKeyExchange */
	TLS_CL12_WAIT_CR_SHD,  /* 1.2: CertificateRequest or ServerHelloDone */
	TLS_CL12_WAIT_SHD,     /* 1.2: ServerHelloDone */
	TLS_CL12_WAIT_NST_CCS, /* 1.2: NewSessionTicket or ChangeCipherSpec */
	TLS_CL12_WAIT_CCS,     /* 1.2: ChangeCipherSpec */
	TLS_CL12_WAIT_FINISHED,
	TLS_CL_DONE,
};

/* Per-connection client state; lives until the connection is reset. */
struct tls_client {
	enum tls_client_step step;
	struct tls_client_offer offer;
	char server_name[TLS_CLIENT_NAME_MAX + 1];
	uint8_t client_random[TLS_RANDOM_LEN];
	/* the session we offer, and whether its PSK/ticket went out */
	struct tls_client_session resume;
	bool offered_resume;
	/* the newest session the server gave us (tickets) */
	struct tls_client_session session;
	unsigned tickets;
	/* our key_share (RFC 8446 §4.2.8); kept for a cookie-only HRR */
	uint16_t share_group;
	uint8_t share_pub[TLS_ECDH_MAX_PUB];
	size_t share_len;
	/* HRR cookie to echo (a view into the receive buffer) */
	const uint8_t *cookie;
	size_t cookie_len;
	/* CertificateRequest: the server's signature_algorithms (a view) */
	bool cert_requested, cert_sent;
	const uint8_t *cr_sigalgs;
	size_t cr_sigalgs_len;
	/* 1.3 CertificateVerify, checked when Finished arrives (M1) */
	uint16_t cv_scheme;
	const uint8_t *cv_sig;
	size_t cv_sig_len;
	size_t cv_idx;
	/* 1.2 */
	bool ticket_expected;
	uint16_t ske_group;
	uint8_t ske_pub[TLS_ECDH_MAX_PUB];
	size_t ske_pub_len;
};

/*
 * Start a client connection: checks the configuration, builds the
 * ClientHello into the send buffer.  As with tls_conn_init_server, c is
 * zeroed before its first use and reset (or freed) between uses; its
 * buffers are kept.
 */
TLS_RESULT tls_conn_init_client(struct tls_conn *c, struct tls_config *cfg,
                                const struct tls_client_params *p);

/* The newest resumable session the server gave us, or NULL. */
const struct tls_client_session *tls_client_session(const struct tls_conn *c);

/* Is s still usable for server_name at now_ms (lifetime, RFC 8446 §4.6.1)? */
bool tls_client_session_usable(const struct tls_client_session *s,
                               const char *server_name, uint64_t now_ms);

/* A session as bytes (tls_client_session.c), for files and caches. */
TLS_RESULT tls_client_session_encode(const struct tls_client_session *s,
                                     uint8_t *out, size_t cap, size_t *len);
TLS_RESULT tls_client_session_decode(const uint8_t *p, size_t len,
                                     struct tls_client_session *s);

uint64_t tls_client_now_ms(void);

/* internal, shared by the client files */
TLS_RESULT tls_client_hello_write(struct tls_conn *c);
TLS_RESULT tls_client_write_ccs(struct tls_conn *c);
TLS_RESULT tls_client_set_transcript_hash(struct tls_conn *c, enum tls_hash h);
/* Parse and verify the server's certificate_list (tls_client_cert.c). */
TLS_RESULT tls_client_server_cert(struct tls_conn *c, struct tls_reader *r,
                                  uint16_t version);
TLS_RESULT tls13_client_server_hello(struct tls_conn *c,
                                     const struct tls_server_hello *sh,
                                     size_t idx);
TLS_RESULT tls13_client_handle(struct tls_conn *c, const uint8_t *msg,
                               size_t len, size_t idx);
TLS_RESULT tls13_client_cert(struct tls_conn *c, const uint8_t *msg,
                             size_t len);
TLS_RESULT tls13_client_cv(struct tls_conn *c, const uint8_t *msg, size_t len,
                           size_t idx);
TLS_RESULT tls13_client_finished(struct tls_conn *c, const uint8_t *msg,
                                 size_t len, size_t idx);
TLS_RESULT tls13_client_ticket(struct tls_conn *c, const uint8_t *msg,
                               size_t len);
TLS_RESULT tls12_client_server_hello(struct tls_conn *c,
                                     const struct tls_server_hello *sh);
TLS_RESULT tls12_client_handle(struct tls_conn *c, const uint8_t *msg,
                               size_t len, size_t idx);
/* tls12_client_flight.c: after ServerHelloDone; [CCS] Finished over the
 * transcript's first n messages. */
TLS_RESULT tls12_client_flight(struct tls_conn *c);
TLS_RESULT tls12_client_send_finished(struct tls_conn *c, size_t n);

#endif /* TLS_CLIENT_H */
