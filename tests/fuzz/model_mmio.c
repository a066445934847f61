// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the card model's register file, driven the way a host
 * driver (or a hostile guest) would: a sequence of BAR0 reads and writes
 * against a whole tc_model on a bounds-checked fake bus, then
 * tc_model_destroy.  The fuzzer also supplies host memory, so queue bases
 * pointing at it make the engines fetch its bytes as descriptors and post
 * completions there.
 *
 * Input: byte 0 = number of steps (% 65), then that many 12-byte steps:
 *   byte 0 bit 0 write, bit 1 size 8 (else 4), bit 2 offset from the
 *   register table (bytes 1..2: table index, queue), else bytes 1..2 are
 *   the BAR0 offset (masked to BAR0, aligned to the size as QEMU's
 *   MemoryRegionOps enforce); bytes 3..10 the value written; bit 3:
 *   instead, let the engines settle (mm_settle) before the next step;
 * then the rest is host memory at MM_BASE.
 *
 * The model's timing knobs stay at their defaults; FI_CTRL.STALL is masked
 * off and FI_LATENCY_US and coalescing times are bounded, so that every
 * input ends quickly (a stall is a hang by design).
 *
 * Reaches: tc_model_create, tc_model_mmio_read, tc_model_mmio_write (global
 * registers, queue setup, doorbells, FI registers, engine statistics),
 * the queue fetch and completion path on the engine threads, tc_fault_*,
 * tc_reset_*, tc_irq_*, tc_model_destroy.
 *
 * Checks: no crash, hang or leak; every zero-copy map is unmapped by the
 * time tc_model_destroy returns.
 *
 * fuzz-sources: hwmodel/*.c
 * fuzz-libs: -lcrypto -lpthread
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tc_model.h"

#define MM_BASE      0x10000ull
#define MM_SIZE      0x4000u
#define MM_MAX_STEPS 64u
#define MM_STEP      12u

static struct {
	uint8_t mem[MM_SIZE];
	atomic_ulong maps, unmaps, irqs;
} mm;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool mm_in_range(uint64_t addr, size_t len)
{
	return addr >= MM_BASE && addr - MM_BASE <= MM_SIZE &&
	       len <= MM_SIZE - (addr - MM_BASE);
}

static int mm_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
	(void)opaque;
	if (!mm_in_range(addr, len))
		return -EFAULT;
	memcpy(buf, mm.mem + (addr - MM_BASE), len);
	return 0;
}

static int mm_dma_write(void *opaque, uint64_t addr, const void *buf,
                        size_t len)
{
	(void)opaque;
	if (!mm_in_range(addr, len))
		return -EFAULT;
	memcpy(mm.mem + (addr - MM_BASE), buf, len);
	return 0;
}

static void *mm_dma_map(void *opaque, uint64_t addr, size_t len, bool is_write)
{
	(void)opaque;
	(void)is_write;
	if (!mm_in_range(addr, len))
		return NULL;
	atomic_fetch_add(&mm.maps, 1);
	return mm.mem + (addr - MM_BASE);
}

static void mm_dma_unmap(void *opaque, void *ptr, size_t len, bool is_write)
{
	(void)opaque;
	(void)ptr;
	(void)len;
	(void)is_write;
	atomic_fetch_add(&mm.unmaps, 1);
}

static void mm_irq(void *opaque, unsigned vector)
{
	(void)opaque;
	if (vector >= TC_MSIX_VECTORS)
		__builtin_trap();
	atomic_fetch_add(&mm.irqs, 1);
}

static void mm_log(void *opaque, const char *msg)
{
	/* Bad input is logged by design; the fuzzer makes plenty. */
	(void)opaque;
	(void)msg;
}

static const struct tc_model_bus mm_bus = {
    .dma_read = mm_dma_read,
    .dma_write = mm_dma_write,
    .dma_map = mm_dma_map,
    .dma_unmap = mm_dma_unmap,
    .irq = mm_irq,
    .log = mm_log,
};

/* Registers worth hitting on purpose; index 0..15 per queue, the rest
 * global. */
static const uint32_t mm_qp_regs[] = {
    TC_QP_SQ_BASE_LO, TC_QP_SQ_BASE_HI, TC_QP_CQ_BASE_LO, TC_QP_CQ_BASE_HI,
    TC_QP_SIZE,       TC_QP_CTRL,       TC_QP_COALESCE,   TC_QP_STATUS,
};
static const uint32_t mm_global_regs[] = {
    TC_REG_CTRL,          TC_REG_STATUS,        TC_REG_ERR_VECTOR,
    TC_REG_RESET_COUNT,   TC_REG_FI_CTRL,       TC_REG_FI_ERROR_PPM,
    TC_REG_FI_LATENCY_US, TC_REG_FI_SEED,       TC_REG_FI_RESET_AFTER,
    TC_REG_FI_INJECTED,   TC_REG_BAD_DOORBELLS, TC_REG_CAP_QUEUES,
    TC_ENG_REG(0, 0),     TC_ENG_REG(1, 0x18),  TC_REG_TIME_NS_LO,
    TC_REG_DMA_FAULTS,
};

