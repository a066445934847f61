// SPDX-License-Identifier: MIT
/*
 * tlscardd -c FILE: the INI file, read with libinih, into the daemon's
 * options (keys: docs/configuration.md).
 *
 * libinih does not hand the line number to the handler and does not call
 * it for a section without keys, so the file is fed through our own line
 * reader: it counts lines and parses section headers itself, which lets
 * every error (unknown or duplicate section, a section missing a
 * required key) name FILE:LINE.  A section is checked for completeness
 * when the next header or the end of the file is read; inih has called
 * the handler for each of its keys by then, as it works line by line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "tc_model.h"
#include "tlsd_cards.h"
#include "tlsd_config.h"

#define TLSD_MAX_SECTIONS 64

struct tlsd_strings {
	char *s[256];
	unsigned n;
	unsigned eof_line; /* lines in the config file */
	/* the [cert] section line of each certificate; 0: from a flag */
	unsigned cert_line[TLS_MAX_CERTS];
};

enum tlsd_sec {
	SEC_NONE,
	SEC_DAEMON,
	SEC_LISTENER,
	SEC_CERT,
	SEC_BACKEND,
	SEC_CARDS,
	SEC_COALESCE,
	SEC_TICKETS,
	SEC_POOL, /* [backends]: settings of the whole pool */
};

struct tlsd_cfg_parse {
	const char *path;
	FILE *f;
	struct tlsd_options *o;
	unsigned line;     /* the line inih read last */
	enum tlsd_sec sec; /* the section being filled */
	char sec_name[64]; /* its full header text */
	unsigned sec_line;
	uint64_t seen; /* its keys given so far (duplicates) */
	char names[TLSD_MAX_SECTIONS][64];
	unsigned nnames;
	const char *cert, *key; /* the [cert] being read */
	struct tlsd_backend_spec *backend;
	bool failed;
};

const char *tlsd_strdup(struct tlsd_options *o, const char *s)
{
	char *c;

	if (!o->owned) {
		o->owned = calloc(1, sizeof(*o->owned));
		if (!o->owned)
			return NULL;
	}
	if (o->owned->n == sizeof(o->owned->s) / sizeof(o->owned->s[0]))
		return NULL;
	c = strdup(s);
	if (c)
		o->owned->s[o->owned->n++] = c;
	return c;
}

void tlsd_options_free(struct tlsd_options *o)
{
	if (!o->owned)
		return;
	for (unsigned i = 0; i < o->owned->n; i++)
		free(o->owned->s[i]);
	free(o->owned);
	o->owned = NULL;
}

static void tlsd_cfg_fail(struct tlsd_cfg_parse *p, unsigned line,
                          const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void tlsd_cfg_fail(struct tlsd_cfg_parse *p, unsigned line,
                          const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tlsd_log("%s:%u: %s", p->path, line, msg);
	p->failed = true;
}

int tlsd_config_bool(const char *v)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (unsigned i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return 1;
		if (!strcasecmp(v, no[i]))
			return 0;
	}
	return -1;
}

/* --- values ------------------------------------------------------------ */

static int tlsd_cfg_u32(struct tlsd_cfg_parse *p, const char *key,
                        const char *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = isdigit((unsigned char)*v) ? strtoull(v, &end, 10) : 0;
	if (!isdigit((unsigned char)*v) || errno || *end || n < lo || n > hi) {
		tlsd_cfg_fail(p, p->line,
		              "%s = %s: expected an integer in "
		              "%u..%u",
		              key, v, lo, hi);
		return -1;
	}
	*out = (uint32_t)n;
	return 0;
}

static int tlsd_cfg_flag(struct tlsd_cfg_parse *p, const char *key,
                         const char *v, bool *out)
{
	int b = tlsd_config_bool(v);

	if (b < 0) {
		tlsd_cfg_fail(p, p->line, "%s = %s: expected yes or no", key,
		              v);
		return -1;
	}
	*out = b;
	return 0;
}

static int tlsd_cfg_addr(struct tlsd_cfg_parse *p, const char *key,
                         const char *v, struct tlsd_addr *a)
{
	char where[300];

	/* tlsd_parse_addr logs "WHERE VALUE: why". */
	snprintf(where, sizeof(where), "%s:%u: %s =", p->path, p->line, key);
	if (tlsd_parse_addr(v, where, a)) {
		p->failed = true;
		return -1;
	}
	return 0;
}

