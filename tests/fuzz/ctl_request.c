// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the control-socket request parser of tlscardd, and the
 * error reply the daemon builds from its message.
 *
 * Input: one request line without its newline, exactly as
 * tlsd_control_execute() hands it over.
 *
 * Reaches: tlsd_ctl_parse (tlsd_ctl_find_cmd, tlsd_ctl_key_allowed,
 * tlsd_ctl_parse_card, tlsd_ctl_parse_fault), tlsd_ctl_cmd_name,
 * tlsd_ctl_json_error, tlsd_ctl_dump_line.
 *
 * Checks: a parsed request is in range (known command and fault kind,
 * error rate in 0..1, latency within the limit); a refused one leaves a
 * NUL-terminated message that becomes a real {"error":...} reply line.
 *
 * fuzz-sources: daemon/tls/tlsd_ctl_*.c daemon/tls/tlsd_stats.c daemon/tls/tls_errors.c driver/tc_names.c
 * fuzz-libs: -ljansson -lm
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsd_ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ctl_check_request(const struct tlsd_ctl_request *req)
{
	if (req->cmd > TLSD_CTL_FAULT || !tlsd_ctl_cmd_name(req->cmd))
		__builtin_trap();
	if (req->cmd != TLSD_CTL_FAULT)
		return;
	if (req->fault > TLSD_FAULT_CLEAR)
		__builtin_trap();
	if (!(req->error_rate >= 0 && req->error_rate <= 1))
		__builtin_trap();
	if (req->latency_us > TLSD_CTL_MAX_LATENCY_US)
		__builtin_trap();
}

/* The daemon answers a refused request with its message: that reply must
 * exist (NULL reads as "out of memory") and be one line. */
static void ctl_check_error(const char *err, size_t errlen)
{
	json_t *reply;
	size_t n = 0;
	char *line;

	if (!memchr(err, '\0', errlen) || !err[0])
		__builtin_trap();
	reply = tlsd_ctl_json_error("%s", err);
	if (!reply)
		__builtin_trap();
	line = tlsd_ctl_dump_line(reply, &n);
	if (!line || n < 2 || line[n - 1] != '\n' || memchr(line, '\n', n - 1))
		__builtin_trap();
	free(line);
	json_decref(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsd_ctl_request req;
	char err[256]; /* the size tlsd_control_execute() passes */

	memset(err, 0x5a, sizeof(err));
	if (tlsd_ctl_parse((const char *)data, size, &req, err, sizeof(err)))
		ctl_check_error(err, sizeof(err));
	else
		ctl_check_request(&req);
	return 0;
}
