// SPDX-License-Identifier: MIT
/*
 * What each control request does.  Reports are built from one snapshot;
 * actions go through the pool (drain, undrain), the driver (reset) or the
 * card's fault-injection registers (fault, docs/card-spec.md), and answer
 * with the card's state afterwards so the operator sees the effect.
 */
#include <stdlib.h>
#include <string.h>

#include "tlsd_control.h"

static json_t *tlsd_ctl_report(struct tlsd_control *ctl, enum tlsd_ctl_cmd cmd)
{
	struct tlsd_snapshot *s = malloc(sizeof(*s));
	json_t *reply;

	if (!s)
		return NULL;
	tlsd_observe_snapshot(ctl->obs, s);
	switch (cmd) {
	case TLSD_CTL_STATS: reply = tlsd_ctl_json_stats(s); break;
	case TLSD_CTL_CARDS: reply = tlsd_ctl_json_cards(s); break;
	default: reply = tlsd_ctl_json_health(s); break;
	}
	free(s);
	return reply;
}

/* {"ok":true,"cmd":...,"card":{the card object, after the action}} */
static json_t *tlsd_ctl_done(struct tlsd_control *ctl,
                             const struct tlsd_ctl_request *req)
{
	struct tlsd_snapshot *s = malloc(sizeof(*s));
	json_t *reply;

	if (!s)
		return NULL;
	tlsd_observe_snapshot(ctl->obs, s);
	reply = json_pack(
	    "{s:b,s:s,s:o}", "ok", 1, "cmd", tlsd_ctl_cmd_name(req->cmd),
	    "card", tlsd_ctl_json_card(&s->card[req->card], req->card, false));
	free(s);
	return reply;
}

/*
 * A reset through the driver aborts the card's jobs; the pool re-runs them
 * elsewhere.  Setting the state it had again makes the pool account for
 * the reset now (its key bookkeeping, the resets counter).
 */
static int tlsd_ctl_reset(struct tc_pool *pool, unsigned card)
{
	struct tc_pool_card_stats st;
	int rc;

	rc = tc_pool_card_stats(pool, card, &st);
	if (rc)
		return rc;
	rc = tc_dev_reset(tc_pool_card(pool, card));
	if (rc)
		return rc;
	/* A quarantined card stays so: the pool's probe brings it back. */
	if (st.state == TC_CARD_QUARANTINED)
		return 0;
	rc = tc_pool_set_state(pool, card, TC_CARD_UP);
	if (!rc && st.state == TC_CARD_DRAINING)
		rc = tc_pool_set_state(pool, card, TC_CARD_DRAINING);
	return rc;
}

static json_t *tlsd_ctl_fault(struct tc_dev *dev,
                              const struct tlsd_ctl_request *req)
{
	uint32_t ctrl = tc_dev_read32(dev, TC_REG_FI_CTRL) & TC_FI_CTRL_STALL;

	if (!(tc_dev_info(dev)->cap_features & TC_CAP_F_FAULT_INJECT))
		return tlsd_ctl_json_error(
		    "card %u (%s) has no fault injection", req->card,
		    tc_dev_info(dev)->name);
	switch (req->fault) {
	case TLSD_FAULT_ERROR_RATE:
		tc_dev_write32(dev, TC_REG_FI_ERROR_PPM,
		               (uint32_t)(req->error_rate * 1e6 + 0.5));
		break;
	case TLSD_FAULT_STALL:
		/* only the STALL bit: the others are write-1 actions */
		tc_dev_write32(dev, TC_REG_FI_CTRL, ctrl | TC_FI_CTRL_STALL);
		break;
	case TLSD_FAULT_LATENCY:
		tc_dev_write32(dev, TC_REG_FI_LATENCY_US, req->latency_us);
		break;
	case TLSD_FAULT_CLEAR:
		tc_dev_write32(dev, TC_REG_FI_CTRL, 0);
		tc_dev_write32(dev, TC_REG_FI_ERROR_PPM, 0);
		tc_dev_write32(dev, TC_REG_FI_LATENCY_US, 0);
		break;
	}
	return NULL;
}

static json_t *tlsd_ctl_act(struct tlsd_control *ctl,
                            const struct tlsd_ctl_request *req)
{
	struct tc_pool *pool = tlsd_cards_pool(ctl->obs->cards);
	unsigned n = pool ? tc_pool_ncards(pool) : 0;
	json_t *err = NULL;
	int rc = 0;

	if (!n)
		return tlsd_ctl_json_error("no cards: tlscardd runs with "
		                           "--cards none");
	if (req->card >= n)
		return tlsd_ctl_json_error("no card %u: tlscardd drives %u "
		                           "card(s), 0..%u",
		                           req->card, n, n - 1);
	switch (req->cmd) {
	case TLSD_CTL_RESET: rc = tlsd_ctl_reset(pool, req->card); break;
	case TLSD_CTL_DRAIN:
		rc = tc_pool_set_state(pool, req->card, TC_CARD_DRAINING);
		break;
	case TLSD_CTL_UNDRAIN:
		rc = tc_pool_set_state(pool, req->card, TC_CARD_UP);
		break;
	case TLSD_CTL_FAULT:
		err = tlsd_ctl_fault(tc_pool_card(pool, req->card), req);
		break;
	default: break;
	}
	if (err)
		return err;
	if (rc)
		return tlsd_ctl_json_error("%s card %u failed: %s",
		                           tlsd_ctl_cmd_name(req->cmd),
		                           req->card, strerror(-rc));
	tlsd_log("control: %s card %u", tlsd_ctl_cmd_name(req->cmd), req->card);
	return tlsd_ctl_done(ctl, req);
}

json_t *tlsd_control_execute(struct tlsd_control *ctl, const char *line,
                             size_t len)
{
	struct tlsd_ctl_request req;
	char err[256];

	if (tlsd_ctl_parse(line, len, &req, err, sizeof(err)))
		return tlsd_ctl_json_error("%s", err);
	switch (req.cmd) {
	case TLSD_CTL_STATS:
	case TLSD_CTL_CARDS:
	case TLSD_CTL_HEALTH: return tlsd_ctl_report(ctl, req.cmd);
	default: return tlsd_ctl_act(ctl, &req);
	}
}
