// SPDX-License-Identifier: MIT
/* tlscardctl stats: the backend pool's table (docs/operations.md). */
#include "ctl_daemon.h"

static void ctl_backend_row(struct ctl_table *t, const json_t *b)
{
	const json_t *health = json_object_get(b, "health");
	const json_t *pool = json_object_get(b, "pool");
	const char *err = ctl_json_str(health, "last_error");

	ctl_table_cell(t, "%s", ctl_json_str(b, "name"));
	ctl_table_cell(t, "%s%s",
	               json_is_true(json_object_get(b, "tls")) ? "tls:" : "",
	               ctl_json_str(b, "address"));
	ctl_table_cell(t, "%s", ctl_json_str(b, "state"));
	ctl_table_cell(t, "%llu",
	               (unsigned long long)ctl_json_u64(b, "active"));
	ctl_table_cell(t, "%llu", (unsigned long long)ctl_json_u64(b, "total"));
	ctl_table_cell(t, "%llu",
	               (unsigned long long)ctl_json_u64(b, "failures"));
	ctl_table_cell(t, "%llu",
	               (unsigned long long)ctl_json_u64(b, "retried"));
	ctl_table_cell(t, "%llu/%llu",
	               (unsigned long long)ctl_json_u64(health, "ok"),
	               (unsigned long long)ctl_json_u64(health, "failed"));
	ctl_table_cell(t, "%llu",
	               (unsigned long long)ctl_json_u64(pool, "new"));
	ctl_table_cell(t, "%llu",
	               (unsigned long long)ctl_json_u64(pool, "reused"));
	ctl_table_cell(t, "%llu",
	               (unsigned long long)ctl_json_u64(pool, "idle"));
	ctl_table_cell(t, "%s", err && *err ? err : "-");
}

void ctl_print_backend_table(FILE *out, const json_t *stats)
{
	static const char *const head[] = {
	    "BACKEND", "ADDRESS",  "STATE",   "ACTIVE",
	    "TOTAL",   "FAILURES", "RETRIED", "CHECKS OK/FAILED",
	    "NEW",     "REUSED",   "IDLE",    "LAST ERROR"};
	const json_t *list = json_object_get(stats, "backends"), *b;
	struct ctl_table t;
	size_t i;

	if (!json_array_size(list))
		return;
	fputc('\n', out);
	ctl_table_init(&t, "lllrrrrrrrrl", head);
	json_array_foreach(list, i, b) ctl_backend_row(&t, b);
	ctl_table_print(&t, out);
	ctl_table_free(&t);
}