static int tlsd_cfg_str(struct tlsd_cfg_parse *p, const char *key,
                        const char *v, const char **out)
{
	if (!*v) {
		tlsd_cfg_fail(p, p->line, "%s: empty value", key);
		return -1;
	}
	*out = tlsd_strdup(p->o, v);
	if (!*out) {
		tlsd_cfg_fail(p, p->line, "%s: out of memory", key);
		return -1;
	}
	return 0;
}

/* "h2, http/1.1": ALPN protocols in preference order. */
static int tlsd_cfg_alpn(struct tlsd_cfg_parse *p, const char *v)
{
	struct tlsd_options *o = p->o;
	char buf[512];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", v);
	for (char *t = strtok_r(buf, ", \t", &save); t;
	     t = strtok_r(NULL, ", \t", &save)) {
		if (o->nalpn == TLS_MAX_ALPN || strlen(t) > 255) {
			tlsd_cfg_fail(p, p->line,
			              "alpn: at most %d protocols "
			              "of at most 255 bytes",
			              TLS_MAX_ALPN);
			return -1;
		}
		if (tlsd_cfg_str(p, "alpn", t, &o->alpn[o->nalpn]))
			return -1;
		o->nalpn++;
	}
	if (!o->nalpn)
		tlsd_cfg_fail(p, p->line, "alpn: no protocol given");
	return o->nalpn ? 0 : -1;
}

/* none, sim:N, vfio:all, vfio:BDF[,BDF...]; BDFs are checked at open. */
static int tlsd_cfg_cards_mode(struct tlsd_cfg_parse *p, const char *v)
{
	uint32_t n;

	if (!strncmp(v, "sim:", 4)) {
		char *end;

		n = (uint32_t)strtoul(v + 4, &end, 10);
		if (!isdigit((unsigned char)v[4]) || *end || n < 1 ||
		    n > TLSD_MAX_CARDS) {
			tlsd_cfg_fail(p, p->line,
			              "mode = %s: sim:N needs N in 1..%d", v,
			              TLSD_MAX_CARDS);
			return -1;
		}
	} else if (strcmp(v, "none") && strncmp(v, "vfio:", 5)) {
		tlsd_cfg_fail(p, p->line,
		              "mode = %s: expected none, sim:N, "
		              "vfio:all or vfio:BDF[,BDF...]",
		              v);
		return -1;
	}
	return tlsd_cfg_str(p, "mode", v, &p->o->cards);
}

/* sim_spec (every card) or sim_spec.I (card I): model knobs. */
static int tlsd_cfg_sim_spec(struct tlsd_cfg_parse *p, const char *key,
                             const char *v)
{
	struct tc_model_config mc;
	char msg[192], entry[600];
	const char *idx = key + strlen("sim_spec");
	uint32_t card;

	if (*idx == '.') {
		if (tlsd_cfg_u32(p, key, idx + 1, 0, 15, &card))
			return -1;
		snprintf(entry, sizeof(entry), "%u:%s", card, v);
	} else {
		snprintf(entry, sizeof(entry), "%s", v);
	}
	tc_model_config_default(&mc);
	if (!*v || strchr(v, ';') ||
	    tc_model_config_parse(&mc, v, msg, sizeof(msg))) {
		tlsd_cfg_fail(p, p->line, "%s = %s: %s", key, v,
		              *v && !strchr(v, ';') ? msg : "expected KNOBS");
		return -1;
	}
	if (tlsd_cards_parse_opt("sim-spec", entry, p->o)) {
		p->failed = true;
		return -1;
	}
	return 0;
}

/* --- sections ---------------------------------------------------------- */

struct tlsd_cfg_key {
	enum tlsd_sec sec;
	const char *name;
	/* true: name is a prefix ("sim_spec" covers "sim_spec.3") */
	bool prefix;
};

