// SPDX-License-Identifier: MIT
/*
 * tlscardd's card options and start-up: --cards, --sim-spec, --fault,
 * --offload-budget-us, --offload-always, --key-move-margin; the card offload backend over
 * the opened cards, the certificate keys in pool slots and the M2
 * Certificate messages in the cards' blob stores; the per-pass hook and
 * the exit statistics.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tlsd.h"
#include "tlsd_cards.h"

#define TLSD_BUDGET_US_DEFAULT 200u

static int tlsd_append_sim_spec(struct tlsd_options *o, const char *arg)
{
	size_t have = strlen(o->sim_spec);

	if (!*arg || strchr(arg, ';') ||
	    have + strlen(arg) + 2 > sizeof(o->sim_spec)) {
		tlsd_log("--sim-spec %s: expected KNOBS or I:KNOBS", arg);
		return -1;
	}
	if (have)
		strcat(o->sim_spec, ";");
	strcat(o->sim_spec, arg);
	return 0;
}

int tlsd_cards_parse_opt(const char *name, const char *arg,
                         struct tlsd_options *o)
{
	if (!strcmp(name, "cards")) {
		o->cards = arg;
		return 0;
	}
	if (!strcmp(name, "sim-spec"))
		return tlsd_append_sim_spec(o, arg);
	if (!strcmp(name, "fault")) {
		if (o->nfaults == sizeof(o->faults) / sizeof(o->faults[0])) {
			tlsd_log("--fault: too many");
			return -1;
		}
		o->faults[o->nfaults++] = arg;
		return 0;
	}
	if (!strcmp(name, "offload-budget-us")) {
		char *end;
		unsigned long v = strtoul(arg, &end, 10);

		if (*arg < '0' || *arg > '9' || *end || v > 10000000) {
			tlsd_log("--offload-budget-us %s: expected 0..10000000",
			         arg);
			return -1;
		}
		o->budget_us = (uint32_t)v;
		o->budget_us_set = true;
		return 0;
	}
	if (!strcmp(name, "key-move-margin")) {
		char *end;
		unsigned long v = strtoul(arg, &end, 10);

		if (*arg < '0' || *arg > '9' || *end || v > 65536) {
			tlsd_log("--key-move-margin %s: expected 0..65536",
			         arg);
			return -1;
		}
		o->key_move_margin = (unsigned)v;
		o->key_move_margin_set = true;
		return 0;
	}
	o->offload_always = true;
	return 0;
}

/* "I:error-rate=X", "I:stall", "I:latency-us=N" through the FI registers. */
static int tlsd_apply_fault(struct tlsd_cards *c, const char *spec)
{
	char *end;
	unsigned long idx = strtoul(spec, &end, 10);
	const char *what = end + 1;
	struct tc_dev *dev;

	if (*spec < '0' || *spec > '9' || *end != ':' ||
	    idx >= tlsd_cards_count(c)) {
		tlsd_log("--fault %s: expected I:error-rate=X, I:stall or "
		         "I:latency-us=N with I below %u",
		         spec, tlsd_cards_count(c));
		return -1;
	}
	dev = c->devs[idx];
	if (!strncmp(what, "error-rate=", 11)) {
		double rate = strtod(what + 11, &end);

		if (*end || rate < 0 || rate > 1)
			goto bad;
		tc_dev_write32(dev, TC_REG_FI_ERROR_PPM,
		               (uint32_t)(rate * 1e6 + 0.5));
	} else if (!strcmp(what, "stall")) {
		tc_dev_write32(dev, TC_REG_FI_CTRL, TC_FI_CTRL_STALL);
	} else if (!strncmp(what, "latency-us=", 11)) {
		unsigned long us = strtoul(what + 11, &end, 10);

		if (*end || what[11] < '0' || what[11] > '9')
			goto bad;
		tc_dev_write32(dev, TC_REG_FI_LATENCY_US, (uint32_t)us);
	} else {
		goto bad;
	}
	return 0;
bad:
	tlsd_log("--fault %s: expected error-rate=0..1, stall or "
	         "latency-us=N",
	         spec);
	return -1;
}

int tlsd_cards_offload(struct tlsd_options *o, struct tls_offload **off)
{
	struct tls_card_opts copts = {0};
	struct tls_offload *card;
	int ret;

	ret = tlsd_cards_open(o->cards, o->sim_spec[0] ? o->sim_spec : NULL,
	                      &o->card_set);
	if (ret) {
		tls_offload_destroy(*off);
		*off = NULL;
		return ret == -EINVAL ? 2 : 1;
	}
	if (!o->card_set) {
		if (o->nfaults) {
			tlsd_log("--fault needs --cards");
			tls_offload_destroy(*off);
			*off = NULL;
			return 2;
		}
		return 0;
	}
	for (unsigned i = 0; i < o->nfaults; i++) {
		if (tlsd_apply_fault(o->card_set, o->faults[i])) {
			tls_offload_destroy(*off);
			*off = NULL;
			tlsd_cards_close(o->card_set);
			o->card_set = NULL;
			return 2;
		}
	}
	if (o->key_move_margin_set)
		tc_pool_set_key_move_margin(o->card_set->pool,
		                            o->key_move_margin);
	copts.budget_ns =
	    1000.0 * (o->budget_us_set ? o->budget_us : TLSD_BUDGET_US_DEFAULT);
	copts.always = o->offload_always;
	card = tls_offload_card_create(o->card_set->ctx, o->card_set->pool,
	                               *off, &o->card_set->counters, &copts);
	*off = card;
	if (!card) {
		tlsd_log("cannot set up the card offload");
		tlsd_cards_close(o->card_set);
		o->card_set = NULL;
		return 1;
	}
	tlsd_log("%u card(s) from --cards %s", tlsd_cards_count(o->card_set),
	         o->cards);
	return 0;
}

