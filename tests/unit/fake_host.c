/* SPDX-License-Identifier: MIT */
/* The card model's fake host: see fake_host.h. */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_host.h"

uint64_t fh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void fh_sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* The IOMMU: every byte of [addr, addr+len) must be inside the region. */
static uint8_t *fh_translate(struct fh_host *h, uint64_t addr, size_t len)
{
	if (addr < FH_IOVA_BASE || addr - FH_IOVA_BASE > FH_MEM_SIZE ||
	    len > FH_MEM_SIZE - (addr - FH_IOVA_BASE))
		return NULL;
	return h->mem + (addr - FH_IOVA_BASE);
}

static int fh_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
	uint8_t *p = fh_translate(opaque, addr, len);

	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

static int fh_dma_write(void *opaque, uint64_t addr, const void *buf,
                        size_t len)
{
	uint8_t *p = fh_translate(opaque, addr, len);
	uint32_t word;

	if (!p)
		return -EFAULT;
	if (len == 4 && !(addr & 3)) {
		/* One aligned 32-bit write lands atomically; release keeps
		 * what the device wrote before it (the CQE body) ahead. */
		memcpy(&word, buf, 4);
		__atomic_store_n((uint32_t *)p, word, __ATOMIC_RELEASE);
		return 0;
	}
	memcpy(p, buf, len);
	return 0;
}

static void fh_irq(void *opaque, unsigned vector)
{
	struct fh_host *h = opaque;

	if (vector < TC_MSIX_VECTORS)
		atomic_fetch_add(&h->irqs[vector], 1);
	if (h->irq_hook)
		h->irq_hook(h, vector);
}

static void fh_log(void *opaque, const char *msg)
{
	struct fh_host *h = opaque;

	unsigned n;

	pthread_mutex_lock(&h->log_lock);
	n = atomic_fetch_add(&h->log_lines, 1);
	snprintf(h->log_ring[n % FH_LOG_KEEP], sizeof(h->log_ring[0]), "%s",
	         msg);
	pthread_mutex_unlock(&h->log_lock);
	if (getenv("TC_TEST_VERBOSE"))
		fprintf(stderr, "[model] %s\n", msg);
}

int fh_create(struct fh_host *h, const char *spec)
{
	struct tc_model_bus bus = {
	    .opaque = h,
	    .dma_read = fh_dma_read,
	    .dma_write = fh_dma_write,
	    .irq = fh_irq,
	    .log = fh_log,
	};
	char err[160];
	int ret;

	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->log_lock, NULL);
	h->mem = aligned_alloc(4096, FH_MEM_SIZE);
	if (!h->mem)
		return -ENOMEM;
	memset(h->mem, 0, FH_MEM_SIZE);
	tc_model_config_default(&h->cfg);
	h->cfg.name = "fake";
	ret = tc_model_config_parse(&h->cfg, spec, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "fh_create: %s\n", err);
		free(h->mem);
		return ret;
	}
	ret = tc_model_create(&h->cfg, &bus, &h->m);
	if (ret)
		free(h->mem);
	return ret;
}

void fh_destroy(struct fh_host *h)
{
	tc_model_destroy(h->m);
	free(h->mem);
	pthread_mutex_destroy(&h->log_lock);
	memset(h, 0, sizeof(*h));
}

uint64_t fh_alloc(struct fh_host *h, size_t len, size_t align, void **va)
{
	size_t off = (h->used + align - 1) & ~(align - 1);

	if (off + len > FH_MEM_SIZE)
		abort(); /* a test bug, not a model bug */
	h->used = off + len;
	if (va)
		*va = h->mem + off;
	return FH_IOVA_BASE + off;
}

void *fh_va(struct fh_host *h, uint64_t iova)
{
	return h->mem + (iova - FH_IOVA_BASE);
}

uint32_t fh_rd(struct fh_host *h, uint32_t off)
{
	return (uint32_t)tc_model_mmio_read(h->m, off, 4);
}

uint64_t fh_rd64(struct fh_host *h, uint32_t off)
{
	return tc_model_mmio_read(h->m, off, 8);
}

void fh_wr(struct fh_host *h, uint32_t off, uint32_t val)
{
	tc_model_mmio_write(h->m, off, val, 4);
}

void fh_wr64(struct fh_host *h, uint32_t off, uint64_t val)
{
	tc_model_mmio_write(h->m, off, val, 8);
}

void fh_enable(struct fh_host *h)
{
	fh_wr(h, TC_REG_CTRL, TC_CTRL_ENABLE);
}

void fh_queue_rewind(struct fh_queue *fq)
{
	fq->sq_tail = 0;
	fq->cq_head = 0;
	memset(fq->cq, 0, (size_t)TC_CQE_SIZE << fq->cq_log2);
}

uint32_t fh_queue_setup(struct fh_host *h, struct fh_queue *fq, unsigned qid,
                        unsigned sq_log2, unsigned cq_log2, uint32_t ctrl,
                        uint32_t coalesce)
{
	void *sq, *cq;

	memset(fq, 0, sizeof(*fq));
	fq->qid = qid;
	fq->sq_log2 = sq_log2;
	fq->cq_log2 = cq_log2;
	fq->sq_iova = fh_alloc(h, (size_t)TC_SQE_SIZE << sq_log2, 4096, &sq);
	fq->cq_iova = fh_alloc(h, (size_t)TC_CQE_SIZE << cq_log2, 4096, &cq);
	fq->sq = sq;
	fq->cq = cq;
	fh_wr64(h, TC_QP_REG(qid, TC_QP_SQ_BASE_LO), fq->sq_iova);
	fh_wr64(h, TC_QP_REG(qid, TC_QP_CQ_BASE_LO), fq->cq_iova);
	fh_wr(h, TC_QP_REG(qid, TC_QP_SIZE),
	      sq_log2 << TC_QP_SIZE_SQ_SHIFT | cq_log2 << TC_QP_SIZE_CQ_SHIFT);
	fh_wr(h, TC_QP_REG(qid, TC_QP_COALESCE), coalesce);
	fh_wr(h, TC_QP_REG(qid, TC_QP_CTRL), ctrl | TC_QP_CTRL_ENABLE);
	return fh_rd(h, TC_QP_REG(qid, TC_QP_STATUS));
}

