/* SPDX-License-Identifier: MIT */
/*
 * tlscardctl load: its command line.  Faults are parsed here into the
 * register writes that inject them (TC_REG_FI_*, see card-spec.md).
 */
#include <string.h>

#include "ctl_load.h"

const char ctl_load_usage[] =
    "usage: tlscardctl load --device sim:N [options]\n"
    "\n"
    "Run N jobs through the multi-card pool, verify every result against\n"
    "libcrypto, and report per card and in total.  Exit status 0 iff every\n"
    "job completed correctly exactly once.\n"
    "\n"
    "options:\n"
    "  -d, --device SPEC       cards: sim:N (or vfio:...)\n"
    "  -s, --sim-spec KNOBS    knobs for every sim card\n"
    "  -c, --card-spec I:KNOBS knobs for sim card I (repeatable), e.g.\n"
    "                          0:engines=1,digest_ops=2000\n"
    "  -f, --fault I:FAULT     inject a fault into card I (repeatable):\n"
    "                          error-rate=X (0..1), stall, latency-us=N,\n"
    "                          reset-after=N\n"
    "  -n, --jobs N            jobs in all (default 10000)\n"
    "  -o, --op OP             nop, digest (default) or aead\n"
    "  -p, --policy P          ect (default) or rr\n"
    "  -w, --window W          jobs outstanding (1..1024, default 64)\n"
    "  -T, --timeout-ms N      a job older than this means its card hung\n"
    "                          (default 200)\n"
    "  -L, --max-seconds N     give up after N seconds (default 60)\n"
    "      --json              one JSON object\n"
    "  -h, --help              show this help\n";

/* "I:error-rate=X", "I:stall", "I:latency-us=N", "I:reset-after=N" */
static int parse_fault(const struct ctl_cmd *cmd, const char *arg,
                       struct load_fault *f)
{
	const char *rest, *eq;
	char name[32];
	uint64_t v;
	double rate;

	if (ctl_parse_indexed(arg, CTL_MAX_CARDS, &f->card, &rest))
		return ctl_usage_error(cmd,
		                       "--fault '%s': expected I:FAULT "
		                       "with I a card index",
		                       arg);
	f->text = arg;
	eq = strchr(rest, '=');
	snprintf(name, sizeof(name), "%.*s",
	         (int)(eq ? (size_t)(eq - rest) : strlen(rest)), rest);
	if (!strcmp(name, "stall") && !eq) {
		f->reg = TC_REG_FI_CTRL;
		f->value = TC_FI_CTRL_STALL;
		f->set_bits = true;
		return 0;
	}
	if (!eq)
		goto bad;
	if (!strcmp(name, "error-rate")) {
		if (ctl_parse_double(cmd, "--fault error-rate", eq + 1, 0, 1,
		                     &rate))
			return CTL_EXIT_USAGE;
		f->reg = TC_REG_FI_ERROR_PPM;
		f->value = (uint32_t)(rate * 1e6 + 0.5);
		return 0;
	}
	if (!strcmp(name, "latency-us") || !strcmp(name, "reset-after")) {
		if (ctl_parse_u64(cmd, "--fault", eq + 1, 0, UINT32_MAX, &v))
			return CTL_EXIT_USAGE;
		f->reg = name[0] == 'l' ? TC_REG_FI_LATENCY_US
		                        : TC_REG_FI_RESET_AFTER;
		f->value = (uint32_t)v;
		return 0;
	}
bad:
	return ctl_usage_error(cmd,
	                       "--fault '%s': unknown fault (expected "
	                       "error-rate=X, stall, latency-us=N or "
	                       "reset-after=N)",
	                       arg);
}

static int parse_card_spec(const struct ctl_cmd *cmd, const char *arg,
                           struct ctl_knobs *knobs)
{
	char err[192];
	const char *rest;
	unsigned idx;

