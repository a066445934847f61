/* SPDX-License-Identifier: MIT */
/*
 * What the command line and the config file say about backends and the
 * M4 coalescer.  Both front ends (tlsd_main.c flags, the -c FILE parser)
 * fill these; the proxy reads them.  Kept apart from tlsd.h so that the
 * parsers and the proxy agree on one definition.
 */
#ifndef TLSD_BACKEND_SPEC_H
#define TLSD_BACKEND_SPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct tlsd_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[128];
};

#define TLSD_MAX_BACKENDS 16

/* One server of the backend pool. */
struct tlsd_backend_spec {
	char name[32]; /* for logs and stats: "b0", or the config name */
	struct tlsd_addr addr;
	bool tls;        /* speak TLS to it with the engine's client side */
	const char *ca;  /* tls: CA file its chain must verify against */
	const char *sni; /* tls: name sent as SNI and checked in its cert */
};

/* The M4 coalescer's knobs (DESIGN.md M4). */
struct tlsd_coalesce_opts {
	bool enabled;
	uint32_t timer_ms;       /* flush after this long; default 20 */
	uint32_t quantum;        /* 0: min(16384, card max input, buffer) */
	bool staged;             /* start with small records and grow them */
	uint32_t staged_idle_ms; /* back to small records after this idle */
	/* PUSH waits this long for more bytes after a drain (0: flush at
	 * the drain); push_delay_set false takes the default */
	uint32_t push_delay_us;
	bool push_delay_set;
};

/*
 * Health checks and the idle pool of backend connections, for every
 * backend of the pool (docs/backends.md).  A zero field takes the default.
 */
struct tlsd_backend_opts {
	uint32_t check_interval_ms; /* probe each backend this often; 2000 */
	uint32_t check_timeout_ms;  /* a probe not done by then failed; 1000 */
	unsigned fall;              /* failed probes in a row: down; 3 */
	unsigned rise;              /* good probes in a row: up again; 2 */
	unsigned idle_max;          /* idle pooled TLS connections each; 8 */
	uint32_t idle_timeout_ms; /* close a pooled one idle this long; 30000 */
	bool no_pool;             /* never reuse a backend connection */
	/* a client's backend connect + TLS handshake; then elsewhere; 5000 */
	uint32_t connect_timeout_ms;
};

#endif /* TLSD_BACKEND_SPEC_H */
