// SPDX-License-Identifier: MIT
/*
 * Control requests: one JSON object per line, checked strictly so that a
 * typo ("crad") is an error the operator sees, never a default silently
 * applied to the wrong card.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tlsd_ctl_proto.h"

struct tlsd_ctl_cmd_info {
	const char *name;
	bool needs_card;
};

static const struct tlsd_ctl_cmd_info tlsd_ctl_cmds[] = {
    [TLSD_CTL_STATS] = {"stats", false},
    [TLSD_CTL_CARDS] = {"cards", false},
    [TLSD_CTL_HEALTH] = {"health", false},
    [TLSD_CTL_RESET] = {"reset", true},
    [TLSD_CTL_DRAIN] = {"drain", true},
    [TLSD_CTL_UNDRAIN] = {"undrain", true},
    [TLSD_CTL_FAULT] = {"fault", true},
};

#define TLSD_CTL_NCMDS (sizeof(tlsd_ctl_cmds) / sizeof(tlsd_ctl_cmds[0]))

/* The fault fields; exactly one of them is given. */
static const char *const tlsd_fault_keys[] = {
    [TLSD_FAULT_ERROR_RATE] = "error_rate",
    [TLSD_FAULT_STALL] = "stall",
    [TLSD_FAULT_LATENCY] = "latency_us",
    [TLSD_FAULT_CLEAR] = "clear",
};

const char *tlsd_ctl_cmd_name(enum tlsd_ctl_cmd cmd)
{
	if ((unsigned)cmd >= TLSD_CTL_NCMDS)
		return "?";
	return tlsd_ctl_cmds[cmd].name;
}

static int tlsd_ctl_find_cmd(const char *name, enum tlsd_ctl_cmd *cmd)
{
	for (unsigned i = 0; i < TLSD_CTL_NCMDS; i++) {
		if (!strcmp(tlsd_ctl_cmds[i].name, name)) {
			*cmd = (enum tlsd_ctl_cmd)i;
			return 0;
		}
	}
	return -1;
}

static bool tlsd_ctl_key_allowed(enum tlsd_ctl_cmd cmd, const char *key)
{
	if (!strcmp(key, "cmd"))
		return true;
	if (!strcmp(key, "card"))
		return tlsd_ctl_cmds[cmd].needs_card;
	if (cmd != TLSD_CTL_FAULT)
		return false;
	for (unsigned i = 0; i < 4; i++)
		if (!strcmp(key, tlsd_fault_keys[i]))
			return true;
	return false;
}

static int tlsd_ctl_parse_card(json_t *root, struct tlsd_ctl_request *req,
                               char *err, size_t errlen)
{
	json_t *card = json_object_get(root, "card");
	json_int_t v;

	if (!card) {
		snprintf(err, errlen, "'%s' needs \"card\"",
		         tlsd_ctl_cmd_name(req->cmd));
		return -1;
	}
	if (!json_is_integer(card)) {
		snprintf(err, errlen, "\"card\" must be an integer");
		return -1;
	}
	v = json_integer_value(card);
	if (v < 0 || v >= TLSD_SNAP_MAX_CARDS) {
		snprintf(err, errlen, "\"card\" %lld is out of range",
		         (long long)v);
		return -1;
	}
	req->card = (unsigned)v;
	return 0;
}