static const struct tlsd_cfg_key tlsd_cfg_keys[] = {
    {SEC_DAEMON, "workers", false},
    {SEC_DAEMON, "control", false},
    {SEC_DAEMON, "metrics", false},
    {SEC_DAEMON, "drain_timeout_ms", false},
    {SEC_DAEMON, "verbose", false},
    {SEC_DAEMON, "stats_on_exit", false},
    {SEC_LISTENER, "address", false},
    {SEC_LISTENER, "client_ca", false},
    {SEC_LISTENER, "alpn", false},
    {SEC_LISTENER, "tls13_only", false},
    {SEC_LISTENER, "incremental_transcript", false},
    {SEC_CERT, "cert", false},
    {SEC_CERT, "key", false},
    {SEC_BACKEND, "address", false},
    {SEC_BACKEND, "tls", false},
    {SEC_BACKEND, "ca", false},
    {SEC_BACKEND, "sni", false},
    {SEC_CARDS, "mode", false},
    {SEC_CARDS, "sim_spec", false},
    {SEC_CARDS, "sim_spec.", true},
    {SEC_CARDS, "offload_budget_us", false},
    {SEC_CARDS, "offload_always", false},
    {SEC_CARDS, "key_move_margin", false},
    {SEC_COALESCE, "enabled", false},
    {SEC_COALESCE, "timer_ms", false},
    {SEC_COALESCE, "quantum", false},
    {SEC_COALESCE, "staged", false},
    {SEC_COALESCE, "staged_idle_ms", false},
    {SEC_COALESCE, "push_delay_us", false},
    {SEC_TICKETS, "enabled", false},
    {SEC_TICKETS, "key_file", false},
    {SEC_TICKETS, "rotate_s", false},
    {SEC_POOL, "health_interval_ms", false},
    {SEC_POOL, "health_timeout_ms", false},
    {SEC_POOL, "health_fall", false},
    {SEC_POOL, "health_rise", false},
    {SEC_POOL, "pool", false},
    {SEC_POOL, "pool_idle", false},
    {SEC_POOL, "pool_idle_ms", false},
    {SEC_POOL, "connect_timeout_ms", false},
};

static int tlsd_cfg_daemon(struct tlsd_cfg_parse *p, const char *k,
                           const char *v)
{
	struct tlsd_options *o = p->o;

	if (!strcmp(k, "workers"))
		return tlsd_cfg_u32(p, k, v, 1, 64, &o->workers);
	if (!strcmp(k, "control"))
		return tlsd_cfg_str(p, k, v, &o->control);
	if (!strcmp(k, "metrics")) {
		o->have_metrics = true;
		return tlsd_cfg_addr(p, k, v, &o->metrics);
	}
	if (!strcmp(k, "drain_timeout_ms"))
		return tlsd_cfg_u32(p, k, v, 0, 3600000, &o->drain_timeout_ms);
	if (!strcmp(k, "verbose"))
		return tlsd_cfg_flag(p, k, v, &o->verbose);
	return tlsd_cfg_flag(p, k, v, &o->stats_on_exit);
}

static int tlsd_cfg_listener(struct tlsd_cfg_parse *p, const char *k,
                             const char *v)
{
	struct tlsd_options *o = p->o;

	if (!strcmp(k, "address"))
		return tlsd_cfg_addr(p, k, v, &o->listen);
	if (!strcmp(k, "client_ca"))
		return tlsd_cfg_str(p, k, v, &o->client_ca);
	if (!strcmp(k, "alpn"))
		return tlsd_cfg_alpn(p, v);
	if (!strcmp(k, "tls13_only"))
		return tlsd_cfg_flag(p, k, v, &o->tls13_only);
	return tlsd_cfg_flag(p, k, v, &o->incremental);
}

static int tlsd_cfg_backend(struct tlsd_cfg_parse *p, const char *k,
                            const char *v)
{
	struct tlsd_backend_spec *b = p->backend;

	if (!strcmp(k, "address"))
		return tlsd_cfg_addr(p, k, v, &b->addr);
	if (!strcmp(k, "tls"))
		return tlsd_cfg_flag(p, k, v, &b->tls);
	if (!strcmp(k, "ca"))
		return tlsd_cfg_str(p, k, v, &b->ca);
	return tlsd_cfg_str(p, k, v, &b->sni);
}

static int tlsd_cfg_cards(struct tlsd_cfg_parse *p, const char *k,
                          const char *v)
{
	struct tlsd_options *o = p->o;

	if (!strcmp(k, "mode"))
		return tlsd_cfg_cards_mode(p, v);
	if (!strncmp(k, "sim_spec", 8))
		return tlsd_cfg_sim_spec(p, k, v);
	if (!strcmp(k, "offload_budget_us")) {
		o->budget_us_set = true;
		return tlsd_cfg_u32(p, k, v, 0, 10000000, &o->budget_us);
	}
	if (!strcmp(k, "key_move_margin")) {
		o->key_move_margin_set = true;
		return tlsd_cfg_u32(p, k, v, 0, 65536, &o->key_move_margin);
	}
	return tlsd_cfg_flag(p, k, v, &o->offload_always);
}

