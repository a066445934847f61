/* SPDX-License-Identifier: MIT */
/*
 * tlscardctl dmafault: make one card DMA to unmapped IOVAs and check that
 * it is contained.  Each bad job must complete with DMA_FAULT and bump the
 * card's DMA_FAULTS register; afterwards every card of the context must
 * still compute a correct digest.  Through VFIO the IOMMU is what stops the
 * access (the guest or host kernel logs a DMAR fault); on a sim card it is
 * the sim domain's IOVA table.
 *
 * The unmapped IOVA is the guard page the context leaves after every
 * buffer (tc_iova.h), so it is never mapped, whatever else is live.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "ctl.h"
#include "ctl_crypto.h"

#define DMAFAULT_TIMEOUT_MS 10000u
#define DMAFAULT_DATA_LEN   1000u
#define DMAFAULT_QP_LOG2    4u

static const char dmafault_usage[] =
    "usage: tlscardctl dmafault --device SPEC [--card I]\n"
    "\n"
    "Send card I (default 0) digest jobs whose scatter list, data segment\n"
    "or output lie at an IOVA that is not mapped.  Each must complete with\n"
    "DMA_FAULT and count in the card's DMA_FAULTS register; then every\n"
    "card named by SPEC must still compute a correct SHA-256.  Prints\n"
    "'PASS card check' or 'FAIL card check: reason'; the last line is\n"
    "'N passed, M failed'.  Exit status 0 iff nothing failed.\n"
    "\n"
    "options:\n"
    "  -d, --device SPEC  sim, sim:N, vfio:BDF or vfio:all\n"
    "  -c, --card I       the card to fault (index in SPEC's order)\n"
    "  -h, --help         show this help\n";

struct df_card {
	const char *name;
	struct tc_dev *dev;
	struct tc_qp *qp;
	unsigned passed, failed;
};

struct df_bufs {
	struct tc_dma_buf buf; /* data, SG list and output */
	uint8_t *data, *out;
	struct tc_sg_entry *sg;
	uint64_t data_iova, out_iova, sg_iova;
	uint64_t hole; /* the guard page after buf: never mapped */
};

static void df_report(struct df_card *c, bool ok, const char *check,
                      const char *why)
{
	if (ok) {
		c->passed++;
		printf("PASS %s %s\n", c->name, check);
	} else {
		c->failed++;
		printf("FAIL %s %s: %s\n", c->name, check, why);
	}
}

static void df_done(struct tc_job *job)
{
	*(bool *)job->user = true;
}

/* Run one job on the card's queue pair, bounded; 0 or -errno. */
static int df_run(struct df_card *c, struct tc_job *job)
{
	struct tc_job *jobs[1] = {job};
	bool done = false;
	uint64_t deadline;

	job->done = df_done;
	job->user = &done;
	job->status = TC_STS_COUNT;
	if (tc_qp_submit(c->qp, jobs, 1) != 1)
		return -EAGAIN;
	tc_qp_flush(c->qp);
	deadline = tc_now_ns() + (uint64_t)DMAFAULT_TIMEOUT_MS * 1000000u;
	while (!done) {
		if (tc_qp_poll(c->qp, 8))
			continue;
		if (tc_now_ns() > deadline) {
			/* Destroying the queue pair aborts the job. */
			tc_qp_destroy(c->qp);
			c->qp = NULL;
			return -ETIMEDOUT;
		}
		ctl_qp_wait(c->qp, 1000);
	}
	return 0;
}

static int df_bufs_alloc(struct tc_ctx *ctx, struct df_bufs *b)
{
	int ret = tc_dma_alloc(ctx, 4096, &b->buf);

	if (ret)
		return ret;
	b->data = b->buf.va;
	b->data_iova = b->buf.iova;
	b->sg = (struct tc_sg_entry *)((uint8_t *)b->buf.va + 1024);
	b->sg_iova = b->buf.iova + 1024;
	b->out = (uint8_t *)b->buf.va + 2048;
	b->out_iova = b->buf.iova + 2048;
	/* Buffers are whole pages followed by an unmapped guard page. */
	b->hole = b->buf.iova + ((b->buf.len + 4095) & ~(size_t)4095);
	for (unsigned i = 0; i < DMAFAULT_DATA_LEN; i++)
		b->data[i] = (uint8_t)(i * 7 + 1);
	return 0;
}

/* A SHA-256 job over data through the SG list; the caller may point any
 * of the three addresses at the hole. */
static void df_prep(struct tc_job *job, struct df_bufs *b, uint64_t sg_iova,
                    uint64_t seg_iova, uint64_t out_iova)
{
	memset(job, 0, sizeof(*job));
	ctl_sg_fill(b->sg, seg_iova, DMAFAULT_DATA_LEN);
	memset(b->out, 0, 64);
	tc_job_prep_digest(job, TC_HASH_SHA256, sg_iova, 1, NULL, 0, out_iova,
	                   32);
}

