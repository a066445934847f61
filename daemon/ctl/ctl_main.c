/* SPDX-License-Identifier: MIT */
/*
 * tlscardctl: entry point and command dispatch.
 *
 * The table below is the whole command set; each entry lives in its own
 * file.  Global options are only --help and --version, so everything else
 * belongs to a command and is parsed there.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "ctl_daemon.h"

#define CTL_VERSION "1.0"

static const struct ctl_cmd *const ctl_commands[] = {
    &ctl_cmd_list,
    &ctl_cmd_selftest,
    &ctl_cmd_bench,
    &ctl_cmd_load,
    &ctl_cmd_abi,
    &ctl_cmd_dmafault,
    /* a running tlscardd, over its control socket (ctl_daemon.h) */
    &ctl_cmd_stats,
    &ctl_cmd_top,
    &ctl_cmd_cards,
    &ctl_cmd_health,
    &ctl_cmd_reset,
    &ctl_cmd_drain,
    &ctl_cmd_undrain,
    &ctl_cmd_fault,
};

#define CTL_NCOMMANDS (sizeof(ctl_commands) / sizeof(ctl_commands[0]))

static void print_main_help(FILE *out)
{
	fprintf(out, "usage: tlscardctl <command> [options]\n"
	             "       tlscardctl --help | --version\n"
	             "\n"
	             "Inspect, test and benchmark tlscard crypto cards, and\n"
	             "watch and steer a running tlscardd.\n"
	             "\n"
	             "commands:\n");
	for (size_t i = 0; i < CTL_NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", ctl_commands[i]->name,
		        ctl_commands[i]->summary);
	fprintf(out, "\nRun 'tlscardctl <command> --help' for a command's "
	             "options.\n");
}

static const struct ctl_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < CTL_NCOMMANDS; i++)
		if (!strcmp(ctl_commands[i]->name, name))
			return ctl_commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct ctl_cmd *cmd;
	const char *first;

	if (argc < 2) {
		print_main_help(stderr);
		return CTL_EXIT_USAGE;
	}
	first = argv[1];
	if (!strcmp(first, "--help") || !strcmp(first, "-h")) {
		print_main_help(stdout);
		return CTL_EXIT_OK;
	}
	if (!strcmp(first, "--version")) {
		printf("tlscardctl %s (card ABI %u.%u)\n", CTL_VERSION,
		       TC_VERSION_MAJOR, TC_VERSION_MINOR);
		return CTL_EXIT_OK;
	}
	if (!strcmp(first, "help")) {
		if (argc == 2) {
			print_main_help(stdout);
			return CTL_EXIT_OK;
		}
		cmd = find_command(argv[2]);
		if (!cmd) {
			fprintf(stderr, "tlscardctl: unknown command '%s'\n",
			        argv[2]);
			return CTL_EXIT_USAGE;
		}
		ctl_print_usage(cmd, stdout);
		return CTL_EXIT_OK;
	}
	if (first[0] == '-') {
		fprintf(stderr,
		        "tlscardctl: unknown option '%s'\n"
		        "Run 'tlscardctl --help' for the list of commands.\n",
		        first);
		return CTL_EXIT_USAGE;
	}
	cmd = find_command(first);
	if (!cmd) {
		fprintf(stderr,
		        "tlscardctl: unknown command '%s'\n"
		        "Run 'tlscardctl --help' for the list of commands.\n",
		        first);
		return CTL_EXIT_USAGE;
	}
	return cmd->run(cmd, argc - 1, argv + 1);
}
