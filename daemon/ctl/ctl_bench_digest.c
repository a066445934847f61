/* SPDX-License-Identifier: MIT */
/*
 * bench digest: method M1's one-shot transcript digest.  Each job hashes a
 * scatter list of S segments totalling T bytes (a TLS handshake transcript:
 * 8 messages, 4 KB) with SHA-256, J jobs in flight on one sim card; the
 * baseline hashes the same segments with libcrypto EVP (init, S updates,
 * final) in this process.  Both run for the same time, in alternating
 * slices so that other load on the machine weighs on both alike; the
 * result is both rates and their ratio.  Every job has its own data, list
 * and output, and the card's digests are checked against libcrypto before
 * timing.
 */
#include <errno.h>
#include <string.h>

#include "ctl_bench.h"
#include "ctl_crypto.h"

static const char digest_usage[] =
    "usage: tlscardctl bench digest [--segments S] [--bytes T]\n"
    "                               [--inflight J] [--seconds X]\n"
    "                               [--slices K] [--coalesce N[:US]]\n"
    "                               [--sim-spec KNOBS] [--cpu-driver C]\n"
    "                               [--cpu-card C] [--poll-us N] [--json]\n"
    "\n"
    "SHA-256 one-shot over an S-segment scatter list of T bytes in all\n"
    "(default 8 segments, 4096 bytes), J jobs in flight on one sim card,\n"
    "against libcrypto over the same segments, X seconds each in K\n"
    "alternating card/CPU slices.  Reports jobs/s and MB/s for both and\n"
    "card/CPU.\n"
    "\n"
    "options:\n"
    "  -s, --segments S       segments per list (1..256, default 8)\n"
    "  -b, --bytes T          bytes per list (default 4096)\n"
    "  -j, --inflight J       jobs in flight (1..1024, default 64)\n"
    "  -t, --seconds X        seconds per side (default 1)\n"
    "  -S, --slices K         alternating slices (default 10)\n"
    "  -c, --coalesce N[:US]  interrupt coalescing, N completions or US\n"
    "                         microseconds (default: adaptive, see\n"
    "                         tc_qp_set_coalesce)\n"
    "      --sim-spec KNOBS   sim card knobs\n"
    "      --cpu-driver C     pin the driver thread to CPU C\n"
    "      --cpu-card C       pin the sim card's threads to CPU C\n"
    "      --poll-us N        poll the CQ N us before sleeping (default 0)\n"
    "      --json             one JSON object\n"
    "  -h, --help             show this help\n";

struct digest_setup {
	unsigned nseg, bytes, inflight;
	struct tc_qp *qp;
	uint64_t spin_ns; /* CQ polling before a sleep */
	struct tc_dma_buf mem;
	struct tc_job *jobs;
	uint8_t **data; /* per job: its transcript bytes */
	uint8_t **out;  /* per job: its digest */
};

static uint32_t seg_len(const struct digest_setup *s, unsigned i)
{
	return (uint32_t)((size_t)s->bytes * (i + 1) / s->nseg -
	                  (size_t)s->bytes * i / s->nseg);
}

static int build_jobs(struct bench_card *bc, struct digest_setup *s)
{
	size_t sg_bytes = s->nseg * sizeof(struct tc_sg_entry);
	size_t per_job =
	    ((s->bytes + 63) & ~63u) + ((sg_bytes + 63) & ~63u) + 64;
	uint64_t rng = 42;
	uint8_t *p;

	if (tc_dma_alloc(bc->cards.ctx, per_job * s->inflight, &s->mem))
		return -1;
	s->jobs = calloc(s->inflight, sizeof(*s->jobs));
	s->data = calloc(s->inflight, sizeof(*s->data));
	s->out = calloc(s->inflight, sizeof(*s->out));
	if (!s->jobs || !s->data || !s->out)
		return -1;
	p = s->mem.va;
	for (unsigned j = 0; j < s->inflight; j++) {
		size_t base = per_job * j;
		size_t sg_off = base + ((s->bytes + 63) & ~63u);
		size_t out_off = sg_off + ((sg_bytes + 63) & ~63u);
		struct tc_sg_entry *sg = (void *)(p + sg_off);
		size_t off = 0;

		s->data[j] = p + base;
		s->out[j] = p + out_off;
		ctl_rand_fill(&rng, p + base, s->bytes);
		for (unsigned i = 0; i < s->nseg; i++) {
			ctl_sg_fill(&sg[i], s->mem.iova + base + off,
			            seg_len(s, i));
			off += seg_len(s, i);
		}
		tc_job_prep_digest(&s->jobs[j], TC_HASH_SHA256,
		                   s->mem.iova + sg_off, s->nseg, NULL, 0,
		                   s->mem.iova + out_off, 32);
	}
	return 0;
}