static void df_fault_one(struct df_card *c, struct df_bufs *b,
                         const char *check, uint64_t sg, uint64_t seg,
                         uint64_t out)
{
	uint32_t before = tc_dev_read32(c->dev, TC_REG_DMA_FAULTS);
	struct tc_job job;
	char why[160];
	uint32_t after;
	int ret;

	df_prep(&job, b, sg, seg, out);
	ret = c->qp ? df_run(c, &job) : -ENODEV;
	after = tc_dev_read32(c->dev, TC_REG_DMA_FAULTS);
	if (ret) {
		snprintf(why, sizeof(why), "job did not complete: %s",
		         strerror(-ret));
		df_report(c, false, check, why);
	} else if (job.status != TC_STS_DMA_FAULT) {
		snprintf(why, sizeof(why), "status %s, want DMA_FAULT",
		         tc_status_name(job.status));
		df_report(c, false, check, why);
	} else if (after == before) {
		snprintf(why, sizeof(why), "DMA_FAULTS stayed at %u", after);
		df_report(c, false, check, why);
	} else {
		snprintf(why, sizeof(why),
		         "%s (iova %#llx): DMA_FAULT, "
		         "DMA_FAULTS %u -> %u",
		         check, (unsigned long long)b->hole, before, after);
		df_report(c, true, why, NULL);
	}
}

static void df_digest_ok(struct df_card *c, struct df_bufs *b,
                         const char *check)
{
	uint8_t want[32];
	unsigned int wlen = sizeof(want);
	struct tc_job job;
	char why[160];
	int ret;

	df_prep(&job, b, b->sg_iova, b->data_iova, b->out_iova);
	ret = c->qp ? df_run(c, &job) : -ENODEV;
	EVP_Digest(b->data, DMAFAULT_DATA_LEN, want, &wlen, EVP_sha256(), NULL);
	if (ret) {
		snprintf(why, sizeof(why), "job did not complete: %s",
		         strerror(-ret));
		df_report(c, false, check, why);
	} else if (job.status != TC_STS_OK) {
		snprintf(why, sizeof(why), "status %s",
		         tc_status_name(job.status));
		df_report(c, false, check, why);
	} else {
		df_report(c, !memcmp(b->out, want, sizeof(want)), check,
		          "digest differs from libcrypto");
	}
}

static int dmafault_run(const struct ctl_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"device", required_argument, NULL, 'd'},
	    {"card", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct df_card cs[CTL_MAX_CARDS];
	unsigned target = 0, passed = 0, failed = 0;
	const char *device = NULL;
	struct ctl_cards cards;
	struct df_bufs b;
	char err[256];
	int c, ret;

	optind = 0;
	while ((c = ctl_getopt(cmd, argc, argv, "d:c:", longopts)) != -1) {
		switch (c) {
		case 'd': device = optarg; break;
		case 'c':
			if (ctl_parse_unsigned(cmd, "--card", optarg, 0,
			                       CTL_MAX_CARDS - 1, &target))
				return CTL_EXIT_USAGE;
			break;
		case CTL_OPT_HELP: ctl_print_usage(cmd, stdout); return 0;
		default: return CTL_EXIT_USAGE;
		}
	}
	if (ctl_no_positional(cmd, argc, argv))
		return CTL_EXIT_USAGE;
	if (!device)
		return ctl_usage_error(cmd, "--device is required");

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret =
	    ctl_cards_open(&cards, device, NULL, false, NULL, err, sizeof(err));
	if (ret == -EINVAL)
		return ctl_usage_error(cmd, "%s", err);
	if (ret) {
		ctl_fail(cmd, "%s", err);
		printf("0 passed, 1 failed\n");
		return CTL_EXIT_FAIL;
	}
	if (target >= cards.n) {
		ctl_cards_close(&cards);
		return ctl_usage_error(cmd, "--card %u: only %u card(s)",
		                       target, cards.n);
	}
	memset(cs, 0, sizeof(cs));
	ret = df_bufs_alloc(cards.ctx, &b);
	for (unsigned i = 0; i < cards.n; i++) {
		cs[i].name = cards.label[i];
		cs[i].dev = cards.dev[i];
		if (!ret &&
		    tc_qp_create(cs[i].dev, 0, DMAFAULT_QP_LOG2, &cs[i].qp))
			cs[i].qp = NULL;
	}
	if (ret) {
		ctl_fail(cmd, "DMA buffer: %s", strerror(-ret));
		failed++;
	} else {
		struct df_card *t = &cs[target];

		df_fault_one(t, &b, "dma-fault sg-list-read", b.hole,
		             b.data_iova, b.out_iova);
		df_fault_one(t, &b, "dma-fault data-read", b.sg_iova, b.hole,
		             b.out_iova);
		df_fault_one(t, &b, "dma-fault output-write", b.sg_iova,
		             b.data_iova, b.hole);
		/* Contained: the faulting card and every other one go on. */
		for (unsigned i = 0; i < cards.n; i++)
			df_digest_ok(&cs[i], &b,
			             i == target ? "digest-after-fault"
			                         : "digest-other-card");
	}
	for (unsigned i = 0; i < cards.n; i++) {
		if (cs[i].qp)
			tc_qp_destroy(cs[i].qp);
		passed += cs[i].passed;
		failed += cs[i].failed;
	}
	if (!ret)
		tc_dma_free(cards.ctx, &b.buf);
	ctl_cards_close(&cards);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_dmafault = {
    .name = "dmafault",
    .summary = "check that a DMA to an unmapped IOVA is contained",
    .usage = dmafault_usage,
    .run = dmafault_run,
};
