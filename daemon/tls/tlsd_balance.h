/* SPDX-License-Identifier: MIT */
/*
 * The backend pool's decisions, as pure functions the unit tests reach:
 * least-connections choice over live backends, and the health state
 * machine (fall consecutive failures take a backend down, rise
 * consecutive successes bring it back; a failure in use takes it down at
 * once).  The sockets, probes and counters around them live in
 * daemon/tlsd_backend*.c and daemon/tlsd_health.c.
 */
#ifndef TLSD_BALANCE_H
#define TLSD_BALANCE_H

#include <stdbool.h>
#include <stdint.h>

/* What the balancer knows of one backend. */
struct tlsd_lb_node {
	bool up;
	unsigned active;   /* client connections using it now */
	unsigned ok_run;   /* consecutive successful health checks */
	unsigned fail_run; /* consecutive failed health checks */
};

struct tlsd_health_rule {
	unsigned fall; /* failed checks in a row that take an up node down */
	unsigned rise; /* good checks in a row that bring a down node up */
};

enum tlsd_lb_change {
	TLSD_LB_SAME,
	TLSD_LB_WENT_DOWN,
	TLSD_LB_WENT_UP,
};

/*
 * The live node with the fewest active connections, skipping the nodes
 * whose bit is set in `exclude` (already tried for this client).  Ties go
 * to the first such node at or after *cursor, which then moves past it,
 * so equal loads are shared in turn.  When no live node is left, the
 * down nodes are tried the same way: a backend marked down by one failed
 * connect may be back, and refusing the client is worse.  -1: every node
 * is excluded.
 */
int tlsd_lb_choose(const struct tlsd_lb_node *nodes, unsigned n,
                   uint32_t exclude, unsigned *cursor);

/* One health check's result, through the fall/rise thresholds. */
enum tlsd_lb_change tlsd_lb_check(struct tlsd_lb_node *node, bool ok,
                                  const struct tlsd_health_rule *rule);

/* A connect or handshake failed in use: down now, rise checks to return. */
enum tlsd_lb_change tlsd_lb_fail_now(struct tlsd_lb_node *node);

#endif /* TLSD_BALANCE_H */
