/* SPDX-License-Identifier: MIT */
/*
 * Cards: open by spec through the backend table, identify and enable,
 * register access, and reset with queue-pair teardown and recovery.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tc_driver_internal.h"

/* Bound on every wait for the card (reset, enable): see card-spec.md. */
#define TC_DEV_WAIT_NS 1000000000ull

/* Backends by spec prefix. */
static const struct tc_backend_ops *const tc_backends[] = {
    &tc_sim_backend,
    &tc_vfio_backend,
};

static const struct tc_backend_ops *tc_backend_find(const char *spec,
                                                    const char **arg)
{
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	size_t i;

	for (i = 0; i < sizeof(tc_backends) / sizeof(tc_backends[0]); i++) {
		const char *name = tc_backends[i]->name;

		if (strlen(name) == n && !strncmp(spec, name, n)) {
			*arg = colon ? colon + 1 : "";
			return tc_backends[i];
		}
	}
	return NULL;
}

uint32_t tc_dev_read32(struct tc_dev *dev, uint32_t off)
{
	return dev->ops->read32(dev, off);
}

void tc_dev_write32(struct tc_dev *dev, uint32_t off, uint32_t val)
{
	dev->ops->write32(dev, off, val);
}

uint64_t tc_dev_read64(struct tc_dev *dev, uint32_t off)
{
	uint32_t hi, lo, hi2;
	int tries = 4;

	/* Re-read when the low half carried into the high half meanwhile. */
	do {
		hi = tc_dev_read32(dev, off + 4);
		lo = tc_dev_read32(dev, off);
		hi2 = tc_dev_read32(dev, off + 4);
	} while (hi != hi2 && --tries);
	return (uint64_t)hi2 << 32 | lo;
}

const struct tc_dev_info *tc_dev_info(const struct tc_dev *dev)
{
	return &dev->info;
}

static void tc_dev_pause(unsigned *spins)
{
	struct timespec ts = {0, 0};

	/* Spin briefly (the model usually finishes at once), then sleep. */
	if (++*spins < 64)
		return;
	ts.tv_nsec = *spins < 256 ? 10000 : 200000;
	nanosleep(&ts, NULL);
}

int tc_dev_hw_reset(struct tc_dev *dev)
{
	uint32_t before = tc_dev_read32(dev, TC_REG_RESET_COUNT);
	uint64_t deadline = tc_now_ns() + TC_DEV_WAIT_NS;
	unsigned spins = 0;
	int ret;

	if (dev->ops->reset) {
		ret = dev->ops->reset(dev);
		if (ret)
			return ret;
	} else {
		tc_dev_write32(dev, TC_REG_CTRL, TC_CTRL_RESET);
	}
	/* Done when the count moved and RESETTING is clear. */
	for (;;) {
		uint32_t st = tc_dev_read32(dev, TC_REG_STATUS);
		uint32_t cnt = tc_dev_read32(dev, TC_REG_RESET_COUNT);

		if (!(st & TC_STATUS_RESETTING) && cnt != before)
			return 0;
		if (tc_now_ns() > deadline)
			break;
		tc_dev_pause(&spins);
	}
	fprintf(stderr, "tlscard: %s: reset did not finish in 1 s\n",
	        dev->info.name);
	return -ETIMEDOUT;
}

int tc_dev_enable(struct tc_dev *dev)
{
	uint64_t deadline = tc_now_ns() + TC_DEV_WAIT_NS;
	unsigned spins = 0;
	uint32_t st;

	tc_dev_write32(dev, TC_REG_CTRL, TC_CTRL_ENABLE);
	for (;;) {
		st = tc_dev_read32(dev, TC_REG_STATUS);
		if (st & TC_STATUS_READY)
			return 0;
		if (tc_now_ns() > deadline)
			break;
		tc_dev_pause(&spins);
	}
	fprintf(stderr, "tlscard: %s: not READY after enable (status %#x)\n",
	        dev->info.name, st);
	return -EIO;
}

