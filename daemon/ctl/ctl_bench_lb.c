/* SPDX-License-Identifier: MIT */
/*
 * bench lb: method M5, balancing across unequal cards.
 *
 * Three sim cards whose timing model gives them 1x, 2x and 4x the PKE
 * capacity (engines x pke_ops).  The same offered load goes through the
 * pool twice, once with least-expected-completion-time and once with
 * round-robin, each on freshly opened cards.  The job is what a TLS 1.3
 * handshake sends most: an X25519 ECDH derive with a pool key; every
 * result is checked against libcrypto.
 *
 * Load (--mode):
 *   closed  W jobs always outstanding; each completion submits a new one.
 *           This saturates the cards, so throughput over the aggregate
 *           capacity measures how well the policy keeps every card busy.
 *   open    Poisson arrivals at --load x aggregate capacity, latency from
 *           the arrival time (so host-side queueing counts too).
 * Only jobs completing inside the measurement window (after --warmup)
 * count; p99 is over their latencies.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl_bench_lb.h"

static const char lb_usage[] =
    "usage: tlscardctl bench lb [--ratios A,B,C] [--base-ops N]\n"
    "                           [--engines E] [--mode closed|open]\n"
    "                           [--outstanding W] [--load F]\n"
    "                           [--seconds S] [--warmup S]\n"
    "                           [--policy ect|rr|both] [--json]\n"
    "\n"
    "Sim cards of unequal PKE capacity (card i: E engines at N x ratio_i\n"
    "ops/s each) behind the pool; the same load (X25519 derives) through\n"
    "least-expected-completion-time and through round-robin.  Reports, per\n"
    "policy, achieved throughput over aggregate capacity, p50/p99 job\n"
    "latency and each card's share; and ECT's p99 over round-robin's.\n"
    "\n"
    "options:\n"
    "  -r, --ratios LIST    capacity ratios (default 1,2,4)\n"
    "  -o, --base-ops N     PKE ops/s per engine of a 1x card (default 500)\n"
    "  -e, --engines E      engines per card (default 2)\n"
    "  -m, --mode M         closed (default) or open\n"
    "  -w, --outstanding W  closed loop: jobs outstanding (default 48)\n"
    "  -l, --load F         open loop: fraction of capacity (default 0.9)\n"
    "  -t, --seconds S      measured seconds per policy (default 2)\n"
    "      --warmup S       seconds before measuring (default 0.5)\n"
    "  -p, --policy P       ect, rr or both (default both)\n"
    "      --cpu-driver N   pin the driver thread to CPU N\n"
    "      --cpu-card N     pin the sim cards' threads to CPU N\n"
    "      --json           one JSON object\n"
    "  -h, --help           show this help\n";

static int parse_ratios(const struct ctl_cmd *cmd, const char *s,
                        struct lb_opts *o)
{
	char buf[128], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	o->ncards = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (o->ncards == LB_MAX_CARDS)
			return ctl_usage_error(
			    cmd, "--ratios: at most %u cards", LB_MAX_CARDS);
		if (ctl_parse_unsigned(cmd, "--ratios", tok, 1, 1000,
		                       &o->ratios[o->ncards++]))
			return CTL_EXIT_USAGE;
	}
	if (o->ncards < 2)
		return ctl_usage_error(cmd, "--ratios: at least two cards");
	return 0;
}

static int lb_parse(const struct ctl_cmd *cmd, int argc, char **argv,
                    struct lb_opts *o, unsigned *policies, bool *json)
{
	static const struct option longopts[] = {
	    {"ratios", required_argument, NULL, 'r'},
	    {"base-ops", required_argument, NULL, 'o'},
	    {"engines", required_argument, NULL, 'e'},
	    {"mode", required_argument, NULL, 'm'},
	    {"outstanding", required_argument, NULL, 'w'},
	    {"load", required_argument, NULL, 'l'},
	    {"seconds", required_argument, NULL, 't'},
	    {"warmup", required_argument, NULL, 'W'},
	    {"policy", required_argument, NULL, 'p'},
	    {"cpu-driver", required_argument, NULL, BENCH_OPT_CPU_DRIVER},
	    {"cpu-card", required_argument, NULL, BENCH_OPT_CPU_CARD},
	    {"json", no_argument, NULL, BENCH_OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c;

	optind = 0;
	while ((c = ctl_getopt(cmd, argc, argv,
	                       "r:o:e:m:w:l:t:p:", longopts)) != -1) {
		int bad = 0;

		switch (c) {
		case 'r': bad = parse_ratios(cmd, optarg, o); break;
		case 'o':
			bad = ctl_parse_u64(cmd, "--base-ops", optarg, 1,
			                    1000000, &o->base_ops);
			break;
		case 'e':
			bad = ctl_parse_unsigned(cmd, "--engines", optarg, 1,
			                         TC_MAX_ENGINES, &o->engines);
			break;
		case 'm':
			if (!strcmp(optarg, "open") ||
			    !strcmp(optarg, "closed"))
				o->open_loop = !strcmp(optarg, "open");
			else
				bad = ctl_usage_error(cmd, "--mode: expected "
				                           "closed or open");
			break;
		case 'w':
			bad = ctl_parse_unsigned(cmd, "--outstanding", optarg,
			                         1, 4096, &o->outstanding);
			break;
		case 'l':
			bad = ctl_parse_double(cmd, "--load", optarg, 0.01, 2,
			                       &o->load);
			break;
		case 't':
			bad = ctl_parse_double(cmd, "--seconds", optarg, 0.1,
			                       600, &o->seconds);
			break;
		case 'W':
			bad = ctl_parse_double(cmd, "--warmup", optarg, 0, 60,
			                       &o->warmup);
			break;
		case 'p':
			if (!strcmp(optarg, "ect"))
				*policies = 1;
			else if (!strcmp(optarg, "rr"))
				*policies = 2;
			else if (!strcmp(optarg, "both"))
				*policies = 3;
			else
				bad = ctl_usage_error(cmd, "--policy: expected "
				                           "ect, rr or both");
			break;
		case BENCH_OPT_CPU_DRIVER:
		case BENCH_OPT_CPU_CARD:
			bad = bench_parse_cpu(cmd, c, optarg, &o->cpus);
			break;
		case BENCH_OPT_JSON: *json = true; break;
		case CTL_OPT_HELP: ctl_print_usage(cmd, stdout); return -1;
		default: return CTL_EXIT_USAGE;
		}
		if (bad)
			return CTL_EXIT_USAGE;
	}
	return ctl_no_positional(cmd, argc, argv) ? CTL_EXIT_USAGE : 0;
}

static int lb_run(const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct lb_opts o = {.ncards = 3,
	                    .ratios = {1, 2, 4},
	                    .engines = 2,
	                    .outstanding = 48,
	                    .base_ops = 500,
	                    .load = 0.9,
	                    .seconds = 2,
	                    .warmup = 0.5,
	                    .cpus = {-1, -1}};
	json_t *res, *caps, *ect = NULL, *rr = NULL;
	unsigned policies = 3;
	double capacity = 0;
	bool json = false;
	int ret;

	ret = lb_parse(cmd, argc, argv, &o, &policies, &json);
	if (ret)
		return ret < 0 ? CTL_EXIT_OK : ret;
	caps = json_array();
	for (unsigned i = 0; i < o.ncards; i++) {
		double cap = (double)o.base_ops * o.ratios[i] * o.engines;

		capacity += cap;
		json_array_append_new(caps, json_real(cap));
	}
	res = json_object();
	json_object_set_new(res, "bench", json_string("lb"));
	json_object_set_new(res, "op", json_string("x25519-derive"));
	json_object_set_new(res, "mode",
	                    json_string(o.open_loop ? "open" : "closed"));
	if (o.open_loop)
		json_object_set_new(res, "offered_load", json_real(o.load));
	else
		json_object_set_new(res, "outstanding",
		                    json_integer(o.outstanding));
	json_object_set_new(res, "capacity_per_card", caps);
	json_object_set_new(res, "aggregate_capacity", json_real(capacity));
	json_object_set_new(res, "seconds", json_real(o.seconds));
	json_object_set_new(res, "cpus", bench_cpus_json(&o.cpus));
	if (policies & 1) {
		ect = lb_run_policy(cmd, &o, TC_POOL_LEAST_ECT, capacity);
		if (!ect)
			goto fail;
		json_object_set(res, "ect", ect);
		json_object_set_new(
		    res, "throughput_fraction",
		    json_copy(json_object_get(ect, "fraction")));
	}
	if (policies & 2) {
		rr = lb_run_policy(cmd, &o, TC_POOL_ROUND_ROBIN, capacity);
		if (!rr)
			goto fail;
		json_object_set(res, "rr", rr);
	}
	if (ect && rr) {
		double a = json_real_value(json_object_get(ect, "p99_ms"));
		double b = json_real_value(json_object_get(rr, "p99_ms"));

		json_object_set_new(res, "p99_ratio_vs_round_robin",
		                    json_real(b > 0 ? a / b : 0));
	}
	bench_emit(res, json);
	json_decref(res);
	json_decref(ect);
	json_decref(rr);
	return CTL_EXIT_OK;
fail:
	json_decref(res);
	json_decref(ect);
	json_decref(rr);
	return CTL_EXIT_FAIL;
}

const struct ctl_cmd ctl_bench_lb = {
    .name = "bench lb",
    .summary = "unequal cards 1x/2x/4x: ECT vs round-robin balancing",
    .usage = lb_usage,
    .run = lb_run,
};
