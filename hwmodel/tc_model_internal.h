/* SPDX-License-Identifier: MIT */
/*
 * The card model's private state, shared by the core's units:
 *
 *   tc_model.c         create/destroy, the model lock, fatal errors, logging
 *   tc_model_config.c  config defaults checks and the "key=value" parser
 *   tc_mmio.c          BAR0 register decode
 *   tc_queue.c         queue registers, setup/teardown, descriptor fetch
 *   tc_doorbell.c      the SQ-tail and CQ-head doorbells
 *   tc_cq.c            completion posting
 *   tc_irq.c           interrupt raising and coalescing
 *   tc_engine.c        engine threads: dispatch and execution
 *   tc_timing.c        the timing model (service time, added latency)
 *   tc_timer.c         the timer thread: delayed completions, irq timers
 *   tc_fault.c         fault injection
 *   tc_reset.c         reset, queue teardown, aborting in-flight work
 *
 * Concurrency.  One mutex, m->lock, protects everything below that is not
 * an atomic: register state, queue rings, the engines' job ownership, the
 * delay list and coalescing state.  Three paths avoid it:
 *   - the doorbells (host thread): atomics only, plus the lock to wake a
 *     sleeping engine or a thread waiting for CQ space;
 *   - statistics counters: relaxed atomics, read without the lock;
 *   - op execution and timing sleeps run with the lock dropped.
 * The bus irq callback is never called with the lock held (raised vectors
 * collect in m->irq_mask and are delivered by tc_model_unlock()), nor by an
 * engine that owns a task (see tc_irq.c), so a host whose callback takes
 * its own locks cannot deadlock against the model.  The callback may read
 * registers; it must not block for long (QEMU schedules a bottom half).
 * bus->log may be called with the lock held and must not re-enter the model.
 */
#ifndef TC_MODEL_INTERNAL_H
#define TC_MODEL_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "tc_dma.h"
#include "tc_model.h"
#include "tc_ops.h"

#define TC_NS_PER_SEC  1000000000ull
#define TC_NS_PER_US   1000ull
#define TC_NO_DEADLINE UINT64_MAX

/* Limits the model enforces on a configuration (tc_model_config_check). */
#define TC_CFG_MAX_RING_LOG2 16u     /* cqe.sq_head reports 16 bits */
#define TC_CFG_MAX_SLOTS     0xffffu /* CAP_SLOTS fields are 16 bits */
#define TC_CFG_MAX_SG        0xffffu /* CAP_LIMITS.MAX_SG is 16 bits */
#define TC_CFG_MAX_LAT_US    60000000u

/* Log kinds, each rate-limited on its own. */
enum tc_log_kind {
	TC_LOG_BAD_MMIO,
	TC_LOG_BAD_DOORBELL,
	TC_LOG_QUEUE,
	TC_LOG_FATAL,
	TC_LOG_RESET,
	TC_LOG_ABORT,
	TC_LOG_FAULT,
	TC_LOG_CONFIG,
	TC_LOG_KINDS,
};

struct tc_queue;

/*
 * A descriptor the card has fetched and not yet completed.  It sits on its
 * queue's in-flight list (fetch order) from fetch to completion, and on the
 * model's delay list while its completion waits out an added latency.
 */
struct tc_task {
	TAILQ_ENTRY(tc_task) q_link;
	TAILQ_ENTRY(tc_task) delay_link;
	struct tc_task *next_free;
	struct tc_queue *q;
	struct tc_sqe sqe; /* as fetched, little-endian */
	uint64_t fetch_ns;
	uint64_t due_ns; /* delayed: earliest completion time */
	uint32_t result, aux;
	uint16_t status;
	bool fi_fail; /* fault injection chose to fail it */
	bool delayed; /* on m->delayed */
};
TAILQ_HEAD(tc_task_list, tc_task);

struct tc_queue {
	unsigned id;

	/* Registers, under m->lock. */
	uint64_t sq_base, cq_base;
	uint32_t size_reg, ctrl_reg, coalesce_reg;
	bool error;

