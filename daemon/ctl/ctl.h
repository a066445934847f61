/* SPDX-License-Identifier: MIT */
/*
 * tlscardctl: what the command modules share.
 *
 * Every command is one `struct ctl_cmd`, listed in the table in ctl_main.c,
 * so new commands (stats, top, health ...) are one file and one table line.
 * Exit codes are the same for every command: 0 success, 1 the operation
 * failed, 2 the command line was wrong.
 */
#ifndef CTL_H
#define CTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tlscard.h"

#define CTL_EXIT_OK    0
#define CTL_EXIT_FAIL  1
#define CTL_EXIT_USAGE 2

struct ctl_cmd {
	const char *name;
	const char *summary; /* one line for `tlscardctl --help` */
	const char *usage;   /* the whole `--help` text */
	/* Optional: prints the help when it is built at run time. */
	void (*help)(FILE *out);
	/* argv[0] is the command name; returns an exit code. */
	int (*run)(const struct ctl_cmd *cmd, int argc, char **argv);
};

extern const struct ctl_cmd ctl_cmd_list;
extern const struct ctl_cmd ctl_cmd_selftest;
extern const struct ctl_cmd ctl_cmd_bench;
extern const struct ctl_cmd ctl_cmd_load;
extern const struct ctl_cmd ctl_cmd_abi;
extern const struct ctl_cmd ctl_cmd_dmafault;

/* ---- command-line helpers (ctl_opt.c) ---------------------------------- */

/* What ctl_getopt returns besides option characters and -1. */
#define CTL_OPT_ERROR 0x100 /* message printed: exit CTL_EXIT_USAGE */
#define CTL_OPT_HELP  0x101 /* -h / --help */

/*
 * getopt_long() with tlscardctl's error messages.  shortopts must not start
 * with ':' or '+' (added here).  Reset optind to 0 before the first call.
 * Returns an option character, -1 at the end, CTL_OPT_HELP, or
 * CTL_OPT_ERROR after printing "tlscardctl CMD: ..." to stderr.
 */
int ctl_getopt(const struct ctl_cmd *cmd, int argc, char **argv,
               const char *shortopts, const struct option *longopts);
/* After option parsing: any argument left is an error.  0 or -1. */
int ctl_no_positional(const struct ctl_cmd *cmd, int argc, char **argv);
/* Prints "tlscardctl CMD: <msg>" to stderr; returns CTL_EXIT_USAGE. */
int ctl_usage_error(const struct ctl_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "tlscardctl CMD: <msg>" to stderr; returns CTL_EXIT_FAIL. */
int ctl_fail(const struct ctl_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ctl_print_usage(const struct ctl_cmd *cmd, FILE *out);
/* Unsigned decimal in [min, max]; prints the error and returns -1. */
int ctl_parse_u64(const struct ctl_cmd *cmd, const char *opt, const char *s,
                  uint64_t min, uint64_t max, uint64_t *out);
int ctl_parse_unsigned(const struct ctl_cmd *cmd, const char *opt,
                       const char *s, unsigned min, unsigned max,
                       unsigned *out);
int ctl_parse_double(const struct ctl_cmd *cmd, const char *opt, const char *s,
                     double min, double max, double *out);

/* ---- cards (ctl_devices.c) ---------------------------------------------- */

#define CTL_MAX_CARDS 16

/* Per-card sim knobs: --sim-spec for all, --card-spec I:KNOBS for one. */
struct ctl_knobs {
	const char *all;
	const char *card[CTL_MAX_CARDS];
};

struct ctl_cards {
	struct tc_ctx *ctx;
	unsigned n;
	struct tc_dev *dev[CTL_MAX_CARDS];
	char spec[CTL_MAX_CARDS][48];  /* what tc_dev_open() was given */
	char label[CTL_MAX_CARDS][64]; /* card name for reports */
	bool is_sim[CTL_MAX_CARDS];
	struct tc_model_config *cfg[CTL_MAX_CARDS];
};

/*
 * Expand a --device spec ("sim", "sim:N", "vfio:BDF", "vfio:all") into the
 * specs tc_dev_open() takes.  -EINVAL for a malformed spec, -ENODEV when
 * vfio:all finds no card, with a message in err either way.
 */
int ctl_device_expand(const char *device, char out[][48], unsigned max,
                      unsigned *n, char *err, size_t errlen);
/* Check that a knob string parses, without opening anything. */
int ctl_knobs_check(const char *knobs, char *err, size_t errlen);
/* "I:REST" with I < max: 0, or -EINVAL. */
int ctl_parse_indexed(const char *arg, unsigned max, unsigned *idx,
                      const char **rest);
/*
 * Open the cards named by device (already expanded and checked) in a new
 * context.  When keep_going is set, a card that fails to open is skipped
 * and reported through failed[i] (negative errno), else the first failure
 * closes everything and is returned.
 */
int ctl_cards_open(struct ctl_cards *cards, const char *device,
                   const struct ctl_knobs *knobs, bool keep_going, int *failed,
                   char *err, size_t errlen);
void ctl_cards_close(struct ctl_cards *cards);

/* ---- small shared utilities (ctl_util.c) --------------------------------- */

/* xorshift64*: deterministic pseudo-random data for tests and benches. */
uint64_t ctl_rand_next(uint64_t *state);
void ctl_rand_fill(uint64_t *state, void *buf, size_t len);
/* Hex string (no separators) to bytes; returns bytes written or -1. */
int ctl_unhex(const char *hex, uint8_t *out, size_t max);
double ctl_seconds_since(uint64_t start_ns);
/* Wait for a queue's interrupt eventfd up to timeout_us, or sleep briefly
 * when it has none; used between polls so waiting does not spin. */
void ctl_qp_wait(struct tc_qp *qp, unsigned timeout_us);
const char *ctl_card_state_name(enum tc_card_state st);
int ctl_cmp_u64(const void *a, const void *b);
/* Percentile (0..100) of a sorted array. */
uint64_t ctl_percentile(const uint64_t *sorted, size_t n, double pct);

#endif
