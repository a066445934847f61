/* SPDX-License-Identifier: MIT */
/*
 * BAR0 decode.  Every access is checked here (size, alignment, range)
 * before any register sees it; anything that hits no register reads as 0,
 * is ignored, and is counted in BAD_MMIO.  Doorbells bypass the model lock.
 */
#include <errno.h>

#include "tc_model_internal.h"

static const char *tc_mmio_why(int err)
{
	switch (err) {
	case -EINVAL: return "bad size or value";
	case -EPERM: return "read-only register";
	case -EBUSY: return "register locked while the queue is enabled";
	default: return "no register";
	}
}

static uint32_t tc_mmio_status(const struct tc_model *m)
{
	uint32_t v = 0;

	if (m->ctrl_enable && !m->fatal && !m->resetting)
		v |= TC_STATUS_READY;
	if (m->fatal)
		v |= TC_STATUS_FATAL;
	if (m->resetting)
		v |= TC_STATUS_RESETTING;
	if (tc_fault_stalled(m))
		v |= TC_STATUS_STALLED;
	v |= (uint32_t)m->fatal_code << TC_STATUS_FATAL_CODE_SHIFT;
	return v;
}

static uint32_t tc_mmio_features(const struct tc_model *m)
{
	uint32_t v = TC_CAP_F_STATS | TC_CAP_F_IRQ_COALESCE |
	             TC_CAP_F_BLOB_STORE | TC_CAP_F_TIMING_MODEL;

	if (m->cfg.fault_injection)
		v |= TC_CAP_F_FAULT_INJECT;
	return v;
}

static int tc_mmio_read_global(struct tc_model *m, unsigned reg, unsigned size,
                               uint64_t *val)
{
	const struct tc_model_config *c = &m->cfg;

	switch (reg) {
	case TC_REG_ID: return tc_reg32(size, TC_ID_MAGIC, val);
	case TC_REG_VERSION:
		return tc_reg32(size, TC_VERSION_MAJOR << 16 | TC_VERSION_MINOR,
		                val);
	case TC_REG_CAP_OPS: return tc_reg32(size, tc_ops_cap_ops(), val);
	case TC_REG_CAP_ALGS: return tc_reg32(size, tc_ops_cap_algs(), val);
	case TC_REG_CAP_QUEUES:
		return tc_reg32(size,
		                c->nqueues << TC_CAP_QUEUES_NQ_SHIFT |
		                    c->max_ring_log2
		                        << TC_CAP_QUEUES_MAXLOG2_SHIFT |
		                    c->nengines << TC_CAP_QUEUES_ENGINES_SHIFT,
		                val);
	case TC_REG_CAP_LIMITS:
		return tc_reg32(
		    size,
		    c->max_sg << TC_CAP_LIMITS_MAX_SG_SHIFT |
		        TC_AEAD_MAX_RECORDS << TC_CAP_LIMITS_MAX_REC_SHIFT |
		        TC_DIGEST_MAX_CP << TC_CAP_LIMITS_MAX_CP_SHIFT,
		    val);
	case TC_REG_CAP_SLOTS:
		return tc_reg32(size,
		                c->key_slots << TC_CAP_SLOTS_KEYS_SHIFT |
		                    c->blob_slots << TC_CAP_SLOTS_BLOBS_SHIFT,
		                val);
	case TC_REG_CAP_FEATURES:
		return tc_reg32(size, tc_mmio_features(m), val);
	case TC_REG_CAP_MAX_INPUT: return tc_reg32(size, c->max_input, val);
	case TC_REG_CAP_BLOB_BYTES: return tc_reg32(size, c->blob_bytes, val);
	case TC_REG_CTRL:
		return tc_reg32(size, m->ctrl_enable ? TC_CTRL_ENABLE : 0, val);
	case TC_REG_STATUS: return tc_reg32(size, tc_mmio_status(m), val);
	case TC_REG_ERR_VECTOR: return tc_reg32(size, m->err_vector, val);
	case TC_REG_RESET_COUNT:
		return tc_reg32(size, tc_load32(&m->reset_count), val);
	case TC_REG_BAD_DOORBELLS:
		return tc_reg32(size, tc_load32(&m->bad_doorbells), val);
	case TC_REG_BAD_DESCS:
		return tc_reg32(size, tc_load32(&m->bad_descs), val);
	case TC_REG_DMA_FAULTS:
		return tc_reg32(size, (uint32_t)tc_load64(&m->dma.faults), val);
	case TC_REG_BAD_MMIO:
		return tc_reg32(size, tc_load32(&m->bad_mmio), val);
	case TC_REG_TIME_NS_LO:
	case TC_REG_TIME_NS_HI:
		return tc_reg_pair(reg, TC_REG_TIME_NS_LO, size,
		                   tc_model_now_ns() - m->t0_ns, val);
	default: return -ENOENT;
	}
}

