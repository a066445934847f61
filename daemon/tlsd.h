/* SPDX-License-Identifier: MIT */
/*
 * tlscardd: terminates TLS with the daemon's own engine and proxies the
 * plaintext to a TCP backend, from one non-blocking epoll loop.
 */
#ifndef TLSD_H
#define TLSD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "tls_config.h"

struct tlsd_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[128];
};

struct tlsd_options {
	struct tlsd_addr listen;
	struct tlsd_addr backend;
	const char *certs[TLS_MAX_CERTS];
	const char *keys[TLS_MAX_CERTS];
	unsigned ncerts, nkeys;
	const char *client_ca;
	const char *alpn[TLS_MAX_ALPN];
	unsigned nalpn;
	bool incremental;
	bool no_tickets;
	bool verbose;
	bool stats_on_exit;
	bool tls13_only;
};

struct tlsd_stats {
	uint64_t accepted, handshakes, resumed, failed, closed;
	uint64_t hrr;
	uint64_t digest_calls, flight_writes;
	uint64_t bytes_in, bytes_out;
};

/* "HOST:PORT" or "[V6]:PORT"; 0 or -1 with a message on stderr. */
int tlsd_parse_addr(const char *arg, const char *flag, struct tlsd_addr *a);
/* Run until SIGINT/SIGTERM; returns the exit code. */
int tlsd_run(const struct tlsd_options *opt, struct tls_config *cfg);

extern bool tlsd_verbose;
void tlsd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TLSD_H */