static int tlsd_ctl_parse_fault(json_t *root, struct tlsd_ctl_request *req,
                                char *err, size_t errlen)
{
	unsigned given = 0;
	json_t *v;

	for (unsigned i = 0; i < 4; i++) {
		if (json_object_get(root, tlsd_fault_keys[i])) {
			req->fault = (enum tlsd_ctl_fault_kind)i;
			given++;
		}
	}
	if (given != 1) {
		snprintf(err, errlen,
		         "'fault' needs exactly one of \"error_rate\", "
		         "\"stall\", \"latency_us\", \"clear\"");
		return -1;
	}
	v = json_object_get(root, tlsd_fault_keys[req->fault]);
	switch (req->fault) {
	case TLSD_FAULT_ERROR_RATE:
		if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
		    json_number_value(v) < 0 || json_number_value(v) > 1) {
			snprintf(err, errlen,
			         "\"error_rate\" must be a number in 0..1");
			return -1;
		}
		req->error_rate = json_number_value(v);
		return 0;
	case TLSD_FAULT_LATENCY:
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > TLSD_CTL_MAX_LATENCY_US) {
			snprintf(err, errlen,
			         "\"latency_us\" must be an integer in 0..%u",
			         TLSD_CTL_MAX_LATENCY_US);
			return -1;
		}
		req->latency_us = (uint32_t)json_integer_value(v);
		return 0;
	case TLSD_FAULT_STALL:
	case TLSD_FAULT_CLEAR:
		/* false would read as "undo", which is what "clear" is for */
		if (!json_is_true(v)) {
			snprintf(err, errlen, "\"%s\" must be true",
			         tlsd_fault_keys[req->fault]);
			return -1;
		}
		return 0;
	}
	return -1;
}

static int tlsd_ctl_parse_line(const char *line, size_t len,
                               struct tlsd_ctl_request *req, char *err,
                               size_t errlen)
{
	json_error_t jerr;
	json_t *root, *cmd, *value;
	const char *key;
	int rc = -1;

	memset(req, 0, sizeof(*req));
	if (len >= TLSD_CTL_MAX_REQUEST) {
		snprintf(err, errlen, "request longer than %d bytes",
		         TLSD_CTL_MAX_REQUEST - 1);
		return -1;
	}
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "request is not valid JSON: %s",
		         jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "request must be a JSON object");
		goto out;
	}
	cmd = json_object_get(root, "cmd");
	if (!json_is_string(cmd)) {
		snprintf(err, errlen, "request needs \"cmd\" (a string)");
		goto out;
	}
	if (tlsd_ctl_find_cmd(json_string_value(cmd), &req->cmd)) {
		snprintf(err, errlen, "unknown command '%.64s'",
		         json_string_value(cmd));
		goto out;
	}
	json_object_foreach(root, key, value)
	{
		if (!tlsd_ctl_key_allowed(req->cmd, key)) {
			snprintf(err, errlen, "unknown field '%.64s' for '%s'",
			         key, tlsd_ctl_cmd_name(req->cmd));
			goto out;
		}
	}
	if (tlsd_ctl_cmds[req->cmd].needs_card &&
	    tlsd_ctl_parse_card(root, req, err, errlen))
		goto out;
	if (req->cmd == TLSD_CTL_FAULT &&
	    tlsd_ctl_parse_fault(root, req, err, errlen))
		goto out;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/*
 * The message quotes request bytes (jansson's "near '...'" context, the
 * command or field name cut at 64 bytes), which can be invalid UTF-8 or
 * control characters: json_pack() would refuse such a string and the
 * client would get "out of memory" instead.  Plain ASCII always encodes.
 */
static void tlsd_ctl_err_ascii(char *err)
{
	for (; *err; err++)
		if ((unsigned char)*err < 0x20 || (unsigned char)*err > 0x7e)
			*err = '?';
}

int tlsd_ctl_parse(const char *line, size_t len, struct tlsd_ctl_request *req,
                   char *err, size_t errlen)
{
	int rc = tlsd_ctl_parse_line(line, len, req, err, errlen);

	if (rc && errlen)
		tlsd_ctl_err_ascii(err);
	return rc;
}

int tlsd_ctl_default_path(char *buf, size_t len)
{
	const char *env = getenv("TLSCARD_CONTROL");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/run/tlscard/tlscardd.sock");
	else if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/tlscardd.sock", xdg);
	else
		n = snprintf(buf, len, "/tmp/tlscardd-%u.sock",
		             (unsigned)geteuid());
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
