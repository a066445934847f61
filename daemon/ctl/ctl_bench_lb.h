/* SPDX-License-Identifier: MIT */
/*
 * bench lb: what the command (ctl_bench_lb.c: options, report) and the
 * runs (ctl_bench_lb_run.c: cards, pool, load loop) share.
 */
#ifndef CTL_BENCH_LB_H
#define CTL_BENCH_LB_H

#include "ctl_bench.h"

#define LB_MAX_CARDS 8u

struct lb_opts {
	unsigned ncards, ratios[LB_MAX_CARDS], engines, outstanding;
	uint64_t base_ops;
	bool open_loop;
	double load, seconds, warmup;
	struct bench_cpus cpus;
};

/*
 * One policy's run on freshly opened cards: the result object
 * (throughput, fraction of capacity, p50/p99, shares), or NULL after
 * printing the error.
 */
json_t *lb_run_policy(const struct ctl_cmd *cmd, const struct lb_opts *o,
                      enum tc_pool_policy pol, double capacity);

#endif
