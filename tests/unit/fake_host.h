/* SPDX-License-Identifier: MIT */
/*
 * A fake host for the card model's unit tests: a bounds-checked memory
 * region plays the IOMMU-mapped DMA space, interrupts are counted per
 * vector, log lines are counted (and kept), and small helpers set up queue
 * pairs, submit descriptors and reap completions the way a driver does.
 * Every wait is bounded.
 *
 * Memory ordering matches a real host: descriptors are written with plain
 * stores before the SQ doorbell (a seq_cst store in the model); the CQE's
 * cid/status word is read with an acquire load, pairing with the model's
 * release fence before it writes that word (the bus performs 4-byte
 * aligned writes as release stores, like a single PCIe write would land).
 */
#ifndef FAKE_HOST_H
#define FAKE_HOST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_model.h"

#define FH_IOVA_BASE 0x100000000ull /* above 4 GiB: HI halves matter */
#define FH_MEM_SIZE  (8u << 20)
#define FH_UNMAPPED  0x7f0000000000ull /* an IOVA nothing maps */
#define FH_WAIT_MS   5000              /* default bound on every wait */
#define FH_LOG_KEEP  32

struct fh_host {
	uint8_t *mem;
	size_t used; /* bump allocator */
	struct tc_model *m;
	struct tc_model_config cfg;
	atomic_uint irqs[TC_MSIX_VECTORS];
	atomic_uint log_lines;
	pthread_mutex_t log_lock;
	char log_ring[FH_LOG_KEEP][256]; /* the last lines, circular */
	/* Optional, called from the bus irq callback (model threads). Set
	 * it before the card can raise anything. */
	void (*irq_hook)(struct fh_host *h, unsigned vector);
};

struct fh_queue {
	unsigned qid;
	unsigned sq_log2, cq_log2;
	uint64_t sq_iova, cq_iova;
	uint8_t *sq, *cq;
	uint32_t sq_tail; /* free-running, as written to the card */
	uint32_t cq_head; /* free-running, completions consumed */
};

/* Create a card from the default config plus spec ("" for defaults). */
int fh_create(struct fh_host *h, const char *spec);
void fh_destroy(struct fh_host *h);

/* Zeroed, aligned DMA memory; returns the IOVA, *va the host pointer. */
uint64_t fh_alloc(struct fh_host *h, size_t len, size_t align, void **va);
void *fh_va(struct fh_host *h, uint64_t iova);

uint32_t fh_rd(struct fh_host *h, uint32_t off);
uint64_t fh_rd64(struct fh_host *h, uint32_t off);
void fh_wr(struct fh_host *h, uint32_t off, uint32_t val);
void fh_wr64(struct fh_host *h, uint32_t off, uint64_t val);
/* CTRL.ENABLE. */
void fh_enable(struct fh_host *h);

/* Allocate rings, program the queue, set ctrl (ENABLE is added) and
 * coalesce.  Returns QP_STATUS after the enable. */
uint32_t fh_queue_setup(struct fh_host *h, struct fh_queue *fq, unsigned qid,
                        unsigned sq_log2, unsigned cq_log2, uint32_t ctrl,
                        uint32_t coalesce);
/* Back to host state zero after the card reset or the queue re-enabled. */
void fh_queue_rewind(struct fh_queue *fq);

void fh_sqe_nop(struct tc_sqe *sqe, uint16_t cid);
/* Copy into the next SQ slot (no doorbell). */
void fh_submit(struct fh_queue *fq, const struct tc_sqe *sqe);
void fh_ring_sq(struct fh_host *h, struct fh_queue *fq);
/* Submit n NOPs with cids first..first+n-1 and ring once. */
void fh_submit_nops(struct fh_host *h, struct fh_queue *fq, uint16_t first,
                    unsigned n);

/* Take the next CQE if its phase is current (no doorbell). */
bool fh_poll(struct fh_queue *fq, struct tc_cqe *out);
/* fh_poll until one arrives or timeout_ms passes. */
bool fh_wait_cqe(struct fh_queue *fq, struct tc_cqe *out, int timeout_ms);
void fh_ring_cq(struct fh_host *h, struct fh_queue *fq);
/* Reap n CQEs (ringing the CQ doorbell as it goes) into out[]; returns
 * how many arrived within timeout_ms. */
unsigned fh_reap(struct fh_host *h, struct fh_queue *fq, struct tc_cqe *out,
                 unsigned n, int timeout_ms);

static inline uint16_t fh_status(const struct tc_cqe *c)
{
	return (uint16_t)(c->status >> 1);
}

unsigned fh_irqs(struct fh_host *h, unsigned vector);
bool fh_wait_irqs(struct fh_host *h, unsigned vector, unsigned n,
                  int timeout_ms);
/* Wait until (reg & mask) == want. */
bool fh_wait_reg(struct fh_host *h, uint32_t off, uint32_t mask, uint32_t want,
                 int timeout_ms);
unsigned fh_log_lines(struct fh_host *h);
/* Copy of the last log line. */
void fh_last_log(struct fh_host *h, char *buf, size_t len);
/* One of the last FH_LOG_KEEP lines contains needle. */
bool fh_log_contains(struct fh_host *h, const char *needle);

uint64_t fh_now_ms(void);
void fh_sleep_ms(unsigned ms);

#endif
