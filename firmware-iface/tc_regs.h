/* SPDX-License-Identifier: MIT */
/*
 * tlscard register map (BAR0).  docs/card-spec.md documents every register.
 *
 * All registers are 32-bit, little-endian.  64-bit counters are a LO/HI pair
 * of 32-bit registers; a 64-bit access to the LO offset returns both halves
 * at once.  Fields are SHIFT/MASK macros, never C bitfields, so C and the
 * Python tests decode them identically.
 */
#ifndef TC_REGS_H
#define TC_REGS_H

#include <stdint.h>

/* ---- PCI identity --------------------------------------------------- */
/* Experimental IDs, not assigned by the PCI-SIG: see card-spec.md. */
#define TC_PCI_VENDOR_ID 0x1de5u
#define TC_PCI_DEVICE_ID 0x7c01u
#define TC_PCI_CLASS     0x108000u /* processing accelerator */
#define TC_PCI_REVISION  0x01u

#define TC_BAR0_SIZE 0x2000u

/* Value of TC_REG_ID: "TLSC" */
#define TC_ID_MAGIC      0x43534c54u
#define TC_VERSION_MAJOR 1u
#define TC_VERSION_MINOR 0u

/* ---- global registers ----------------------------------------------- */
#define TC_REG_ID             0x000u /* RO  magic TC_ID_MAGIC */
#define TC_REG_VERSION        0x004u /* RO  major[31:16] minor[15:0] */
#define TC_REG_CAP_OPS        0x008u /* RO  bit n set: opcode n supported */
#define TC_REG_CAP_ALGS       0x00cu /* RO  TC_CAP_ALG_* bits */
#define TC_REG_CAP_QUEUES     0x010u /* RO  queues, max ring log2, engines */
#define TC_REG_CAP_LIMITS     0x014u /* RO  max SG, max records, max checkpoints */
#define TC_REG_CAP_SLOTS      0x018u /* RO  key slots, blob slots */
#define TC_REG_CAP_FEATURES   0x01cu /* RO  TC_CAP_F_* */
#define TC_REG_CAP_MAX_INPUT  0x020u /* RO  max bytes per record / segment */
#define TC_REG_CAP_BLOB_BYTES 0x024u /* RO  blob store capacity in bytes */
#define TC_REG_CTRL           0x030u /* RW  TC_CTRL_* */
#define TC_REG_STATUS         0x034u /* RO  TC_STATUS_* */
#define TC_REG_ERR_VECTOR     0x038u /* RW  MSI-X vector for error events */
#define TC_REG_RESET_COUNT    0x03cu /* RO  resets since power-on */
#define TC_REG_BAD_DOORBELLS  0x040u /* RO  ignored doorbell writes */
#define TC_REG_BAD_DESCS      0x044u /* RO  descriptors completed INVALID_DESC */
#define TC_REG_DMA_FAULTS     0x048u /* RO  DMA accesses that faulted */
#define TC_REG_BAD_MMIO       0x04cu /* RO  MMIO accesses to no register */
#define TC_REG_TIME_NS_LO     0x050u /* RO  device clock, ns */
#define TC_REG_TIME_NS_HI     0x054u

/* TC_REG_CAP_QUEUES */
#define TC_CAP_QUEUES_NQ_SHIFT      0
#define TC_CAP_QUEUES_NQ_MASK       0xffu
#define TC_CAP_QUEUES_MAXLOG2_SHIFT 8 /* max entries per ring = 1 << v */
#define TC_CAP_QUEUES_MAXLOG2_MASK  0xffu
#define TC_CAP_QUEUES_ENGINES_SHIFT 16
#define TC_CAP_QUEUES_ENGINES_MASK  0xffu

/* TC_REG_CAP_LIMITS */
#define TC_CAP_LIMITS_MAX_SG_SHIFT  0
#define TC_CAP_LIMITS_MAX_SG_MASK   0xffffu
#define TC_CAP_LIMITS_MAX_REC_SHIFT 16
#define TC_CAP_LIMITS_MAX_REC_MASK  0xffu
#define TC_CAP_LIMITS_MAX_CP_SHIFT  24
#define TC_CAP_LIMITS_MAX_CP_MASK   0xffu