#define MM_NQP     (sizeof(mm_qp_regs) / sizeof(mm_qp_regs[0]))
#define MM_NGLOBAL (sizeof(mm_global_regs) / sizeof(mm_global_regs[0]))

static uint32_t mm_table_off(uint16_t sel)
{
	unsigned idx = sel & 0xff, q = (sel >> 8) & 3;

	if (idx < MM_NQP)
		return TC_QP_REG(q, mm_qp_regs[idx]);
	idx -= MM_NQP;
	if (idx < 2)
		return idx ? TC_DB_CQ_HEAD(q) : TC_DB_SQ_TAIL(q);
	return mm_global_regs[(idx - 2) % MM_NGLOBAL];
}

/* Keep every input short: no stall, bounded waits. */
static uint64_t mm_tame(uint32_t off, uint64_t val)
{
	if (off == TC_REG_FI_CTRL)
		return val & ~(uint64_t)TC_FI_CTRL_STALL;
	if (off == TC_REG_FI_LATENCY_US)
		return val % 200;
	if (off >= TC_QP_BASE && off < TC_QP_BASE + 16 * TC_QP_STRIDE &&
	    (off - TC_QP_BASE) % TC_QP_STRIDE == TC_QP_COALESCE)
		return val & ~((uint64_t)0xfc00 << TC_QP_COALESCE_TIME_SHIFT);
	return val;
}

/*
 * Let the engine threads catch up: doorbells are served asynchronously, so
 * without this most inputs would be destroyed before a descriptor is
 * fetched.  Waits until no queue completed anything for three 50 us
 * naps, at most 2 ms: bounded, whatever the card does.
 */
static void mm_settle(struct tc_model *m)
{
	struct timespec nap = {0, 50000};
	uint32_t last = 0, now;
	unsigned quiet = 0, i, q;

	for (i = 0; i < 40 && quiet < 3; i++) {
		now = 0;
		for (q = 0; q < 4; q++)
			now += (uint32_t)tc_model_mmio_read(
			    m, TC_QP_REG(q, TC_QP_STAT_COMPLETED), 4);
		quiet = (i && now == last) ? quiet + 1 : 0;
		last = now;
		nanosleep(&nap, NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tc_model_config cfg;
	struct tc_model *m;
	unsigned nsteps, i;
	size_t n;

	if (size < 1)
		return 0;
	nsteps = data[0] % (MM_MAX_STEPS + 1);
	if (size < 1 + (size_t)nsteps * MM_STEP)
		nsteps = (size - 1) / MM_STEP;
	n = size - 1 - (size_t)nsteps * MM_STEP;
	if (n > MM_SIZE)
		n = MM_SIZE;
	memcpy(mm.mem, data + 1 + nsteps * MM_STEP, n);
	memset(mm.mem + n, 0, MM_SIZE - n);
	atomic_store(&mm.maps, 0);
	atomic_store(&mm.unmaps, 0);

	tc_model_config_default(&cfg);
	cfg.name = "fuzz";
	cfg.nqueues = 4;
	cfg.nengines = 2;
	cfg.max_ring_log2 = 6;
	cfg.key_slots = 16;
	cfg.blob_slots = 4;
	cfg.blob_bytes = 1u << 16;
	cfg.max_input = 16384;
	cfg.max_sg = 64;
	if (tc_model_create(&cfg, &mm_bus, &m))
		__builtin_trap();

	for (i = 0; i < nsteps; i++) {
		const uint8_t *s = data + 1 + i * MM_STEP;
		unsigned sz = (s[0] & 2) ? 8 : 4;
		uint16_t sel = (uint16_t)(s[1] | s[2] << 8);
		uint32_t off = (s[0] & 4)
		                   ? mm_table_off(sel)
		                   : (sel & (TC_BAR0_SIZE - 1) & ~(sz - 1));
		uint64_t val = 0;

		if (s[0] & 8) {
			mm_settle(m);
			continue;
		}
		memcpy(&val, s + 3, 8);
		if (sz == 4)
			val &= 0xffffffffu;
		if (s[0] & 1)
			tc_model_mmio_write(m, off, mm_tame(off, val), sz);
		else
			(void)tc_model_mmio_read(m, off, sz);
	}

	mm_settle(m);
	tc_model_destroy(m);
	if (atomic_load(&mm.maps) != atomic_load(&mm.unmaps))
		__builtin_trap();
	return 0;
}
