/* SPDX-License-Identifier: MIT */
/*
 * Fault injection (CAP_F_FAULT_INJECT, only when cfg->fault_injection):
 * errors at a rate, added latency, a stall, spontaneous resets and fatal
 * errors, so hosts can test failover against a card that misbehaves in
 * controlled, reproducible ways.  The settings survive resets; only
 * writing the registers (or creating the card) clears them.
 */
#include <errno.h>

#include "tc_model_internal.h"

#define TC_FI_PPM_SCALE     1000000u
/* xorshift32 must not start from 0. */
#define TC_FI_DEFAULT_STATE 0x9e3779b9u

static uint32_t tc_fault_seed_state(uint32_t seed)
{
	return seed ? seed : TC_FI_DEFAULT_STATE;
}

void tc_fault_init(struct tc_model *m)
{
	m->fi.ctrl = 0;
	m->fi.error_ppm = 0;
	m->fi.latency_us = 0;
	m->fi.seed = 0;
	m->fi.reset_after = 0;
	m->fi.completed = 0;
	m->fi.reset_due = false;
	m->fi.prng = tc_fault_seed_state(0);
	atomic_init(&m->fi.injected, 0);
}

bool tc_fault_stalled(const struct tc_model *m)
{
	return m->cfg.fault_injection && (m->fi.ctrl & TC_FI_CTRL_STALL);
}

bool tc_fault_draw_error(struct tc_model *m)
{
	uint32_t x = m->fi.prng;

	if (!m->cfg.fault_injection || !m->fi.error_ppm)
		return false;
	/* xorshift32 (Marsaglia): one draw per fetched job, in fetch order,
	 * so a seed reproduces the same failures for the same job stream. */
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	m->fi.prng = x;
	if (x % TC_FI_PPM_SCALE >= m->fi.error_ppm)
		return false;
	tc_inc32(&m->fi.injected);
	return true;
}

uint64_t tc_fault_latency_ns(const struct tc_model *m)
{
	uint32_t us = m->fi.latency_us;

	if (!m->cfg.fault_injection)
		return 0;
	return (us > TC_CFG_MAX_LAT_US ? TC_CFG_MAX_LAT_US : us) * TC_NS_PER_US;
}

void tc_fault_count_completion(struct tc_model *m)
{
	if (!m->cfg.fault_injection || !m->fi.reset_after)
		return;
	if (++m->fi.completed >= m->fi.reset_after) {
		m->fi.completed = 0;
		m->fi.reset_due = true;
	}
}

void tc_fault_run_due_reset(struct tc_model *m)
{
	if (!m->fi.reset_due)
		return;
	m->fi.reset_due = false;
	tc_reset_locked(m, "FI_RESET_AFTER");
}

int tc_fault_read(struct tc_model *m, unsigned off, unsigned size,
                  uint64_t *val)
{
	if (!m->cfg.fault_injection)
		return -ENOENT;
	switch (off) {
	case TC_REG_FI_CTRL:
		return tc_reg32(size, m->fi.ctrl & TC_FI_CTRL_STALL, val);
	case TC_REG_FI_ERROR_PPM: return tc_reg32(size, m->fi.error_ppm, val);
	case TC_REG_FI_LATENCY_US: return tc_reg32(size, m->fi.latency_us, val);
	case TC_REG_FI_SEED: return tc_reg32(size, m->fi.seed, val);
	case TC_REG_FI_RESET_AFTER:
		return tc_reg32(size, m->fi.reset_after, val);
	case TC_REG_FI_INJECTED:
		return tc_reg32(size, tc_load32(&m->fi.injected), val);
	default: return -ENOENT;
	}
}

static void tc_fault_write_ctrl(struct tc_model *m, uint32_t val)
{
	bool stall = val & TC_FI_CTRL_STALL;

	if (stall != tc_fault_stalled(m)) {
		m->fi.ctrl = stall ? TC_FI_CTRL_STALL : 0;
		tc_model_log(m, TC_LOG_FAULT, "fault injection: stall %s",
		             stall ? "on" : "off");
		if (stall)
			tc_irq_flush_pending(m);
		else
			tc_model_wake_all(m);
	}
	if (val & TC_FI_CTRL_FATAL_NOW)
		tc_model_set_fatal(m, TC_FATAL_INJECTED);
	if (val & TC_FI_CTRL_RESET_NOW)
		tc_reset_locked(m, "FI_CTRL.RESET_NOW");
}

int tc_fault_write(struct tc_model *m, unsigned off, unsigned size,
                   uint64_t val)
{
	uint32_t v = (uint32_t)val;

	if (!m->cfg.fault_injection)
		return -ENOENT;
	if (size != 4)
		return off <= TC_REG_FI_INJECTED && !(off % 4) ? -EINVAL
		                                               : -ENOENT;
	switch (off) {
	case TC_REG_FI_CTRL: tc_fault_write_ctrl(m, v); return 0;
	case TC_REG_FI_ERROR_PPM: m->fi.error_ppm = v; return 0;
	case TC_REG_FI_LATENCY_US: m->fi.latency_us = v; return 0;
	case TC_REG_FI_SEED:
		m->fi.seed = v;
		m->fi.prng = tc_fault_seed_state(v);
		return 0;
	case TC_REG_FI_RESET_AFTER:
		m->fi.reset_after = v;
		m->fi.completed = 0;
		return 0;
	case TC_REG_FI_INJECTED: return -EPERM;
	default: return -ENOENT;
	}
}
