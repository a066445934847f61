/* SPDX-License-Identifier: MIT */
/*
 * The sim backend end to end (tc_sim.c, tc_dev.c, tc_qp.c with the real
 * card model): open and identify, spec errors, one IOVA space shared by
 * the cards of a context, NOP and digest jobs, one doorbell per flush as
 * the card counts it, the interrupt eventfd, DMA faults at guard pages,
 * and resets (ours, and the card's own) that complete each job once.
 * Runs under TSan: the model's engines are real threads.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "tc_driver_internal.h"

#define NJOBS 256

struct fixture {
	struct tc_ctx *ctx;
	struct tc_dev *dev;
	struct tc_qp *qp;
	struct tc_job jobs[NJOBS];
	unsigned done_count[NJOBS];
	unsigned done_total;
};

static struct fixture *cur;

static void job_done(struct tc_job *job)
{
	cur->done_count[job - cur->jobs]++;
	cur->done_total++;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	unsigned i;

	assert_non_null(f);
	cur = f;
	assert_int_equal(tc_ctx_create(&f->ctx), 0);
	assert_int_equal(tc_dev_open(f->ctx, "sim", NULL, &f->dev), 0);
	assert_int_equal(tc_qp_create(f->dev, 0, 3, &f->qp), 0);
	for (i = 0; i < NJOBS; i++) {
		tc_job_prep_nop(&f->jobs[i]);
		f->jobs[i].done = job_done;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tc_dev_close(f->dev); /* destroys the queue pair too */
	tc_ctx_destroy(f->ctx);
	free(f);
	return 0;
}

/* Poll until want jobs are done or 5 s pass. */
static void poll_until(struct fixture *f, struct tc_qp *qp, unsigned want)
{
	uint64_t deadline = tc_now_ns() + 5000000000ull;

	while (f->done_total < want && tc_now_ns() < deadline) {
		if (!tc_qp_poll(qp, 64))
			usleep(50);
	}
	assert_int_equal(f->done_total, want);
}

static void test_open_identify(void **state)
{
	struct fixture *f = *state;
	const struct tc_dev_info *in = tc_dev_info(f->dev);
	struct tc_dev *dev2;

	assert_string_equal(in->name, "sim0");
	assert_string_equal(in->backend, "sim");
	assert_int_equal(in->version >> 16, TC_VERSION_MAJOR);
	assert_int_equal(in->nqueues, 4);
	assert_int_equal(in->nengines, 2);
	assert_int_equal(in->max_ring_log2, 12);
	assert_int_equal(in->key_slots, 4096);
	assert_int_equal(in->max_checkpoints, TC_DIGEST_MAX_CP);
	assert_true(in->cap_ops & (1u << TC_OP_DIGEST));
	assert_true(in->cap_features & TC_CAP_F_FAULT_INJECT);
	assert_true(tc_dev_read32(f->dev, TC_REG_STATUS) & TC_STATUS_READY);
	assert_int_equal(tc_dev_read32(f->dev, TC_REG_ID), TC_ID_MAGIC);
	/* A second card is "sim1", with its own config. */
	assert_int_equal(
	    tc_dev_open(f->ctx, "sim:engines=3",
	                &(struct tc_dev_opts){.sim_spec = "queues=2"}, &dev2),
	    0);
	assert_string_equal(tc_dev_info(dev2)->name, "sim1");
	assert_int_equal(tc_dev_info(dev2)->nengines, 3);
	assert_int_equal(tc_dev_info(dev2)->nqueues, 2);
	tc_dev_close(dev2);
	/* The device clock runs. */
	assert_true(tc_dev_read64(f->dev, TC_REG_TIME_NS_LO) > 0);
}

static void test_open_errors(void **state)
{
	struct fixture *f = *state;
	struct tc_dev *dev;

	assert_int_equal(
	    tc_dev_open(f->ctx, "sim",
	                &(struct tc_dev_opts){.sim_spec = "engines=2,bogus=1"},
	                &dev),
	    -EINVAL);
	assert_null(dev);
	assert_int_equal(tc_dev_open(f->ctx, "sim:engines=99", NULL, &dev),
	                 -EINVAL);
	assert_int_equal(tc_dev_open(f->ctx, "nosuch:0", NULL, &dev), -EINVAL);
	assert_int_equal(tc_dev_open(f->ctx, "simulator", NULL, &dev), -EINVAL);
}

/* A context holds one domain: a card of another backend cannot join. */
static void test_backends_do_not_mix(void **state)
{
	static const struct tc_backend_ops other = {.name = "other"};
	struct tc_ctx *ctx;
	struct tc_sim_domain *d;
	struct tc_dev *dev;

	(void)state;
	assert_int_equal(tc_ctx_create(&ctx), 0);
	assert_int_equal(tc_sim_domain_create(&d), 0);
	assert_int_equal(tc_ctx_attach_domain(ctx, &other, &tc_sim_domain_ops,
	                                      d, NULL, NULL),
	                 0);
	assert_int_equal(tc_dev_open(ctx, "sim", NULL, &dev), -EINVAL);
	tc_ctx_detach_domain(ctx);
	tc_sim_domain_destroy(d);
	/* With the domain gone, sim cards are welcome again. */
	assert_int_equal(tc_dev_open(ctx, "sim", NULL, &dev), 0);
	tc_dev_close(dev);
	assert_null(ctx->dom);
	tc_ctx_destroy(ctx);
}

