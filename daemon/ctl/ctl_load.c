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

static const char load_usage[] =
	"usage: tlscardctl load --device sim:N [options]\n"
	"\n"
	"Run N jobs through the multi-card pool, verify every result against\n"
	"libcrypto, and report per card and in total.  Exit status 0 iff every\n"
	"job completed correctly exactly once.\n"
	"\n"
	"options:\n"
	"  -d, --device SPEC       cards: sim:N (or vfio:...)\n"
	"  -s, --sim-spec KNOBS    knobs for every sim card\n"
	"  -c, --card-spec I:KNOBS knobs for sim card I (repeatable), e.g.\n"
	"                          0:engines=1,digest_ops=2000\n"
	"  -f, --fault I:FAULT     inject a fault into card I (repeatable):\n"
	"                          error-rate=X (0..1), stall, latency-us=N,\n"
	"                          reset-after=N\n"
	"  -n, --jobs N            jobs in all (default 10000)\n"
	"  -o, --op OP             nop, digest (default) or aead\n"
	"  -p, --policy P          ect (default) or rr\n"
	"  -w, --window W          jobs outstanding (1..1024, default 64)\n"
	"  -T, --timeout-ms N      a job older than this means its card hung\n"
	"                          (default 200)\n"
	"  -L, --max-seconds N     give up after N seconds (default 60)\n"
	"      --json              one JSON object\n"
	"  -h, --help              show this help\n";

#define LOAD_MAX_FAULTS 32u

struct load_fault {
	unsigned card;
	uint32_t reg, value;
	bool set_bits; /* OR into FI_CTRL rather than write */
	const char *text;
};

struct load_opts {
	const char *device;
	struct ctl_knobs knobs;
	struct load_fault faults[LOAD_MAX_FAULTS];
	unsigned nfaults, window;
	uint64_t njobs;
	enum load_op op;
	enum tc_pool_policy policy;
	uint32_t timeout_ms;
	double max_seconds;
	bool json;
};

/* "I:error-rate=X", "I:stall", "I:latency-us=N", "I:reset-after=N" */
static int parse_fault(const struct ctl_cmd *cmd, const char *arg,
		       struct load_fault *f)
{
	const char *rest, *eq;
	char name[32];
	uint64_t v;
	double rate;

	if (ctl_parse_indexed(arg, CTL_MAX_CARDS, &f->card, &rest))
		return ctl_usage_error(cmd, "--fault '%s': expected I:FAULT "
					    "with I a card index",
				       arg);
	f->text = arg;
	eq = strchr(rest, '=');
	snprintf(name, sizeof(name), "%.*s",
		 (int)(eq ? (size_t)(eq - rest) : strlen(rest)), rest);
	if (!strcmp(name, "stall") && !eq) {
		f->reg = TC_REG_FI_CTRL;
		f->value = TC_FI_CTRL_STALL;
		f->set_bits = true;
		return 0;
	}
	if (!eq)
		goto bad;
	if (!strcmp(name, "error-rate")) {
		if (ctl_parse_double(cmd, "--fault error-rate", eq + 1, 0, 1,
				     &rate))
			return CTL_EXIT_USAGE;
		f->reg = TC_REG_FI_ERROR_PPM;
		f->value = (uint32_t)(rate * 1e6 + 0.5);
		return 0;
	}
	if (!strcmp(name, "latency-us") || !strcmp(name, "reset-after")) {
		if (ctl_parse_u64(cmd, "--fault", eq + 1, 0, UINT32_MAX, &v))
			return CTL_EXIT_USAGE;
		f->reg = name[0] == 'l' ? TC_REG_FI_LATENCY_US :
					  TC_REG_FI_RESET_AFTER;
		f->value = (uint32_t)v;
		return 0;
	}
bad:
	return ctl_usage_error(cmd, "--fault '%s': unknown fault (expected "
				    "error-rate=X, stall, latency-us=N or "
				    "reset-after=N)",
			       arg);
}

static int parse_card_spec(const struct ctl_cmd *cmd, const char *arg,
			   struct ctl_knobs *knobs)
{
	char err[192];
	const char *rest;
	unsigned idx;

	if (ctl_parse_indexed(arg, CTL_MAX_CARDS, &idx, &rest))
		return ctl_usage_error(cmd, "--card-spec '%s': expected "
					    "I:KNOBS with I a card index",
				       arg);
	if (ctl_knobs_check(rest, err, sizeof(err)))
		return ctl_usage_error(cmd, "--card-spec %u: %s", idx, err);
	knobs->card[idx] = rest;
	return 0;
}

static int parse_choice(const struct ctl_cmd *cmd, const char *opt,
			const char *arg, const char *const *names, unsigned n,
			unsigned *out)
{
	for (unsigned i = 0; i < n; i++) {
		if (!strcmp(arg, names[i])) {
			*out = i;
			return 0;
		}
	}
	return ctl_usage_error(cmd, "%s: unknown value '%s'", opt, arg);
}