static int tlsd_cfg_coalesce(struct tlsd_cfg_parse *p, const char *k,
                             const char *v)
{
	struct tlsd_coalesce_opts *c = &p->o->coalesce;

	if (!strcmp(k, "enabled"))
		return tlsd_cfg_flag(p, k, v, &c->enabled);
	if (!strcmp(k, "timer_ms"))
		return tlsd_cfg_u32(p, k, v, 1, 60000, &c->timer_ms);
	if (!strcmp(k, "quantum"))
		return tlsd_cfg_u32(p, k, v, 0, 16384, &c->quantum);
	if (!strcmp(k, "staged"))
		return tlsd_cfg_flag(p, k, v, &c->staged);
	if (!strcmp(k, "push_delay_us")) {
		c->push_delay_set = true;
		return tlsd_cfg_u32(p, k, v, 0, 100000, &c->push_delay_us);
	}
	return tlsd_cfg_u32(p, k, v, 1, 3600000, &c->staged_idle_ms);
}

static int tlsd_cfg_tickets(struct tlsd_cfg_parse *p, const char *k,
                            const char *v)
{
	struct tlsd_options *o = p->o;
	bool on;

	if (!strcmp(k, "enabled")) {
		if (tlsd_cfg_flag(p, k, v, &on))
			return -1;
		o->no_tickets = !on;
		return 0;
	}
	if (!strcmp(k, "key_file"))
		return tlsd_cfg_str(p, k, v, &o->ticket_key_file);
	return tlsd_cfg_u32(p, k, v, 60, 86400, &o->ticket_rotate_s);
}

/* [backends]: the same ranges as the flags (tlsd_backend_opt.c). */
static int tlsd_cfg_pool(struct tlsd_cfg_parse *p, const char *k, const char *v)
{
	struct tlsd_backend_opts *b = &p->o->backend_opts;
	bool pool;

	if (!strcmp(k, "health_interval_ms"))
		return tlsd_cfg_u32(p, k, v, 10, 3600000,
		                    &b->check_interval_ms);
	if (!strcmp(k, "health_timeout_ms"))
		return tlsd_cfg_u32(p, k, v, 10, 600000, &b->check_timeout_ms);
	if (!strcmp(k, "health_fall"))
		return tlsd_cfg_u32(p, k, v, 1, 100, &b->fall);
	if (!strcmp(k, "health_rise"))
		return tlsd_cfg_u32(p, k, v, 1, 100, &b->rise);
	if (!strcmp(k, "pool")) {
		if (tlsd_cfg_flag(p, k, v, &pool))
			return -1;
		b->no_pool = !pool;
		return 0;
	}
	if (!strcmp(k, "pool_idle"))
		return tlsd_cfg_u32(p, k, v, 1, 1024, &b->idle_max);
	if (!strcmp(k, "pool_idle_ms"))
		return tlsd_cfg_u32(p, k, v, 10, 86400000, &b->idle_timeout_ms);
	return tlsd_cfg_u32(p, k, v, 10, 600000, &b->connect_timeout_ms);
}

/* The end of a section: are its required keys there? */
static void tlsd_cfg_finish(struct tlsd_cfg_parse *p)
{
	struct tlsd_options *o = p->o;

	if (p->sec == SEC_CERT) {
		if (!p->cert || !p->key) {
			tlsd_cfg_fail(p, p->sec_line,
			              "[%s]: needs cert = and "
			              "key =",
			              p->sec_name);
			return;
		}
		o->certs[o->ncerts] = p->cert;
		o->keys[o->ncerts] = p->key;
		o->owned->cert_line[o->ncerts] = p->sec_line;
		o->ncerts = ++o->nkeys;
	} else if (p->sec == SEC_BACKEND) {
		if (!p->backend->addr.len) {
			tlsd_cfg_fail(p, p->sec_line,
			              "[%s]: needs address =", p->sec_name);
			return;
		}
		if (p->backend->tls && !p->backend->ca) {
			tlsd_cfg_fail(p, p->sec_line,
			              "[%s]: tls = yes needs "
			              "ca =",
			              p->sec_name);
			return;
		}
		if (!p->backend->tls && (p->backend->ca || p->backend->sni)) {
			tlsd_cfg_fail(p, p->sec_line,
			              "[%s]: ca and sni need "
			              "tls = yes",
			              p->sec_name);
			return;
		}
		o->nbackends++;
	}
	p->sec = SEC_NONE;
}

