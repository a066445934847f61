// SPDX-License-Identifier: MIT
/*
 * tlscardctl stats | cards | health: one request each, printed as tables
 * or, with --json, as the daemon's reply (the documented schema).
 */
#include <string.h>

#include "ctl_daemon.h"

static const struct option ctl_report_longopts[] = {
    {"control", required_argument, NULL, CTL_DAEMON_OPT_CONTROL},
    {"json", no_argument, NULL, CTL_DAEMON_OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* -1: --help was printed; else an exit code (0: go on). */
static int ctl_report_parse(const struct ctl_cmd *cmd, int argc, char **argv,
                            struct ctl_daemon_opts *o)
{
	int rc = ctl_daemon_opts_init(cmd, o), opt;

	if (rc)
		return rc;
	optind = 0;
	while ((opt = ctl_getopt(cmd, argc, argv, "", ctl_report_longopts)) !=
	       -1) {
		if (opt == CTL_OPT_HELP) {
			ctl_print_usage(cmd, stdout);
			return -1;
		}
		if (opt == CTL_OPT_ERROR)
			return CTL_EXIT_USAGE;
		rc = ctl_daemon_opt(cmd, opt, optarg, o);
		if (rc < 0)
			return CTL_EXIT_USAGE;
		if (!rc)
			return ctl_usage_error(cmd, "unexpected option");
	}
	return ctl_no_positional(cmd, argc, argv) ? CTL_EXIT_USAGE : 0;
}

static int ctl_report_run(const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct ctl_daemon_opts o;
	json_t *req, *reply = NULL;
	int rc = ctl_report_parse(cmd, argc, argv, &o);

	if (rc)
		return rc < 0 ? CTL_EXIT_OK : rc;
	req = json_pack("{s:s}", "cmd", cmd->name);
	rc = ctl_daemon_ask(cmd, o.path, req, &reply);
	json_decref(req);
	if (rc)
		return rc;
	if (o.json)
		ctl_daemon_print_json(reply);
	else if (!strcmp(cmd->name, "stats"))
		ctl_stats_print(stdout, reply, NULL);
	else
		ctl_cards_print(stdout, reply);
	json_decref(reply);
	return CTL_EXIT_OK;
}

/* health: 0 every card up, 1 degraded, 2 daemon unreachable. */
static int ctl_health_run(const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct ctl_daemon_opts o;
	json_t *req, *reply = NULL, *p;
	const char *status;
	size_t i;
	int rc = ctl_report_parse(cmd, argc, argv, &o);

	if (rc)
		return rc < 0 ? CTL_EXIT_OK : rc;
	req = json_pack("{s:s}", "cmd", "health");
	rc = ctl_daemon_ask(cmd, o.path, req, &reply);
	json_decref(req);
	if (rc)
		return 2;
	status = ctl_json_str(reply, "status");
	if (o.json) {
		ctl_daemon_print_json(reply);
	} else {
		const json_t *cards = json_object_get(reply, "cards");

		printf("%s: %llu card(s): %llu up, %llu draining, "
		       "%llu quarantined (mode %s)\n",
		       status, (unsigned long long)ctl_json_u64(cards, "total"),
		       (unsigned long long)ctl_json_u64(cards, "up"),
		       (unsigned long long)ctl_json_u64(cards, "draining"),
		       (unsigned long long)ctl_json_u64(cards, "quarantined"),
		       ctl_json_str(reply, "mode"));
		json_array_foreach(json_object_get(reply, "problems"), i, p)
		    printf("  %s\n", json_string_value(p));
	}
	rc = strcmp(status, "ok") ? 1 : 0;
	json_decref(reply);
	return rc;
}

#define CTL_CONTROL_HELP                                                \
	"  --control PATH  tlscardd's control socket (default: "        \
	"$TLSCARD_CONTROL,\n"                                           \
	"                  /run/tlscard/tlscardd.sock for root, else\n" \
	"                  $XDG_RUNTIME_DIR/tlscardd.sock or "          \
	"/tmp/tlscardd-UID.sock)\n"

const struct ctl_cmd ctl_cmd_stats = {
    .name = "stats",
    .summary = "counters of a running tlscardd, per daemon and per card",
    .usage = "usage: tlscardctl stats [--json] [--control PATH]\n"
             "\n"
             "Connections, handshakes per version, failures by alert,\n"
             "digest calls per handshake, card-vs-CPU jobs, key moves,\n"
             "bytes and records, the coalescer's flushes by reason,\n"
             "records in/out and added latency (--coalesce); per card:\n"
             "state, in-flight, submitted,\n"
             "completed, errors, resets, doorbells, interrupts,\n"
             "utilization, and latency (EWMA, p50, p99) per op class.\n"
             "\n"
             "  --json          the daemon's reply, as documented in\n"
             "                  docs/operations.md\n" CTL_CONTROL_HELP "\n"
             "Exit: 0 ok, 1 daemon unreachable or error, 2 usage.\n",
    .run = ctl_report_run,
};

const struct ctl_cmd ctl_cmd_cards = {
    .name = "cards",
    .summary = "the cards of a running tlscardd: state, load, faults",
    .usage =
        "usage: tlscardctl cards [--json] [--control PATH]\n"
        "\n"
        "One line per card: index, name, backend, state (up,\n"
        "draining, quarantined), jobs in flight, engines,\n"
        "utilization, resets, quarantines and injected faults.\n"
        "\n"
        "  --json          the daemon's reply (docs/operations.md)\n" CTL_CONTROL_HELP
        "\n"
        "Exit: 0 ok, 1 daemon unreachable or error, 2 usage.\n",
    .run = ctl_report_run,
};

const struct ctl_cmd ctl_cmd_health = {
    .name = "health",
    .summary = "is tlscardd up and every card in service (exit code)",
    .usage =
        "usage: tlscardctl health [--json] [--control PATH]\n"
        "\n"
        "Prints ok or degraded and the cards not in service.\n"
        "\n"
        "  --json          the daemon's reply (docs/operations.md)\n" CTL_CONTROL_HELP
        "\n"
        "Exit: 0 every card up (or no cards), 1 degraded (a card\n"
        "draining or quarantined), 2 daemon unreachable or usage.\n",
    .run = ctl_health_run,
};