	/* Ring state.  active: the rings below are valid (QP_STATUS.ENABLED).
	 * enabled: doorbells accepted and descriptors fetched; cleared first
	 * when the queue is torn down. */
	bool active;
	atomic_bool enabled;
	unsigned sq_log2, cq_log2;
	uint32_t sq_size, cq_size;
	/* Free-running counters.  sq_tail and cq_head are written by the
	 * doorbells; sq_head and cq_tail by the model under m->lock, and read
	 * by the doorbells to validate. */
	atomic_uint sq_tail;
	atomic_uint sq_head;
	atomic_uint cq_head;
	atomic_uint cq_tail;

	/* Work, under m->lock. */
	bool fetch_busy;   /* an admin op of this queue is executing */
	unsigned inflight; /* tasks on inflight_list, <= sq_size */
	struct tc_task_list inflight_list;
	struct tc_task *tasks; /* sq_size of them */
	struct tc_task *free_tasks;
	/* Threads holding a completion for this queue while its CQ is full;
	 * the CQ-head doorbell wakes them when non-zero. */
	atomic_uint cq_waiters;
	bool timer_blocked; /* the timer thread is one of the waiters */

	/* Interrupt coalescing, under m->lock. */
	unsigned irq_pending;   /* completions posted and not signalled */
	uint64_t irq_oldest_ns; /* post time of the first of them */

	/* Statistics (relaxed atomics; they survive reset). */
	atomic_uint_fast64_t st_jobs, st_bytes, st_completed;
	atomic_uint st_errors, st_doorbells, st_irqs;
};

struct tc_engine {
	struct tc_model *m;
	unsigned id;
	pthread_t thread;

	/* Under m->lock. */
	struct tc_task *task; /* the task this engine owns, or NULL */
	bool task_admin;      /* it holds task->q's fetch_busy */
	bool abandon;         /* reset/teardown: drop the task, don't post */
	bool idled;           /* slept for work since its last job */
	bool started;         /* the thread exists */
	uint64_t busy_until;  /* timing model: end of the last job */

	/* Statistics. */
	atomic_uint_fast64_t st_jobs, st_bytes, st_busy_ns;
	atomic_uint st_errors, st_class;
};

struct tc_fault {
	uint32_t ctrl; /* FI_CTRL: only STALL is stored */
	uint32_t error_ppm;
	uint32_t latency_us;
	uint32_t seed;
	uint32_t reset_after;
	uint32_t prng;      /* xorshift32 state, never 0 */
	uint32_t completed; /* completions since the last reset */
	bool reset_due;     /* FI_RESET_AFTER reached */
	atomic_uint injected;
};

struct tc_model {
	struct tc_model_config cfg;
	char name[64];
	struct tc_model_bus bus;
	struct tc_dma dma;
	struct tc_ops_state *ops;
	uint64_t t0_ns; /* TIME_NS origin */

	pthread_mutex_t lock;
	pthread_cond_t work_cond;   /* idle engines wait for descriptors */
	pthread_cond_t engine_cond; /* busy engines: timing, stall, CQ */
	pthread_cond_t timer_cond;  /* the timer thread */
	pthread_cond_t ctl_cond;    /* resets/teardowns wait for engines */
	atomic_uint sleepers;       /* engines waiting on work_cond */
	bool stopping;

	/* Global registers, under m->lock. */
	bool ctrl_enable;
	bool fatal;
	uint8_t fatal_code;
	bool resetting;
	bool ctl_busy; /* a reset or queue teardown is running */
	uint32_t err_vector;
	atomic_uint reset_count, bad_doorbells, bad_descs, bad_mmio;

	struct tc_fault fi;
	struct tc_queue queues[TC_MAX_QUEUES];
	struct tc_engine engines[TC_MAX_ENGINES];
	unsigned rr_next;         /* round-robin fetch position */
	uint64_t card_jobs_until; /* card_jobs_per_sec: end of the last slot */

	struct tc_task_list delayed; /* by due_ns */
	uint64_t timer_wake_ns;      /* when the timer thread sleeps until */
	bool timer_started;
	pthread_t timer_thread;

	uint32_t irq_mask; /* vectors to raise at the next unlock */
	atomic_uint log_count[TC_LOG_KINDS];
};

/*
 * Register access helpers for the decoders.  They return 0, or -EINVAL for
 * an access size the register does not take.  A 64-bit LO/HI pair takes a
 * 4-byte access to either half and an 8-byte access to LO.
 */
