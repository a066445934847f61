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
#include "tlsd_backend_spec.h"
#include "tlsd_stats.h"

struct tlsd_options {
	struct tlsd_addr listen;
	/* --backend, repeated; the pool the proxy balances over */
	struct tlsd_backend_spec backends[TLSD_MAX_BACKENDS];
	unsigned nbackends;
	struct tlsd_coalesce_opts coalesce;
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
	/* --control PATH ("none": no socket; NULL: the default path) */
	const char *control;
	/* --metrics ADDR:PORT */
	struct tlsd_addr metrics;
	bool have_metrics;
	/* --cards SPEC, --sim-spec KNOBS (';'-joined), --fault I:WHAT */
	const char *cards;
	char sim_spec[1024];
	const char *faults[16];
	unsigned nfaults;
	uint32_t budget_us; /* --offload-budget-us */
	bool budget_us_set;
	bool offload_always;
	unsigned key_move_margin; /* --key-move-margin */
	bool key_move_margin_set;
	/* opened in main() from --cards; NULL for none (tlsd_cards.h) */
	struct tlsd_cards *card_set;
	/* --health-*, --backend-pool-*: checks and pooling (tlsd_backend.h) */
	struct tlsd_backend_opts backend_opts;
	/* -c FILE (tlsd_config.c); strings it read live in owned */
	const char *config_file;
	struct tlsd_strings *owned;
	unsigned workers;      /* --workers N; 0 or 1: one process */
	unsigned worker_index; /* this worker (tlsd_workers.c) */
	/* --ticket-key-file (tlsd_ticket_file.c); NULL: keys in memory */
	const char *ticket_key_file;
	uint32_t ticket_rotate_s;  /* in-memory ring's rotation; 0: default */
	uint32_t drain_timeout_ms; /* SIGTERM: wait this long for open
	                              connections; 0: the default */
	bool check_config;         /* --check-config */
	const char *rotate_ticket_file; /* --rotate-ticket-key-file */
};

/* struct tlsd_stats lives in tlsd_stats.h: the control socket and
 * /metrics report it (tlsd_control.c, tlsd_metrics.c). */

/*
 * An fd in the event loop that is neither the listener nor a connection
 * (control socket, metrics, ...): its epoll tag is the address of one of
 * these with TLSD_TAG_SOURCE set, and the loop calls on_event.
 */
struct tlsd_source {
	void (*on_event)(struct tlsd_source *src, uint32_t events);
};

#define TLSD_TAG_SOURCE ((uintptr_t)2)

/* "HOST:PORT" or "[V6]:PORT"; 0 or -1 with a message on stderr. */
int tlsd_parse_addr(const char *arg, const char *flag, struct tlsd_addr *a);
struct tlsd_gen;
/* Serve g (tlsd_gen.h; the caller keeps its reference) until SIGINT, or
 * SIGTERM and the drain; SIGHUP reloads.  Returns the exit code. */
int tlsd_run(struct tlsd_gen *g);

extern bool tlsd_verbose;
/* "tlscardd: ", or "tlscardd[wI]: " in worker I */
extern char tlsd_log_prefix[32];
void tlsd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TLSD_H */
