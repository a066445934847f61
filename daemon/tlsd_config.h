/* SPDX-License-Identifier: MIT */
/*
 * tlscardd's configuration file (-c FILE): an INI file read with libinih
 * into the same struct tlsd_options the command line fills.  The keys are
 * documented in docs/configuration.md; every error names FILE:LINE.
 *
 * Flags and file combine like this (tlsd_options_parse): the file is read
 * first, then the flags; a scalar flag replaces the file's value, and the
 * first use of a list flag (--cert/--key, --alpn, --backend, --sim-spec)
 * replaces the file's whole list of that kind.
 */
#ifndef TLSD_CONFIG_H
#define TLSD_CONFIG_H

#include "tlsd.h"

/* A copy of s owned by o (freed by tlsd_options_free); NULL when out of
 * memory. */
const char *tlsd_strdup(struct tlsd_options *o, const char *s);
/* The strings o owns; o itself is the caller's. */
void tlsd_options_free(struct tlsd_options *o);

/* Read path into o.  0, or 2 after logging "path:line: message". */
int tlsd_config_load(const char *path, struct tlsd_options *o);

/* Lines in the file tlsd_config_load read into o (0: none read). */
unsigned tlsd_config_lines(const struct tlsd_options *o);

/* The line of the [cert] section certificate i came from; 0 when it
 * came from --cert. */
unsigned tlsd_config_cert_line(const struct tlsd_options *o, unsigned i);
/* --cert replaces the file's certificates. */
void tlsd_config_forget_certs(struct tlsd_options *o);

/* Parse a yes/no value ("yes", "no", "true", "false", "on", "off", "1",
 * "0"); -1 when it is none of them. */
int tlsd_config_bool(const char *v);

/* tlsd_main.c: the command line, with the file -c names read first.
 * 0, -1 after --help, or 2 (usage error, logged).  Used at start and
 * again on SIGHUP to build the next configuration. */
int tlsd_options_parse(int argc, char **argv, struct tlsd_options *o);

#endif /* TLSD_CONFIG_H */
