/* SPDX-License-Identifier: MIT */
/*
 * The selftest's known-answer checks and the harness they run on.
 *
 * Each card gets its own queue pair and a DMA arena; a check builds jobs
 * in the arena, runs them with a bounded wait, compares against published
 * vectors and libcrypto, and reports exactly one line per check:
 * "PASS card op-name" or "FAIL card op-name: reason".
 */
#ifndef CTL_KAT_H
#define CTL_KAT_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl.h"
#include "ctl_crypto.h"

/* Every job gets this long by default before the card is declared hung;
 * PKE under a sanitizer build is the slowest op. */
#define KAT_TIMEOUT_MS   10000u
/* After this many timeouts the card counts as dead: the remaining checks
 * fail at once instead of each waiting out the timeout. */
#define KAT_MAX_TIMEOUTS 2u
#define KAT_ARENA_SIZE   (8u << 20)

struct kat_card {
	const char *name;
	struct tc_ctx *ctx;
	struct tc_dev *dev;
	struct tc_qp *qp;
	const struct tc_dev_info *info;
	struct tc_dma_buf arena;
	size_t arena_used;
	unsigned passed, failed;
	bool verbose;
	uint64_t rng;
	unsigned timeout_ms; /* per job */
	unsigned timeouts;   /* jobs that never completed */
};

void kat_pass(struct kat_card *c, const char *op);
void kat_fail(struct kat_card *c, const char *op, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A detail line, printed with -v only. */
void kat_note(struct kat_card *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Zeroed, 64-byte aligned DMA memory from the card's arena, valid until the
 * next kat_reset_arena(); NULL when the arena is exhausted. */
void *kat_dma(struct kat_card *c, size_t len, uint64_t *iova);
/* kat_dma() then a copy of src. */
void *kat_dma_copy(struct kat_card *c, const void *src, size_t len,
                   uint64_t *iova);
void kat_reset_arena(struct kat_card *c);

/*
 * Submit the jobs (one doorbell) and wait until each has completed.
 * Returns 0, or -ETIMEDOUT (the queue pair is then torn down, which aborts
 * the jobs, and re-created), -EAGAIN (the ring did not take them all),
 * -ENODEV (no queue pair, or the card timed out KAT_MAX_TIMEOUTS times).
 * Job statuses are in job->status.
 */
int kat_run_jobs(struct kat_card *c, struct tc_job **jobs, unsigned n);
int kat_run(struct kat_card *c, struct tc_job *job);
/* Report op as failed because kat_run*() returned ret. */
void kat_fail_run(struct kat_card *c, const char *op, int ret);
/* Run one job and report op as passed iff it completes with want; used by
 * the admin steps and the bad-input checks.  Returns true on PASS. */
bool kat_expect(struct kat_card *c, const char *op, struct tc_job *job,
                uint16_t want);
/* Run one job; on anything but OK report FAIL op and return false.  Does
 * not report PASS (the caller still checks the result). */
bool kat_run_ok(struct kat_card *c, const char *op, struct tc_job *job);
/* Load key material into a slot of this card; false (reported) on error. */
bool kat_load_key(struct kat_card *c, const char *op, uint32_t slot,
                  uint8_t key_type, const void *key, size_t len);
/* Compare and report: PASS when equal, else FAIL with the first mismatch. */
bool kat_check_bytes(struct kat_card *c, const char *op, const void *got,
                     const void *want, size_t len);

/* The check families, in the order the selftest runs them. */
void kat_run_basic(struct kat_card *c);
void kat_run_digest(struct kat_card *c);
void kat_run_digest_sg(struct kat_card *c);
void kat_run_aead(struct kat_card *c);
void kat_run_aead_batch(struct kat_card *c);
void kat_run_rsa(struct kat_card *c);
void kat_run_ec(struct kat_card *c);
void kat_run_bad_input(struct kat_card *c);
/* Keys are generated once per run and shared by every card. */
void kat_rsa_keys_free(void);
void kat_ec_keys_free(void);

/* Card setup: arena and queue pair 0.  0 or -errno (teardown still safe). */
int kat_card_setup(struct kat_card *c, struct tc_ctx *ctx, struct tc_dev *dev,
                   const char *name, bool verbose, unsigned timeout_ms);
void kat_card_teardown(struct kat_card *c);

/* Key slots the checks use: far from 0 so a slot mix-up is visible. */
#define KAT_SLOT_HMAC    100u
#define KAT_SLOT_AES128  101u
#define KAT_SLOT_AES256  102u
#define KAT_SLOT_CHACHA  103u
#define KAT_SLOT_RSA     110u
#define KAT_SLOT_P256    111u
#define KAT_SLOT_P384    112u
#define KAT_SLOT_X25519  113u
#define KAT_SLOT_KEYGEN  114u
#define KAT_SLOT_SCRATCH 120u

#endif
