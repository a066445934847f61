/* SPDX-License-Identifier: MIT */
/*
 * bench aead: AES-128-GCM encryption of 16 KB records (method M3) through
 * one sim card, in batches of R records per AEAD_BATCH job with J jobs in
 * flight, against the same records encrypted directly with libcrypto EVP
 * in this process (key schedule once, a fresh nonce per record: what a
 * CPU TLS stack does).  Both run for the same time, in alternating
 * slices so that other load on the machine weighs on both alike; the
 * result is both throughputs and their ratio.  The card's output is
 * checked against libcrypto before timing starts.
 */
#include <errno.h>
#include <string.h>

#include "ctl_bench.h"
#include "ctl_crypto.h"

#define AEAD_AAD_LEN 13u /* TLS 1.2 record header + sequence number */
#define AEAD_SLOT    1u

static const char aead_usage[] =
    "usage: tlscardctl bench aead [--record-size N] [--batch R]\n"
    "                             [--inflight J] [--seconds S] [--slices K]\n"
    "                             [--coalesce N[:US]] [--sim-spec KNOBS]\n"
    "                             [--cpu-driver C] [--cpu-card C]\n"
    "                             [--poll-us N] [--json]\n"
    "\n"
    "AES-128-GCM encryption of N-byte records through one sim card (R per\n"
    "job, J jobs in flight) against libcrypto EVP in the same process, S\n"
    "seconds each, in K alternating card/CPU slices.  Reports both\n"
    "throughputs and card/CPU.\n"
    "\n"
    "options:\n"
    "  -r, --record-size N    record bytes (default 16384)\n"
    "  -b, --batch R          records per job (1..64, default 16)\n"
    "  -j, --inflight J       jobs in flight (1..64, default 4)\n"
    "  -t, --seconds S        seconds per side (default 1)\n"
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

struct aead_setup {
	unsigned rec_size, batch, inflight;
	struct tc_qp *qp;
	uint64_t spin_ns; /* CQ polling before a sleep */
	uint8_t key[16];
	struct tc_dma_buf mem;
	uint8_t *plain;      /* rec_size bytes, shared input */
	struct tc_job *jobs; /* inflight */
	uint8_t **outs;      /* per job: batch * (rec_size + 16) */
};

/* Nonce of record i of job j: distinct per record, like TLS's. */
static void record_nonce(unsigned j, unsigned i, uint8_t *nonce)
{
	memset(nonce, 0, TC_AEAD_NONCE_LEN);
	memcpy(nonce, &j, sizeof(j));
	memcpy(nonce + 4, &i, sizeof(i));
}

static int build_jobs(struct bench_card *bc, struct aead_setup *s)
{
	size_t per_job =
	    (size_t)s->batch * (sizeof(struct tc_aead_record) + 2 +
	                        s->rec_size + TC_AEAD_TAG_LEN + 64);
	size_t total = s->rec_size + (size_t)s->inflight * per_job + 4096;
	uint8_t aad[AEAD_AAD_LEN] = {0x17, 0x03, 0x03};
	uint8_t *p;
	uint64_t base;

	if (tc_dma_alloc(bc->cards.ctx, total, &s->mem))
		return -1;
	s->jobs = calloc(s->inflight, sizeof(*s->jobs));
	s->outs = calloc(s->inflight, sizeof(*s->outs));
	if (!s->jobs || !s->outs)
		return -1;
	p = s->mem.va;
	base = s->mem.iova;
	s->plain = p;
	for (unsigned i = 0; i < s->rec_size; i++)
		p[i] = (uint8_t)(i * 7);
	for (unsigned j = 0; j < s->inflight; j++) {
		size_t off = s->rec_size + (size_t)j * per_job;
		struct tc_aead_record *recs = (void *)(p + off);
		size_t st_off = off + s->batch * sizeof(*recs);
		size_t out_off = (st_off + 2 * s->batch + 63) & ~(size_t)63;

		s->outs[j] = p + out_off;
		for (unsigned i = 0; i < s->batch; i++) {
			uint8_t nonce[TC_AEAD_NONCE_LEN];
			size_t o = out_off +
			           (size_t)i * (s->rec_size + TC_AEAD_TAG_LEN);
			struct ctl_aead_rec_args a = {
			    .slot = AEAD_SLOT,
			    .dir = TC_AEAD_DIR_ENCRYPT,
			    .nonce = nonce,
			    .aad = aad,
			    .aad_len = AEAD_AAD_LEN,
			    .in = base,
			    .out = base + o,
			    .tag = base + o + s->rec_size,
			    .len = s->rec_size,
			};

			record_nonce(j, i, nonce);
			ctl_aead_record_fill(&recs[i], &a);
		}
		tc_job_prep_aead(&s->jobs[j], base + off, s->batch,
		                 base + st_off);
	}
	return 0;
}