static bool tlsd_cfg_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n < 32 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz"
	                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                 "0123456789_.-") == n;
}

/* A "[type]" or "[type name]" line. */
static void tlsd_cfg_header(struct tlsd_cfg_parse *p, char *text)
{
	static const char *const types[] = {
	    [SEC_DAEMON] = "daemon",   [SEC_LISTENER] = "listener",
	    [SEC_CERT] = "cert",       [SEC_BACKEND] = "backend",
	    [SEC_CARDS] = "cards",     [SEC_COALESCE] = "coalesce",
	    [SEC_TICKETS] = "tickets", [SEC_POOL] = "backends",
	};
	struct tlsd_options *o = p->o;
	char *end = strchr(text, ']'), *name;
	enum tlsd_sec sec = SEC_NONE;

	tlsd_cfg_finish(p);
	if (p->failed)
		return;
	if (!end) {
		tlsd_cfg_fail(p, p->line, "section header without ']'");
		return;
	}
	*end = 0;
	text++;
	name = text + strcspn(text, " \t");
	if (*name)
		*name++ = 0;
	name += strspn(name, " \t");
	for (unsigned i = SEC_DAEMON; i <= SEC_POOL; i++)
		if (!strcmp(text, types[i]))
			sec = (enum tlsd_sec)i;
	if (sec == SEC_NONE) {
		tlsd_cfg_fail(p, p->line,
		              "unknown section [%s] (daemon, "
		              "listener, cert NAME, backend NAME, cards, "
		              "coalesce, tickets, backends)",
		              text);
		return;
	}
	if ((sec == SEC_CERT || sec == SEC_BACKEND) &&
	    !tlsd_cfg_name_ok(name)) {
		tlsd_cfg_fail(p, p->line,
		              "[%s NAME]: NAME must be 1-31 of "
		              "A-Z a-z 0-9 _ . -",
		              text);
		return;
	}
	if (sec != SEC_CERT && sec != SEC_BACKEND && *name) {
		tlsd_cfg_fail(p, p->line, "[%s] takes no name", text);
		return;
	}
	snprintf(p->sec_name, sizeof(p->sec_name), "%.20s%s%.32s", text,
	         *name ? " " : "", name);
	for (unsigned i = 0; i < p->nnames; i++) {
		if (!strcmp(p->names[i], p->sec_name)) {
			tlsd_cfg_fail(p, p->line, "duplicate section [%s]",
			              p->sec_name);
			return;
		}
	}
	if (p->nnames == TLSD_MAX_SECTIONS) {
		tlsd_cfg_fail(p, p->line, "more than %d sections",
		              TLSD_MAX_SECTIONS);
		return;
	}
	if (sec == SEC_CERT && o->ncerts == TLS_MAX_CERTS) {
		tlsd_cfg_fail(p, p->line, "at most %d [cert] sections",
		              TLS_MAX_CERTS);
		return;
	}
	if (sec == SEC_BACKEND) {
		if (o->nbackends == TLSD_MAX_BACKENDS) {
			tlsd_cfg_fail(p, p->line,
			              "at most %d [backend] "
			              "sections",
			              TLSD_MAX_BACKENDS);
			return;
		}
		p->backend = &o->backends[o->nbackends];
		memset(p->backend, 0, sizeof(*p->backend));
		snprintf(p->backend->name, sizeof(p->backend->name), "%s",
		         name);
	}
	snprintf(p->names[p->nnames++], sizeof(p->names[0]), "%s", p->sec_name);
	p->sec = sec;
	p->sec_line = p->line;
	p->seen = 0;
	p->cert = p->key = NULL;
}

/* inih's line source: counts lines and takes the section headers. */
static char *tlsd_cfg_reader(char *str, int num, void *stream)
{
	struct tlsd_cfg_parse *p = stream;
	char *s;

	if (p->failed)
		return NULL;
	if (!fgets(str, num, p->f)) {
		tlsd_cfg_finish(p);
		return NULL;
	}
	p->line++;
	s = str + strspn(str, " \t");
	if (*s == '[') {
		char copy[256];

		snprintf(copy, sizeof(copy), "%s", s);
		copy[strcspn(copy, "\r\n")] = 0;
		tlsd_cfg_header(p, copy);
		if (p->failed)
			return NULL;
	}
	return str;
}

