// SPDX-License-Identifier: MIT
/*
 * tlscardctl reset | drain | undrain | fault: change one card of a running
 * tlscardd.  Each prints the card as it is afterwards (or, with --json,
 * the daemon's reply), so the effect is visible at once.
 */
#include <string.h>

#include "ctl_daemon.h"
#include "tlsd_ctl_proto.h"

enum {
	CTL_ADMIN_OPT_CARD = 0x300,
	CTL_ADMIN_OPT_ERROR_RATE,
	CTL_ADMIN_OPT_STALL,
	CTL_ADMIN_OPT_LATENCY,
	CTL_ADMIN_OPT_CLEAR,
};

static const struct option ctl_admin_longopts[] = {
    {"card", required_argument, NULL, CTL_ADMIN_OPT_CARD},
    {"control", required_argument, NULL, CTL_DAEMON_OPT_CONTROL},
    {"json", no_argument, NULL, CTL_DAEMON_OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    /* fault only; refused for the others below */
    {"error-rate", required_argument, NULL, CTL_ADMIN_OPT_ERROR_RATE},
    {"stall", no_argument, NULL, CTL_ADMIN_OPT_STALL},
    {"latency-us", required_argument, NULL, CTL_ADMIN_OPT_LATENCY},
    {"clear", no_argument, NULL, CTL_ADMIN_OPT_CLEAR},
    {NULL, 0, NULL, 0},
};

/* Adds the fault field to req; -1 after a usage error. */
static int ctl_admin_fault_opt(const struct ctl_cmd *cmd, int opt,
                               const char *arg, json_t *req, unsigned *nfault)
{
	double rate;
	unsigned us;

	if (strcmp(cmd->name, "fault")) {
		ctl_usage_error(cmd, "fault options belong to 'tlscardctl "
		                     "fault'");
		return -1;
	}
	++*nfault;
	switch (opt) {
	case CTL_ADMIN_OPT_ERROR_RATE:
		if (ctl_parse_double(cmd, "--error-rate", arg, 0.0, 1.0, &rate))
			return -1;
		json_object_set_new(req, "error_rate", json_real(rate));
		return 0;
	case CTL_ADMIN_OPT_LATENCY:
		if (ctl_parse_unsigned(cmd, "--latency-us", arg, 0,
		                       TLSD_CTL_MAX_LATENCY_US, &us))
			return -1;
		json_object_set_new(req, "latency_us", json_integer(us));
		return 0;
	case CTL_ADMIN_OPT_STALL:
		json_object_set_new(req, "stall", json_true());
		return 0;
	default: json_object_set_new(req, "clear", json_true()); return 0;
	}
}

static int ctl_admin_parse(const struct ctl_cmd *cmd, int argc, char **argv,
                           struct ctl_daemon_opts *o, json_t *req)
{
	unsigned card = 0, nfault = 0;
	bool have_card = false;
	int rc = ctl_daemon_opts_init(cmd, o), opt;

	if (rc)
		return rc;
	optind = 0;
	while ((opt = ctl_getopt(cmd, argc, argv, "", ctl_admin_longopts)) !=
	       -1) {
		switch (opt) {
		case CTL_OPT_HELP: ctl_print_usage(cmd, stdout); return -1;
		case CTL_OPT_ERROR: return CTL_EXIT_USAGE;
		case CTL_ADMIN_OPT_CARD:
			if (ctl_parse_unsigned(cmd, "--card", optarg, 0,
			                       TLSD_SNAP_MAX_CARDS - 1, &card))
				return CTL_EXIT_USAGE;
			have_card = true;
			break;
		case CTL_ADMIN_OPT_ERROR_RATE:
		case CTL_ADMIN_OPT_STALL:
		case CTL_ADMIN_OPT_LATENCY:
		case CTL_ADMIN_OPT_CLEAR:
			if (ctl_admin_fault_opt(cmd, opt, optarg, req, &nfault))
				return CTL_EXIT_USAGE;
			break;
		default:
			if (ctl_daemon_opt(cmd, opt, optarg, o) <= 0)
				return CTL_EXIT_USAGE;
		}
	}
	if (ctl_no_positional(cmd, argc, argv))
		return CTL_EXIT_USAGE;
	if (!have_card)
		return ctl_usage_error(cmd, "--card N is required");
	if (!strcmp(cmd->name, "fault") && nfault != 1)
		return ctl_usage_error(cmd, "give exactly one of --error-rate, "
		                            "--stall, --latency-us, --clear");
	json_object_set_new(req, "card", json_integer(card));
	return 0;
}

static int ctl_admin_run(const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct ctl_daemon_opts o;
	json_t *req = json_pack("{s:s}", "cmd", cmd->name), *reply = NULL;
	const json_t *card;
	int rc = ctl_admin_parse(cmd, argc, argv, &o, req);

	if (rc) {
		json_decref(req);
		return rc < 0 ? CTL_EXIT_OK : rc;
	}
	rc = ctl_daemon_ask(cmd, o.path, req, &reply);
	json_decref(req);
	if (rc)
		return rc;
	card = json_object_get(reply, "card");
	if (o.json) {
		ctl_daemon_print_json(reply);
	} else {
		json_t *list = json_pack("{s:[O]}", "cards", card);

		printf("%s card %llu (%s): done\n", cmd->name,
		       (unsigned long long)ctl_json_u64(card, "index"),
		       ctl_json_str(card, "name"));
		ctl_cards_print(stdout, list);
		json_decref(list);
	}
	json_decref(reply);
	return CTL_EXIT_OK;
}

#define CTL_ADMIN_COMMON                                                    \
	"  --card N        the card's index (see tlscardctl cards)\n"       \
	"  --json          print the daemon's reply (docs/operations.md)\n" \
	"  --control PATH  tlscardd's control socket (default: see\n"       \
	"                  tlscardctl stats --help)\n"                      \
	"\n"                                                                \
	"Exit: 0 done, 1 daemon unreachable or refused, 2 usage.\n"

const struct ctl_cmd ctl_cmd_reset = {
    .name = "reset",
    .summary = "reset one card of tlscardd; its jobs re-run elsewhere",
    .usage = "usage: tlscardctl reset --card N [--json] [--control PATH]\n"
             "\n"
             "Resets the card.  Jobs it held are re-run on another card\n"
             "or the CPU; no connection notices.  A quarantined card\n"
             "stays quarantined until the pool's probe succeeds.\n"
             "\n" CTL_ADMIN_COMMON,
    .run = ctl_admin_run,
};

const struct ctl_cmd ctl_cmd_drain = {
    .name = "drain",
    .summary = "stop giving one card new jobs (in-flight ones finish)",
    .usage = "usage: tlscardctl drain --card N [--json] [--control PATH]\n"
             "\n"
             "The card takes no new jobs; those in flight complete.\n"
             "Wait for INFLIGHT 0 in 'tlscardctl cards' before taking\n"
             "it away.  'tlscardctl undrain' puts it back.\n"
             "\n" CTL_ADMIN_COMMON,
    .run = ctl_admin_run,
};

const struct ctl_cmd ctl_cmd_undrain = {
    .name = "undrain",
    .summary = "put one card back in service",
    .usage = "usage: tlscardctl undrain --card N [--json] [--control PATH]\n"
             "\n"
             "The card takes jobs again: after a drain, or at once for a\n"
             "quarantined card (reset first if its last reset failed).\n"
             "\n" CTL_ADMIN_COMMON,
    .run = ctl_admin_run,
};

const struct ctl_cmd ctl_cmd_fault = {
    .name = "fault",
    .summary = "inject a fault into one card (testing failover)",
    .usage = "usage: tlscardctl fault --card N (--error-rate X | --stall |\n"
             "                        --latency-us N | --clear)\n"
             "                        [--json] [--control PATH]\n"
             "\n"
             "Programs the card's fault-injection registers (sim cards,\n"
             "and cards with CAP_F_FAULT_INJECT).  Faults survive card\n"
             "resets; only --clear (or another setting) removes them.\n"
             "\n"
             "  --error-rate X  fail this fraction of jobs, 0..1\n"
             "  --stall         engines stop; jobs hang until the pool\n"
             "                  times them out and quarantines the card\n"
             "  --latency-us N  add N microseconds to every job\n"
             "  --clear         remove every injected fault\n" CTL_ADMIN_COMMON,
    .run = ctl_admin_run,
};