int tlsd_cards_setup(struct tlsd_options *o, struct tls_config *cfg)
{
	if (!o->card_set)
		return 0;
	for (unsigned i = 0; i < cfg->ncerts; i++) {
		const struct tls_cert *crt = &cfg->certs[i];
		int ret = tls_offload_card_add_key(cfg->off, crt->key);

		/* A key type the cards lack signs on the CPU. */
		if (ret && tlsd_verbose)
			tlsd_log("certificate %u: key stays on the CPU: %s", i,
			         strerror(-ret));
		if (crt->cert13 && tls_offload_card_add_blob(
		                       cfg->off, crt->cert13, crt->cert13_len))
			tlsd_log("certificate %u: TLS 1.3 message not stored "
			         "on every card (digests copy it instead)",
			         i);
		if (crt->cert12 && tls_offload_card_add_blob(
		                       cfg->off, crt->cert12, crt->cert12_len))
			tlsd_log("certificate %u: TLS 1.2 message not stored "
			         "on every card (digests copy it instead)",
			         i);
	}
	return 0;
}

void tlsd_cards_pass(struct tlsd_cards *c, struct tls_offload *off)
{
	if (!c)
		return;
	/* Health: timeouts, quarantine probes, late completions. */
	tc_pool_poll(c->pool, UINT32_MAX);
	/* A card that reset lost its blob store: load it again. */
	tls_offload_card_refresh(off);
	/* Jobs queued during this pass (key evictions at close, the pool's
	 * re-runs: caller_flushes) go out with one doorbell per card. */
	tc_pool_flush(c->pool);
}

int tlsd_cards_sleep_ms(struct tlsd_cards *c, int idle_ms)
{
	return c && tc_pool_inflight(c->pool) ? 1 : idle_ms;
}

void tlsd_cards_print_stats(const struct tlsd_cards *c)
{
	static const char *const ops[TLSD_OP_COUNT] = {"ecdh", "sign", "digest",
	                                               "aead"};
	const struct tlsd_offload_counters *k;
	uint64_t key_loads = 0;

	if (!c)
		return;
	k = &c->counters;
	for (unsigned i = 0; i < tlsd_cards_count(c); i++) {
		struct tc_pool_card_stats st;

		if (tc_pool_card_stats(c->pool, i, &st))
			continue;
		key_loads += st.key_loads;
		tlsd_log("card %u: name=%s state=%d submitted=%llu "
		         "completed=%llu errors=%llu inflight=%u "
		         "doorbells=%llu quarantines=%llu resets=%llu "
		         "retried_away=%llu key_loads=%llu digest=%llu "
		         "aead=%llu pke=%llu max_inflight=%u",
		         i, st.name, (int)st.state,
		         (unsigned long long)st.qp.submitted,
		         (unsigned long long)st.qp.completed,
		         (unsigned long long)st.qp.errors, st.qp.inflight,
		         (unsigned long long)st.qp.doorbells,
		         (unsigned long long)st.quarantines,
		         (unsigned long long)st.resets,
		         (unsigned long long)st.retried_away,
		         (unsigned long long)st.key_loads,
		         (unsigned long long)st.class_jobs[TC_CLASS_DIGEST],
		         (unsigned long long)st.class_jobs[TC_CLASS_AEAD],
		         (unsigned long long)st.class_jobs[TC_CLASS_PKE],
		         c->max_inflight[i]);
	}
	for (unsigned i = 0; i < TLSD_OP_COUNT; i++)
		tlsd_log("offload %s: card=%llu cpu=%llu", ops[i],
		         (unsigned long long)k->card_jobs[i],
		         (unsigned long long)k->cpu_jobs[i]);
	tlsd_log(
	    "offload: fallbacks=%llu key_loads=%llu digest_jobs=%llu "
	    "batches=%llu records=%llu doorbells=%llu sync_waits=%llu "
	    "blob_loads=%llu blob_refs=%llu bounce_bytes=%llu dma_bufs=%llu "
	    "abandoned=%llu passes=%llu parks=%llu resumes=%llu "
	    "max_parked=%u",
	    (unsigned long long)k->cpu_fallbacks, (unsigned long long)key_loads,
	    (unsigned long long)k->digest_calls, (unsigned long long)k->batches,
	    (unsigned long long)k->records, (unsigned long long)k->doorbells,
	    (unsigned long long)k->sync_waits,
	    (unsigned long long)k->blob_loads, (unsigned long long)k->blob_refs,
	    (unsigned long long)k->bounce_bytes,
	    (unsigned long long)k->dma_bufs, (unsigned long long)k->abandoned,
	    (unsigned long long)k->passes, (unsigned long long)k->parks,
	    (unsigned long long)k->resumes, c->max_parked);
}
