/* SPDX-License-Identifier: MIT */
/*
 * tlscardctl load: N jobs through the pool (method M5), every result
 * verified against libcrypto, with faults injected into chosen cards
 * through their fault-injection registers.  It reports, per card, the jobs
 * it completed, its errors, quarantines, resets and state; and in total
 * the jobs right, failed, lost (submitted, never completed) and completed
 * twice.  It exits 0 iff every job completed correctly exactly once: the
 * failover promise, checked end to end.
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "ctl_load.h"

static void load_done(struct tc_job *job)
{
	struct load_slot *s = (struct load_slot *)job;
	struct load_state *ls = s->ls;
	char why[128];

	if (ls->closing)
		return;
	if (!s->outstanding || ls->done_count[s->id]++) {
		ls->twice++;
		return;
	}
	s->outstanding = false;
	ls->done++;
	if (job->status != TC_STS_OK) {
		ls->failed++;
		snprintf(why, sizeof(why), "status %s",
		         tc_status_name(job->status));
	} else if (load_slot_verify(ls, s, why, sizeof(why))) {
		ls->wrong++;
	} else {
		ls->ok++;
		if (job->card >= 0 && job->card < (int)CTL_MAX_CARDS)
			ls->card_ok[job->card]++;
		why[0] = '\0';
	}
	if (why[0] && !ls->first_error[0])
		snprintf(ls->first_error, sizeof(ls->first_error),
		         "job %llu on card %d: %s", (unsigned long long)s->id,
		         job->card, why);
	s->next = ls->free;
	ls->free = s;
}

static int apply_faults(const struct load_opts *o, struct ctl_cards *cards,
                        char *err, size_t errlen)
{
	for (unsigned i = 0; i < o->nfaults; i++) {
		const struct load_fault *f = &o->faults[i];
		struct tc_dev *dev;
		uint32_t v = f->value;

		if (f->card >= cards->n) {
			snprintf(err, errlen, "--fault %s: no card %u", f->text,
			         f->card);
			return -EINVAL;
		}
		dev = cards->dev[f->card];
		if (!(tc_dev_info(dev)->cap_features & TC_CAP_F_FAULT_INJECT)) {
			snprintf(err, errlen, "card %u has no fault injection",
			         f->card);
			return -ENOTSUP;
		}
		if (f->set_bits)
			v |= tc_dev_read32(dev, f->reg);
		tc_dev_write32(dev, f->reg, v);
	}
	return 0;
}

/*
 * Fault-injection registers survive resets and outlive this process (a
 * broken card stays broken, card-spec.md), so a load run clears what it
 * set: a real or QEMU card must not stay faulty after the test.
 */
static void clear_faults(const struct load_opts *o, struct ctl_cards *cards)
{
	for (unsigned i = 0; i < o->nfaults; i++) {
		const struct load_fault *f = &o->faults[i];

		if (f->card < cards->n && cards->dev[f->card] &&
		    (tc_dev_info(cards->dev[f->card])->cap_features &
		     TC_CAP_F_FAULT_INJECT))
			tc_dev_write32(cards->dev[f->card], f->reg, 0);
	}
}

/* Feed the pool until every job is done or time runs out. */
static void load_drive(struct load_state *ls, const struct load_opts *o)
{
	uint64_t deadline = tc_now_ns() + (uint64_t)(o->max_seconds * 1e9);
	/* How long to wait for a quarantined card's probe to bring it back
	 * when no card is usable and nothing is in flight. */
	uint64_t nodev_limit = 2000000000ull + 5000000ull * o->timeout_ms;
	uint64_t nodev_since = 0;

	while (ls->done < ls->njobs && tc_now_ns() < deadline) {
		/* Build the next job when a slot is free. */
		if (!ls->pending && ls->free && ls->submitted < ls->njobs) {
			struct load_slot *s = ls->free;

			ls->free = s->next;
			s->id = ls->submitted;
			if (load_slot_prep(ls, s)) {
				snprintf(ls->first_error,
				         sizeof(ls->first_error),
				         "libcrypto could not build job %llu",
				         (unsigned long long)s->id);
				return;
			}
			s->job.done = load_done;
			ls->pending = s;
		}
		if (ls->pending) {
			int ret = tc_pool_submit(ls->pool, &ls->pending->job);

			if (!ret) {
				ls->pending->outstanding = true;
				ls->pending = NULL;
				ls->submitted++;
				continue; /* fill the window, then flush */
			}
			/* full, or no usable card: wait for completions */
			if (ret != -EAGAIN && ret != -ENODEV) {
				snprintf(ls->first_error,
				         sizeof(ls->first_error),
				         "tc_pool_submit: %s", strerror(-ret));
				return;
			}
			if (ret == -ENODEV && !tc_pool_inflight(ls->pool)) {
				uint64_t now = tc_now_ns();

				if (!nodev_since)
					nodev_since = now;
				if (now - nodev_since > nodev_limit) {
					snprintf(ls->stopped,
					         sizeof(ls->stopped),
					         "no usable card for %.1f s",
					         (double)nodev_limit / 1e9);
					return;
				}
			} else {
				nodev_since = 0;
			}
		}
		tc_pool_flush(ls->pool);
		tc_pool_wait(ls->pool, 5);
	}
	if (ls->done < ls->njobs)
		snprintf(ls->stopped, sizeof(ls->stopped),
		         "gave up after %.1f s with %llu jobs not done",
		         o->max_seconds,
		         (unsigned long long)(ls->njobs - ls->done));
}