/* TC_REG_CAP_SLOTS */
#define TC_CAP_SLOTS_KEYS_SHIFT  0
#define TC_CAP_SLOTS_KEYS_MASK   0xffffu
#define TC_CAP_SLOTS_BLOBS_SHIFT 16
#define TC_CAP_SLOTS_BLOBS_MASK  0xffffu

/* TC_REG_CAP_ALGS */
#define TC_CAP_ALG_SHA256           (1u << 0)
#define TC_CAP_ALG_SHA384           (1u << 1)
#define TC_CAP_ALG_SHA512           (1u << 2)
#define TC_CAP_ALG_HMAC             (1u << 3)
#define TC_CAP_ALG_AES128GCM        (1u << 8)
#define TC_CAP_ALG_AES256GCM        (1u << 9)
#define TC_CAP_ALG_CHACHA20POLY1305 (1u << 10)
#define TC_CAP_ALG_RSA              (1u << 16) /* 2048..4096 */
#define TC_CAP_ALG_RSA_PSS          (1u << 17)
#define TC_CAP_ALG_P256             (1u << 18)
#define TC_CAP_ALG_P384             (1u << 19)
#define TC_CAP_ALG_X25519           (1u << 20)

/* TC_REG_CAP_FEATURES */
#define TC_CAP_F_FAULT_INJECT (1u << 0)
#define TC_CAP_F_STATS        (1u << 1)
#define TC_CAP_F_IRQ_COALESCE (1u << 2)
#define TC_CAP_F_BLOB_STORE   (1u << 3)
#define TC_CAP_F_TIMING_MODEL (1u << 4)

/* TC_REG_CTRL */
#define TC_CTRL_ENABLE      (1u << 0) /* card accepts doorbells */
#define TC_CTRL_RESET       (1u << 1) /* W1: reset, self-clearing */
#define TC_CTRL_CLEAR_FATAL (1u << 2) /* W1: clear STATUS.FATAL */

/* TC_REG_STATUS */
#define TC_STATUS_READY            (1u << 0) /* enabled and running */
#define TC_STATUS_FATAL            (1u << 1) /* card stopped; reset it */
#define TC_STATUS_RESETTING        (1u << 2)
#define TC_STATUS_STALLED          (1u << 3) /* fault injection: hung */
#define TC_STATUS_FATAL_CODE_SHIFT 8         /* TC_FATAL_* */
#define TC_STATUS_FATAL_CODE_MASK  0xffu

/* STATUS.FATAL_CODE */
#define TC_FATAL_NONE     0u
#define TC_FATAL_CQ_DMA   1u /* completion write faulted */
#define TC_FATAL_SQ_DMA   2u /* descriptor fetch faulted */
#define TC_FATAL_INJECTED 3u

/* ---- fault injection (present when CAP_F_FAULT_INJECT) --------------- */
#define TC_REG_FI_CTRL        0x080u /* RW  TC_FI_CTRL_* */
#define TC_REG_FI_ERROR_PPM   0x084u /* RW  jobs failed per million */
#define TC_REG_FI_LATENCY_US  0x088u /* RW  added per job, us */
#define TC_REG_FI_SEED        0x08cu /* RW  error PRNG seed */
#define TC_REG_FI_RESET_AFTER 0x090u /* RW  reset itself after N jobs, 0=off */
#define TC_REG_FI_INJECTED    0x094u /* RO  errors injected so far */

#define TC_FI_CTRL_STALL     (1u << 0) /* engines stop; jobs hang */
#define TC_FI_CTRL_RESET_NOW (1u << 1) /* W1: spontaneous reset */
#define TC_FI_CTRL_FATAL_NOW (1u << 2) /* W1: raise STATUS.FATAL */

/* ---- per queue pair ------------------------------------------------- */
#define TC_MAX_QUEUES   16u
#define TC_QP_BASE      0x400u
#define TC_QP_STRIDE    0x40u
#define TC_QP_REG(q, r) (TC_QP_BASE + (q)*TC_QP_STRIDE + (r))