static void tc_dev_read_caps(struct tc_dev *dev)
{
	struct tc_dev_info *in = &dev->info;
	uint32_t q = tc_dev_read32(dev, TC_REG_CAP_QUEUES);
	uint32_t lim = tc_dev_read32(dev, TC_REG_CAP_LIMITS);
	uint32_t slots = tc_dev_read32(dev, TC_REG_CAP_SLOTS);

	in->cap_ops = tc_dev_read32(dev, TC_REG_CAP_OPS);
	in->cap_algs = tc_dev_read32(dev, TC_REG_CAP_ALGS);
	in->cap_features = tc_dev_read32(dev, TC_REG_CAP_FEATURES);
	in->nqueues = (q >> TC_CAP_QUEUES_NQ_SHIFT) & TC_CAP_QUEUES_NQ_MASK;
	in->max_ring_log2 =
	    (q >> TC_CAP_QUEUES_MAXLOG2_SHIFT) & TC_CAP_QUEUES_MAXLOG2_MASK;
	in->nengines =
	    (q >> TC_CAP_QUEUES_ENGINES_SHIFT) & TC_CAP_QUEUES_ENGINES_MASK;
	/* Never trust the card beyond what the ABI allows. */
	if (in->nqueues > TC_MAX_QUEUES)
		in->nqueues = TC_MAX_QUEUES;
	in->max_sg =
	    (lim >> TC_CAP_LIMITS_MAX_SG_SHIFT) & TC_CAP_LIMITS_MAX_SG_MASK;
	in->max_records =
	    (lim >> TC_CAP_LIMITS_MAX_REC_SHIFT) & TC_CAP_LIMITS_MAX_REC_MASK;
	in->max_checkpoints =
	    (lim >> TC_CAP_LIMITS_MAX_CP_SHIFT) & TC_CAP_LIMITS_MAX_CP_MASK;
	in->key_slots =
	    (slots >> TC_CAP_SLOTS_KEYS_SHIFT) & TC_CAP_SLOTS_KEYS_MASK;
	in->blob_slots =
	    (slots >> TC_CAP_SLOTS_BLOBS_SHIFT) & TC_CAP_SLOTS_BLOBS_MASK;
	in->max_input = tc_dev_read32(dev, TC_REG_CAP_MAX_INPUT);
	in->blob_bytes = tc_dev_read32(dev, TC_REG_CAP_BLOB_BYTES);
}

/* The programming sequence of card-spec.md "Initialisation and reset". */
static int tc_dev_init(struct tc_dev *dev)
{
	uint32_t id = tc_dev_read32(dev, TC_REG_ID);
	uint32_t ver = tc_dev_read32(dev, TC_REG_VERSION);
	int ret;

	if (id != TC_ID_MAGIC || (ver >> 16) != TC_VERSION_MAJOR) {
		fprintf(
		    stderr,
		    "tlscard: %s: not a tlscard v%u (ID %#x, VERSION %#x)\n",
		    dev->info.name, TC_VERSION_MAJOR, id, ver);
		return -ENODEV;
	}
	dev->info.version = ver;
	ret = tc_dev_hw_reset(dev);
	if (ret)
		return ret;
	tc_dev_read_caps(dev);
	ret = tc_dev_enable(dev);
	if (ret)
		return ret;
	dev->reset_count = tc_dev_read32(dev, TC_REG_RESET_COUNT);
	return 0;
}

