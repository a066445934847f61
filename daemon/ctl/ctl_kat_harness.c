/* SPDX-License-Identifier: MIT */
/*
 * The selftest harness: reporting, a per-card DMA arena, and running jobs
 * on the card's own queue pair with a bounded wait.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "ctl.h"
#include "ctl_kat.h"

/* Ring size of the selftest's queue pair: the largest batch is 64 jobs. */
#define KAT_QP_DEPTH_LOG2 8u

void kat_pass(struct kat_card *c, const char *op)
{
	c->passed++;
	printf("PASS %s %s\n", c->name, op);
}

void kat_fail(struct kat_card *c, const char *op, const char *fmt, ...)
{
	va_list ap;

	c->failed++;
	printf("FAIL %s %s: ", c->name, op);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void kat_note(struct kat_card *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->verbose)
		return;
	printf("  %s: ", c->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void *kat_dma(struct kat_card *c, size_t len, uint64_t *iova)
{
	size_t off = (c->arena_used + 63) & ~(size_t)63;
	uint8_t *p;

	if (!c->arena.va || len > c->arena.len || off > c->arena.len - len)
		return NULL;
	p = (uint8_t *)c->arena.va + off;
	memset(p, 0, len);
	c->arena_used = off + len;
	if (iova)
		*iova = c->arena.iova + off;
	return p;
}

void *kat_dma_copy(struct kat_card *c, const void *src, size_t len,
                   uint64_t *iova)
{
	void *p = kat_dma(c, len, iova);

	if (p && len)
		memcpy(p, src, len);
	return p;
}

void kat_reset_arena(struct kat_card *c)
{
	c->arena_used = 0;
}

static void kat_job_done(struct tc_job *job)
{
	unsigned *pending = job->user;

	(*pending)--;
}

/* A hung card: tear the queue pair down (aborting its jobs through their
 * callbacks, while the waiting frame is still alive) and build a new one so
 * the remaining checks can run and report. */
static void kat_recover_qp(struct kat_card *c)
{
	int ret;

	tc_qp_destroy(c->qp);
	c->qp = NULL;
	ret = tc_qp_create(c->dev, 0, KAT_QP_DEPTH_LOG2, &c->qp);
	if (ret) {
		c->qp = NULL;
		kat_note(c, "queue pair re-create failed: %s", strerror(-ret));
	}
}

int kat_run_jobs(struct kat_card *c, struct tc_job **jobs, unsigned n)
{
	unsigned pending, accepted;
	uint64_t deadline;

	if (!c->qp || c->timeouts >= KAT_MAX_TIMEOUTS)
		return -ENODEV;
	for (unsigned i = 0; i < n; i++) {
		jobs[i]->done = kat_job_done;
		jobs[i]->user = &pending;
		jobs[i]->status = TC_STS_COUNT; /* no status yet */
	}
	accepted = tc_qp_submit(c->qp, jobs, n);
	pending = accepted;
	/* one doorbell for the whole batch */
	if (accepted)
		tc_qp_flush(c->qp);
	deadline = tc_now_ns() + (uint64_t)c->timeout_ms * 1000000u;
	while (pending) {
		if (tc_qp_poll(c->qp, 64))
			continue;
		if (tc_now_ns() > deadline) {
			c->timeouts++;
			kat_recover_qp(c);
			return -ETIMEDOUT;
		}
		ctl_qp_wait(c->qp, 1000);
	}
	return accepted == n ? 0 : -EAGAIN;
}

int kat_run(struct kat_card *c, struct tc_job *job)
{
	return kat_run_jobs(c, &job, 1);
}

void kat_fail_run(struct kat_card *c, const char *op, int ret)
{
	if (ret == -ETIMEDOUT)
		kat_fail(c, op, "no completion within %u ms", c->timeout_ms);
	else if (ret == -ENODEV && c->timeouts >= KAT_MAX_TIMEOUTS)
		kat_fail(c, op, "not run: the card stopped completing jobs");
	else
		kat_fail(c, op, "submit failed: %s", strerror(-ret));
}

static bool run_reported(struct kat_card *c, const char *op, struct tc_job *job)
{
	int ret = kat_run(c, job);

	if (ret)
		kat_fail_run(c, op, ret);
	return ret == 0;
}

bool kat_expect(struct kat_card *c, const char *op, struct tc_job *job,
                uint16_t want)
{
	if (!run_reported(c, op, job))
		return false;
	if (job->status != want) {
		kat_fail(c, op, "status %s, expected %s",
		         tc_status_name(job->status), tc_status_name(want));
		return false;
	}
	kat_pass(c, op);
	return true;
}

bool kat_run_ok(struct kat_card *c, const char *op, struct tc_job *job)
{
	if (!run_reported(c, op, job))
		return false;
	if (job->status != TC_STS_OK) {
		kat_fail(c, op, "status %s", tc_status_name(job->status));
		return false;
	}
	return true;
}

bool kat_load_key(struct kat_card *c, const char *op, uint32_t slot,
                  uint8_t key_type, const void *key, size_t len)
{
	struct tc_job job = {0};
	uint64_t iova;

	if (!kat_dma_copy(c, key, len, &iova)) {
		kat_fail(c, op, "DMA arena exhausted");
		return false;
	}
	ctl_prep_key_load(&job, slot, key_type, iova, (uint32_t)len);
	return kat_run_ok(c, op, &job);
}

bool kat_check_bytes(struct kat_card *c, const char *op, const void *got,
                     const void *want, size_t len)
{
	const uint8_t *g = got, *w = want;

	for (size_t i = 0; i < len; i++) {
		if (g[i] != w[i]) {
			kat_fail(c, op,
			         "byte %zu of %zu is %02x, expected %02x", i,
			         len, g[i], w[i]);
			return false;
		}
	}
	kat_pass(c, op);
	return true;
}

int kat_card_setup(struct kat_card *c, struct tc_ctx *ctx, struct tc_dev *dev,
                   const char *name, bool verbose, unsigned timeout_ms)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->name = name;
	c->ctx = ctx;
	c->dev = dev;
	c->verbose = verbose;
	c->timeout_ms = timeout_ms;
	c->info = tc_dev_info(dev);
	c->rng = 0x7c01u;
	ret = tc_dma_alloc(ctx, KAT_ARENA_SIZE, &c->arena);
	if (ret) {
		memset(&c->arena, 0, sizeof(c->arena));
		return ret;
	}
	ret = tc_qp_create(dev, 0, KAT_QP_DEPTH_LOG2, &c->qp);
	if (ret)
		c->qp = NULL;
	return ret;
}

void kat_card_teardown(struct kat_card *c)
{
	if (c->qp) {
		/* The card's count of MSI-X it raised for the queue, and
		 * whether waits slept on its eventfd (else they polled). */
		kat_note(c, "interrupts: %u raised, eventfd %s",
		         tc_dev_read32(c->dev, TC_QP_REG(0, TC_QP_STAT_IRQS)),
		         tc_qp_eventfd(c->qp) >= 0 ? "yes" : "none");
		tc_qp_destroy(c->qp);
	}
	c->qp = NULL;
	if (c->arena.va)
		tc_dma_free(c->ctx, &c->arena);
}