static int load_parse(const struct ctl_cmd *cmd, int argc, char **argv,
		      struct load_opts *o)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "sim-spec", required_argument, NULL, 's' },
		{ "card-spec", required_argument, NULL, 'c' },
		{ "fault", required_argument, NULL, 'f' },
		{ "jobs", required_argument, NULL, 'n' },
		{ "op", required_argument, NULL, 'o' },
		{ "policy", required_argument, NULL, 'p' },
		{ "window", required_argument, NULL, 'w' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "max-seconds", required_argument, NULL, 'L' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const ops[] = { "nop", "digest", "aead" };
	static const char *const policies[] = { "ect", "rr" };
	char err[192];
	unsigned v = 0;
	uint64_t ms;
	int c, bad;

	optind = 0;
	while ((c = ctl_getopt(cmd, argc, argv, "d:s:c:f:n:o:p:w:T:L:",
			       longopts)) != -1) {
		bad = 0;
		switch (c) {
		case 'd': o->device = optarg; break;
		case 's': o->knobs.all = optarg; break;
		case 'c': bad = parse_card_spec(cmd, optarg, &o->knobs); break;
		case 'f':
			if (o->nfaults == LOAD_MAX_FAULTS)
				bad = ctl_usage_error(cmd, "too many --fault");
			else
				bad = parse_fault(cmd, optarg,
						  &o->faults[o->nfaults++]);
			break;
		case 'n':
			bad = ctl_parse_u64(cmd, "--jobs", optarg, 1, 100000000,
					    &o->njobs);
			break;
		case 'o':
			bad = parse_choice(cmd, "--op", optarg, ops, 3, &v);
			o->op = (enum load_op)v;
			break;
		case 'p':
			bad = parse_choice(cmd, "--policy", optarg, policies, 2,
					   &v);
			o->policy = v ? TC_POOL_ROUND_ROBIN : TC_POOL_LEAST_ECT;
			break;
		case 'w':
			bad = ctl_parse_unsigned(cmd, "--window", optarg, 1,
						 1024, &o->window);
			break;
		case 'T':
			bad = ctl_parse_u64(cmd, "--timeout-ms", optarg, 1,
					    600000, &ms);
			o->timeout_ms = (uint32_t)ms;
			break;
		case 'L':
			bad = ctl_parse_double(cmd, "--max-seconds", optarg,
					       0.1, 3600, &o->max_seconds);
			break;
		case 'j': o->json = true; break;
		case CTL_OPT_HELP: ctl_print_usage(cmd, stdout); return -1;
		default: return CTL_EXIT_USAGE;
		}
		if (bad)
			return CTL_EXIT_USAGE;
	}
	if (ctl_no_positional(cmd, argc, argv))
		return CTL_EXIT_USAGE;
	if (!o->device)
		return ctl_usage_error(cmd, "--device is required");
	if (o->knobs.all && ctl_knobs_check(o->knobs.all, err, sizeof(err)))
		return ctl_usage_error(cmd, "--sim-spec: %s", err);
	return 0;
}

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
	json_object_set_new(c, "jobs", json_integer((json_int_t)ls->card_ok[i]));
	json_object_set_new(c, "errors",
			    json_integer((json_int_t)st.qp.errors));
	json_object_set_new(c, "quarantines",
			    json_integer((json_int_t)st.quarantines));
	json_object_set_new(c, "resets", json_integer((json_int_t)st.resets));
	json_object_set_new(c, "retried_away",
			    json_integer((json_int_t)st.retried_away));
	json_object_set_new(c, "injected",
			    json_integer(tc_dev_read32(cards->dev[i],
						       TC_REG_FI_INJECTED)));
	return c;
}

static void print_report(json_t *rep, bool json)
{
	json_t *cards = json_object_get(rep, "cards"), *c;
	size_t i;

	if (json) {
		json_dumpf(rep, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
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
	static const char *const op_names[] = { "nop", "digest", "aead" };
	struct load_opts o = { .njobs = 10000, .op = LOAD_OP_DIGEST,
			       .policy = TC_POOL_LEAST_ECT, .window = 64,
			       .timeout_ms = 200, .max_seconds = 60 };
	struct load_state ls = { 0 };
	struct load_slot *slots = NULL;
	struct tc_dma_buf mem = { 0 };
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
	json_object_set_new(rep, "policy",
			    json_string(o.policy == TC_POOL_ROUND_ROBIN ?
						"rr" :
						"ect"));
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
			    ls.first_error[0] ? json_string(ls.first_error) :
						json_null());
	json_object_set_new(rep, "stopped",
			    ls.stopped[0] ? json_string(ls.stopped) :
					    json_null());
	print_report(rep, o.json);
	json_decref(rep);
	ret = ls.ok == o.njobs && !lost && !ls.twice ? CTL_EXIT_OK :
						       CTL_EXIT_FAIL;
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
	ctl_cards_close(&cards);
	free(slots);
	free(ls.done_count);
	return ret;
}

const struct ctl_cmd ctl_cmd_load = {
	.name = "load",
	.summary = "verified jobs through the pool, with fault injection",
	.usage = load_usage,
	.run = load_run,
};
