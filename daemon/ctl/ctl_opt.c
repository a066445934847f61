/* SPDX-License-Identifier: MIT */
/*
 * Command-line helpers: getopt_long() with one error style for every
 * command, and strict number parsing (no silent wrap-around, no trailing
 * junk).  Every usage error names the command and exits 2.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

void ctl_print_usage(const struct ctl_cmd *cmd, FILE *out)
{
	if (cmd->help)
		cmd->help(out);
	else
		fputs(cmd->usage, out);
}

static void vreport(const struct ctl_cmd *cmd, const char *fmt, va_list ap)
{
	fprintf(stderr, "tlscardctl %s: ", cmd->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int ctl_usage_error(const struct ctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Run 'tlscardctl %s --help' for usage.\n", cmd->name);
	return CTL_EXIT_USAGE;
}

int ctl_fail(const struct ctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(cmd, fmt, ap);
	va_end(ap);
	return CTL_EXIT_FAIL;
}

/* The option as the user typed it, without any "=value". */
static void offending_option(char **argv, int idx, int optchar, char *buf,
                             size_t len)
{
	const char *arg = idx > 0 ? argv[idx - 1] : "";
	size_t n;

	if (optchar > 0 && optchar < 0x80 && strncmp(arg, "--", 2)) {
		snprintf(buf, len, "-%c", optchar);
		return;
	}
	n = strcspn(arg, "=");
	if (n >= len)
		n = len - 1;
	memcpy(buf, arg, n);
	buf[n] = '\0';
}

int ctl_getopt(const struct ctl_cmd *cmd, int argc, char **argv,
               const char *shortopts, const struct option *longopts)
{
	char opts[64];
	char name[64];
	int c;

	/* ':' first: a missing value returns ':' instead of '?' */
	snprintf(opts, sizeof(opts), ":h%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, opts, longopts, NULL);
	switch (c) {
	case 'h': return CTL_OPT_HELP;
	case '?':
		offending_option(argv, optind, optopt, name, sizeof(name));
		ctl_usage_error(cmd, "unknown option '%s'", name);
		return CTL_OPT_ERROR;
	case ':':
		offending_option(argv, optind, optopt, name, sizeof(name));
		ctl_usage_error(cmd, "option '%s' needs a value", name);
		return CTL_OPT_ERROR;
	default: return c;
	}
}

int ctl_no_positional(const struct ctl_cmd *cmd, int argc, char **argv)
{
	if (optind < argc) {
		ctl_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

int ctl_parse_u64(const struct ctl_cmd *cmd, const char *opt, const char *s,
                  uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	/* strtoull accepts a sign and wraps "-1": refuse anything but digits */
	if (*s < '0' || *s > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	ctl_usage_error(cmd, "%s: invalid value '%s' (expected %llu..%llu)",
	                opt, s, (unsigned long long)min,
	                (unsigned long long)max);
	return -1;
}

int ctl_parse_unsigned(const struct ctl_cmd *cmd, const char *opt,
                       const char *s, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;

	if (ctl_parse_u64(cmd, opt, s, min, max, &v))
		return -1;
	*out = (unsigned)v;
	return 0;
}

int ctl_parse_double(const struct ctl_cmd *cmd, const char *opt, const char *s,
                     double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !(v >= min && v <= max)) {
		ctl_usage_error(cmd, "%s: invalid value '%s' (expected %g..%g)",
		                opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}
