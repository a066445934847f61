/* SPDX-License-Identifier: MIT */
/*
 * Asynchronous card execution for the event loop (issue 5 item 2).
 *
 * With cards, each connection's step runs as a parkable task (tlsd_task.h)
 * and the card backend parks it on its jobs instead of waiting.  Per pass
 * of the loop: every ready connection runs (collecting jobs), completions
 * are reaped, woken tasks resume, then the pool is flushed once: one
 * doorbell per card per pass.  The cards' queue and error eventfds sit in
 * the loop's epoll set, so an idle daemon sleeps there.
 *
 * Without cards (--cards none) nothing here is active and the loop runs
 * every step directly, as before.
 */
#ifndef TLSD_ASYNC_H
#define TLSD_ASYNC_H

#include <stdbool.h>

#include "tlsd.h"
#include "tlsd_cards.h"
#include "tlsd_task.h"

#define TLSD_ASYNC_MAX_FDS 32

struct tlsd_async {
	struct tlsd_source src; /* the cards' eventfds in epoll */
	struct tlsd_cards *cards;
	struct tls_offload *off;
	struct tlsd_sched sched;
	int epfd;
	int fds[TLSD_ASYNC_MAX_FDS];
	unsigned nfds;
	bool on;
};

/* Parks on cards (and registers their eventfds in epfd) when off is the
 * card backend; otherwise a->on stays false. */
void tlsd_async_init(struct tlsd_async *a, struct tlsd_cards *cards,
                     struct tls_offload *off, int epfd);
/* Run fn(arg) as task t; directly when async is off or no stack. */
void tlsd_async_run(struct tlsd_async *a, struct tlsd_task *t,
                    void (*fn)(void *arg), void *arg);
/* End of a pass: reap, resume woken tasks, one flush, sample queues. */
void tlsd_async_pass(struct tlsd_async *a);
/* The epoll timeout (ms) given the loop's own (idle) one. */
int tlsd_async_timeout(struct tlsd_async *a, int idle_ms);
/* At exit: remove the parker and finish every parked task synchronously. */
void tlsd_async_fini(struct tlsd_async *a);

#endif /* TLSD_ASYNC_H */
