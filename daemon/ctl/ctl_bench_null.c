/* SPDX-License-Identifier: MIT */
/*
 * bench null: the driver's own cost.  NOP jobs in batches of B: prepare B
 * descriptors, submit them, one doorbell, then reap all B (one CQ-head
 * doorbell per poll) and start over.  The card does nothing, so what is
 * left is the host's submit + complete path.
 *
 * Run it under callgrind with two job counts and subtract to cancel
 * start-up (tools/bench_driver.py does):
 *   valgrind --tool=callgrind --separate-threads=yes \
 *	tlscardctl bench null --batch 32 --jobs N
 * and divide the driver thread's Ir difference by the job difference.
 * Waiting blocks on the queue's eventfd rather than spinning, so the
 * driver thread's instruction count is not inflated by empty polls.
 */
#include <errno.h>
#include <string.h>

#include "ctl_bench.h"

static const char null_usage[] =
    "usage: tlscardctl bench null [--batch B] [--jobs N] [--sim-spec K]\n"
    "                             [--json]\n"
    "\n"
    "NOP jobs through one sim card, B per batch (one doorbell per batch),\n"
    "N in all: the host-side cost of submit + complete.  Reports jobs/s;\n"
    "meant to be run under callgrind too (see tools/bench_driver.py).\n"
    "\n"
    "options:\n"
    "  -b, --batch B      jobs per batch (1..1024, default 32)\n"
    "  -n, --jobs N       jobs in all (default 1000000)\n"
    "      --sim-spec K   sim card knobs\n"
    "      --cpu-driver N pin the driver thread to CPU N\n"
    "      --cpu-card N   pin the sim card's threads to CPU N\n"
    "      --json         one JSON object\n"
    "  -h, --help         show this help\n";

static void null_done(struct tc_job *job)
{
	unsigned *pending = job->user;

	(*pending)--;
}

static int null_run(const struct ctl_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"batch", required_argument, NULL, 'b'},
	    {"jobs", required_argument, NULL, 'n'},
	    {"sim-spec", required_argument, NULL, BENCH_OPT_SIM_SPEC},
	    {"cpu-driver", required_argument, NULL, BENCH_OPT_CPU_DRIVER},
	    {"cpu-card", required_argument, NULL, BENCH_OPT_CPU_CARD},
	    {"json", no_argument, NULL, BENCH_OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	unsigned batch = 32, depth_log2 = 1;
	uint64_t njobs = 1000000, done = 0, waits = 0, polls = 0;
	const char *spec = NULL;
	struct tc_job *jobs, **ptrs;
	struct bench_cpus cpus = {-1, -1};
	struct bench_card bc;
	bool json = false;
	uint64_t start;
	double secs;
	json_t *res;
	int c, ret;

	optind = 0;
	while ((c = ctl_getopt(cmd, argc, argv, "b:n:", longopts)) != -1) {
		switch (c) {
		case 'b':
			if (ctl_parse_unsigned(cmd, "--batch", optarg, 1, 1024,
			                       &batch))
				return CTL_EXIT_USAGE;
			break;
		case 'n':
			if (ctl_parse_u64(cmd, "--jobs", optarg, 1,
			                  1000000000ull, &njobs))
				return CTL_EXIT_USAGE;
			break;
		case BENCH_OPT_SIM_SPEC: spec = optarg; break;
		case BENCH_OPT_CPU_DRIVER:
		case BENCH_OPT_CPU_CARD:
			if (bench_parse_cpu(cmd, c, optarg, &cpus))
				return CTL_EXIT_USAGE;
			break;
		case BENCH_OPT_JSON: json = true; break;
		case CTL_OPT_HELP: ctl_print_usage(cmd, stdout); return 0;
		default: return CTL_EXIT_USAGE;
		}
	}
	if (ctl_no_positional(cmd, argc, argv))
		return CTL_EXIT_USAGE;
	while ((1u << depth_log2) < batch)
		depth_log2++;
	ret = bench_card_open(cmd, spec, depth_log2, &bc);
	if (ret)
		return ret;
	jobs = calloc(batch, sizeof(*jobs));
	ptrs = calloc(batch, sizeof(*ptrs));
	if (!jobs || !ptrs) {
		free(jobs);
		free(ptrs);
		bench_card_close(&bc);
		return ctl_fail(cmd, "out of memory");
	}
	if (bench_pin(&cpus)) {
		ret = ctl_fail(cmd, "cannot pin threads: %s", strerror(errno));
		goto out;
	}

	start = tc_now_ns();
	while (done < njobs) {
		unsigned n =
		    njobs - done < batch ? (unsigned)(njobs - done) : batch;
		unsigned pending = n;

		for (unsigned i = 0; i < n; i++) {
			tc_job_prep_nop(&jobs[i]);
			jobs[i].done = null_done;
			jobs[i].user = &pending;
			ptrs[i] = &jobs[i];
		}
		if (tc_qp_submit(bc.qp, ptrs, n) != n) {
			ret = ctl_fail(cmd, "the ring refused a batch");
			goto out;
		}
		tc_qp_flush(bc.qp);
		while (pending) {
			polls++;
			if (tc_qp_poll(bc.qp, n))
				continue;
			waits++;
			bench_wait(bc.qp, 1000);
			if (ctl_seconds_since(start) > 600) {
				ret = ctl_fail(cmd, "the card stopped "
				                    "completing");
				goto out;
			}
		}
		for (unsigned i = 0; i < n; i++) {
			if (jobs[i].status != TC_STS_OK) {
				ret = ctl_fail(cmd, "NOP failed: %s",
				               tc_status_name(jobs[i].status));
				goto out;
			}
		}
		done += n;
	}
	secs = ctl_seconds_since(start);

	res = json_object();
	json_object_set_new(res, "bench", json_string("null"));
	json_object_set_new(res, "batch", json_integer(batch));
	json_object_set_new(res, "jobs", json_integer((json_int_t)njobs));
	json_object_set_new(res, "seconds", json_real(secs));
	json_object_set_new(res, "jobs_per_sec",
	                    json_real(secs > 0 ? (double)njobs / secs : 0));
	json_object_set_new(res, "polls", json_integer((json_int_t)polls));
	json_object_set_new(res, "waits", json_integer((json_int_t)waits));
	json_object_set_new(res, "cpus", bench_cpus_json(&cpus));
	bench_emit(res, json);
	json_decref(res);
	ret = CTL_EXIT_OK;
out:
	free(jobs);
	free(ptrs);
	bench_card_close(&bc);
	return ret;
}

const struct ctl_cmd ctl_bench_null = {
    .name = "bench null",
    .summary = "NOP submit+complete cost at batch B (callgrind target)",
    .usage = null_usage,
    .run = null_run,
};