/* libcrypto over job j's segments, as the baseline does it. */
static void cpu_digest(const struct digest_setup *s, EVP_MD_CTX *ctx,
                       unsigned j, uint8_t *md)
{
	size_t off = 0;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (unsigned i = 0; i < s->nseg; i++) {
		EVP_DigestUpdate(ctx, s->data[j] + off, seg_len(s, i));
		off += seg_len(s, i);
	}
	EVP_DigestFinal_ex(ctx, md, NULL);
}

/* A slice of the baseline: every job's segments through EVP. */
static int cpu_slice(void *arg, double seconds, struct bench_side *acc)
{
	const struct digest_setup *s = arg;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t md[32];
	uint64_t start, jobs = 0;
	double secs;

	if (!ctx)
		return -ENOMEM;
	start = tc_now_ns();
	do {
		for (unsigned j = 0; j < s->inflight; j++)
			cpu_digest(s, ctx, j, md);
		jobs += s->inflight;
		secs = ctl_seconds_since(start);
	} while (secs < seconds);
	EVP_MD_CTX_free(ctx);
	acc->work += (double)jobs;
	acc->seconds += secs;
	return 0;
}

/* A slice of the card: keep every job in flight for `seconds`. */
static int card_slice(void *arg, double seconds, struct bench_side *acc)
{
	struct digest_setup *s = arg;
	struct bench_pipe_result r;
	int ret = bench_pipeline(s->qp, s->jobs, s->inflight, seconds,
	                         s->spin_ns, &r);

	if (ret)
		return ret;
	if (r.errors)
		return -EIO;
	acc->work += (double)r.completed;
	acc->seconds += r.seconds;
	acc->waits += r.waits;
	return 0;
}

static int verify(const struct digest_setup *s)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t md[32];
	int bad = !ctx;

	for (unsigned j = 0; !bad && j < s->inflight; j++) {
		cpu_digest(s, ctx, j, md);
		bad = memcmp(md, s->out[j], 32) != 0;
	}
	EVP_MD_CTX_free(ctx);
	return bad ? -1 : 0;
}

