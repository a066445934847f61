/* SPDX-License-Identifier: MIT */
/*
 * Selftest: identity registers, capabilities, NOP, and a NOP batch that
 * must cost one doorbell.
 */
#include <string.h>

#include "ctl_kat.h"

static void check_identity(struct kat_card *c)
{
	uint32_t id = tc_dev_read32(c->dev, TC_REG_ID);
	uint32_t ver = tc_dev_read32(c->dev, TC_REG_VERSION);
	uint32_t st = tc_dev_read32(c->dev, TC_REG_STATUS);

	if (id != TC_ID_MAGIC)
		kat_fail(c, "id-register", "ID %08x, expected %08x", id,
		         TC_ID_MAGIC);
	else if (ver >> 16 != TC_VERSION_MAJOR)
		kat_fail(c, "id-register", "ABI major %u, expected %u",
		         ver >> 16, TC_VERSION_MAJOR);
	else if (!(st & TC_STATUS_READY) || (st & TC_STATUS_FATAL))
		kat_fail(c, "id-register", "STATUS %08x: not ready", st);
	else
		kat_pass(c, "id-register");
}

static void check_caps(struct kat_card *c)
{
	const struct tc_dev_info *i = c->info;
	uint32_t all_ops = (1u << TC_OP_COUNT) - 1;
	uint32_t all_algs =
	    TC_CAP_ALG_SHA256 | TC_CAP_ALG_SHA384 | TC_CAP_ALG_SHA512 |
	    TC_CAP_ALG_HMAC | TC_CAP_ALG_AES128GCM | TC_CAP_ALG_AES256GCM |
	    TC_CAP_ALG_CHACHA20POLY1305 | TC_CAP_ALG_RSA | TC_CAP_ALG_RSA_PSS |
	    TC_CAP_ALG_P256 | TC_CAP_ALG_P384 | TC_CAP_ALG_X25519;

	if ((i->cap_ops & all_ops) != all_ops)
		kat_fail(c, "capabilities", "CAP_OPS %08x lacks %08x",
		         i->cap_ops, all_ops & ~i->cap_ops);
	else if ((i->cap_algs & all_algs) != all_algs)
		kat_fail(c, "capabilities", "CAP_ALGS %08x lacks %08x",
		         i->cap_algs, all_algs & ~i->cap_algs);
	else if (i->max_sg < 64 || i->max_records != TC_AEAD_MAX_RECORDS ||
	         i->max_checkpoints != TC_DIGEST_MAX_CP)
		kat_fail(c, "capabilities",
		         "limits sg %u records %u checkpoints %u", i->max_sg,
		         i->max_records, i->max_checkpoints);
	else
		kat_pass(c, "capabilities");
}

static void check_nop(struct kat_card *c)
{
	struct tc_job job = {0};

	tc_job_prep_nop(&job);
	if (!kat_run_ok(c, "nop", &job))
		return;
	if (job.result != 0)
		kat_fail(c, "nop", "result %u, expected 0", job.result);
	else
		kat_pass(c, "nop");
}

/* 64 jobs, one flush: the queue's counters must show exactly one SQ
 * doorbell and 64 completions (method: batching is one card access). */
static void check_nop_batch(struct kat_card *c)
{
	enum { N = 64 };
	struct tc_job jobs[N];
	struct tc_job *ptrs[N];
	struct tc_qp_stats before, after;
	int ret;

	memset(jobs, 0, sizeof(jobs));
	for (unsigned i = 0; i < N; i++) {
		tc_job_prep_nop(&jobs[i]);
		ptrs[i] = &jobs[i];
	}
	if (!c->qp) {
		kat_fail(c, "nop-batch64", "no queue pair");
		return;
	}
	tc_qp_get_stats(c->qp, &before);
	ret = kat_run_jobs(c, ptrs, N);
	if (ret) {
		kat_fail_run(c, "nop-batch64", ret);
		return;
	}
	tc_qp_get_stats(c->qp, &after);
	for (unsigned i = 0; i < N; i++) {
		if (jobs[i].status != TC_STS_OK) {
			kat_fail(c, "nop-batch64", "job %u: %s", i,
			         tc_status_name(jobs[i].status));
			return;
		}
	}
	if (after.doorbells - before.doorbells != 1)
		kat_fail(
		    c, "nop-batch64", "%llu doorbells for one batch",
		    (unsigned long long)(after.doorbells - before.doorbells));
	else if (after.completed - before.completed != N)
		kat_fail(
		    c, "nop-batch64", "%llu completions counted",
		    (unsigned long long)(after.completed - before.completed));
	else
		kat_pass(c, "nop-batch64");
}

void kat_run_basic(struct kat_card *c)
{
	check_identity(c);
	check_caps(c);
	check_nop(c);
	check_nop_batch(c);
}
