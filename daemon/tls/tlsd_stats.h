/* SPDX-License-Identifier: MIT */
/*
 * tlscardd's counters and the snapshot the control socket and /metrics
 * report.  The snapshot is plain data, filled by the daemon (tlsd_observe.c)
 * and turned into JSON (tlsd_ctl_json.c) or the Prometheus text format
 * (tlsd_prom.c) by pure functions that the unit tests can reach.  The JSON
 * and metric names are a stable interface: docs/operations.md.
 */
#ifndef TLSD_STATS_H
#define TLSD_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "tlscard.h"

/* Index of a protocol version in the per-version counters. */
enum tlsd_version_index {
	TLSD_VER_12,
	TLSD_VER_13,
	TLSD_NVERSIONS,
};

/* Why the M4 coalescer flushed (DESIGN.md M4, docs/coalescing.md). */
enum tlsd_flush_reason {
	TLSD_FLUSH_QUANTUM,  /* a full quantum (or staged record) buffered */
	TLSD_FLUSH_HTTP_END, /* an HTTP/1.1 message ended */
	TLSD_FLUSH_FIN,      /* the sender closed its side */
	TLSD_FLUSH_PUSH,     /* the read side drained */
	TLSD_FLUSH_TIMER,    /* the oldest buffered byte waited timer_ms */
	TLSD_FLUSH_NREASONS,
};

/* The two directions the coalescer buffers, each toward a TLS peer. */
enum tlsd_direction {
	TLSD_DIR_TO_CLIENT,  /* backend plaintext sealed for the client */
	TLSD_DIR_TO_BACKEND, /* client plaintext sealed for a TLS backend */
	TLSD_NDIRS,
};

/*
 * Latency histogram with 4 buckets per power of two (within 19%): values
 * 0..3 ns have their own bucket, then [2^e, 2^(e+1)) is split in four.
 */
#define TLSD_LAT_BUCKETS 252

struct tlsd_lat_hist {
	uint64_t count, sum_ns, max_ns;
	uint64_t bucket[TLSD_LAT_BUCKETS];
};

struct tlsd_coalesce_stats {
	uint64_t flushes[TLSD_FLUSH_NREASONS];
	uint64_t records_in;  /* plaintext arrivals: TLS records or reads */
	uint64_t records_out; /* records the coalescer sealed */
	uint64_t bytes;       /* plaintext bytes sealed */
	/* per flush: first buffered byte's arrival to the flush decision */
	struct tlsd_lat_hist latency;
};

/* AlertDescription is one byte; TLS_ALERT_NONE (255) means "no alert". */
#define TLSD_NALERTS 256

struct tlsd_stats {
	uint64_t accepted, handshakes, resumed, failed, closed;
	uint64_t hrr;
	uint64_t digest_calls, flight_writes;
	uint64_t bytes_in, bytes_out;
	/* Completed handshakes per version, full and resumed. */
	uint64_t hs_full[TLSD_NVERSIONS], hs_resumed[TLSD_NVERSIONS];
	/* Failed handshakes by the alert we sent and the alert we received
	 * (TLS_ALERT_NONE: none, e.g. the client just went away). */
	uint64_t failed_alert_sent[TLSD_NALERTS];
	uint64_t failed_alert_received[TLSD_NALERTS];
	uint64_t records_in, records_out; /* TLS records, all content types */
	bool coalesce_enabled;            /* --coalesce */
	struct tlsd_coalesce_stats coalesce[TLSD_NDIRS];
};

/* Enough for every card one daemon drives (tlsd_cards.h). */
#define TLSD_SNAP_MAX_CARDS 16
/* Kinds of crypto job in the card-vs-CPU split. */
#define TLSD_SNAP_MAX_OPS   8

struct tlsd_class_snap {
	uint64_t jobs;
	double ewma_ns;          /* the pool's latency EWMA */
	uint64_t p50_ns, p99_ns; /* log2 histogram bucket upper bounds */
};

