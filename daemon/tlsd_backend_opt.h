/* SPDX-License-Identifier: MIT */
/*
 * tlscardd's backend flags: --backend [tls:]ADDR:PORT (repeatable),
 * --backend-ca, --backend-sni, --health-*, --backend-pool-*.  They fill
 * opt->backends (struct tlsd_backend_spec) and opt->backend_opts, the
 * same structs the config file fills.
 */
#ifndef TLSD_BACKEND_OPT_H
#define TLSD_BACKEND_OPT_H

#include <stdbool.h>
#include <stdio.h>

#include "tlsd.h"

/* Forget --backend-ca/--backend-sni before the command line is parsed
 * again (--check-config, SIGHUP). */
void tlsd_backend_opts_reset(void);
/* One flag; 0 or -1 with a message. */
int tlsd_backend_parse_opt(const char *name, const char *arg,
                           struct tlsd_options *o);
/* After the command line: --backend-ca/--backend-sni reach every TLS
 * backend that has none; a TLS backend without a CA is an error. */
int tlsd_backend_opts_finish(struct tlsd_options *o);
/* The flags' lines of --help. */
void tlsd_backend_usage(FILE *f);

#endif /* TLSD_BACKEND_OPT_H */