static inline int tc_reg32(unsigned size, uint32_t v, uint64_t *val)
{
	if (size != 4)
		return -EINVAL;
	*val = v;
	return 0;
}

static inline int tc_reg_pair(unsigned reg, unsigned lo, unsigned size,
                              uint64_t v, uint64_t *val)
{
	if (reg == lo)
		*val = size == 8 ? v : (uint32_t)v;
	else if (size == 4)
		*val = v >> 32;
	else
		return -EINVAL;
	return 0;
}

static inline uint64_t tc_load64(atomic_uint_fast64_t *a)
{
	return atomic_load_explicit(a, memory_order_relaxed);
}

static inline uint32_t tc_load32(atomic_uint *a)
{
	return atomic_load_explicit(a, memory_order_relaxed);
}

static inline void tc_add64(atomic_uint_fast64_t *a, uint64_t v)
{
	atomic_fetch_add_explicit(a, v, memory_order_relaxed);
}

static inline void tc_inc32(atomic_uint *a)
{
	atomic_fetch_add_explicit(a, 1, memory_order_relaxed);
}

/* ---- tc_model.c --------------------------------------------------------- */
uint64_t tc_model_now_ns(void);
void tc_model_lock(struct tc_model *m);
/* Unlock, then deliver the vectors raised while locked. */
void tc_model_unlock(struct tc_model *m);
/* Deliver pending vectors now, dropping the lock for the callbacks. */
void tc_model_flush_irqs_locked(struct tc_model *m);
/* Engines may fetch: enabled, not fatal, resetting, stalled or stopping. */
bool tc_model_fetch_allowed(const struct tc_model *m);
/* Completions may be posted (not stalled, fatal or resetting). */
bool tc_model_post_allowed(const struct tc_model *m);
void tc_model_set_fatal(struct tc_model *m, uint8_t code);
void tc_model_clear_fatal(struct tc_model *m);
/* Something that gates fetching or posting changed: wake every waiter. */
void tc_model_wake_all(struct tc_model *m);
void tc_model_log(struct tc_model *m, enum tc_log_kind kind, const char *fmt,
                  ...) __attribute__((format(printf, 3, 4)));
void tc_model_bad_mmio(struct tc_model *m, bool write, uint64_t off,
                       unsigned size, uint64_t val, const char *why);

/* ---- tc_model_config.c -------------------------------------------------- */
int tc_model_config_check(const struct tc_model_config *cfg, char *err,
                          size_t errlen);

/* ---- tc_queue.c --------------------------------------------------------- */
void tc_queue_init(struct tc_model *m, struct tc_queue *q, unsigned id);
int tc_queue_read(struct tc_model *m, struct tc_queue *q, unsigned reg,
                  unsigned size, uint64_t *val);
int tc_queue_write(struct tc_model *m, struct tc_queue *q, unsigned reg,
                   unsigned size, uint64_t val);
/* A queue engines could fetch from now, round-robin, or NULL. */
struct tc_queue *tc_queue_pick(struct tc_model *m, bool advance);
/* Fetch q's next descriptor into a task (NULL: nothing, or a fatal fault). */
struct tc_task *tc_queue_fetch(struct tc_model *m, struct tc_queue *q);
/* Return a finished task to its queue. */
void tc_queue_task_release(struct tc_model *m, struct tc_task *t);
/* Forget the rings: free tasks, zero counters.  keep_regs keeps the
 * base/size/coalesce registers (a queue disable); reset clears them. */
void tc_queue_clear(struct tc_model *m, struct tc_queue *q, bool keep_regs);
bool tc_queue_idle(const struct tc_model *m, const struct tc_queue *q);
unsigned tc_queue_vector_of(const struct tc_queue *q);

/* ---- tc_doorbell.c ----------------------------------------------------- */
void tc_queue_sq_doorbell(struct tc_model *m, unsigned qid, uint32_t tail);
void tc_queue_cq_doorbell(struct tc_model *m, unsigned qid, uint32_t head);

/* ---- tc_cq.c ------------------------------------------------------------ */
/* Write one CQE.  0, -EAGAIN (CQ full) or -EFAULT (DMA fault). */
int tc_cq_post(struct tc_model *m, struct tc_queue *q, uint16_t cid,
               uint16_t status, uint32_t result, uint32_t aux);
