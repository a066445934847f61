// SPDX-License-Identifier: MIT
/*
 * Reading tlscardd's replies.  Tables print what the reply holds, so a
 * field a newer or older daemon lacks shows as 0 instead of failing.
 */
#include <stdarg.h>

#include "ctl_daemon.h"

double ctl_json_num(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_number(v) ? json_number_value(v) : 0.0;
}

uint64_t ctl_json_u64(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_integer(v) && json_integer_value(v) > 0)
		return (uint64_t)json_integer_value(v);
	return 0;
}

const char *ctl_json_str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : "-";
}

const json_t *ctl_json_path(const json_t *obj, ...)
{
	const char *key;
	va_list ap;

	va_start(ap, obj);
	while (obj && (key = va_arg(ap, const char *)))
		obj = json_object_get(obj, key);
	va_end(ap);
	return obj;
}
