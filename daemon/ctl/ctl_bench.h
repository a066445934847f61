/* SPDX-License-Identifier: MIT */
/*
 * tlscardctl bench: the driver benchmarks.  Each is a `struct ctl_cmd`
 * named "bench <name>" (so its messages name it), listed in ctl_bench.c.
 * Results are one JSON object (--json) or "key: value" lines; the numbers
 * come from one process, card and CPU baseline side by side.
 * tools/bench_driver.py runs them pinned, repeats them and takes medians.
 */
#ifndef CTL_BENCH_H
#define CTL_BENCH_H

#include <jansson.h>

#include "ctl.h"

extern const struct ctl_cmd ctl_bench_null;
extern const struct ctl_cmd ctl_bench_aead;
extern const struct ctl_cmd ctl_bench_digest;
extern const struct ctl_cmd ctl_bench_lb;

/* Options every bench takes. */
#define BENCH_OPT_JSON       0x200
#define BENCH_OPT_SIM_SPEC   0x201
#define BENCH_OPT_CPU_DRIVER 0x202
#define BENCH_OPT_CPU_CARD   0x203
#define BENCH_OPT_POLL_US    0x204

/*
 * Where the threads run.  The sim card's engines stand for the card's own
 * silicon, so a benchmark can put them on another core than the driver
 * (--cpu-card), leaving the driver's core (--cpu-driver) to the host
 * work, as with a real card.  -1: leave as started (e.g. by taskset).
 */
struct bench_cpus {
	int driver, card;
};
/* Handle --cpu-driver / --cpu-card; 0 or CTL_EXIT_USAGE. */
int bench_parse_cpu(const struct ctl_cmd *cmd, int opt, const char *arg,
                    struct bench_cpus *cpus);
/* Pin the calling thread to cpus->driver and every other thread of the
 * process (the cards' engine and timer threads) to cpus->card.  Call after
 * the cards are open.  0 or -errno. */
int bench_pin(const struct bench_cpus *cpus);
json_t *bench_cpus_json(const struct bench_cpus *cpus);
/*
 * How long the driver thread polls the CQ before sleeping on the eventfd
 * (--poll-us; negative: not given, which is 0: sleep at once and reap
 * in batches, see bench_spin_poll).  In nanoseconds.
 */
uint64_t bench_spin_ns(const struct bench_cpus *cpus, int poll_us);

/* Print the result: JSON object, or one "key: value" line per member. */
void bench_emit(json_t *result, bool json);

/* One sim card and one queue pair on it. */
struct bench_card {
	struct ctl_cards cards;
	struct tc_dev *dev;
	struct tc_qp *qp;
	const struct tc_dev_info *info;
};

/* Open "sim" with knobs and a queue pair of 2^depth_log2; prints the
 * error and returns CTL_EXIT_FAIL, or 0. */
int bench_card_open(const struct ctl_cmd *cmd, const char *sim_spec,
                    unsigned depth_log2, struct bench_card *bc);
void bench_card_close(struct bench_card *bc);

/*
 * Keep `inflight` of the given jobs outstanding on the queue pair for
 * `seconds` (each job is resubmitted as it completes, unchanged), then
 * drain.  Counts completions inside the timed window and the window's
 * exact length.  Jobs completing with a status other than OK are counted
 * in *errors.  Returns 0, or -ETIMEDOUT if the card stopped completing.
 * With spin_ns, an empty CQ is polled for up to spin_ns before the thread
 * sleeps on the eventfd; *spins counts the polls that found work so.
 */
struct bench_pipe_result {
	uint64_t completed, errors, waits, spins;
	double seconds;
};
int bench_pipeline(struct tc_qp *qp, struct tc_job *jobs, unsigned n,
                   double seconds, uint64_t spin_ns,
                   struct bench_pipe_result *res);

/*
 * "COUNT[:US]": interrupt coalescing for the bench's queue (the
 * COALESCE register, which may change while the queue runs).  The
 * aead and digest benches default to the driver's adaptive coalescing
 * (TC_QP_COALESCE_ADAPTIVE); the option fixes a value, to show how much
 * of the card path's cost is interrupts.  0 or CTL_EXIT_USAGE.
 */
int bench_parse_coalesce(const struct ctl_cmd *cmd, const char *arg,
                         uint32_t *reg);
void bench_set_coalesce(struct bench_card *bc, uint32_t reg);
/* "irq_coalesce": the COALESCE register as the card reads it back
 * ("COUNT:US"), so a result shows what the card really used. */
void bench_coalesce_json(json_t *res, struct bench_card *bc);

/*
 * Card and CPU measured side by side: `slices` alternating pairs of
 * slices (card, then CPU), seconds/slices each, so whatever else runs on
 * the machine meanwhile weighs on both sides alike.  Each slice function
 * runs for about secs and adds the work it did (bytes, jobs) and the
 * exact time it took to *acc; non-zero stops the run.
 */
struct bench_side {
	double work, seconds;
	double thread_seconds; /* CPU time of the calling thread */
	uint64_t waits;
};
typedef int (*bench_slice_fn)(void *arg, double secs, struct bench_side *acc);
int bench_alternate(double seconds, unsigned slices, bench_slice_fn card,
                    bench_slice_fn cpu, void *arg, struct bench_side *card_acc,
                    struct bench_side *cpu_acc);

/*
 * The card's own counters for the bench's queue (read through its
 * registers, so they show what the card did, not what the driver thinks):
 * interrupts raised, completions posted, and the engines' busy time.
 * Take one before and one after a run; bench_counters_json() reports the
 * difference per completed job, the engines' busy share of the card
 * time, and the CPU time the card's threads (engines and timer: every
 * thread but the caller's) spent per job, which other load on the
 * machine barely moves; so a run shows whether interrupts, idle engines
 * or the model's own work cost it.
 */
struct bench_counters {
	uint32_t irqs, completed;
	uint64_t busy_ns;
	uint64_t card_cpu_ns; /* CPU time of the card's threads, all told */
};
void bench_counters_read(struct bench_card *bc, struct bench_counters *c);
void bench_counters_json(json_t *res, struct bench_card *bc,
                         const struct bench_counters *before,
                         const struct bench_counters *after,
                         double card_seconds);

/*
 * "cpu_time_ratio": libcrypto's CPU time per unit of work (the baseline
 * thread's) over the card threads' CPU time per unit (their CPU time
 * between the counters over card->work).  Unlike the throughput ratio it
 * barely moves with other load on the machine: it says how much CPU the
 * sim card's model spends beyond the crypto itself.
 */
void bench_cpu_time_json(json_t *res, const struct bench_counters *before,
                         const struct bench_counters *after,
                         const struct bench_side *card,
                         const struct bench_side *cpu);

/* Run one job to completion (bounded wait): 0 or -ETIMEDOUT/-EAGAIN. */
int bench_run_one(struct tc_qp *qp, struct tc_job *job);

/* Wait for a queue pair's eventfd up to timeout_us (no busy wait: on one
 * core the card's engines need the CPU). */
void bench_wait(struct tc_qp *qp, unsigned timeout_us);

#endif
