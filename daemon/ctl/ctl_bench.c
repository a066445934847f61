/* SPDX-License-Identifier: MIT */
/*
 * tlscardctl bench <name>: dispatch, and what the benchmarks share (one
 * sim card, a pipelined submit/complete loop, result output).
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_bench.h"

static const struct ctl_cmd *const benches[] = {
    &ctl_bench_null,
    &ctl_bench_aead,
    &ctl_bench_digest,
    &ctl_bench_lb,
};

#define NBENCHES (sizeof(benches) / sizeof(benches[0]))

static void print_bench_help(FILE *out)
{
	fprintf(out, "usage: tlscardctl bench <name> [options] [--json]\n"
	             "\n"
	             "Driver benchmarks on sim cards.  Each measures the card\n"
	             "path and its baseline side by side in one process; run\n"
	             "'tlscardctl bench <name> --help' for its options.\n"
	             "tools/bench_driver.py (make bench-driver) runs them all\n"
	             "pinned with taskset and reports medians.\n"
	             "\n"
	             "benchmarks:\n");
	for (size_t i = 0; i < NBENCHES; i++)
		fprintf(out, "  %-8s %s\n", benches[i]->name + 6,
		        benches[i]->summary);
}

static int bench_run(const struct ctl_cmd *cmd, int argc, char **argv)
{
	if (argc < 2) {
		print_bench_help(stderr);
		return CTL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_bench_help(stdout);
		return CTL_EXIT_OK;
	}
	for (size_t i = 0; i < NBENCHES; i++)
		if (!strcmp(benches[i]->name + 6, argv[1]))
			return benches[i]->run(benches[i], argc - 1, argv + 1);
	if (argv[1][0] == '-')
		return ctl_usage_error(cmd,
		                       "unknown option '%s' (the "
		                       "benchmark name comes first)",
		                       argv[1]);
	return ctl_usage_error(cmd, "unknown benchmark '%s'", argv[1]);
}

const struct ctl_cmd ctl_cmd_bench = {
    .name = "bench",
    .summary = "driver benchmarks: null, aead, digest, lb",
    .usage = "usage: tlscardctl bench <name> [options] [--json]\n",
    .help = print_bench_help,
    .run = bench_run,
};

void bench_emit(json_t *result, bool json)
{
	const char *key;
	json_t *val;

	if (json) {
		json_dumpf(result, stdout,
		           JSON_INDENT(2) | JSON_PRESERVE_ORDER |
		               JSON_REAL_PRECISION(6));
		fputc('\n', stdout);
		return;
	}
	json_object_foreach(result, key, val)
	{
		char *text = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY |
		                                 JSON_REAL_PRECISION(6));

		printf("%-28s %s\n", key, text ? text : "?");
		free(text);
	}
}

int bench_card_open(const struct ctl_cmd *cmd, const char *sim_spec,
                    unsigned depth_log2, struct bench_card *bc)
{
	struct ctl_knobs knobs = {.all = sim_spec};
	char err[256];
	int ret;

	memset(bc, 0, sizeof(*bc));
	ret = ctl_cards_open(&bc->cards, "sim", &knobs, false, NULL, err,
	                     sizeof(err));
	if (ret)
		return ctl_fail(cmd, "%s", err);
	bc->dev = bc->cards.dev[0];
	bc->info = tc_dev_info(bc->dev);
	if (depth_log2 > bc->info->max_ring_log2)
		depth_log2 = bc->info->max_ring_log2;
	ret = tc_qp_create(bc->dev, 0, depth_log2, &bc->qp);
	if (ret) {
		ctl_cards_close(&bc->cards);
		return ctl_fail(cmd, "queue pair: %s", strerror(-ret));
	}
	return 0;
}

void bench_card_close(struct bench_card *bc)
{
	if (bc->qp)
		tc_qp_destroy(bc->qp);
	bc->qp = NULL;
	ctl_cards_close(&bc->cards);
}

void bench_wait(struct tc_qp *qp, unsigned timeout_us)
{
	ctl_qp_wait(qp, timeout_us);
}

/* Completed jobs are pushed here by their done() and resubmitted. */
struct pipe_state {
	struct tc_job **ready;
	unsigned nready;
	bool timing;
	uint64_t completed, errors;
};