	if (ctl_parse_indexed(arg, CTL_MAX_CARDS, &idx, &rest))
		return ctl_usage_error(cmd,
		                       "--card-spec '%s': expected "
		                       "I:KNOBS with I a card index",
		                       arg);
	if (ctl_knobs_check(rest, err, sizeof(err)))
		return ctl_usage_error(cmd, "--card-spec %u: %s", idx, err);
	knobs->card[idx] = rest;
	return 0;
}

static int parse_choice(const struct ctl_cmd *cmd, const char *opt,
                        const char *arg, const char *const *names, unsigned n,
                        unsigned *out)
{
	for (unsigned i = 0; i < n; i++) {
		if (!strcmp(arg, names[i])) {
			*out = i;
			return 0;
		}
	}
	return ctl_usage_error(cmd, "%s: unknown value '%s'", opt, arg);
}

int load_parse(const struct ctl_cmd *cmd, int argc, char **argv,
               struct load_opts *o)
{
	static const struct option longopts[] = {
	    {"device", required_argument, NULL, 'd'},
	    {"sim-spec", required_argument, NULL, 's'},
	    {"card-spec", required_argument, NULL, 'c'},
	    {"fault", required_argument, NULL, 'f'},
	    {"jobs", required_argument, NULL, 'n'},
	    {"op", required_argument, NULL, 'o'},
	    {"policy", required_argument, NULL, 'p'},
	    {"window", required_argument, NULL, 'w'},
	    {"timeout-ms", required_argument, NULL, 'T'},
	    {"max-seconds", required_argument, NULL, 'L'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	static const char *const ops[] = {"nop", "digest", "aead"};
	static const char *const policies[] = {"ect", "rr"};
	char err[192];
	unsigned v = 0;
	uint64_t ms;
	int c, bad;

	optind = 0;
	while ((c = ctl_getopt(cmd, argc, argv,
	                       "d:s:c:f:n:o:p:w:T:L:", longopts)) != -1) {
		bad = 0;
		switch (c) {
		case 'd': o->device = optarg; break;
		case 's': o->knobs.all = optarg; break;
		case 'c': bad = parse_card_spec(cmd, optarg, &o->knobs); break;
		case 'f':
			if (o->nfaults == LOAD_MAX_FAULTS)
				bad = ctl_usage_error(cmd, "too many --fault");
			else
				bad = parse_fault(cmd, optarg,
				                  &o->faults[o->nfaults++]);
			break;
		case 'n':
			bad = ctl_parse_u64(cmd, "--jobs", optarg, 1, 100000000,
			                    &o->njobs);
			break;
		case 'o':
			bad = parse_choice(cmd, "--op", optarg, ops, 3, &v);
			o->op = (enum load_op)v;
			break;
		case 'p':
			bad = parse_choice(cmd, "--policy", optarg, policies, 2,
			                   &v);
			o->policy = v ? TC_POOL_ROUND_ROBIN : TC_POOL_LEAST_ECT;
			break;
		case 'w':
			bad = ctl_parse_unsigned(cmd, "--window", optarg, 1,
			                         1024, &o->window);
			break;
		case 'T':
			bad = ctl_parse_u64(cmd, "--timeout-ms", optarg, 1,
			                    600000, &ms);
			o->timeout_ms = (uint32_t)ms;
			break;
		case 'L':
			bad = ctl_parse_double(cmd, "--max-seconds", optarg,
			                       0.1, 3600, &o->max_seconds);
			break;
		case 'j': o->json = true; break;
		case CTL_OPT_HELP: ctl_print_usage(cmd, stdout); return -1;
		default: return CTL_EXIT_USAGE;
		}
		if (bad)
			return CTL_EXIT_USAGE;
	}
	if (ctl_no_positional(cmd, argc, argv))
		return CTL_EXIT_USAGE;
	if (!o->device)
		return ctl_usage_error(cmd, "--device is required");
	if (o->knobs.all && ctl_knobs_check(o->knobs.all, err, sizeof(err)))
		return ctl_usage_error(cmd, "--sim-spec: %s", err);
	return 0;
}