/* One job's worth, checked record by record against libcrypto. */
static int verify_job(const struct aead_setup *s, unsigned j)
{
	uint8_t aad[AEAD_AAD_LEN] = {0x17, 0x03, 0x03};
	uint8_t *want = malloc(s->rec_size), tag[TC_AEAD_TAG_LEN];
	int bad = want ? 0 : 1;

	for (unsigned i = 0; !bad && i < s->batch; i++) {
		const uint8_t *got =
		    s->outs[j] + (size_t)i * (s->rec_size + TC_AEAD_TAG_LEN);
		uint8_t nonce[TC_AEAD_NONCE_LEN];

		record_nonce(j, i, nonce);
		bad = ctl_ref_aead(TC_KEY_AES128GCM, s->key, 1, nonce, aad,
		                   AEAD_AAD_LEN, s->plain, s->rec_size, want,
		                   tag) ||
		      memcmp(got, want, s->rec_size) ||
		      memcmp(got + s->rec_size, tag, TC_AEAD_TAG_LEN);
	}
	free(want);
	return bad ? -1 : 0;
}

/* A slice of the baseline: the same records with EVP, key schedule done
 * once (what a CPU TLS stack does), written to the same output buffers
 * the card writes, so both sides touch the same memory. */
static int cpu_slice(void *arg, double seconds, struct bench_side *acc)
{
	const struct aead_setup *s = arg;
	uint8_t aad[AEAD_AAD_LEN] = {0x17, 0x03, 0x03};
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint64_t start, records = 0;
	double secs;
	int outl;

	if (!ctx ||
	    !EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, s->key, NULL)) {
		EVP_CIPHER_CTX_free(ctx);
		return -ENOMEM;
	}
	start = tc_now_ns();
	do {
		for (unsigned j = 0; j < s->inflight; j++) {
			for (unsigned i = 0; i < s->batch; i++) {
				uint8_t nonce[TC_AEAD_NONCE_LEN];
				uint8_t *out =
				    s->outs[j] +
				    (size_t)i * (s->rec_size + TC_AEAD_TAG_LEN);

				record_nonce(j, i, nonce);
				EVP_EncryptInit_ex(ctx, NULL, NULL, NULL,
				                   nonce);
				EVP_EncryptUpdate(ctx, NULL, &outl, aad,
				                  AEAD_AAD_LEN);
				EVP_EncryptUpdate(ctx, out, &outl, s->plain,
				                  (int)s->rec_size);
				EVP_EncryptFinal_ex(ctx, out + outl, &outl);
				EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
				                    TC_AEAD_TAG_LEN,
				                    out + s->rec_size);
			}
		}
		records += (uint64_t)s->inflight * s->batch;
		secs = ctl_seconds_since(start);
	} while (secs < seconds);
	EVP_CIPHER_CTX_free(ctx);
	acc->work += (double)records * s->rec_size;
	acc->seconds += secs;
	return 0;
}

/* A slice of the card: keep the jobs in flight for `seconds`. */
static int card_slice(void *arg, double seconds, struct bench_side *acc)
{
	struct aead_setup *s = arg;
	struct bench_pipe_result r;
	int ret = bench_pipeline(s->qp, s->jobs, s->inflight, seconds,
	                         s->spin_ns, &r);

	if (ret)
		return ret;
	if (r.errors)
		return -EIO;
	acc->work += (double)r.completed * s->batch * s->rec_size;
	acc->seconds += r.seconds;
	acc->waits += r.waits;
	return 0;
}

static int load_key(struct bench_card *bc, struct aead_setup *s)
{
	static struct tc_job job; /* outlives a timeout: see bench_run_one */
	struct tc_dma_buf kbuf;
	int ret;

	for (unsigned i = 0; i < sizeof(s->key); i++)
		s->key[i] = (uint8_t)(0xa0 + i);
	if (tc_dma_alloc(bc->cards.ctx, 4096, &kbuf))
		return -1;
	memcpy(kbuf.va, s->key, sizeof(s->key));
	ctl_prep_key_load(&job, AEAD_SLOT, TC_KEY_AES128GCM, kbuf.iova,
	                  sizeof(s->key));
	ret = bench_run_one(bc->qp, &job);
	tc_dma_free(bc->cards.ctx, &kbuf);
	return ret || job.status != TC_STS_OK ? -1 : 0;
}