static void pipe_job_done(struct tc_job *job)
{
	struct pipe_state *ps = job->user;

	ps->ready[ps->nready++] = job;
	if (ps->timing) {
		ps->completed++;
		if (job->status != TC_STS_OK)
			ps->errors++;
	}
}

/* A spin-wait hint to the core (lets its sibling thread run). */
static inline void bench_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/*
 * NAPI-style: with jobs in flight, keep polling the CQ for up to spin_ns
 * before sleeping on the eventfd.  While the driver polls, completions
 * need no interrupt (the coalescing count or time raises one only now
 * and then), and the card's core does not pay for waking the driver per
 * batch.  Only sensible when the driver has a core of its own: on a core
 * shared with the card's threads the spin takes the engines' time.
 * Measured on the sim card, it does not pay even then: a driver that
 * reaps each completion as it lands resubmits one job per doorbell, and
 * the cache lines of the rings and doorbells then bounce between the
 * cores per job; sleeping until a coalesced interrupt reaps in batches.
 */
static unsigned bench_spin_poll(struct tc_qp *qp, unsigned max,
                                uint64_t spin_ns)
{
	uint64_t until = tc_now_ns() + spin_ns;
	unsigned got, i = 0;

	for (;;) {
		got = tc_qp_poll(qp, max);
		if (got)
			return got;
		bench_cpu_relax();
		/* The clock read costs more than a poll: not every pass. */
		if (!(++i & 31) && tc_now_ns() >= until)
			return 0;
	}
}

int bench_pipeline(struct tc_qp *qp, struct tc_job *jobs, unsigned n,
                   double seconds, uint64_t spin_ns,
                   struct bench_pipe_result *res)
{
	struct pipe_state ps = {0};
	uint64_t start, end, last_progress;
	unsigned outstanding = 0;

	memset(res, 0, sizeof(*res));
	ps.ready = calloc(n, sizeof(*ps.ready));
	if (!ps.ready)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		jobs[i].done = pipe_job_done;
		jobs[i].user = &ps;
		ps.ready[ps.nready++] = &jobs[i];
	}
	ps.timing = true;
	start = last_progress = tc_now_ns();
	end = start + (uint64_t)(seconds * 1e9);
	for (;;) {
		uint64_t now = tc_now_ns();
		unsigned got;

		if (now >= end && ps.timing) {
			ps.timing = false;
			res->seconds = (double)(now - start) / 1e9;
		}
		/* Resubmit what came back, one doorbell for all of it. */
		if (ps.timing && ps.nready) {
			unsigned acc = tc_qp_submit(qp, ps.ready, ps.nready);

			outstanding += acc;
			memmove(ps.ready, ps.ready + acc,
			        (ps.nready - acc) * sizeof(*ps.ready));
			ps.nready -= acc;
			tc_qp_flush(qp);
		}
		if (!ps.timing && !outstanding)
			break;
		got = tc_qp_poll(qp, n);
		outstanding -= got;
		if (got) {
			last_progress = now;
			continue;
		}
		if (spin_ns && outstanding) {
			got = bench_spin_poll(qp, n, spin_ns);
			outstanding -= got;
			if (got) {
				res->spins++;
				last_progress = tc_now_ns();
				continue;
			}
		}
		if (now - last_progress > 5000000000ull) {
			free(ps.ready);
			return -ETIMEDOUT;
		}
		res->waits++;
		bench_wait(qp, 1000);
	}
	res->completed = ps.completed;
	res->errors = ps.errors;
	free(ps.ready);
	return 0;
}

/* A finished job points its user field at itself. */
static void one_done(struct tc_job *job)
{
	job->user = job;
}

