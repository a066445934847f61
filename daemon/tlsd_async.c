// SPDX-License-Identifier: MIT
/*
 * Asynchronous card execution for the event loop: the card backend's
 * parker, the per-pass flush and the cards' eventfds in epoll
 * (tlsd_async.h).
 */
#include <string.h>
#include <sys/epoll.h>

#include "tls_errors.h"
#include "tlsd_async.h"

/* While tasks wait on cards, the loop wakes at least this often: the
 * pool's timeouts and quarantine probes run from the pass. */
#define TLSD_ASYNC_TICK_MS 10

static void *tlsd_async_self(void *arg)
{
	struct tlsd_async *a = arg;

	return a->sched.current;
}

static void tlsd_async_park(void *arg, void *ctx, uint64_t deadline_ns)
{
	struct tlsd_async *a = arg;
	/* The engine's last error is per thread, and other connections run
	 * (and fail) while this one is parked: keep its own across. */
	enum tls_error err = tls_error_last();
	const char *where = tls_error_where();

	tlsd_task_park(&a->sched, ctx, deadline_ns);
	tls_error_raise(err, where);
}

static void tlsd_async_wake(void *arg, void *ctx)
{
	struct tlsd_async *a = arg;

	tlsd_task_wake(&a->sched, ctx);
}

/* A card's queue or error eventfd is readable: drain it and reap. */
static void tlsd_async_on_event(struct tlsd_source *src, uint32_t events)
{
	struct tlsd_async *a = (struct tlsd_async *)src;

	(void)events;
	tc_pool_wait(a->cards->pool, 0);
}

/* The fds are per card and stable, but a card could add or lose a vector
 * over a reset: keep the epoll set equal to what the pool reports. */
static void tlsd_async_sync_fds(struct tlsd_async *a)
{
	int fds[TLSD_ASYNC_MAX_FDS];
	unsigned n = tc_pool_fds(a->cards->pool, fds, TLSD_ASYNC_MAX_FDS);

	if (n == a->nfds && !memcmp(fds, a->fds, n * sizeof(fds[0])))
		return;
	for (unsigned i = 0; i < a->nfds; i++)
		epoll_ctl(a->epfd, EPOLL_CTL_DEL, a->fds[i], NULL);
	for (unsigned i = 0; i < n; i++) {
		struct epoll_event ev = {
		    .events = EPOLLIN,
		    .data.ptr = (void *)((uintptr_t)&a->src | TLSD_TAG_SOURCE)};

		epoll_ctl(a->epfd, EPOLL_CTL_ADD, fds[i], &ev);
	}
	memcpy(a->fds, fds, n * sizeof(fds[0]));
	a->nfds = n;
}

/* Doorbells rung so far, over every card. */
static uint64_t tlsd_async_doorbells(const struct tlsd_async *a)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < a->cards->ndevs; i++) {
		struct tc_pool_card_stats st;

		if (!tc_pool_card_stats(a->cards->pool, i, &st))
			n += st.qp.doorbells;
	}
	return n;
}

/* After the flush: the most jobs in flight per card and parked at once. */
static void tlsd_async_sample(struct tlsd_async *a)
{
	for (unsigned i = 0; i < a->cards->ndevs && i < TLSD_MAX_CARDS; i++) {
		struct tc_pool_card_stats st;

		if (tc_pool_card_stats(a->cards->pool, i, &st))
			continue;
		if (st.qp.inflight > a->cards->max_inflight[i])
			a->cards->max_inflight[i] = st.qp.inflight;
	}
	a->cards->max_parked = a->sched.max_parked;
	a->cards->parked_now = a->sched.nparked;
}

void tlsd_async_init(struct tlsd_async *a, struct tlsd_cards *cards,
                     struct tls_offload *off, int epfd)
{
	struct tls_card_parker p = {.self = tlsd_async_self,
	                            .park = tlsd_async_park,
	                            .wake = tlsd_async_wake,
	                            .arg = a};

	memset(a, 0, sizeof(*a));
	a->epfd = epfd;
	a->cards = cards;
	a->off = off;
	if (!cards || !tls_offload_is_card(off))
		return;
	a->src.on_event = tlsd_async_on_event;
	a->on = true;
	tls_offload_card_set_parker(off, &p);
	tlsd_async_sync_fds(a);
}

void tlsd_async_run(struct tlsd_async *a, struct tlsd_task *t,
                    void (*fn)(void *arg), void *arg)
{
	if (!a->on || tlsd_task_run(&a->sched, t, fn, arg))
		fn(arg);
}

void tlsd_async_pass(struct tlsd_async *a)
{
	struct tlsd_offload_counters *k;
	struct tc_pool *pool;
	uint64_t before, after;

	if (!a->on) {
		tlsd_cards_pass(a->cards, a->off);
		return;
	}
	pool = a->cards->pool;
	k = &a->cards->counters;
	/* Reap (and run the pool's timeouts, failover and probes): each
	 * completion wakes its task, which runs now and may queue its next
	 * job for this pass's doorbell. */
	tc_pool_poll(pool, UINT32_MAX);
	tlsd_sched_resume(&a->sched, tc_now_ns());
	/* A card that reset lost its blob store: load it again. */
	tls_offload_card_refresh(a->off);
	before = tlsd_async_doorbells(a);
	/* The pass's one flush: a doorbell per card with new jobs (the
	 * tasks' jobs, key evictions of connections closed, retries). */
	tls_offload_card_flush(a->off);
	after = tlsd_async_doorbells(a);
	if (after != before) {
		k->doorbells++;
		k->passes++;
	}
	tlsd_async_sample(a);
	tlsd_async_sync_fds(a);
}

int tlsd_async_timeout(struct tlsd_async *a, int idle_ms)
{
	int t;

	if (!a->on)
		return tlsd_cards_sleep_ms(a->cards, idle_ms);
	t = tlsd_sched_timeout(&a->sched, tc_now_ns(), TLSD_ASYNC_TICK_MS);
	if (t < 0 && tc_pool_inflight(a->cards->pool))
		t = TLSD_ASYNC_TICK_MS; /* an abandoned job: still reap it */
	return t < 0 ? idle_ms : t;
}

void tlsd_async_fini(struct tlsd_async *a)
{
	if (!a->on)
		return;
	/* Parked ops see no parker and finish by waiting synchronously. */
	tls_offload_card_set_parker(a->off, NULL);
	for (unsigned i = 0; i < 1000 && a->sched.parked; i++)
		tlsd_sched_resume(&a->sched, UINT64_MAX);
	for (unsigned i = 0; i < a->nfds; i++)
		epoll_ctl(a->epfd, EPOLL_CTL_DEL, a->fds[i], NULL);
	a->nfds = 0;
	a->on = false;
}
