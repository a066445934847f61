/* SPDX-License-Identifier: MIT */
/*
 * The timing model.  Each op class may have a per-engine capacity
 * (cfg->timing[class]): a job's service time is
 *
 *	service_ns = 1e9 / ops_per_sec + bytes * 1e9 / bytes_per_sec
 *
 * (zero terms omitted).  An engine finishes a job no sooner than
 * start + max(service_ns, real compute time), where start is when the
 * engine became free for it.  Engines sleep to an absolute CLOCK_MONOTONIC
 * deadline and chain jobs from their previous deadline rather than from
 * when the sleep returned, so sleep jitter does not reduce throughput.
 * Added latency (timing latency_us, FI_LATENCY_US) delays the completion,
 * not the engine: see tc_timer.c.  With no limits nothing sleeps.
 *
 * On top of that, card_jobs_per_sec caps the whole card: every job takes
 * the next slot of 1e9 / card_jobs_per_sec ns on one card-wide timeline
 * (chained like an engine's, from the later of the job's start and the
 * previous slot's end) and finishes no sooner than its slot ends, whatever
 * engine runs it.  It models a shared stage (a descriptor fetcher, a bus
 * or a job scheduler) that bounds jobs per second, as in the patent's
 * example of a card rated in jobs per second rather than per operation.
 */
#include "tc_model_internal.h"

uint64_t tc_timing_service_ns(const struct tc_timing_class *t, uint64_t bytes)
{
	unsigned __int128 byte_ns;
	uint64_t ns = 0;

	if (t->ops_per_sec)
		ns += TC_NS_PER_SEC / t->ops_per_sec;
	if (t->bytes_per_sec && bytes) {
		byte_ns =
		    (unsigned __int128)bytes * TC_NS_PER_SEC / t->bytes_per_sec;
		/* Saturate: a hostile size must not wrap to a short time. */
		ns += byte_ns > UINT32_MAX * TC_NS_PER_SEC
		          ? UINT32_MAX * TC_NS_PER_SEC
		          : (uint64_t)byte_ns;
	}
	return ns;
}

uint64_t tc_timing_latency_ns(const struct tc_model *m, unsigned op_class)
{
	uint64_t ns = 0;

	if (op_class < TC_CLASS_COUNT)
		ns = m->cfg.timing[op_class].latency_us * TC_NS_PER_US;
	return ns + tc_fault_latency_ns(m);
}

/* The end of the next card-wide slot for a job that started at start, or
 * 0 without a card-wide limit.  Lock held. */
static uint64_t tc_timing_card_slot(struct tc_model *m, uint64_t start)
{
	uint64_t gap;

	if (!m->cfg.card_jobs_per_sec)
		return 0;
	gap = TC_NS_PER_SEC / m->cfg.card_jobs_per_sec;
	if (m->card_jobs_until < start)
		m->card_jobs_until = start;
	m->card_jobs_until += gap ? gap : 1;
	return m->card_jobs_until;
}

bool tc_timing_engine_wait(struct tc_model *m, struct tc_engine *e,
                           unsigned op_class, uint64_t bytes, uint64_t t0,
                           uint64_t t1, uint64_t *busy_ns)
{
	uint64_t service = 0, start, done, slot;
	struct timespec ts;

	if (op_class < TC_CLASS_COUNT)
		service = tc_timing_service_ns(&m->cfg.timing[op_class], bytes);
	slot = tc_timing_card_slot(m, t0);
	if (!service && slot <= t1) {
		*busy_ns = t1 - t0;
		e->busy_until = t1;
		e->idled = false;
		return true;
	}
	/*
	 * An engine that went straight from its last job to this one was
	 * free from the moment that job was due to end (busy_until), however
	 * late its sleep returned; one that waited for work (or for the CQ,
	 * or a stall) starts now.
	 */
	if (e->idled)
		start = t0 > e->busy_until ? t0 : e->busy_until;
	else
		start = e->busy_until;
	done = start + (service > t1 - t0 ? service : t1 - t0);
	if (slot > done)
		done = slot;
	e->busy_until = done;
	e->idled = false;
	*busy_ns = done - start;

	ts.tv_sec = (time_t)(done / TC_NS_PER_SEC);
	ts.tv_nsec = (long)(done % TC_NS_PER_SEC);
	/* An absolute CLOCK_MONOTONIC deadline (the condvar's clock), like
	 * clock_nanosleep(TIMER_ABSTIME), but a reset can cut it short. */
	while (!e->abandon && !m->stopping && tc_model_now_ns() < done) {
		tc_irq_handoff(m);
		pthread_cond_timedwait(&m->engine_cond, &m->lock, &ts);
	}
	return !e->abandon && !m->stopping;
}