int tc_dev_open(struct tc_ctx *ctx, const char *spec,
                const struct tc_dev_opts *opts, struct tc_dev **out)
{
	const struct tc_backend_ops *be;
	const char *arg = "";
	struct tc_dev *dev;
	int ret;

	*out = NULL;
	if (!ctx || !spec)
		return -EINVAL;
	be = tc_backend_find(spec, &arg);
	if (!be) {
		fprintf(stderr, "tlscard: unknown card spec \"%s\"\n", spec);
		return -EINVAL;
	}
	/* One IOVA domain per context: sim and vfio cards cannot mix. */
	if (ctx->dom && ctx->dom_backend != be) {
		fprintf(
		    stderr,
		    "tlscard: cannot open a %s card in a context of %s cards\n",
		    be->name, ctx->dom_backend->name);
		return -EINVAL;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->ctx = ctx;
	dev->ops = be;
	dev->info.backend = be->name;
	ret = be->open(dev, arg, opts);
	if (ret)
		goto fail_open;
	ret = tc_dev_init(dev);
	if (ret)
		goto fail_init;
	ctx->ncards++;
	*out = dev;
	return 0;

fail_init:
	be->close(dev);
fail_open:
	if (!ctx->ncards)
		tc_ctx_detach_domain(ctx);
	free(dev);
	return ret;
}

void tc_dev_close(struct tc_dev *dev)
{
	struct tc_ctx *ctx;
	unsigned q;

	if (!dev)
		return;
	ctx = dev->ctx;
	for (q = 0; q < TC_MAX_QUEUES; q++)
		if (dev->qps[q])
			tc_qp_destroy(dev->qps[q]);
	tc_dev_write32(dev, TC_REG_CTRL, 0);
	dev->ops->close(dev);
	if (!--ctx->ncards)
		tc_ctx_detach_domain(ctx);
	free(dev);
}

int tc_dev_err_eventfd(struct tc_dev *dev)
{
	if (!dev->ops->irq_eventfd)
		return -1;
	return dev->ops->irq_eventfd(dev, TC_MAX_QUEUES);
}

bool tc_dev_needs_recovery(struct tc_dev *dev)
{
	uint32_t st = tc_dev_read32(dev, TC_REG_STATUS);
	unsigned q;

	if (dev->broken)
		return true;
	if (tc_dev_read32(dev, TC_REG_RESET_COUNT) != dev->reset_count)
		return true;
	if ((st & TC_STATUS_FATAL) || !(st & TC_STATUS_READY))
		return true;
	for (q = 0; q < TC_MAX_QUEUES; q++) {
		struct tc_qp *qp = dev->qps[q];

		if (qp && qp->ready &&
		    !(tc_dev_read32(dev, TC_QP_REG(q, TC_QP_STATUS)) &
		      TC_QP_STATUS_ENABLED))
			return true;
	}
	return false;
}

bool tc_dev_check(struct tc_dev *dev)
{
	if (dev->in_reset)
		return false;
	dev->reset_suspect = false;
	if (!tc_dev_needs_recovery(dev))
		return false;
	/* Rate-limited: a card that resets itself every few jobs (fault
	 * injection, a failing card) must not flood the log. */
	if (++dev->recoveries <= 10 || dev->recoveries % 1000 == 0)
		fprintf(stderr,
		        "tlscard: %s: card reset or failed; recovering "
		        "(%" PRIu64 " so far)\n",
		        dev->info.name, dev->recoveries);
	tc_dev_reset(dev);
	return true;
}

/*
 * Reset with queue teardown.  Order matters for exactly-once completion:
 * the queues stop taking work, the card resets (posting ABORTED_RESET for
 * what it held), we reap those through the normal validated path, then
 * complete whatever is still in flight ourselves.  Only then are the rings
 * zeroed and re-programmed, so no stale entry can ever be seen again.
 */
int tc_dev_reset(struct tc_dev *dev)
{
	unsigned q;
	int ret;

	if (dev->in_reset)
		return -EBUSY;
	dev->in_reset = true;
	for (q = 0; q < TC_MAX_QUEUES; q++)
		if (dev->qps[q])
			dev->qps[q]->ready = false;

	ret = tc_dev_hw_reset(dev);

	for (q = 0; q < TC_MAX_QUEUES; q++) {
		if (!dev->qps[q])
			continue;
		tc_qp_reap(dev->qps[q]);
		tc_qp_abort_all(dev->qps[q], TC_STS_ABORTED_RESET);
	}
	if (!ret)
		ret = tc_dev_enable(dev);
	for (q = 0; q < TC_MAX_QUEUES && !ret; q++) {
		if (!dev->qps[q])
			continue;
		tc_qp_rings_clear(dev->qps[q]);
		ret = tc_qp_program(dev->qps[q]);
	}
	dev->reset_count = tc_dev_read32(dev, TC_REG_RESET_COUNT);
	dev->reset_gen++;
	dev->reset_suspect = false;
	dev->broken = ret != 0;
	dev->in_reset = false;
	if (ret)
		fprintf(stderr, "tlscard: %s: reset failed (%d)\n",
		        dev->info.name, ret);
	return ret;
}