static void test_nop_batches_one_doorbell(void **state)
{
	struct fixture *f = *state;
	struct tc_job *batch[8];
	unsigned round, i;

	for (round = 0; round < 50; round++) {
		for (i = 0; i < 8; i++)
			batch[i] = &f->jobs[i];
		assert_int_equal(tc_qp_submit(f->qp, batch, 8), 8);
		assert_int_equal(tc_qp_submit(f->qp, batch, 1), 0); /* full */
		tc_qp_flush(f->qp);
		poll_until(f, f->qp, (round + 1) * 8);
	}
	for (i = 0; i < 8; i++)
		assert_int_equal(f->done_count[i], 50);
	/* The card counted exactly one doorbell per flush. */
	assert_int_equal(
	    tc_dev_read32(f->dev, TC_QP_REG(0, TC_QP_STAT_DOORBELLS)), 50);
	assert_int_equal(
	    tc_dev_read32(f->dev, TC_QP_REG(0, TC_QP_STAT_COMPLETED)), 400);
	assert_int_equal(f->qp->st.doorbells, 50);
	assert_int_equal(f->qp->st.bad_completions, 0);
	assert_int_equal(f->jobs[0].status, TC_STS_OK);
	/* The card accepted every doorbell, CQ-head ones included: a head
	 * written right after an entry became visible is never refused. */
	assert_int_equal(tc_dev_read32(f->dev, TC_REG_BAD_DOORBELLS), 0);
}

static void test_eventfd_after_completion(void **state)
{
	struct fixture *f = *state;
	struct tc_job *jp = &f->jobs[0];
	struct pollfd pfd = {.fd = tc_qp_eventfd(f->qp), .events = POLLIN};
	struct tc_qp_stats st;

	assert_true(pfd.fd >= 0);
	tc_qp_drain_eventfd(f->qp);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	assert_int_equal(tc_qp_submit(f->qp, &jp, 1), 1);
	tc_qp_flush(f->qp);
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_true(tc_qp_drain_eventfd(f->qp));
	assert_false(tc_qp_drain_eventfd(f->qp)); /* rearmed */
	poll_until(f, f->qp, 1);
	tc_qp_get_stats(f->qp, &st);
	assert_int_equal(st.irqs, 1);
	assert_int_equal(st.inflight, 0);
}

/* One IOVA space: a digest built once runs unchanged on either card. */
static void test_digest_shared_iova(void **state)
{
	struct fixture *f = *state;
	static const char msg1[] = "abc", msg2[] = "defgh";
	unsigned char want[SHA256_DIGEST_LENGTH * 2], both[8];
	struct tc_dma_buf data, sgl, out;
	struct tc_sg_entry *sg;
	struct tc_dev *dev2;
	struct tc_qp *qp2;
	struct tc_job *jp = &f->jobs[0];
	const uint16_t cp[2] = {1, 2};

	assert_int_equal(tc_dma_alloc(f->ctx, 64, &data), 0);
	assert_int_equal(tc_dma_alloc(f->ctx, 2 * sizeof(*sg), &sgl), 0);
	assert_int_equal(tc_dma_alloc(f->ctx, 64, &out), 0);
	memcpy(data.va, msg1, 3);
	memcpy((char *)data.va + 16, msg2, 5);
	sg = sgl.va;
	sg[0] =
	    (struct tc_sg_entry){.addr = htole64(data.iova), .len = htole32(3)};
	sg[1] = (struct tc_sg_entry){.addr = htole64(data.iova + 16),
	                             .len = htole32(5)};
	SHA256((const unsigned char *)msg1, 3, want);
	memcpy(both, msg1, 3);
	memcpy(both + 3, msg2, 5);
	SHA256(both, 8, want + 32);

	tc_job_prep_digest(jp, TC_HASH_SHA256, sgl.iova, 2, cp, 2, out.iova,
	                   64);
	assert_int_equal(tc_qp_submit(f->qp, &jp, 1), 1);
	tc_qp_flush(f->qp);
	poll_until(f, f->qp, 1);
	assert_int_equal(jp->status, TC_STS_OK);
	assert_int_equal(jp->result, 64);
	assert_memory_equal(out.va, want, 64);

	/* Same job, same IOVAs, another card. */
	memset(out.va, 0, 64);
	assert_int_equal(tc_dev_open(f->ctx, "sim", NULL, &dev2), 0);
	assert_int_equal(tc_qp_create(dev2, 1, 2, &qp2), 0);
	assert_int_equal(tc_qp_submit(qp2, &jp, 1), 1);
	tc_qp_flush(qp2);
	poll_until(f, qp2, 2);
	assert_int_equal(jp->status, TC_STS_OK);
	assert_memory_equal(out.va, want, 64);
	tc_dev_close(dev2);

	/* An SG entry that runs into the guard page is a DMA fault. */
	sg[1].len = htole32(4096 - 16 + 1);
	assert_int_equal(tc_qp_submit(f->qp, &jp, 1), 1);
	tc_qp_flush(f->qp);
	poll_until(f, f->qp, 3);
	assert_int_equal(jp->status, TC_STS_DMA_FAULT);
	assert_true(tc_dev_read32(f->dev, TC_REG_DMA_FAULTS) >= 1);
	tc_dma_free(f->ctx, &data);
	tc_dma_free(f->ctx, &sgl);
	tc_dma_free(f->ctx, &out);
}