static json_t *card_report(struct load_state *ls, struct ctl_cards *cards,
                           unsigned i)
{
	struct tc_pool_card_stats st;
	json_t *c = json_object();

	tc_pool_card_stats(ls->pool, i, &st);
	json_object_set_new(c, "index", json_integer(i));
	json_object_set_new(c, "name", json_string(st.name));
	json_object_set_new(c, "state",
	                    json_string(ctl_card_state_name(st.state)));
	json_object_set_new(c, "jobs",
	                    json_integer((json_int_t)ls->card_ok[i]));
	json_object_set_new(c, "errors",
	                    json_integer((json_int_t)st.qp.errors));
	json_object_set_new(c, "quarantines",
	                    json_integer((json_int_t)st.quarantines));
	json_object_set_new(c, "resets", json_integer((json_int_t)st.resets));
	json_object_set_new(c, "retried_away",
	                    json_integer((json_int_t)st.retried_away));
	json_object_set_new(
	    c, "injected",
	    json_integer(tc_dev_read32(cards->dev[i], TC_REG_FI_INJECTED)));
	return c;
}

static void print_report(json_t *rep, bool json)
{
	json_t *cards = json_object_get(rep, "cards"), *c;
	size_t i;

	if (json) {
		json_dumpf(rep, stdout,
		           JSON_INDENT(2) | JSON_PRESERVE_ORDER |
		               JSON_REAL_PRECISION(6));
		fputc('\n', stdout);
		return;
	}
	printf("%-14s %-12s %8s %7s %11s %6s %7s %8s\n", "CARD", "STATE",
	       "JOBS", "ERRORS", "QUARANTINES", "RESETS", "RETRIED",
	       "INJECTED");
	json_array_foreach(cards, i, c)
	{
		printf("%-14s %-12s %8lld %7lld %11lld %6lld %7lld %8lld\n",
		       json_string_value(json_object_get(c, "name")),
		       json_string_value(json_object_get(c, "state")),
		       json_integer_value(json_object_get(c, "jobs")),
		       json_integer_value(json_object_get(c, "errors")),
		       json_integer_value(json_object_get(c, "quarantines")),
		       json_integer_value(json_object_get(c, "resets")),
		       json_integer_value(json_object_get(c, "retried_away")),
		       json_integer_value(json_object_get(c, "injected")));
	}
	printf("jobs %lld: ok %lld, failed %lld, lost %lld, done twice %lld, "
	       "unsubmitted %lld in %.2f s\n",
	       json_integer_value(json_object_get(rep, "jobs")),
	       json_integer_value(json_object_get(rep, "ok")),
	       json_integer_value(json_object_get(rep, "failed")),
	       json_integer_value(json_object_get(rep, "lost")),
	       json_integer_value(json_object_get(rep, "done_twice")),
	       json_integer_value(json_object_get(rep, "unsubmitted")),
	       json_real_value(json_object_get(rep, "seconds")));
	if (json_string_value(json_object_get(rep, "first_error")))
		printf("first error: %s\n",
		       json_string_value(json_object_get(rep, "first_error")));
	if (json_string_value(json_object_get(rep, "stopped")))
		printf("stopped early: %s\n",
		       json_string_value(json_object_get(rep, "stopped")));
}

