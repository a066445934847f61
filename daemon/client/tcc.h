/* SPDX-License-Identifier: MIT */
/*
 * tlscard-client: a small command-line TLS client on the engine's client
 * side (daemon/tls/tls_client.h), for testing it against real servers
 * and for poking at TLS backends by hand.  It connects, handshakes,
 * sends its stdin, prints what comes back and exits non-zero with the
 * alert's name when the handshake or the connection fails.
 */
#ifndef TCC_H
#define TCC_H

#include <stdbool.h>
#include <stdint.h>

#include "tls_client.h"

/* Exit codes. */
#define TCC_EXIT_OK    0
#define TCC_EXIT_TLS   1 /* handshake or record failure, alert named */
#define TCC_EXIT_USAGE 2 /* bad flag or file */
#define TCC_EXIT_NET   3 /* connect failed, reset or timed out */

struct tcc_options {
	const char *host, *port;
	const char *ca, *servername;
	bool no_sni;
	bool tls12_only, tls13_only;
	const char *alpn[TLS_MAX_ALPN];
	unsigned nalpn;
	const char *sess_in, *sess_out;
	const char *cert, *key;
	bool incremental;
	bool key_update;
	unsigned wait_ms;    /* idle time after stdin EOF before closing */
	unsigned timeout_ms; /* connect + handshake, and the whole run */
	bool verbose;
};

void tcc_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Connect, handshake, exchange; returns the exit code. */
int tcc_run(const struct tcc_options *opt, struct tls_config *cfg,
            const struct tls_client_params *params,
            struct tls_client_session *out_session, bool *have_session);

#endif /* TCC_H */