static int tc_mmio_write_ctrl(struct tc_model *m, uint32_t val)
{
	bool enable = val & TC_CTRL_ENABLE;

	if (val & TC_CTRL_RESET) {
		/* The reset leaves the card disabled: other bits of this
		 * write are not applied. */
		tc_reset_locked(m, "CTRL.RESET");
		return 0;
	}
	/* Wait out a reset in progress, so it cannot undo this write. */
	tc_ctl_begin(m);
	if (val & TC_CTRL_CLEAR_FATAL)
		tc_model_clear_fatal(m);
	if (enable != m->ctrl_enable) {
		m->ctrl_enable = enable;
		if (enable)
			pthread_cond_broadcast(&m->work_cond);
		else
			tc_irq_flush_pending(m);
	}
	tc_ctl_end(m);
	return 0;
}

static int tc_mmio_write_global(struct tc_model *m, unsigned reg, unsigned size,
                                uint32_t val)
{
	uint64_t dummy;

	if (size != 4)
		return -EINVAL;
	switch (reg) {
	case TC_REG_CTRL: return tc_mmio_write_ctrl(m, val);
	case TC_REG_ERR_VECTOR:
		if (val >= TC_MSIX_VECTORS)
			return -EINVAL;
		m->err_vector = val;
		return 0;
	default:
		/* Every other defined register is read-only. */
		if (tc_mmio_read_global(m, reg, 4, &dummy) == 0)
			return -EPERM;
		return -ENOENT;
	}
}

static int tc_mmio_read_engine(struct tc_model *m, unsigned eid, unsigned reg,
                               unsigned size, uint64_t *val)
{
	struct tc_engine *e = &m->engines[eid];

	if (eid >= m->cfg.nengines)
		return -ENOENT;
	switch (reg) {
	case TC_ENG_STAT_JOBS_LO:
	case TC_ENG_STAT_JOBS_HI:
		return tc_reg_pair(reg, TC_ENG_STAT_JOBS_LO, size,
		                   tc_load64(&e->st_jobs), val);
	case TC_ENG_STAT_BYTES_LO:
	case TC_ENG_STAT_BYTES_HI:
		return tc_reg_pair(reg, TC_ENG_STAT_BYTES_LO, size,
		                   tc_load64(&e->st_bytes), val);
	case TC_ENG_STAT_BUSY_NS_LO:
	case TC_ENG_STAT_BUSY_NS_HI:
		return tc_reg_pair(reg, TC_ENG_STAT_BUSY_NS_LO, size,
		                   tc_load64(&e->st_busy_ns), val);
	case TC_ENG_STAT_ERRORS:
		return tc_reg32(size, tc_load32(&e->st_errors), val);
	case TC_ENG_STAT_CLASS:
		return tc_reg32(size, tc_load32(&e->st_class), val);
	default: return -ENOENT;
	}
}

static bool tc_mmio_in(uint64_t off, uint64_t base, uint64_t n, uint64_t stride)
{
	return off >= base && off < base + n * stride;
}

/* Lock held. */
static int tc_mmio_read_locked(struct tc_model *m, uint64_t off, unsigned size,
                               uint64_t *val)
{
	unsigned o = (unsigned)off;

	if (o < TC_REG_FI_CTRL)
		return tc_mmio_read_global(m, o, size, val);
	if (o < TC_QP_BASE)
		return tc_fault_read(m, o, size, val);
	if (tc_mmio_in(off, TC_QP_BASE, TC_MAX_QUEUES, TC_QP_STRIDE)) {
		unsigned q = (o - TC_QP_BASE) / TC_QP_STRIDE;

		if (q >= m->cfg.nqueues)
			return -ENOENT;
		return tc_queue_read(m, &m->queues[q], o % TC_QP_STRIDE, size,
		                     val);
	}
	if (tc_mmio_in(off, TC_ENG_BASE, TC_MAX_ENGINES, TC_ENG_STRIDE))
		return tc_mmio_read_engine(m, (o - TC_ENG_BASE) / TC_ENG_STRIDE,
		                           o % TC_ENG_STRIDE, size, val);
	return -ENOENT;
}

