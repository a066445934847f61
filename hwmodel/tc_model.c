/* SPDX-License-Identifier: MIT */
/*
 * The card model's life cycle (create, destroy, FLR), its lock, fatal
 * errors and logging.  See tc_model_internal.h for how the units fit.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_model_internal.h"

/* Log lines per kind before rate limiting, then one line per this many. */
#define TC_LOG_BURST 10u
#define TC_LOG_EVERY 1000u

void tc_model_config_default(struct tc_model_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->name = "tlscard";
	cfg->nqueues = 4;
	cfg->nengines = 2;
	cfg->max_ring_log2 = 12;
	cfg->key_slots = 4096;
	cfg->blob_slots = 64;
	cfg->blob_bytes = 1u << 20;
	cfg->max_input = 64u << 10;
	cfg->max_sg = 256;
	cfg->fault_injection = true;
}

uint64_t tc_model_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * TC_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

void tc_model_lock(struct tc_model *m)
{
	pthread_mutex_lock(&m->lock);
}

void tc_model_unlock(struct tc_model *m)
{
	uint32_t mask = m->irq_mask;

	m->irq_mask = 0;
	pthread_mutex_unlock(&m->lock);
	/* After the unlock: the CQEs these vectors announce were written
	 * under the lock, before this point, so the host sees them. */
	tc_irq_deliver(m, mask);
}

void tc_model_flush_irqs_locked(struct tc_model *m)
{
	if (!m->irq_mask)
		return;
	tc_model_unlock(m);
	tc_model_lock(m);
}

bool tc_model_post_allowed(const struct tc_model *m)
{
	return !m->fatal && !m->resetting && !tc_fault_stalled(m);
}

bool tc_model_fetch_allowed(const struct tc_model *m)
{
	return m->ctrl_enable && !m->stopping && tc_model_post_allowed(m);
}

void tc_model_wake_all(struct tc_model *m)
{
	pthread_cond_broadcast(&m->work_cond);
	pthread_cond_broadcast(&m->engine_cond);
	pthread_cond_broadcast(&m->timer_cond);
	pthread_cond_broadcast(&m->ctl_cond);
}

void tc_model_set_fatal(struct tc_model *m, uint8_t code)
{
	/* The first cause is the interesting one: keep its code. */
	if (!m->fatal) {
		m->fatal = true;
		m->fatal_code = code;
	}
	tc_model_log(m, TC_LOG_FATAL, "fatal error (code %u): card stopped",
	             code);
	tc_irq_raise_vector(m, m->err_vector);
	/* Nothing more will be fetched: signal what the host has not seen. */
	tc_irq_flush_pending(m);
}

void tc_model_clear_fatal(struct tc_model *m)
{
	m->fatal = false;
	m->fatal_code = TC_FATAL_NONE;
	tc_model_wake_all(m);
}

void tc_model_log(struct tc_model *m, enum tc_log_kind kind, const char *fmt,
                  ...)
{
	char msg[256];
	unsigned n;
	int len;
	va_list ap;

	n = atomic_fetch_add_explicit(&m->log_count[kind], 1,
	                              memory_order_relaxed) +
	    1;
	if (!m->bus.log || (n > TC_LOG_BURST && n % TC_LOG_EVERY))
		return;
	len = snprintf(msg, sizeof(msg), "%s: ", m->name);
	va_start(ap, fmt);
	vsnprintf(msg + len, sizeof(msg) - (size_t)len, fmt, ap);
	va_end(ap);
	if (n > TC_LOG_BURST) {
		len = (int)strlen(msg);
		snprintf(msg + len, sizeof(msg) - (size_t)len,
		         " (%u of this kind, rate-limited)", n);
	}
	m->bus.log(m->bus.opaque, msg);
}