static int tlsd_cfg_handler(void *user, const char *section, const char *k,
                            const char *v)
{
	struct tlsd_cfg_parse *p = user;
	unsigned idx = 0;
	bool known = false;

	(void)section; /* the reader tracks it, with its line */
	if (p->failed)
		return 0;
	if (p->sec == SEC_NONE) {
		tlsd_cfg_fail(p, p->line, "%s: key outside a section", k);
		return 0;
	}
	for (unsigned i = 0;
	     i < sizeof(tlsd_cfg_keys) / sizeof(tlsd_cfg_keys[0]); i++) {
		const struct tlsd_cfg_key *e = &tlsd_cfg_keys[i];

		if (e->sec != p->sec)
			continue;
		if (e->prefix ? !strncmp(k, e->name, strlen(e->name))
		              : !strcmp(k, e->name)) {
			known = true;
			idx = i;
			break;
		}
	}
	if (!known) {
		tlsd_cfg_fail(p, p->line, "unknown key '%s' in [%s]", k,
		              p->sec_name);
		return 0;
	}
	/* sim_spec.I may repeat with different I: only exact repeats are
	 * duplicates, which tlsd_knobs_for would silently merge. */
	if (!tlsd_cfg_keys[idx].prefix && (p->seen & (1ull << idx))) {
		tlsd_cfg_fail(p, p->line, "duplicate key '%s' in [%s]", k,
		              p->sec_name);
		return 0;
	}
	p->seen |= 1ull << idx;
	switch (p->sec) {
	case SEC_DAEMON: tlsd_cfg_daemon(p, k, v); break;
	case SEC_LISTENER: tlsd_cfg_listener(p, k, v); break;
	case SEC_CERT:
		tlsd_cfg_str(p, k, v, !strcmp(k, "cert") ? &p->cert : &p->key);
		break;
	case SEC_BACKEND: tlsd_cfg_backend(p, k, v); break;
	case SEC_CARDS: tlsd_cfg_cards(p, k, v); break;
	case SEC_COALESCE: tlsd_cfg_coalesce(p, k, v); break;
	case SEC_TICKETS: tlsd_cfg_tickets(p, k, v); break;
	case SEC_POOL: tlsd_cfg_pool(p, k, v); break;
	case SEC_NONE: break;
	}
	return !p->failed;
}

int tlsd_config_load(const char *path, struct tlsd_options *o)
{
	struct tlsd_cfg_parse *p = calloc(1, sizeof(*p));
	int rc;

	if (!p || !tlsd_strdup(o, "")) {
		free(p);
		tlsd_log("%s: out of memory", path);
		return 2;
	}
	p->path = path;
	p->o = o;
	p->f = fopen(path, "r");
	if (!p->f) {
		tlsd_log("%s:0: cannot open: %s", path, strerror(errno));
		free(p);
		return 2;
	}
	rc = ini_parse_stream(tlsd_cfg_reader, p, tlsd_cfg_handler, p);
	fclose(p->f);
	/* rc > 0 without our own message: inih's syntax error (a line that
	 * is neither a header, a comment nor key = value). */
	if (rc > 0 && !p->failed)
		tlsd_cfg_fail(p, (unsigned)rc,
		              "syntax error (expected "
		              "[section], key = value or a comment)");
	else if (rc < 0 && !p->failed)
		tlsd_cfg_fail(p, p->line, "cannot read the file");
	o->owned->eof_line = p->line;
	rc = p->failed ? 2 : 0;
	free(p);
	return rc;
}

unsigned tlsd_config_lines(const struct tlsd_options *o)
{
	return o->owned ? o->owned->eof_line : 0;
}

unsigned tlsd_config_cert_line(const struct tlsd_options *o, unsigned i)
{
	return o->owned && i < TLS_MAX_CERTS ? o->owned->cert_line[i] : 0;
}

void tlsd_config_forget_certs(struct tlsd_options *o)
{
	if (o->owned)
		memset(o->owned->cert_line, 0, sizeof(o->owned->cert_line));
	o->ncerts = o->nkeys = 0;
}