static int digest_run(const struct ctl_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"segments", required_argument, NULL, 's'},
	    {"bytes", required_argument, NULL, 'b'},
	    {"inflight", required_argument, NULL, 'j'},
	    {"seconds", required_argument, NULL, 't'},
	    {"slices", required_argument, NULL, 'S'},
	    {"coalesce", required_argument, NULL, 'c'},
	    {"sim-spec", required_argument, NULL, BENCH_OPT_SIM_SPEC},
	    {"cpu-driver", required_argument, NULL, BENCH_OPT_CPU_DRIVER},
	    {"cpu-card", required_argument, NULL, BENCH_OPT_CPU_CARD},
	    {"poll-us", required_argument, NULL, BENCH_OPT_POLL_US},
	    {"json", no_argument, NULL, BENCH_OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct digest_setup s = {.nseg = 8, .bytes = 4096, .inflight = 64};
	struct bench_pipe_result warm;
	struct bench_side card, cpu_side;
	unsigned slices = 10;
	double seconds = 1.0, card_rate, cpu;
	const char *spec = NULL;
	unsigned depth_log2 = 1;
	struct bench_cpus cpus = {-1, -1};
	struct bench_card bc;
	struct bench_counters cnt0, cnt1;
	unsigned poll_us = 0;
	bool poll_set = false;
	bool json = false, have_coalesce = false;
	uint32_t coalesce = 0;
	json_t *res;
	int c, ret = CTL_EXIT_FAIL;

	optind = 0;
	while ((c = ctl_getopt(cmd, argc, argv, "s:b:j:t:S:c:", longopts)) !=
	       -1) {
		switch (c) {
		case 's':
			if (ctl_parse_unsigned(cmd, "--segments", optarg, 1,
			                       256, &s.nseg))
				return CTL_EXIT_USAGE;
			break;
		case 'b':
			if (ctl_parse_unsigned(cmd, "--bytes", optarg, 1,
			                       1u << 24, &s.bytes))
				return CTL_EXIT_USAGE;
			break;
		case 'j':
			if (ctl_parse_unsigned(cmd, "--inflight", optarg, 1,
			                       1024, &s.inflight))
				return CTL_EXIT_USAGE;
			break;
		case 't':
			if (ctl_parse_double(cmd, "--seconds", optarg, 0.01,
			                     600, &seconds))
				return CTL_EXIT_USAGE;
			break;
		case 'c':
			if (bench_parse_coalesce(cmd, optarg, &coalesce))
				return CTL_EXIT_USAGE;
			have_coalesce = true;
			break;
		case 'S':
			if (ctl_parse_unsigned(cmd, "--slices", optarg, 1, 1000,
			                       &slices))
				return CTL_EXIT_USAGE;
			break;
		case BENCH_OPT_SIM_SPEC: spec = optarg; break;
		case BENCH_OPT_CPU_DRIVER:
		case BENCH_OPT_CPU_CARD:
			if (bench_parse_cpu(cmd, c, optarg, &cpus))
				return CTL_EXIT_USAGE;
			break;
		case BENCH_OPT_POLL_US:
			if (ctl_parse_unsigned(cmd, "--poll-us", optarg, 0,
			                       100000, &poll_us))
				return CTL_EXIT_USAGE;
			poll_set = true;
			break;
		case BENCH_OPT_JSON: json = true; break;
		case CTL_OPT_HELP: ctl_print_usage(cmd, stdout); return 0;
		default: return CTL_EXIT_USAGE;
		}
	}
	if (ctl_no_positional(cmd, argc, argv))
		return CTL_EXIT_USAGE;
	if (s.bytes < s.nseg)
		return ctl_usage_error(cmd, "--bytes must be at least "
		                            "--segments");
	while ((1u << depth_log2) < s.inflight)
		depth_log2++;
	if (bench_card_open(cmd, spec, depth_log2, &bc))
		return CTL_EXIT_FAIL;
	/* Default: the driver's adaptive coalescing (bench_set_coalesce). */
	bench_set_coalesce(&bc,
	                   have_coalesce ? coalesce : TC_QP_COALESCE_ADAPTIVE);
	s.spin_ns = bench_spin_ns(&cpus, poll_set ? (int)poll_us : -1);
	if (bench_pin(&cpus)) {
		ctl_fail(cmd, "cannot pin threads: %s", strerror(errno));
		goto out;
	}
	if (build_jobs(&bc, &s)) {
		ctl_fail(cmd, "setup failed (DMA memory)");
		goto out;
	}
	if (bench_pipeline(bc.qp, s.jobs, s.inflight, 0.05, s.spin_ns, &warm) ||
	    warm.errors || verify(&s)) {
		ctl_fail(cmd, "the card's digests are wrong or missing");
		goto out;
	}
	s.qp = bc.qp;
	bench_counters_read(&bc, &cnt0);
	if (bench_alternate(seconds, slices, card_slice, cpu_slice, &s, &card,
	                    &cpu_side)) {
		ctl_fail(cmd, "the card failed during the run");
		goto out;
	}
	bench_counters_read(&bc, &cnt1);
	card_rate = card.work / card.seconds;
	cpu = cpu_side.work / cpu_side.seconds;

	res = json_object();
	json_object_set_new(res, "bench", json_string("digest"));
	json_object_set_new(res, "hash", json_string("sha256"));
	json_object_set_new(res, "segments", json_integer(s.nseg));
	json_object_set_new(res, "bytes", json_integer(s.bytes));
	json_object_set_new(res, "jobs_in_flight", json_integer(s.inflight));
	json_object_set_new(res, "card_jobs_per_sec", json_real(card_rate));
	json_object_set_new(res, "cpu_jobs_per_sec", json_real(cpu));
	json_object_set_new(res, "card_MBps",
	                    json_real(card_rate * s.bytes / 1e6));
	json_object_set_new(res, "cpu_MBps", json_real(cpu * s.bytes / 1e6));
	json_object_set_new(res, "ratio",
	                    json_real(cpu > 0 ? card_rate / cpu : 0));
	json_object_set_new(res, "slices", json_integer(slices));
	json_object_set_new(res, "card_waits",
	                    json_integer((json_int_t)card.waits));
	bench_coalesce_json(res, &bc);
	bench_counters_json(res, &bc, &cnt0, &cnt1, card.seconds);
	bench_cpu_time_json(res, &cnt0, &cnt1, &card, &cpu_side);
	json_object_set_new(res, "poll_us",
	                    json_integer((json_int_t)(s.spin_ns / 1000)));
	json_object_set_new(res, "cpus", bench_cpus_json(&cpus));
	json_object_set_new(res, "verified", json_true());
	bench_emit(res, json);
	json_decref(res);
	ret = CTL_EXIT_OK;
out:
	if (s.mem.va)
		tc_dma_free(bc.cards.ctx, &s.mem);
	free(s.jobs);
	free(s.data);
	free(s.out);
	bench_card_close(&bc);
	return ret;
}

const struct ctl_cmd ctl_bench_digest = {
    .name = "bench digest",
    .summary = "SHA-256 over an 8-segment 4 KB list: sim card vs libcrypto",
    .usage = digest_usage,
    .run = digest_run,
};