static int aead_run(const struct ctl_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"record-size", required_argument, NULL, 'r'},
	    {"batch", required_argument, NULL, 'b'},
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
	struct aead_setup s = {.rec_size = 16384, .batch = 16, .inflight = 4};
	struct bench_pipe_result warm;
	struct bench_side card, cpu;
	unsigned slices = 10;
	double seconds = 1.0, card_bps, cpu_bps;
	const char *spec = NULL;
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
	while ((c = ctl_getopt(cmd, argc, argv, "r:b:j:t:S:c:", longopts)) !=
	       -1) {
		switch (c) {
		case 'r':
			if (ctl_parse_unsigned(cmd, "--record-size", optarg, 1,
			                       65536, &s.rec_size))
				return CTL_EXIT_USAGE;
			break;
		case 'b':
			if (ctl_parse_unsigned(cmd, "--batch", optarg, 1,
			                       TC_AEAD_MAX_RECORDS, &s.batch))
				return CTL_EXIT_USAGE;
			break;
		case 'j':
			if (ctl_parse_unsigned(cmd, "--inflight", optarg, 1, 64,
			                       &s.inflight))
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
	if (bench_card_open(cmd, spec, 7, &bc))
		return CTL_EXIT_FAIL;
	/* Default: the driver's adaptive coalescing (bench_set_coalesce). */
	bench_set_coalesce(&bc,
	                   have_coalesce ? coalesce : TC_QP_COALESCE_ADAPTIVE);
	s.spin_ns = bench_spin_ns(&cpus, poll_set ? (int)poll_us : -1);
	if (bench_pin(&cpus)) {
		ctl_fail(cmd, "cannot pin threads: %s", strerror(errno));
		goto out;
	}
	if (s.rec_size > bc.info->max_input) {
		ctl_fail(cmd, "record size %u exceeds the card's %u",
		         s.rec_size, bc.info->max_input);
		goto out;
	}
	if (load_key(&bc, &s) || build_jobs(&bc, &s)) {
		ctl_fail(cmd, "setup failed (key load or DMA memory)");
		goto out;
	}
	/* Warm-up pass, which also proves the output right. */
	if (bench_pipeline(bc.qp, s.jobs, s.inflight, 0.05, s.spin_ns, &warm) ||
	    warm.errors) {
		ctl_fail(cmd, "the card failed the warm-up jobs");
		goto out;
	}
	for (unsigned j = 0; j < s.inflight; j++) {
		if (verify_job(&s, j)) {
			ctl_fail(cmd, "card output differs from libcrypto");
			goto out;
		}
	}
	s.qp = bc.qp;
	bench_counters_read(&bc, &cnt0);
	if (bench_alternate(seconds, slices, card_slice, cpu_slice, &s, &card,
	                    &cpu)) {
		ctl_fail(cmd, "the card failed during the run");
		goto out;
	}
	bench_counters_read(&bc, &cnt1);
	card_bps = card.work / card.seconds;
	cpu_bps = cpu.work / cpu.seconds;

	res = json_object();
	json_object_set_new(res, "bench", json_string("aead"));
	json_object_set_new(res, "algorithm", json_string("aes-128-gcm"));
	json_object_set_new(res, "record_bytes", json_integer(s.rec_size));
	json_object_set_new(res, "records_per_job", json_integer(s.batch));
	json_object_set_new(res, "jobs_in_flight", json_integer(s.inflight));
	json_object_set_new(res, "card_MBps", json_real(card_bps / 1e6));
	json_object_set_new(res, "cpu_MBps", json_real(cpu_bps / 1e6));
	json_object_set_new(res, "ratio",
	                    json_real(cpu_bps > 0 ? card_bps / cpu_bps : 0));
	json_object_set_new(res, "slices", json_integer(slices));
	json_object_set_new(res, "card_waits",
	                    json_integer((json_int_t)card.waits));
	bench_coalesce_json(res, &bc);
	bench_counters_json(res, &bc, &cnt0, &cnt1, card.seconds);
	bench_cpu_time_json(res, &cnt0, &cnt1, &card, &cpu);
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
	free(s.outs);
	bench_card_close(&bc);
	return ret;
}

const struct ctl_cmd ctl_bench_aead = {
    .name = "bench aead",
    .summary = "AES-128-GCM 16 KB records: one sim card vs libcrypto",
    .usage = aead_usage,
    .run = aead_run,
};