/* Many wraps of an 8-entry ring with the real card. */
static void test_many_wraps(void **state)
{
	struct fixture *f = *state;
	uint64_t deadline = tc_now_ns() + 10000000000ull;
	unsigned next = 0, i;

	while (f->done_total < 4000 && tc_now_ns() < deadline) {
		struct tc_job *batch[8];
		unsigned n = 0;

		while (n < 8 && next + n < 4000 && n < tc_qp_space(f->qp)) {
			batch[n] = &f->jobs[(next + n) % NJOBS];
			n++;
		}
		n = tc_qp_submit(f->qp, batch, n);
		next += n;
		tc_qp_flush(f->qp);
		tc_qp_poll(f->qp, 64);
	}
	assert_int_equal(f->done_total, 4000);
	for (i = 0; i < NJOBS; i++)
		assert_int_equal(f->done_count[i],
		                 4000 / NJOBS + (i < 4000 % NJOBS));
	assert_int_equal(f->qp->st.bad_completions, 0);
}

/* Our reset with jobs stuck on a stalled card: each aborted once. */
static void test_reset_stalled(void **state)
{
	struct fixture *f = *state;
	struct tc_job *batch[8];
	unsigned i;

	tc_dev_write32(f->dev, TC_REG_FI_CTRL, TC_FI_CTRL_STALL);
	for (i = 0; i < 8; i++)
		batch[i] = &f->jobs[i];
	assert_int_equal(tc_qp_submit(f->qp, batch, 8), 8);
	tc_qp_flush(f->qp);
	usleep(20000);
	assert_int_equal(tc_qp_poll(f->qp, 64), 0);
	/* FI settings survive the reset: the card stays stalled. */
	assert_int_equal(tc_dev_reset(f->dev), 0);
	assert_int_equal(f->done_total, 8);
	for (i = 0; i < 8; i++) {
		assert_int_equal(f->done_count[i], 1);
		assert_int_equal(f->jobs[i].status, TC_STS_ABORTED_RESET);
	}
	assert_int_equal(f->qp->st.bad_completions, 0);
	tc_dev_write32(f->dev, TC_REG_FI_CTRL, 0);
	assert_int_equal(tc_qp_submit(f->qp, batch, 8), 8);
	tc_qp_flush(f->qp);
	poll_until(f, f->qp, 16);
	for (i = 0; i < 8; i++)
		assert_int_equal(f->jobs[i].status, TC_STS_OK);
}

/* The card resets itself (FI RESET_NOW): poll notices and recovers. */
static void test_card_reset_recovered(void **state)
{
	struct fixture *f = *state;
	struct tc_job *batch[8];
	uint64_t gen = f->dev->reset_gen;
	unsigned i;

	tc_dev_write32(f->dev, TC_REG_FI_CTRL, TC_FI_CTRL_STALL);
	for (i = 0; i < 8; i++)
		batch[i] = &f->jobs[i];
	assert_int_equal(tc_qp_submit(f->qp, batch, 8), 8);
	tc_qp_flush(f->qp);
	tc_dev_write32(f->dev, TC_REG_FI_CTRL,
	               TC_FI_CTRL_STALL | TC_FI_CTRL_RESET_NOW);
	tc_dev_write32(f->dev, TC_REG_FI_CTRL, 0);
	poll_until(f, f->qp, 8);
	for (i = 0; i < 8; i++) {
		assert_int_equal(f->done_count[i], 1);
		assert_int_equal(f->jobs[i].status, TC_STS_ABORTED_RESET);
	}
	assert_int_equal(f->dev->reset_gen, gen + 1);
	assert_true(f->qp->ready);
	assert_int_equal(tc_qp_submit(f->qp, batch, 8), 8);
	tc_qp_flush(f->qp);
	poll_until(f, f->qp, 16);
	for (i = 0; i < 8; i++)
		assert_int_equal(f->jobs[i].status, TC_STS_OK);
	assert_int_equal(f->qp->st.bad_completions, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_open_identify, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
	    cmocka_unit_test(test_backends_do_not_mix),
	    cmocka_unit_test_setup_teardown(test_nop_batches_one_doorbell,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_eventfd_after_completion,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_digest_shared_iova, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_many_wraps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reset_stalled, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_card_reset_recovered, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