void tc_model_bad_mmio(struct tc_model *m, bool write, uint64_t off,
                       unsigned size, uint64_t val, const char *why)
{
	atomic_fetch_add_explicit(&m->bad_mmio, 1, memory_order_relaxed);
	if (write)
		tc_model_log(m, TC_LOG_BAD_MMIO,
		             "bad MMIO write off=0x%" PRIx64
		             " size=%u val=0x%" PRIx64 ": %s",
		             off, size, val, why);
	else
		tc_model_log(m, TC_LOG_BAD_MMIO,
		             "bad MMIO read off=0x%" PRIx64 " size=%u: %s", off,
		             size, why);
}

static int tc_model_init_sync(struct tc_model *m)
{
	pthread_condattr_t ca;
	int ret;

	/* Timed waits (timing model, timer thread) use absolute
	 * CLOCK_MONOTONIC deadlines, immune to wall-clock steps. */
	ret = pthread_condattr_init(&ca);
	if (ret)
		return -ret;
	ret = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (!ret)
		ret = pthread_mutex_init(&m->lock, NULL);
	if (!ret)
		ret = pthread_cond_init(&m->work_cond, &ca);
	if (!ret)
		ret = pthread_cond_init(&m->engine_cond, &ca);
	if (!ret)
		ret = pthread_cond_init(&m->timer_cond, &ca);
	if (!ret)
		ret = pthread_cond_init(&m->ctl_cond, &ca);
	pthread_condattr_destroy(&ca);
	return -ret;
}

static void tc_model_free(struct tc_model *m)
{
	unsigned i;

	for (i = 0; i < TC_MAX_QUEUES; i++)
		free(m->queues[i].tasks);
	tc_ops_state_destroy(m->ops);
	pthread_cond_destroy(&m->ctl_cond);
	pthread_cond_destroy(&m->timer_cond);
	pthread_cond_destroy(&m->engine_cond);
	pthread_cond_destroy(&m->work_cond);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* Stop and join every thread that was started.  After this no callback
 * runs: the threads are the only callers of bus->irq besides MMIO. */
static void tc_model_stop(struct tc_model *m)
{
	tc_model_lock(m);
	m->stopping = true;
	tc_model_wake_all(m);
	tc_model_unlock(m);
	tc_engines_join(m);
	tc_timer_join(m);
}

int tc_model_create(const struct tc_model_config *cfg,
                    const struct tc_model_bus *bus, struct tc_model **out)
{
	struct tc_model *m;
	char err[128];
	unsigned i;
	int ret;

	*out = NULL;
	if (!cfg || !bus || !bus->dma_read || !bus->dma_write)
		return -EINVAL;
	if (tc_model_config_check(cfg, err, sizeof(err))) {
		if (bus->log)
			bus->log(bus->opaque, err);
		return -EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	snprintf(m->name, sizeof(m->name), "%s",
	         cfg->name ? cfg->name : "tlscard");
	m->cfg.name = m->name;
	m->bus = *bus;
	m->dma.bus = &m->bus;
	atomic_init(&m->dma.faults, 0);
	m->err_vector = TC_MAX_QUEUES;
	m->t0_ns = tc_model_now_ns();
	TAILQ_INIT(&m->delayed);
	for (i = 0; i < TC_MAX_QUEUES; i++)
		tc_queue_init(m, &m->queues[i], i);
	for (i = 0; i < TC_MAX_ENGINES; i++) {
		m->engines[i].m = m;
		m->engines[i].id = i;
	}
	tc_fault_init(m);

	ret = tc_model_init_sync(m);
	if (ret) {
		free(m);
		return ret;
	}
	ret = tc_ops_state_create(&m->cfg, &m->ops);
	if (ret)
		goto fail;
	ret = tc_timer_start(m);
	if (ret)
		goto fail;
	ret = tc_engines_start(m);
	if (ret)
		goto fail_stop;
	*out = m;
	return 0;

fail_stop:
	tc_model_stop(m);
fail:
	tc_model_free(m);
	return ret;
}

void tc_model_destroy(struct tc_model *m)
{
	if (!m)
		return;
	tc_model_stop(m);
	tc_model_free(m);
}

void tc_model_reset(struct tc_model *m)
{
	tc_model_lock(m);
	tc_reset_locked(m, "function-level reset");
	tc_model_unlock(m);
}
