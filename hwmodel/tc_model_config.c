/* SPDX-License-Identifier: MIT */
/*
 * Model configuration: range checks and the "key=value,key=value" parser
 * behind the QEMU device's "spec" property and the sim backend's sim_spec.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_model_internal.h"

enum tc_opt_field {
	TC_OPT_QUEUES,
	TC_OPT_ENGINES,
	TC_OPT_RING_LOG2,
	TC_OPT_KEY_SLOTS,
	TC_OPT_BLOB_SLOTS,
	TC_OPT_BLOB_BYTES,
	TC_OPT_MAX_INPUT,
	TC_OPT_MAX_SG,
	TC_OPT_FI,
	TC_OPT_CARD_JOBS,
	TC_OPT_OPS, /* timing: per class, or every class */
	TC_OPT_BPS,
	TC_OPT_LAT_US,
};

struct tc_cfg_key {
	const char *name;
	enum tc_opt_field field;
	uint64_t min, max;
};

/* Fixed keys.  Timing keys are "<class>_ops", "<class>_bps",
 * "<class>_lat_us", or "ops", "bps", "latency_us" for every class;
 * "card_jobs" limits the whole card. */
static const struct tc_cfg_key tc_cfg_keys[] = {
    {"queues", TC_OPT_QUEUES, 1, TC_MAX_QUEUES},
    {"engines", TC_OPT_ENGINES, 1, TC_MAX_ENGINES},
    {"ring_log2", TC_OPT_RING_LOG2, 1, TC_CFG_MAX_RING_LOG2},
    {"key_slots", TC_OPT_KEY_SLOTS, 1, TC_CFG_MAX_SLOTS},
    {"blob_slots", TC_OPT_BLOB_SLOTS, 1, TC_CFG_MAX_SLOTS},
    {"blob_bytes", TC_OPT_BLOB_BYTES, 1, UINT32_MAX},
    {"max_input", TC_OPT_MAX_INPUT, 1, UINT32_MAX},
    {"max_sg", TC_OPT_MAX_SG, 1, TC_CFG_MAX_SG},
    {"fi", TC_OPT_FI, 0, 1},
    {"card_jobs", TC_OPT_CARD_JOBS, 0, UINT64_MAX},
    {"ops", TC_OPT_OPS, 0, UINT64_MAX},
    {"bps", TC_OPT_BPS, 0, UINT64_MAX},
    {"latency_us", TC_OPT_LAT_US, 0, TC_CFG_MAX_LAT_US},
};

static const char *const tc_cfg_class_names[TC_CLASS_COUNT] = {
    [TC_CLASS_NOP] = "nop",     [TC_CLASS_DIGEST] = "digest",
    [TC_CLASS_AEAD] = "aead",   [TC_CLASS_PKE] = "pke",
    [TC_CLASS_ADMIN] = "admin",
};

static const struct tc_cfg_key tc_cfg_class_keys[] = {
    {"ops", TC_OPT_OPS, 0, UINT64_MAX},
    {"bps", TC_OPT_BPS, 0, UINT64_MAX},
    {"lat_us", TC_OPT_LAT_US, 0, TC_CFG_MAX_LAT_US},
};

int tc_model_config_check(const struct tc_model_config *cfg, char *err,
                          size_t errlen)
{
	const char *what = NULL;

	if (cfg->nqueues < 1 || cfg->nqueues > TC_MAX_QUEUES)
		what = "queues must be 1..16";
	else if (cfg->nengines < 1 || cfg->nengines > TC_MAX_ENGINES)
		what = "engines must be 1..16";
	else if (cfg->max_ring_log2 < 1 ||
	         cfg->max_ring_log2 > TC_CFG_MAX_RING_LOG2)
		what = "ring_log2 must be 1..16";
	else if (cfg->key_slots < 1 || cfg->key_slots > TC_CFG_MAX_SLOTS)
		what = "key_slots must be 1..65535";
	else if (cfg->blob_slots < 1 || cfg->blob_slots > TC_CFG_MAX_SLOTS)
		what = "blob_slots must be 1..65535";
	else if (!cfg->blob_bytes)
		what = "blob_bytes must be at least 1";
	else if (!cfg->max_input)
		what = "max_input must be at least 1";
	else if (cfg->max_sg < 1 || cfg->max_sg > TC_CFG_MAX_SG)
		what = "max_sg must be 1..65535";
	for (unsigned c = 0; !what && c < TC_CLASS_COUNT; c++)
		if (cfg->timing[c].latency_us > TC_CFG_MAX_LAT_US)
			what = "latency must be at most 60 s";
	if (!what)
		return 0;
	snprintf(err, errlen, "bad sim configuration: %s", what);
	return -EINVAL;
}

/* Strict unsigned decimal: digits only, no sign, no junk, no overflow. */
static int tc_cfg_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static bool tc_cfg_match(const char *key, size_t klen, const char *name)
{
	return strlen(name) == klen && !memcmp(key, name, klen);
}

