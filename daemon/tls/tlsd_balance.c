// SPDX-License-Identifier: MIT
/* Least-connections choice and the health state machine: tlsd_balance.h. */
#include "tlsd_balance.h"

static int tlsd_lb_pick(const struct tlsd_lb_node *nodes, unsigned n,
                        uint32_t exclude, unsigned start, bool want_up)
{
	int best = -1;

	for (unsigned k = 0; k < n; k++) {
		unsigned i = (start + k) % n;

		if ((exclude >> i) & 1 || nodes[i].up != want_up)
			continue;
		if (best < 0 || nodes[i].active < nodes[best].active)
			best = (int)i;
	}
	return best;
}

int tlsd_lb_choose(const struct tlsd_lb_node *nodes, unsigned n,
                   uint32_t exclude, unsigned *cursor)
{
	unsigned start;
	int i;

	if (!n || n > 32)
		return -1;
	start = *cursor % n;
	i = tlsd_lb_pick(nodes, n, exclude, start, true);
	if (i < 0)
		i = tlsd_lb_pick(nodes, n, exclude, start, false);
	if (i >= 0)
		*cursor = (unsigned)i + 1;
	return i;
}

enum tlsd_lb_change tlsd_lb_check(struct tlsd_lb_node *node, bool ok,
                                  const struct tlsd_health_rule *rule)
{
	unsigned fall = rule->fall ? rule->fall : 1;
	unsigned rise = rule->rise ? rule->rise : 1;

	if (ok) {
		node->fail_run = 0;
		if (node->ok_run < rise)
			node->ok_run++;
		if (!node->up && node->ok_run >= rise) {
			node->up = true;
			return TLSD_LB_WENT_UP;
		}
		return TLSD_LB_SAME;
	}
	node->ok_run = 0;
	if (node->fail_run < fall)
		node->fail_run++;
	if (node->up && node->fail_run >= fall) {
		node->up = false;
		return TLSD_LB_WENT_DOWN;
	}
	return TLSD_LB_SAME;
}

enum tlsd_lb_change tlsd_lb_fail_now(struct tlsd_lb_node *node)
{
	bool was_up = node->up;

	node->up = false;
	node->ok_run = 0;
	return was_up ? TLSD_LB_WENT_DOWN : TLSD_LB_SAME;
}