static int load_run(const struct ctl_cmd *cmd, int argc, char **argv)
{
	static const char *const op_names[] = {"nop", "digest", "aead"};
	struct load_opts o = {.njobs = 10000,
	                      .op = LOAD_OP_DIGEST,
	                      .policy = TC_POOL_LEAST_ECT,
	                      .window = 64,
	                      .timeout_ms = 200,
	                      .max_seconds = 60};
	struct load_state ls = {0};
	struct load_slot *slots = NULL;
	struct tc_dma_buf mem = {0};
	struct tc_pool_opts po;
	struct ctl_cards cards;
	uint64_t start, lost;
	size_t slot_bytes;
	char err[256];
	json_t *rep, *arr;
	int ret;

	ret = load_parse(cmd, argc, argv, &o);
	if (ret)
		return ret < 0 ? CTL_EXIT_OK : ret;
	ret = ctl_cards_open(&cards, o.device, &o.knobs, false, NULL, err,
	                     sizeof(err));
	if (ret == -EINVAL && strstr(err, "bad device"))
		return ctl_usage_error(cmd, "%s", err);
	if (ret)
		return ctl_fail(cmd, "%s", err);
	tc_pool_opts_default(&po);
	po.policy = o.policy;
	po.timeout_ms = o.timeout_ms;
	ret = tc_pool_create(cards.ctx, &po, &ls.pool);
	for (unsigned i = 0; !ret && i < cards.n; i++) {
		int idx = tc_pool_add(ls.pool, cards.dev[i]);

		ret = idx < 0 ? idx : 0;
	}
	if (ret) {
		snprintf(err, sizeof(err), "pool: %s", strerror(-ret));
		goto fail;
	}
	if (apply_faults(&o, &cards, err, sizeof(err)))
		goto fail;

	ls.op = o.op;
	ls.njobs = o.njobs;
	ls.rng = 0x10adu;
	ls.done_count = calloc(o.njobs, 1);
	slots = calloc(o.window, sizeof(*slots));
	slot_bytes = load_slot_bytes(o.op);
	if (!ls.done_count || !slots ||
	    tc_dma_alloc(cards.ctx, slot_bytes * o.window, &mem) ||
	    load_op_setup(&ls, cards.ctx)) {
		snprintf(err, sizeof(err), "setup failed (memory or keys)");
		goto fail;
	}
	for (unsigned i = 0; i < o.window; i++) {
		slots[i].ls = &ls;
		slots[i].mem = (uint8_t *)mem.va + i * slot_bytes;
		slots[i].iova = mem.iova + i * slot_bytes;
		slots[i].next = ls.free;
		ls.free = &slots[i];
	}

	start = tc_now_ns();
	load_drive(&ls, &o);
	lost = ls.submitted - ls.done;

	rep = json_object();
	json_object_set_new(rep, "op", json_string(op_names[o.op]));
	json_object_set_new(
	    rep, "policy",
	    json_string(o.policy == TC_POOL_ROUND_ROBIN ? "rr" : "ect"));
	json_object_set_new(rep, "jobs", json_integer((json_int_t)o.njobs));
	json_object_set_new(rep, "ok", json_integer((json_int_t)ls.ok));
	json_object_set_new(rep, "failed",
	                    json_integer((json_int_t)(ls.failed + ls.wrong)));
	json_object_set_new(rep, "wrong", json_integer((json_int_t)ls.wrong));
	json_object_set_new(rep, "lost", json_integer((json_int_t)lost));
	json_object_set_new(rep, "done_twice",
	                    json_integer((json_int_t)ls.twice));
	json_object_set_new(rep, "unsubmitted",
	                    json_integer((json_int_t)(o.njobs - ls.submitted)));
	json_object_set_new(rep, "seconds",
	                    json_real(ctl_seconds_since(start)));
	arr = json_array();
	for (unsigned i = 0; i < cards.n; i++)
		json_array_append_new(arr, card_report(&ls, &cards, i));
	json_object_set_new(rep, "cards", arr);
	json_object_set_new(rep, "first_error",
	                    ls.first_error[0] ? json_string(ls.first_error)
	                                      : json_null());
	json_object_set_new(rep, "stopped",
	                    ls.stopped[0] ? json_string(ls.stopped)
	                                  : json_null());
	print_report(rep, o.json);
	json_decref(rep);
	ret = ls.ok == o.njobs && !lost && !ls.twice ? CTL_EXIT_OK
	                                             : CTL_EXIT_FAIL;
	goto out;
fail:
	ret = ctl_fail(cmd, "%s", err);
out:
	/* Jobs still held by a card complete (aborted) during teardown;
	 * they were already counted as lost. */
	ls.closing = true;
	if (ls.pool)
		tc_pool_destroy(ls.pool);
	load_op_teardown(&ls, cards.ctx);
	if (mem.va)
		tc_dma_free(cards.ctx, &mem);
	clear_faults(&o, &cards);
	ctl_cards_close(&cards);
	free(slots);
	free(ls.done_count);
	return ret;
}

const struct ctl_cmd ctl_cmd_load = {
    .name = "load",
    .summary = "verified jobs through the pool, with fault injection",
    .usage = ctl_load_usage,
    .run = load_run,
};