#define TC_QP_SQ_BASE_LO     0x00u /* RW  SQ device address, 64-byte aligned */
#define TC_QP_SQ_BASE_HI     0x04u
#define TC_QP_CQ_BASE_LO     0x08u /* RW  CQ device address, 16-byte aligned */
#define TC_QP_CQ_BASE_HI     0x0cu
#define TC_QP_SIZE           0x10u /* RW  SQ log2 [7:0], CQ log2 [15:8] */
#define TC_QP_CTRL           0x14u /* RW  TC_QP_CTRL_*, MSI-X vector */
#define TC_QP_COALESCE       0x18u /* RW  count [7:0], time us [31:16] */
#define TC_QP_STATUS         0x1cu /* RO  TC_QP_STATUS_* */
#define TC_QP_STAT_JOBS_LO   0x20u /* RO  descriptors fetched */
#define TC_QP_STAT_JOBS_HI   0x24u
#define TC_QP_STAT_BYTES_LO  0x28u /* RO  payload bytes processed */
#define TC_QP_STAT_BYTES_HI  0x2cu
#define TC_QP_STAT_ERRORS    0x30u /* RO  completions with status != OK */
#define TC_QP_STAT_DOORBELLS 0x34u /* RO  SQ tail doorbell writes */
#define TC_QP_STAT_IRQS      0x38u /* RO  interrupts raised */
#define TC_QP_STAT_COMPLETED 0x3cu /* RO  completions posted (low 32 bits) */

#define TC_QP_SIZE_SQ_SHIFT 0
#define TC_QP_SIZE_SQ_MASK  0xffu
#define TC_QP_SIZE_CQ_SHIFT 8
#define TC_QP_SIZE_CQ_MASK  0xffu

#define TC_QP_CTRL_ENABLE       (1u << 0)
#define TC_QP_CTRL_IRQ_ENABLE   (1u << 1)
#define TC_QP_CTRL_VECTOR_SHIFT 16
#define TC_QP_CTRL_VECTOR_MASK  0xffu

#define TC_QP_COALESCE_COUNT_SHIFT 0
#define TC_QP_COALESCE_COUNT_MASK  0xffu
#define TC_QP_COALESCE_TIME_SHIFT  16
#define TC_QP_COALESCE_TIME_MASK   0xffffu

#define TC_QP_STATUS_ENABLED (1u << 0)
#define TC_QP_STATUS_ERROR   (1u << 1) /* bad config or CQ fault */
#define TC_QP_STATUS_CQ_FULL (1u << 2) /* device waiting for CQ head */

/* ---- per engine statistics ------------------------------------------ */
#define TC_MAX_ENGINES   16u
#define TC_ENG_BASE      0x800u
#define TC_ENG_STRIDE    0x20u
#define TC_ENG_REG(e, r) (TC_ENG_BASE + (e)*TC_ENG_STRIDE + (r))

#define TC_ENG_STAT_JOBS_LO    0x00u /* RO */
#define TC_ENG_STAT_JOBS_HI    0x04u
#define TC_ENG_STAT_BYTES_LO   0x08u /* RO */
#define TC_ENG_STAT_BYTES_HI   0x0cu
#define TC_ENG_STAT_BUSY_NS_LO 0x10u /* RO  time spent on jobs */
#define TC_ENG_STAT_BUSY_NS_HI 0x14u
#define TC_ENG_STAT_ERRORS     0x18u /* RO */
#define TC_ENG_STAT_CLASS      0x1cu /* RO  op class of the last job */

/* ---- doorbells (own page, as in NVMe) -------------------------------- */
#define TC_DB_BASE       0x1000u
#define TC_DB_STRIDE     0x8u
#define TC_DB_SQ_TAIL(q) (TC_DB_BASE + (q)*TC_DB_STRIDE)
#define TC_DB_CQ_HEAD(q) (TC_DB_BASE + (q)*TC_DB_STRIDE + 4u)

/* MSI-X: vector q for queue q by default, vector TC_MAX_QUEUES for errors. */
#define TC_MSIX_VECTORS (TC_MAX_QUEUES + 1u)
#define TC_MSIX_BAR     2

#endif