/* Find key: a fixed key, or "<class>_<knob>" (then *cls is the class). */
static const struct tc_cfg_key *tc_cfg_lookup(const char *key, size_t klen,
                                              int *cls)
{
	size_t i, c;

	*cls = -1;
	for (i = 0; i < sizeof(tc_cfg_keys) / sizeof(tc_cfg_keys[0]); i++)
		if (tc_cfg_match(key, klen, tc_cfg_keys[i].name))
			return &tc_cfg_keys[i];
	for (c = 0; c < TC_CLASS_COUNT; c++) {
		size_t n = strlen(tc_cfg_class_names[c]);

		if (klen <= n + 1 || memcmp(key, tc_cfg_class_names[c], n) ||
		    key[n] != '_')
			continue;
		for (i = 0; i < sizeof(tc_cfg_class_keys) /
		                    sizeof(tc_cfg_class_keys[0]);
		     i++)
			if (tc_cfg_match(key + n + 1, klen - n - 1,
			                 tc_cfg_class_keys[i].name)) {
				*cls = (int)c;
				return &tc_cfg_class_keys[i];
			}
	}
	return NULL;
}

static void tc_cfg_set_timing(struct tc_model_config *cfg, int cls,
                              enum tc_opt_field field, uint64_t v)
{
	unsigned c;

	for (c = 0; c < TC_CLASS_COUNT; c++) {
		if (cls >= 0 && (unsigned)cls != c)
			continue;
		if (field == TC_OPT_OPS)
			cfg->timing[c].ops_per_sec = v;
		else if (field == TC_OPT_BPS)
			cfg->timing[c].bytes_per_sec = v;
		else
			cfg->timing[c].latency_us = (uint32_t)v;
	}
}

static void tc_cfg_apply(struct tc_model_config *cfg,
                         const struct tc_cfg_key *k, int cls, uint64_t v)
{
	switch (k->field) {
	case TC_OPT_QUEUES: cfg->nqueues = (unsigned)v; break;
	case TC_OPT_ENGINES: cfg->nengines = (unsigned)v; break;
	case TC_OPT_RING_LOG2: cfg->max_ring_log2 = (unsigned)v; break;
	case TC_OPT_KEY_SLOTS: cfg->key_slots = (unsigned)v; break;
	case TC_OPT_BLOB_SLOTS: cfg->blob_slots = (unsigned)v; break;
	case TC_OPT_BLOB_BYTES: cfg->blob_bytes = (uint32_t)v; break;
	case TC_OPT_MAX_INPUT: cfg->max_input = (uint32_t)v; break;
	case TC_OPT_MAX_SG: cfg->max_sg = (unsigned)v; break;
	case TC_OPT_FI: cfg->fault_injection = v != 0; break;
	case TC_OPT_CARD_JOBS: cfg->card_jobs_per_sec = v; break;
	case TC_OPT_OPS:
	case TC_OPT_BPS:
	case TC_OPT_LAT_US: tc_cfg_set_timing(cfg, cls, k->field, v); break;
	}
}

/* "on"/"off" and friends for the boolean key. */
static int tc_cfg_parse_bool(const char *s, size_t len, uint64_t *out)
{
	static const char *const yes[] = {"1", "on", "yes", "true"};
	static const char *const no[] = {"0", "off", "no", "false"};
	size_t i;

	for (i = 0; i < 4; i++) {
		if (tc_cfg_match(s, len, yes[i])) {
			*out = 1;
			return 0;
		}
		if (tc_cfg_match(s, len, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

static int tc_cfg_parse_item(struct tc_model_config *cfg, const char *item,
                             size_t len, char *err, size_t errlen)
{
	const char *eq = memchr(item, '=', len);
	const struct tc_cfg_key *k;
	size_t klen, vlen;
	uint64_t v;
	int cls, ret;

	if (!len) {
		snprintf(err, errlen, "empty sim option (stray ',')");
		return -EINVAL;
	}
	if (!eq) {
		snprintf(err, errlen,
		         "sim option '%.*s' needs a value (key=value)",
		         (int)len, item);
		return -EINVAL;
	}
	klen = (size_t)(eq - item);
	vlen = len - klen - 1;
	k = tc_cfg_lookup(item, klen, &cls);
	if (!k) {
		snprintf(err, errlen, "unknown sim option '%.*s'", (int)klen,
		         item);
		return -EINVAL;
	}
	if (k->field == TC_OPT_FI)
		ret = tc_cfg_parse_bool(eq + 1, vlen, &v);
	else
		ret = tc_cfg_parse_u64(eq + 1, vlen, &v);
	if (ret || v < k->min || v > k->max) {
		if (k->field == TC_OPT_FI)
			snprintf(
			    err, errlen,
			    "bad value '%.*s' for sim option '%.*s' (expected on or off)",
			    (int)vlen, eq + 1, (int)klen, item);
		else
			snprintf(
			    err, errlen,
			    "bad value '%.*s' for sim option '%.*s' (expected %llu..%llu)",
			    (int)vlen, eq + 1, (int)klen, item,
			    (unsigned long long)k->min,
			    (unsigned long long)k->max);
		return -EINVAL;
	}
	tc_cfg_apply(cfg, k, cls, v);
	return 0;
}

int tc_model_config_parse(struct tc_model_config *cfg, const char *spec,
                          char *err, size_t errlen)
{
	struct tc_model_config tmp = *cfg;
	const char *p = spec;

	if (errlen)
		err[0] = '\0';
	if (!spec || !*spec)
		return 0;
	/* Parse into a copy so a bad spec leaves cfg untouched. */
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int ret = tc_cfg_parse_item(&tmp, p, len, err, errlen);

		if (ret)
			return ret;
		if (!comma)
			break;
		p = comma + 1;
	}
	*cfg = tmp;
	return 0;
}
