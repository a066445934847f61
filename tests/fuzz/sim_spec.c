// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the model's "key=value,..." configuration parser, the
 * string behind the QEMU device's spec property and tlscardd's --sim-spec
 * (the daemon's only configuration beyond its flags).
 *
 * Input: the spec string (a NUL-terminated copy of the bytes; an embedded
 * NUL ends it early, as it would in argv).
 *
 * Reaches: tc_model_config_parse (tc_cfg_parse_item, tc_cfg_lookup,
 * tc_cfg_parse_u64, tc_cfg_parse_bool, tc_cfg_apply, tc_cfg_set_timing),
 * tc_model_config_check.
 *
 * Checks: an accepted spec yields a configuration tc_model_config_check
 * accepts, and parsing it again changes nothing; a refused one returns
 * -EINVAL, leaves the configuration untouched and says why.
 *
 * fuzz-sources: hwmodel/*.c
 * fuzz-libs: -lcrypto -lpthread
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tc_model_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tc_model_config cfg, before, again;
	char err[256];
	char *spec;
	int ret;

	spec = malloc(size + 1);
	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';

	/* memcmp below compares whole structs: padding must match too. */
	memset(&cfg, 0, sizeof(cfg));
	tc_model_config_default(&cfg);
	before = cfg;
	memset(err, 0x5a, sizeof(err));
	ret = tc_model_config_parse(&cfg, spec, err, sizeof(err));
	if (ret) {
		if (ret != -EINVAL || memcmp(&cfg, &before, sizeof(cfg)) ||
		    !memchr(err, '\0', sizeof(err)) || !err[0])
			__builtin_trap();
	} else {
		if (tc_model_config_check(&cfg, err, sizeof(err)))
			__builtin_trap();
		again = cfg;
		if (tc_model_config_parse(&again, spec, err, sizeof(err)) ||
		    memcmp(&again, &cfg, sizeof(cfg)))
			__builtin_trap();
	}
	free(spec);
	return 0;
}
