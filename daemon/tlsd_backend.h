/* SPDX-License-Identifier: MIT */
/*
 * The backend pool: the servers of struct tlsd_backend_spec, each with
 * its health (tlsd_balance.h), its counters, its health probe
 * (tlsd_health.c) and, for TLS backends, a client-side tls_config and an
 * idle pool of established connections that later client connections
 * reuse without a new handshake (the seed's appliance keeps its server
 * connections open the same way).
 *
 * A "leg" is one connection to one backend, plain TCP or TLS through the
 * engine's client side (tlsd_leg.c).  The proxy never sees legs: it talks
 * to a struct tlsd_upstream (tlsd_upstream.h), which picks a backend,
 * takes or opens a leg and moves it to another backend when it fails
 * before the backend has answered.
 *
 * Everything runs in the event loop's thread.  Closed legs are freed only
 * at the next tlsd_backends_tick(), after the loop's batch of events,
 * because a stale event of the batch may still name them.
 */
#ifndef TLSD_BACKEND_H
#define TLSD_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tls_conn.h"
#include "tlsd.h"
#include "tlsd_balance.h"
#include "tlsd_stats.h"

struct tlsd_backend;

struct tlsd_leg {
	struct tlsd_source src; /* epoll tag while idle or probing */
	struct tlsd_backend *be;
	int fd;
	bool connected; /* the TCP connect finished */
	bool tls_on;    /* the engine's client side runs on it */
	bool eof;       /* the backend closed or sent close_notify */
	bool in_use;    /* a client connection holds it */
	bool timed_out; /* not ready by ready_by_ms: cut off */
	bool pending;   /* on the set's list of legs with a deadline */
	uint64_t idle_since_ms;
	uint64_t ready_by_ms;
	struct tlsd_leg *next_pending;
	struct tls_conn tls;
	struct tlsd_leg *next; /* idle list, closing list, free list */
};

struct tlsd_probe {
	struct tlsd_source src;
	struct tlsd_backend *be;
	struct tlsd_leg *leg; /* the probe's connection, while it runs */
	uint64_t deadline_ms, next_ms;
};

struct tlsd_backend {
	const struct tlsd_backend_spec *spec;
	struct tlsd_backends *set;
	unsigned index;
	struct tlsd_lb_node lb;
	struct tls_config *tls_cfg; /* TLS backends: trust anchors */
	struct tlsd_leg *idle;      /* most recently used first */
	unsigned nidle;
	struct tlsd_probe probe;
	/* counters (struct tlsd_backend_snap) */
	uint64_t total, failures, tls_failures, retried;
	uint64_t checks_ok, checks_failed;
	const char *last_check;
	char last_error[64];
	uint64_t conns_new, conns_reused, idle_closed;
};

struct tlsd_backends {
	int epfd;
	struct tls_offload *off;
	struct tlsd_backend_opts opts; /* defaults filled in */
	struct tlsd_health_rule rule;
	unsigned n;
	unsigned cursor; /* least-connections tie breaker */
	struct tlsd_backend b[TLSD_MAX_BACKENDS];
	struct tlsd_leg *closing; /* closed in this batch of events */
	struct tlsd_leg *pending; /* in use, connecting or handshaking */
	struct tlsd_leg *free_legs;
};

/* Check the specs, load the CA files, start the health probes. */
int tlsd_backends_init(struct tlsd_backends *set,
                       const struct tlsd_backend_spec *specs, unsigned n,
                       const struct tlsd_backend_opts *opts,
                       struct tls_offload *off, int epfd);
void tlsd_backends_free(struct tlsd_backends *set);
/* Once per loop pass: probes, idle timeouts, freeing closed legs. */
void tlsd_backends_tick(struct tlsd_backends *set);
/* How long the loop may sleep before the next probe or timeout. */
int tlsd_backends_sleep_ms(const struct tlsd_backends *set, int max_ms);
void tlsd_backends_snapshot(const struct tlsd_backends *set,
                            struct tlsd_snapshot *s);
/* One line for the start-up log: "b0 127.0.0.1:80, b1 tls:..." */
void tlsd_backends_describe(const struct tlsd_backends *set, char *buf,
                            size_t size);

uint64_t tlsd_now_ms(void);
/* The failure of a connect or handshake in use: counted, down at once. */
void tlsd_backend_failed(struct tlsd_backend *be, const char *why);
/* The result of one health probe. */
void tlsd_backend_checked(struct tlsd_backend *be, bool ok, const char *why);

/* Idle pool (tlsd_backend_idle.c): NULL when it is empty. */
struct tlsd_leg *tlsd_backend_idle_take(struct tlsd_backend *be);
/* Keep an established TLS leg for reuse, or close it when not wanted. */
void tlsd_backend_idle_put(struct tlsd_backend *be, struct tlsd_leg *leg);
void tlsd_backend_idle_expire(struct tlsd_backend *be, uint64_t now_ms);

/* Legs (tlsd_leg.c). */
/* Start a non-blocking connect; NULL with errno set on an early failure. */
struct tlsd_leg *tlsd_leg_connect(struct tlsd_backend *be);
/*
 * The leg must be ready (connected and handshaken) by then; if not, the
 * next tick cuts it off and its owner sees -ETIMEDOUT from
 * tlsd_leg_progress (the socket is shut down, which wakes the owner).
 */
void tlsd_leg_deadline(struct tlsd_leg *leg, uint64_t ready_by_ms);
/* Cut off the legs of the pending list that missed their deadline. */
void tlsd_legs_expire(struct tlsd_backends *set, uint64_t now_ms);
/* Register (or re-tag) the leg's socket in the event loop. */
void tlsd_leg_watch(struct tlsd_leg *leg, void *tag);
/*
 * Move the connect and the TLS handshake on, flush what the engine
 * queued.  1: something moved, 0: nothing, -errno: the leg failed
 * (-EPROTO for a TLS failure; leg->tls says which).
 */
int tlsd_leg_progress(struct tlsd_leg *leg);
/* Connected and, for TLS, handshaken: plaintext may flow. */
bool tlsd_leg_ready(const struct tlsd_leg *leg);
/* Plaintext out: bytes taken (0: try later) or -errno. */
ssize_t tlsd_leg_send(struct tlsd_leg *leg, const uint8_t *p, size_t n);
/* Plaintext in: bytes, 0 at the backend's end, -EAGAIN or -errno. */
ssize_t tlsd_leg_recv(struct tlsd_leg *leg, uint8_t *p, size_t n);
/* No more plaintext from us: close_notify (TLS), then FIN. */
void tlsd_leg_shutdown(struct tlsd_leg *leg);
/* Nothing buffered either way and nothing more to read: a clean boundary. */
bool tlsd_leg_quiet(struct tlsd_leg *leg);
/* Close the socket (close_notify first when graceful) and queue the
 * object for freeing at the next tick. */
void tlsd_leg_close(struct tlsd_leg *leg, bool graceful);

#endif /* TLSD_BACKEND_H */