/* Post a finished task, release it and run the interrupt rules.  0,
 * -EAGAIN (CQ full: the caller keeps the task) or -EFAULT (the card went
 * fatal: the caller keeps the task). */
int tc_cq_complete_task(struct tc_model *m, struct tc_task *t);
bool tc_cq_full(const struct tc_queue *q);

/* ---- tc_irq.c ----------------------------------------------------------- */
void tc_irq_raise_vector(struct tc_model *m, unsigned vector);
void tc_irq_raise_queue(struct tc_model *m, struct tc_queue *q);
void tc_irq_after_post(struct tc_model *m, struct tc_queue *q, bool irq_now);
/* A poster found q's CQ full: signal what is pending so the host drains. */
void tc_irq_cq_full(struct tc_model *m, struct tc_queue *q);
/* Signal every queue's pending completions (the card stopped fetching). */
void tc_irq_flush_pending(struct tc_model *m);
/* Raise expired coalescing timers; returns the next deadline. */
uint64_t tc_irq_expire(struct tc_model *m, uint64_t now);
void tc_irq_deliver(struct tc_model *m, uint32_t mask);
/* A thread that must not call the bus (it owns a task, or is the timer
 * waiting on itself) is about to drop the lock: have the timer thread
 * deliver the pending vectors. */
void tc_irq_handoff(struct tc_model *m);

/* ---- tc_engine.c -------------------------------------------------------- */
int tc_engines_start(struct tc_model *m);
void tc_engines_join(struct tc_model *m);

/* ---- tc_timing.c -------------------------------------------------------- */
uint64_t tc_timing_service_ns(const struct tc_timing_class *t, uint64_t bytes);
/* Added completion latency of a class (incl. FI_LATENCY_US), ns. */
uint64_t tc_timing_latency_ns(const struct tc_model *m, unsigned op_class);
/* Hold engine e until the modelled service time of the job it ran in
 * [t0, t1] is over; *busy_ns gets the time to account.  Lock held.
 * Returns false if the engine was told to drop its task meanwhile. */
bool tc_timing_engine_wait(struct tc_model *m, struct tc_engine *e,
                           unsigned op_class, uint64_t bytes, uint64_t t0,
                           uint64_t t1, uint64_t *busy_ns);

/* ---- tc_timer.c --------------------------------------------------------- */
int tc_timer_start(struct tc_model *m);
void tc_timer_join(struct tc_model *m);
void tc_timer_delay_task(struct tc_model *m, struct tc_task *t, uint64_t due);
void tc_timer_undelay_task(struct tc_model *m, struct tc_task *t);
/* Make sure the timer thread wakes by deadline. */
void tc_timer_kick(struct tc_model *m, uint64_t deadline);

/* ---- tc_fault.c --------------------------------------------------------- */
void tc_fault_init(struct tc_model *m);
int tc_fault_read(struct tc_model *m, unsigned off, unsigned size,
                  uint64_t *val);
int tc_fault_write(struct tc_model *m, unsigned off, unsigned size,
                   uint64_t val);
bool tc_fault_stalled(const struct tc_model *m);
/* Draw whether the next job fails (FI_ERROR_PPM). */
bool tc_fault_draw_error(struct tc_model *m);
uint64_t tc_fault_latency_ns(const struct tc_model *m);
/* Count a posted completion for FI_RESET_AFTER. */
void tc_fault_count_completion(struct tc_model *m);
/* Run a reset FI_RESET_AFTER asked for.  The caller owns no task. */
void tc_fault_run_due_reset(struct tc_model *m);

/* ---- tc_reset.c --------------------------------------------------------- */
/* Serialise resets and queue teardowns (lock held; may wait). */
void tc_ctl_begin(struct tc_model *m);
void tc_ctl_end(struct tc_model *m);
/* Make engines drop the tasks they hold (of q, or all when q is NULL) and
 * wait until they have.  Lock held; may wait. */
void tc_reset_quiesce(struct tc_model *m, struct tc_queue *q);
/* Post ABORTED_RESET for q's in-flight tasks (fetch order) and release
 * them.  Returns completions posted. */
unsigned tc_reset_abort_inflight(struct tc_model *m, struct tc_queue *q);
/* The whole card reset.  Lock held; the caller owns no task. */
void tc_reset_locked(struct tc_model *m, const char *why);

#endif