/* Lock held. */
static int tc_mmio_write_locked(struct tc_model *m, uint64_t off, unsigned size,
                                uint64_t val)
{
	unsigned o = (unsigned)off;
	uint64_t dummy;

	if (o < TC_REG_FI_CTRL)
		return tc_mmio_write_global(m, o, size, (uint32_t)val);
	if (o < TC_QP_BASE)
		return tc_fault_write(m, o, size, val);
	if (tc_mmio_in(off, TC_QP_BASE, TC_MAX_QUEUES, TC_QP_STRIDE)) {
		unsigned q = (o - TC_QP_BASE) / TC_QP_STRIDE;

		if (q >= m->cfg.nqueues)
			return -ENOENT;
		return tc_queue_write(m, &m->queues[q], o % TC_QP_STRIDE, size,
		                      val);
	}
	if (tc_mmio_in(off, TC_ENG_BASE, TC_MAX_ENGINES, TC_ENG_STRIDE)) {
		int ret =
		    tc_mmio_read_engine(m, (o - TC_ENG_BASE) / TC_ENG_STRIDE,
		                        o % TC_ENG_STRIDE, size, &dummy);
		return ret ? ret : -EPERM;
	}
	return -ENOENT;
}

/* Size, alignment and range: the checks every access passes first. */
static bool tc_mmio_access_ok(uint64_t off, unsigned size)
{
	return (size == 4 || size == 8) && !(off & (size - 1)) &&
	       off < TC_BAR0_SIZE && off + size <= TC_BAR0_SIZE;
}

uint64_t tc_model_mmio_read(struct tc_model *m, uint64_t off, unsigned size)
{
	uint64_t val = 0;
	int ret;

	if (!tc_mmio_access_ok(off, size)) {
		tc_model_bad_mmio(m, false, off, size, 0,
		                  "bad size or alignment");
		return 0;
	}
	/* Doorbells are write-only and read as 0 (card-spec.md). */
	if (off >= TC_DB_BASE) {
		if (size == 4)
			return 0;
		tc_model_bad_mmio(m, false, off, size, 0, "bad size");
		return 0;
	}
	tc_model_lock(m);
	ret = tc_mmio_read_locked(m, off, size, &val);
	tc_model_unlock(m);
	if (ret) {
		tc_model_bad_mmio(m, false, off, size, 0, tc_mmio_why(ret));
		return 0;
	}
	return val;
}

static void tc_mmio_doorbell(struct tc_model *m, uint64_t off, uint32_t val)
{
	uint64_t idx = (off - TC_DB_BASE) / TC_DB_STRIDE;
	unsigned qid = idx < TC_MAX_QUEUES ? (unsigned)idx : TC_MAX_QUEUES;

	if ((off - TC_DB_BASE) % TC_DB_STRIDE)
		tc_queue_cq_doorbell(m, qid, val);
	else
		tc_queue_sq_doorbell(m, qid, val);
}

void tc_model_mmio_write(struct tc_model *m, uint64_t off, uint64_t val,
                         unsigned size)
{
	int ret;

	if (!tc_mmio_access_ok(off, size)) {
		tc_model_bad_mmio(m, true, off, size, val,
		                  "bad size or alignment");
		return;
	}
	if (off >= TC_DB_BASE) {
		/* Lock-free: the doorbell is the hot path of every batch. */
		if (size == 4)
			tc_mmio_doorbell(m, off, (uint32_t)val);
		else
			tc_model_bad_mmio(m, true, off, size, val, "bad size");
		return;
	}
	tc_model_lock(m);
	ret = tc_mmio_write_locked(m, off, size, val);
	tc_model_unlock(m);
	if (ret)
		tc_model_bad_mmio(m, true, off, size, val, tc_mmio_why(ret));
}
