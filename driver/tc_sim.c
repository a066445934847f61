/* SPDX-License-Identifier: MIT */
/*
 * The sim backend: the card model running in-process.  BAR0 accesses are
 * calls into the model, MSI-X vectors are eventfds, and the context's sim
 * domain (tc_sim_domain.c) is the IOMMU every DMA goes through.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tc_driver_internal.h"
#include "tc_model.h"

struct tc_sim {
	struct tc_model *model;
	struct tc_model_bus bus;
	struct tc_sim_domain *dom;
	int efd[TC_MSIX_VECTORS];
	char name[32];
};

static int tc_sim_bus_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
	struct tc_sim *sim = opaque;

	return tc_sim_domain_read(sim->dom, addr, buf, len);
}

static int tc_sim_bus_write(void *opaque, uint64_t addr, const void *buf,
                            size_t len)
{
	struct tc_sim *sim = opaque;

	return tc_sim_domain_write(sim->dom, addr, buf, len);
}

/* Zero copy: the model works on the host buffer directly. */
static void *tc_sim_bus_map(void *opaque, uint64_t addr, size_t len,
                            bool is_write)
{
	struct tc_sim *sim = opaque;

	(void)is_write;
	return tc_sim_domain_map(sim->dom, addr, len);
}

static void tc_sim_bus_unmap(void *opaque, void *ptr, size_t len, bool is_write)
{
	struct tc_sim *sim = opaque;

	(void)ptr;
	(void)len;
	tc_sim_domain_unmap(sim->dom, is_write);
}

/* MSI-X: count into the vector's eventfd.  Never blocks: a saturated
 * counter is still readable, which is all the host needs. */
static void tc_sim_bus_irq(void *opaque, unsigned vector)
{
	struct tc_sim *sim = opaque;
	uint64_t one = 1;
	ssize_t n;

	if (vector >= TC_MSIX_VECTORS || sim->efd[vector] < 0)
		return;
	n = write(sim->efd[vector], &one, sizeof(one));
	(void)n;
}

static void tc_sim_bus_log(void *opaque, const char *msg)
{
	(void)opaque;
	/* The model's lines already name the card. */
	fprintf(stderr, "tlscard: %s\n", msg);
}

static void tc_sim_domain_release(struct tc_ctx *ctx)
{
	tc_sim_domain_destroy(ctx->dom_priv);
}

/* Attach the context's sim domain on the first sim card. */
static int tc_sim_get_domain(struct tc_ctx *ctx, struct tc_sim_domain **out)
{
	struct tc_sim_domain *d;
	int ret;

	if (ctx->dom) {
		*out = ctx->dom_priv;
		return 0;
	}
	ret = tc_sim_domain_create(&d);
	if (ret)
		return ret;
	ret = tc_ctx_attach_domain(ctx, &tc_sim_backend, &tc_sim_domain_ops, d,
	                           tc_sim_domain_release, tc_sim_domain_seq(d));
	if (ret) {
		tc_sim_domain_destroy(d);
		return ret;
	}
	*out = d;
	return 0;
}

static int tc_sim_config(struct tc_model_config *cfg, const char *spec)
{
	char err[160] = "";

	if (!spec || !*spec)
		return 0;
	if (tc_model_config_parse(cfg, spec, err, sizeof(err))) {
		fprintf(stderr, "tlscard: sim: bad spec \"%s\": %s\n", spec,
		        err);
		return -EINVAL;
	}
	return 0;
}

static void tc_sim_free(struct tc_sim *sim)
{
	unsigned v;

	for (v = 0; v < TC_MSIX_VECTORS; v++)
		if (sim->efd[v] >= 0)
			close(sim->efd[v]);
	free(sim);
}

static int tc_sim_open(struct tc_dev *dev, const char *arg,
                       const struct tc_dev_opts *opts)
{
	struct tc_model_config cfg;
	struct tc_sim *sim;
	unsigned v;
	int ret;

	if (opts && opts->sim)
		cfg = *opts->sim;
	else
		tc_model_config_default(&cfg);
	/* "sim:key=value,..." then opts->sim_spec, later wins. */
	if (tc_sim_config(&cfg, arg) ||
	    tc_sim_config(&cfg, opts ? opts->sim_spec : NULL))
		return -EINVAL;

	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return -ENOMEM;
	for (v = 0; v < TC_MSIX_VECTORS; v++)
		sim->efd[v] = -1;
	for (v = 0; v < TC_MSIX_VECTORS; v++) {
		sim->efd[v] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (sim->efd[v] < 0) {
			ret = -errno;
			goto fail;
		}
	}
	snprintf(sim->name, sizeof(sim->name), "sim%u", dev->ctx->sim_next);
	cfg.name = sim->name;
	ret = tc_sim_get_domain(dev->ctx, &sim->dom);
	if (ret)
		goto fail;
	sim->bus = (struct tc_model_bus){
	    .opaque = sim,
	    .dma_read = tc_sim_bus_read,
	    .dma_write = tc_sim_bus_write,
	    .dma_map = tc_sim_bus_map,
	    .dma_unmap = tc_sim_bus_unmap,
	    .irq = tc_sim_bus_irq,
	    .log = tc_sim_bus_log,
	};
	ret = tc_model_create(&cfg, &sim->bus, &sim->model);
	if (ret) {
		fprintf(stderr, "tlscard: %s: model rejected config (%d)\n",
		        sim->name, ret);
		goto fail;
	}
	dev->ctx->sim_next++;
	snprintf(dev->info.name, sizeof(dev->info.name), "%s", sim->name);
	dev->priv = sim;
	return 0;
fail:
	/* The domain stays attached; tc_dev_open drops it if unused. */
	tc_sim_free(sim);
	return ret;
}

static void tc_sim_close(struct tc_dev *dev)
{
	struct tc_sim *sim = dev->priv;

	/* Joins the engines: no bus callback runs after this. */
	tc_model_destroy(sim->model);
	tc_sim_free(sim);
	dev->priv = NULL;
}

static uint32_t tc_sim_read32(struct tc_dev *dev, uint32_t off)
{
	struct tc_sim *sim = dev->priv;

	return (uint32_t)tc_model_mmio_read(sim->model, off, 4);
}

static void tc_sim_write32(struct tc_dev *dev, uint32_t off, uint32_t val)
{
	struct tc_sim *sim = dev->priv;

	tc_model_mmio_write(sim->model, off, val, 4);
}

static int tc_sim_irq_eventfd(struct tc_dev *dev, unsigned vector)
{
	struct tc_sim *sim = dev->priv;

	if (vector >= TC_MSIX_VECTORS)
		return -1;
	return sim->efd[vector];
}

const struct tc_backend_ops tc_sim_backend = {
    .name = "sim",
    .open = tc_sim_open,
    .close = tc_sim_close,
    .read32 = tc_sim_read32,
    .write32 = tc_sim_write32,
    .irq_eventfd = tc_sim_irq_eventfd,
    .reset = NULL, /* CTRL.RESET */
};
