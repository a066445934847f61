// SPDX-License-Identifier: MIT
/* tlscardd's backend flags: tlsd_backend_opt.h, docs/backends.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsd_backend_opt.h"

/* Given once, for every TLS backend of the command line. */
static const char *tlsd_backend_ca_flag;
static const char *tlsd_backend_sni_flag;

struct tlsd_backend_num_opt {
	const char *name;
	unsigned long min, max;
	size_t offset; /* in struct tlsd_backend_opts */
	bool is_u32;
};

#define TLSD_NUM_OPT(n, lo, hi, field)                                \
	{                                                             \
		n, lo, hi, offsetof(struct tlsd_backend_opts, field), \
		    sizeof(((struct tlsd_backend_opts *)0)->field) == \
		        sizeof(uint32_t)                              \
	}

static const struct tlsd_backend_num_opt tlsd_backend_nums[] = {
    TLSD_NUM_OPT("health-interval-ms", 10, 3600000, check_interval_ms),
    TLSD_NUM_OPT("health-timeout-ms", 10, 600000, check_timeout_ms),
    TLSD_NUM_OPT("health-fall", 1, 100, fall),
    TLSD_NUM_OPT("health-rise", 1, 100, rise),
    TLSD_NUM_OPT("backend-pool-idle", 1, 1024, idle_max),
    TLSD_NUM_OPT("backend-pool-idle-ms", 10, 86400000, idle_timeout_ms),
    TLSD_NUM_OPT("backend-connect-timeout-ms", 10, 600000, connect_timeout_ms),
};

#define TLSD_NNUMS (sizeof(tlsd_backend_nums) / sizeof(tlsd_backend_nums[0]))

static int tlsd_backend_add(const char *arg, struct tlsd_options *o)
{
	struct tlsd_backend_spec *b;
	bool tls = !strncmp(arg, "tls:", 4);

	if (o->nbackends == TLSD_MAX_BACKENDS) {
		tlsd_log("at most %d --backend", TLSD_MAX_BACKENDS);
		return -1;
	}
	b = &o->backends[o->nbackends];
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "b%u", o->nbackends);
	if (tlsd_parse_addr(tls ? arg + 4 : arg, "--backend", &b->addr))
		return -1;
	b->tls = tls;
	o->nbackends++;
	return 0;
}

static int tlsd_backend_num(const struct tlsd_backend_num_opt *n,
                            const char *arg, struct tlsd_options *o)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);
	char *field = (char *)&o->backend_opts + n->offset;

	if (*arg < '0' || *arg > '9' || *end || v < n->min || v > n->max) {
		tlsd_log("--%s %s: expected %lu..%lu", n->name, arg, n->min,
		         n->max);
		return -1;
	}
	if (n->is_u32)
		*(uint32_t *)(void *)field = (uint32_t)v;
	else
		*(unsigned *)(void *)field = (unsigned)v;
	return 0;
}

void tlsd_backend_opts_reset(void)
{
	tlsd_backend_ca_flag = tlsd_backend_sni_flag = NULL;
}

int tlsd_backend_parse_opt(const char *name, const char *arg,
                           struct tlsd_options *o)
{
	if (!strcmp(name, "backend"))
		return tlsd_backend_add(arg, o);
	if (!strcmp(name, "backend-ca") || !strcmp(name, "backend-sni")) {
		const char **slot = name[8] == 'c' ? &tlsd_backend_ca_flag
		                                   : &tlsd_backend_sni_flag;

		if (*slot || !*arg) {
			tlsd_log("--%s: give it once, not empty", name);
			return -1;
		}
		*slot = arg;
		return 0;
	}
	if (!strcmp(name, "no-backend-pool")) {
		o->backend_opts.no_pool = true;
		return 0;
	}
	for (size_t i = 0; i < TLSD_NNUMS; i++)
		if (!strcmp(name, tlsd_backend_nums[i].name))
			return tlsd_backend_num(&tlsd_backend_nums[i], arg, o);
	tlsd_log("--%s: not a backend option", name);
	return -1;
}

int tlsd_backend_opts_finish(struct tlsd_options *o)
{
	bool any_tls = false;

	for (unsigned i = 0; i < o->nbackends; i++) {
		struct tlsd_backend_spec *b = &o->backends[i];

		if (!b->tls)
			continue;
		any_tls = true;
		if (!b->ca)
			b->ca = tlsd_backend_ca_flag;
		if (!b->sni)
			b->sni = tlsd_backend_sni_flag;
		if (!b->ca) {
			tlsd_log("--backend tls:%s needs --backend-ca FILE",
			         b->addr.text);
			return -1;
		}
	}
	if (!any_tls && (tlsd_backend_ca_flag || tlsd_backend_sni_flag)) {
		tlsd_log("--backend-ca and --backend-sni are for tls: "
		         "backends; there is none");
		return -1;
	}
	return 0;
}

void tlsd_backend_usage(FILE *f)
{
	fputs(
	    "  --backend [tls:]ADDR:PORT  a backend server (repeatable, up to\n"
	    "                       16): plain TCP, or TLS with tls:\n"
	    "  --backend-ca FILE    PEM CA the TLS backends' chains must verify\n"
	    "                       against (required with tls: backends)\n"
	    "  --backend-sni NAME   SNI sent to TLS backends and the name their\n"
	    "                       certificate must carry (default: none sent,\n"
	    "                       chain checked only)\n"
	    "  --health-interval-ms N  probe each backend this often (2000)\n"
	    "  --health-timeout-ms N   a probe (connect, TLS handshake) not\n"
	    "                       done by then failed (1000)\n"
	    "  --health-fall N      failed probes in a row: down (3)\n"
	    "  --health-rise N      good probes in a row: up again (2)\n"
	    "  --backend-pool-idle N   idle TLS backend connections kept per\n"
	    "                       backend for reuse (8)\n"
	    "  --backend-pool-idle-ms N  close a pooled one idle this long\n"
	    "                       (30000)\n"
	    "  --no-backend-pool    a new backend connection per client\n"
	    "  --backend-connect-timeout-ms N  a backend connect and TLS\n"
	    "                       handshake for a client must be done by\n"
	    "                       then, or the client goes elsewhere (5000)\n",
	    f);
}