int bench_run_one(struct tc_qp *qp, struct tc_job *job)
{
	uint64_t start = tc_now_ns();

	job->done = one_done;
	job->user = NULL;
	if (tc_qp_submit(qp, &job, 1) != 1)
		return -EAGAIN;
	tc_qp_flush(qp);
	while (job->user != job) {
		if (tc_qp_poll(qp, 1))
			continue;
		/* On a timeout the job still belongs to the queue pair: the
		 * caller keeps it alive until the queue pair is destroyed. */
		if (tc_now_ns() - start > 10000000000ull)
			return -ETIMEDOUT;
		bench_wait(qp, 1000);
	}
	return 0;
}

int bench_parse_coalesce(const struct ctl_cmd *cmd, const char *arg,
                         uint32_t *reg)
{
	unsigned count, us = 0;
	char buf[32], *colon;

	snprintf(buf, sizeof(buf), "%s", arg);
	colon = strchr(buf, ':');
	if (colon)
		*colon = '\0';
	if (ctl_parse_unsigned(cmd, "--coalesce", buf, 0,
	                       TC_QP_COALESCE_COUNT_MASK, &count) ||
	    (colon && ctl_parse_unsigned(cmd, "--coalesce", colon + 1, 0,
	                                 TC_QP_COALESCE_TIME_MASK, &us)))
		return CTL_EXIT_USAGE;
	*reg = count << TC_QP_COALESCE_COUNT_SHIFT |
	       us << TC_QP_COALESCE_TIME_SHIFT;
	return 0;
}

void bench_set_coalesce(struct bench_card *bc, uint32_t reg)
{
	/* Through the driver, which otherwise adapts the count itself. */
	tc_qp_set_coalesce(bc->qp, reg);
}

void bench_coalesce_json(json_t *res, struct bench_card *bc)
{
	uint32_t reg = tc_dev_read32(bc->dev, TC_QP_REG(0, TC_QP_COALESCE));
	char buf[32];

	snprintf(buf, sizeof(buf), "%u:%u",
	         (reg >> TC_QP_COALESCE_COUNT_SHIFT) &
	             TC_QP_COALESCE_COUNT_MASK,
	         (reg >> TC_QP_COALESCE_TIME_SHIFT) & TC_QP_COALESCE_TIME_MASK);
	json_object_set_new(res, "irq_coalesce", json_string(buf));
}

int bench_parse_cpu(const struct ctl_cmd *cmd, int opt, const char *arg,
                    struct bench_cpus *cpus)
{
	unsigned v;

	if (ctl_parse_unsigned(cmd,
	                       opt == BENCH_OPT_CPU_DRIVER ? "--cpu-driver"
	                                                   : "--cpu-card",
	                       arg, 0, CPU_SETSIZE - 1, &v))
		return CTL_EXIT_USAGE;
	if (opt == BENCH_OPT_CPU_DRIVER)
		cpus->driver = (int)v;
	else
		cpus->card = (int)v;
	return 0;
}

static int pin_tid(pid_t tid, int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(tid, sizeof(set), &set) ? -errno : 0;
}

int bench_pin(const struct bench_cpus *cpus)
{
	pid_t self = gettid();
	DIR *dir = opendir("/proc/self/task");
	struct dirent *de;
	int ret = 0;

	if (!dir)
		return -errno;
	while (!ret && (de = readdir(dir))) {
		pid_t tid = (pid_t)atoi(de->d_name);

		if (tid > 0)
			ret = pin_tid(tid,
			              tid == self ? cpus->driver : cpus->card);
	}
	closedir(dir);
	return ret;
}

uint64_t bench_spin_ns(const struct bench_cpus *cpus, int poll_us)
{
	(void)cpus;
	return poll_us > 0 ? (uint64_t)poll_us * 1000 : 0;
}

json_t *bench_cpus_json(const struct bench_cpus *cpus)
{
	return json_pack(
	    "{s:o,s:o}", "driver_cpu",
	    cpus->driver >= 0 ? json_integer(cpus->driver) : json_null(),
	    "card_cpu",
	    cpus->card >= 0 ? json_integer(cpus->card) : json_null());
}

static uint64_t bench_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int bench_alternate(double seconds, unsigned slices, bench_slice_fn card,
                    bench_slice_fn cpu, void *arg, struct bench_side *card_acc,
                    struct bench_side *cpu_acc)
{
	double slice = seconds / (slices ? slices : 1);
	int ret = 0;

