/* SPDX-License-Identifier: MIT */
/*
 * --workers N: N worker processes, each a whole tlscardd (its own
 * SO_REUSEPORT listener on the same address, event loop, cards, control
 * socket and metrics), under a parent that only supervises:
 *
 *   - cards: sim:N gives every worker its own N sim cards; vfio cards
 *     are dealt out, card J to worker J mod N (a worker left without one
 *     runs on the CPU);
 *   - control: worker I listens on PATH.I (PATH: --control or the
 *     default path); "none" stays none.  Metrics: worker I on PORT+I;
 *   - tickets: every worker reads one ticket-key file, so a ticket from
 *     one worker resumes on another.  Without --ticket-key-file the
 *     parent makes one (mode 0600, in a private directory under /tmp)
 *     and rotates it every --ticket-rotate-s;
 *   - signals: SIGHUP, SIGTERM and SIGINT go on to every worker; the
 *     parent exits when they have (0 when all exited 0).  A worker that
 *     dies otherwise is restarted after a second; one that fails within
 *     two seconds of its start stops the whole daemon (exit 1), as a
 *     bad address or missing card would fail every restart alike.
 */
#ifndef TLSD_WORKERS_H
#define TLSD_WORKERS_H

#include <stdbool.h>

#include "tlsd.h"

/*
 * In the parent: supervise until the workers are gone; returns the exit
 * code with *worker false.  In a worker: returns 0 with *worker true and
 * o adjusted to that worker (index, cards, control, metrics, ticket
 * file); the caller then serves.
 */
int tlsd_workers_run(struct tlsd_options *o, bool *worker);

#endif /* TLSD_WORKERS_H */
