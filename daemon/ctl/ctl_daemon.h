/* SPDX-License-Identifier: MIT */
/*
 * tlscardctl's commands that talk to a running tlscardd over its control
 * socket (stats, top, cards, health, reset, drain, undrain, fault).  The
 * protocol is tlsd_ctl_proto.h's; the reply schema is docs/operations.md's.
 */
#ifndef CTL_DAEMON_H
#define CTL_DAEMON_H

#include <jansson.h>
#include <sys/un.h>

#include "ctl.h"

/* How long one request may take, connect to reply. */
#define CTL_DAEMON_TIMEOUT_MS 5000
/* A reply longer than this is not from tlscardd. */
#define CTL_DAEMON_MAX_REPLY  (4u << 20)

/* Options every daemon command takes. */
struct ctl_daemon_opts {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool json;
};

/* Long option values of what every daemon command takes. */
#define CTL_DAEMON_OPT_CONTROL 0x200 /* --control PATH */
#define CTL_DAEMON_OPT_JSON    0x201 /* --json */

/* The default path, before options; 0 or CTL_EXIT_USAGE (printed). */
int ctl_daemon_opts_init(const struct ctl_cmd *cmd, struct ctl_daemon_opts *o);
/* Handles CTL_DAEMON_OPT_*: 1 when it was one, 0 when not, or -1 for a
 * bad value (printed). */
int ctl_daemon_opt(const struct ctl_cmd *cmd, int opt, const char *arg,
                   struct ctl_daemon_opts *o);

/* A connection to the daemon, for commands that ask more than once. */
struct ctl_daemon_conn {
	int fd;
	char buf[65536];
	size_t len;
};

/* 0, or CTL_EXIT_FAIL after "tlscardctl CMD: cannot reach tlscardd at
 * PATH: reason" on stderr. */
int ctl_daemon_connect(const struct ctl_cmd *cmd, const char *path,
                       struct ctl_daemon_conn *conn);
void ctl_daemon_disconnect(struct ctl_daemon_conn *conn);
/*
 * Send request (a JSON object) and read the reply into *reply.  Returns 0;
 * CTL_EXIT_FAIL when the daemon could not be asked (printed); a reply with
 * "error" is still returned as 0 so the caller can print it its way.
 */
int ctl_daemon_call(const struct ctl_cmd *cmd, struct ctl_daemon_conn *conn,
                    const char *path, json_t *request, json_t **reply);
/* Connect, call, disconnect; an {"error":...} reply is printed and gives
 * CTL_EXIT_FAIL. */
int ctl_daemon_ask(const struct ctl_cmd *cmd, const char *path, json_t *request,
                   json_t **reply);
/* The reply as indented JSON on stdout (the --json output). */
void ctl_daemon_print_json(const json_t *reply);

/* ---- reading replies (ctl_daemon_util.c) ------------------------------ */

/* Integer or real member, 0 when missing: tables print what is there. */
double ctl_json_num(const json_t *obj, const char *key);
uint64_t ctl_json_u64(const json_t *obj, const char *key);
const char *ctl_json_str(const json_t *obj, const char *key);
/* obj.a.b... (NULL-terminated path). */
const json_t *ctl_json_path(const json_t *obj, ...);

/* ---- aligned tables (ctl_table.c) --------------------------------------- */

#define CTL_TABLE_MAX_COLS 16

struct ctl_table {
	unsigned ncols, ncells, cap;
	const char *align; /* 'l' or 'r' per column */
	char **cells;      /* row by row, row 0 the header */
};

/* headers: ncols strings. */
void ctl_table_init(struct ctl_table *t, const char *align,
                    const char *const *headers);
/* Append one cell to the current row; a row ends after ncols cells. */
void ctl_table_cell(struct ctl_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ctl_table_print(const struct ctl_table *t, FILE *out);
void ctl_table_free(struct ctl_table *t);

/* ---- the stats view, shared by `stats` and `top` (ctl_daemon_view.c) --- */

/*
 * Print a stats reply as tables.  prev is the previous reply (top) or NULL;
 * rates are per second over the time between the two, or since the
 * daemon started when there is no previous reply.
 */
void ctl_stats_print(FILE *out, const json_t *stats, const json_t *prev);
void ctl_cards_print(FILE *out, const json_t *cards);

extern const struct ctl_cmd ctl_cmd_stats;
extern const struct ctl_cmd ctl_cmd_top;
extern const struct ctl_cmd ctl_cmd_cards;
extern const struct ctl_cmd ctl_cmd_health;
extern const struct ctl_cmd ctl_cmd_reset;
extern const struct ctl_cmd ctl_cmd_drain;
extern const struct ctl_cmd ctl_cmd_undrain;
extern const struct ctl_cmd ctl_cmd_fault;

/* The backend pool of a stats reply, one row per backend
 * (ctl_daemon_backends.c); nothing when the reply has none. */
void ctl_print_backend_table(FILE *out, const json_t *stats);

#endif /* CTL_DAEMON_H */