	memset(card_acc, 0, sizeof(*card_acc));
	memset(cpu_acc, 0, sizeof(*cpu_acc));
	for (unsigned i = 0; !ret && i < (slices ? slices : 1); i++) {
		ret = card(arg, slice, card_acc);
		if (!ret) {
			uint64_t t0 = bench_thread_cpu_ns();

			ret = cpu(arg, slice, cpu_acc);
			cpu_acc->thread_seconds +=
			    (double)(bench_thread_cpu_ns() - t0) / 1e9;
		}
	}
	return ret;
}

static uint64_t bench_read64(struct tc_dev *dev, uint32_t lo)
{
	uint32_t hi, l;

	/* hi, lo, hi again: a carry between the two halves shows. */
	do {
		hi = tc_dev_read32(dev, lo + 4);
		l = tc_dev_read32(dev, lo);
	} while (hi != tc_dev_read32(dev, lo + 4));
	return (uint64_t)hi << 32 | l;
}

/* CPU time of every thread of this process but the caller's: the sim
 * card's engines and timer (/proc/self/task/N/schedstat, first field). */
static uint64_t bench_card_cpu_ns(void)
{
	pid_t self = gettid();
	DIR *dir = opendir("/proc/self/task");
	struct dirent *de;
	uint64_t sum = 0;

	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		pid_t tid = (pid_t)atoi(de->d_name);
		unsigned long long ns;
		char path[64];
		FILE *f;

		if (tid <= 0 || tid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat",
		         tid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += ns;
		fclose(f);
	}
	closedir(dir);
	return sum;
}

void bench_counters_read(struct bench_card *bc, struct bench_counters *c)
{
	c->card_cpu_ns = bench_card_cpu_ns();
	c->irqs = tc_dev_read32(bc->dev, TC_QP_REG(0, TC_QP_STAT_IRQS));
	c->completed =
	    tc_dev_read32(bc->dev, TC_QP_REG(0, TC_QP_STAT_COMPLETED));
	c->busy_ns = 0;
	for (unsigned e = 0; e < bc->info->nengines; e++)
		c->busy_ns += bench_read64(
		    bc->dev, TC_ENG_REG(e, TC_ENG_STAT_BUSY_NS_LO));
}

void bench_counters_json(json_t *res, struct bench_card *bc,
                         const struct bench_counters *before,
                         const struct bench_counters *after,
                         double card_seconds)
{
	/* 32-bit registers: unsigned subtraction survives one wrap. */
	uint32_t jobs = after->completed - before->completed;
	uint32_t irqs = after->irqs - before->irqs;
	double busy = (double)(after->busy_ns - before->busy_ns) / 1e9;
	unsigned ne = bc->info->nengines;

	json_object_set_new(res, "card_engines", json_integer(ne));
	json_object_set_new(res, "card_irqs_per_job",
	                    json_real(jobs ? (double)irqs / jobs : 0));
	json_object_set_new(res, "card_cpu_us_per_job",
	                    json_real(jobs ? (double)(after->card_cpu_ns -
	                                              before->card_cpu_ns) /
	                                         1e3 / jobs
	                                   : 0));
	/* The engines work only in the card's slices, so their busy time
	 * over the card's seconds is their busy share while it ran. */
	json_object_set_new(
	    res, "card_engine_busy_share",
	    json_real(card_seconds > 0 ? busy / (card_seconds * ne) : 0));
}

void bench_cpu_time_json(json_t *res, const struct bench_counters *before,
                         const struct bench_counters *after,
                         const struct bench_side *card,
                         const struct bench_side *cpu)
{
	double card_s =
	    (double)(after->card_cpu_ns - before->card_cpu_ns) / 1e9;
	double ratio = 0;

	if (card_s > 0 && card->work > 0 && cpu->work > 0)
		ratio =
		    (cpu->thread_seconds / cpu->work) / (card_s / card->work);
	json_object_set_new(res, "cpu_time_ratio", json_real(ratio));
}
