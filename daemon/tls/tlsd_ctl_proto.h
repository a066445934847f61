/* SPDX-License-Identifier: MIT */
/*
 * The control protocol of tlscardd, shared by the daemon and tlscardctl:
 * one JSON object per line each way over a UNIX stream socket.  Requests
 * are {"cmd":"stats"}, {"cmd":"drain","card":1}, ...; a reply is one
 * object, {"error":"..."} when the request failed.  docs/operations.md
 * documents every field; tests/system/test_control.py checks them.
 */
#ifndef TLSD_CTL_PROTO_H
#define TLSD_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tlsd_stats.h"

/* Longest request line, newline included; longer ones are refused. */
#define TLSD_CTL_MAX_REQUEST    4096
/* Bumped only when a field changes meaning or goes away. */
#define TLSD_CTL_SCHEMA_VERSION 1
/* FI_LATENCY_US accepts 32 bits; past 10 s a card is just dead. */
#define TLSD_CTL_MAX_LATENCY_US 10000000u

enum tlsd_ctl_cmd {
	TLSD_CTL_STATS,
	TLSD_CTL_CARDS,
	TLSD_CTL_HEALTH,
	TLSD_CTL_RESET,
	TLSD_CTL_DRAIN,
	TLSD_CTL_UNDRAIN,
	TLSD_CTL_FAULT,
};

enum tlsd_ctl_fault_kind {
	TLSD_FAULT_ERROR_RATE, /* fraction of jobs failed, 0..1 */
	TLSD_FAULT_STALL,      /* engines stop; jobs hang */
	TLSD_FAULT_LATENCY,    /* added to every job */
	TLSD_FAULT_CLEAR,      /* all of the above off */
};

struct tlsd_ctl_request {
	enum tlsd_ctl_cmd cmd;
	unsigned card; /* reset, drain, undrain, fault */
	enum tlsd_ctl_fault_kind fault;
	double error_rate;
	uint32_t latency_us;
};

/*
 * Parse one request line (without its newline).  0, or -1 with a message
 * for the {"error":...} reply in err.
 */
int tlsd_ctl_parse(const char *line, size_t len, struct tlsd_ctl_request *req,
                   char *err, size_t errlen);
const char *tlsd_ctl_cmd_name(enum tlsd_ctl_cmd cmd);

/* Replies (new references; NULL only when out of memory). */
json_t *tlsd_ctl_json_stats(const struct tlsd_snapshot *s);
json_t *tlsd_ctl_json_cards(const struct tlsd_snapshot *s);
json_t *tlsd_ctl_json_health(const struct tlsd_snapshot *s);
json_t *tlsd_ctl_json_card(const struct tlsd_card_snap *c, unsigned index,
                           bool with_classes);
json_t *tlsd_ctl_json_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Compact, key order as built, one line with its '\n'; malloc'd. */
char *tlsd_ctl_dump_line(const json_t *reply, size_t *len);

/*
 * Where the control socket lives unless --control says otherwise:
 * $TLSCARD_CONTROL if set; else /run/tlscard/tlscardd.sock for root;
 * else $XDG_RUNTIME_DIR/tlscardd.sock when that is an absolute path;
 * else /tmp/tlscardd-<uid>.sock.  0, or -1 when it does not fit.
 */
int tlsd_ctl_default_path(char *buf, size_t len);

#endif /* TLSD_CTL_PROTO_H */