struct tlsd_card_snap {
	char name[64];
	char backend[8]; /* "sim", "vfio" */
	enum tc_card_state state;
	uint64_t inflight, submitted, completed, errors;
	uint64_t max_inflight; /* most jobs in flight after a loop pass */
	uint64_t key_moves;    /* keys loaded here while on another card */
	uint64_t resets, quarantines, doorbells, interrupts;
	uint64_t busy_ns; /* engine busy time, summed over engines */
	unsigned engines;
	double utilization; /* busy share of all engines, last interval */
	bool fi_supported;  /* fault injection registers present */
	bool fi_stall;
	uint32_t fi_error_ppm, fi_latency_us;
	struct tlsd_class_snap cls[TC_CLASS_COUNT];
};

/* Enough for every backend of the pool (tlsd_backend_spec.h). */
#define TLSD_SNAP_MAX_BACKENDS 16

/* One backend server: state, load, failures, health checks, pooling. */
struct tlsd_backend_snap {
	char name[32];
	char address[128];
	bool tls;
	bool up;
	uint64_t active;       /* client connections on it now */
	uint64_t total;        /* client connections given to it */
	uint64_t failures;     /* connects or handshakes that failed in use */
	uint64_t tls_failures; /* TLS handshakes refused (use and checks) */
	uint64_t retried;      /* client connections moved to another one */
	uint64_t checks_ok, checks_failed;
	const char *last_check; /* "ok", "failed", "none" */
	char last_error[64];    /* why the last check or use failed */
	/* backend connections: handshaken anew, taken from the idle pool,
	 * idle now, and idle ones closed (timeout, full pool, peer closed) */
	uint64_t conns_new, conns_reused, idle, idle_closed;
};

struct tlsd_snapshot {
	double uptime_s;
	const char *mode; /* "none" (CPU only), "sim", "vfio" */
	struct tlsd_stats st;
	/* Crypto jobs by kind and by where they ran. */
	struct {
		const char *name; /* "ecdh", "sign", "digest", "aead" */
		uint64_t card, cpu;
	} ops[TLSD_SNAP_MAX_OPS];
	unsigned nops;
	uint64_t cpu_fallbacks; /* card jobs that failed over to the CPU */
	uint64_t key_moves;     /* keys loaded on a card they were not on */
	/* Connections parked on card jobs: parks ever, parked after the
	 * last loop pass, most at once. */
	uint64_t parks, parked_now, max_parked;
	unsigned ncards;
	struct tlsd_card_snap card[TLSD_SNAP_MAX_CARDS];
	unsigned nbackends;
	struct tlsd_backend_snap backend[TLSD_SNAP_MAX_BACKENDS];
};

/* "up", "draining", "quarantined". */
const char *tlsd_card_state_name(enum tc_card_state st);

enum tlsd_health {
	TLSD_HEALTH_OK,       /* every card up, or no cards configured */
	TLSD_HEALTH_DEGRADED, /* some card draining or quarantined */
};

enum tlsd_health tlsd_snapshot_health(const struct tlsd_snapshot *s);
const char *tlsd_health_name(enum tlsd_health h);
/* Digest calls per completed handshake; 0 before the first one. */
double tlsd_digest_calls_per_handshake(const struct tlsd_stats *st);

/* "quantum", "http_end", "fin", "push", "timer". */
const char *tlsd_flush_reason_name(enum tlsd_flush_reason r);
/* "to_client", "to_backend". */
const char *tlsd_direction_name(enum tlsd_direction d);
void tlsd_lat_add(struct tlsd_lat_hist *h, uint64_t ns);
/* Upper bound (ns) of the bucket of the pct-th percentile; 0 if empty. */
uint64_t tlsd_lat_percentile(const struct tlsd_lat_hist *h, double pct);

#endif /* TLSD_STATS_H */