void fh_sqe_nop(struct tc_sqe *sqe, uint16_t cid)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = TC_OP_NOP;
	sqe->cid = htole16(cid);
}

void fh_submit(struct fh_queue *fq, const struct tc_sqe *sqe)
{
	uint32_t idx = fq->sq_tail & ((1u << fq->sq_log2) - 1);

	memcpy(fq->sq + (size_t)idx * TC_SQE_SIZE, sqe, sizeof(*sqe));
	fq->sq_tail++;
}

void fh_ring_sq(struct fh_host *h, struct fh_queue *fq)
{
	/* The model's doorbell store is the release point of the batch. */
	tc_model_mmio_write(h->m, TC_DB_SQ_TAIL(fq->qid), fq->sq_tail, 4);
}

void fh_submit_nops(struct fh_host *h, struct fh_queue *fq, uint16_t first,
                    unsigned n)
{
	struct tc_sqe sqe;
	unsigned i;

	for (i = 0; i < n; i++) {
		fh_sqe_nop(&sqe, (uint16_t)(first + i));
		fh_submit(fq, &sqe);
	}
	fh_ring_sq(h, fq);
}

bool fh_poll(struct fh_queue *fq, struct tc_cqe *out)
{
	uint32_t idx = fq->cq_head & ((1u << fq->cq_log2) - 1);
	uint8_t *slot = fq->cq + (size_t)idx * TC_CQE_SIZE;
	uint16_t phase = ((fq->cq_head >> fq->cq_log2) & 1) ? 0 : 1;
	/* Acquire: pairs with the model's release before the phase word. */
	uint32_t word =
	    le32toh(__atomic_load_n((uint32_t *)(slot + 12), __ATOMIC_ACQUIRE));
	uint16_t status = (uint16_t)(word >> 16);

	if ((status & TC_CQE_PHASE) != phase)
		return false;
	memcpy(out, slot, 12);
	out->result = le32toh(out->result);
	out->aux = le32toh(out->aux);
	out->sq_head = le16toh(out->sq_head);
	out->sq_id = le16toh(out->sq_id);
	out->cid = (uint16_t)word;
	out->status = status;
	fq->cq_head++;
	return true;
}

bool fh_wait_cqe(struct fh_queue *fq, struct tc_cqe *out, int timeout_ms)
{
	uint64_t end = fh_now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		if (fh_poll(fq, out))
			return true;
		if (fh_now_ms() >= end)
			return false;
		fh_sleep_ms(1);
	}
}

void fh_ring_cq(struct fh_host *h, struct fh_queue *fq)
{
	/* After reading the entries: the model may reuse their slots. */
	tc_model_mmio_write(h->m, TC_DB_CQ_HEAD(fq->qid), fq->cq_head, 4);
}

unsigned fh_reap(struct fh_host *h, struct fh_queue *fq, struct tc_cqe *out,
                 unsigned n, int timeout_ms)
{
	uint64_t end = fh_now_ms() + (uint64_t)timeout_ms;
	unsigned got = 0;

	while (got < n) {
		unsigned batch = 0;

		while (got < n && fh_poll(fq, &out[got])) {
			got++;
			batch++;
		}
		if (batch)
			fh_ring_cq(h, fq);
		else if (fh_now_ms() >= end)
			break;
		else
			fh_sleep_ms(1);
	}
	return got;
}

unsigned fh_irqs(struct fh_host *h, unsigned vector)
{
	return atomic_load(&h->irqs[vector]);
}

bool fh_wait_irqs(struct fh_host *h, unsigned vector, unsigned n,
                  int timeout_ms)
{
	uint64_t end = fh_now_ms() + (uint64_t)timeout_ms;

	while (fh_irqs(h, vector) < n) {
		if (fh_now_ms() >= end)
			return false;
		fh_sleep_ms(1);
	}
	return true;
}

bool fh_wait_reg(struct fh_host *h, uint32_t off, uint32_t mask, uint32_t want,
                 int timeout_ms)
{
	uint64_t end = fh_now_ms() + (uint64_t)timeout_ms;

	while ((fh_rd(h, off) & mask) != want) {
		if (fh_now_ms() >= end)
			return false;
		fh_sleep_ms(1);
	}
	return true;
}

unsigned fh_log_lines(struct fh_host *h)
{
	return atomic_load(&h->log_lines);
}

void fh_last_log(struct fh_host *h, char *buf, size_t len)
{
	unsigned n;

	pthread_mutex_lock(&h->log_lock);
	n = atomic_load(&h->log_lines);
	snprintf(buf, len, "%s", n ? h->log_ring[(n - 1) % FH_LOG_KEEP] : "");
	pthread_mutex_unlock(&h->log_lock);
}

bool fh_log_contains(struct fh_host *h, const char *needle)
{
	bool found = false;
	unsigned i;

	pthread_mutex_lock(&h->log_lock);
	for (i = 0; i < FH_LOG_KEEP && !found; i++)
		found = strstr(h->log_ring[i], needle) != NULL;
	pthread_mutex_unlock(&h->log_lock);
	return found;
}
