// SPDX-License-Identifier: MIT
/* Configuration generations and SIGHUP reloads; see tlsd_gen.h. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tlsd_cards.h"
#include "tlsd_config.h"
#include "tlsd_gen.h"
#include "tlsd_ticket_file.h"

static int tlsd_gen_argc;
static char **tlsd_gen_argv;

void tlsd_gen_set_args(int argc, char **argv)
{
	tlsd_gen_argc = argc;
	tlsd_gen_argv = argv;
}

/* Certificates, client CA, ALPN and switches into cfg. */
static int tlsd_gen_load(const struct tlsd_options *o, struct tls_config *cfg)
{
	for (unsigned i = 0; i < o->ncerts; i++) {
		unsigned line = tlsd_config_cert_line(o, i);

		if (tls_is_ok(
		        tls_config_add_cert(cfg, o->certs[i], o->keys[i])))
			continue;
		if (line)
			tlsd_log("%s:%u: %s", o->config_file, line,
			         tls_config_error());
		else
			tlsd_log("%s", tls_config_error());
		return -1;
	}
	if (o->client_ca &&
	    tls_is_err(tls_config_set_client_ca(cfg, o->client_ca))) {
		tlsd_log("client CA: %s", tls_config_error());
		return -1;
	}
	for (unsigned i = 0; i < o->nalpn; i++) {
		if (tls_is_err(tls_config_add_alpn(cfg, o->alpn[i]))) {
			tlsd_log("ALPN: %s", tls_config_error());
			return -1;
		}
	}
	cfg->incremental_transcript = o->incremental;
	cfg->tickets_enabled = !o->no_tickets;
	cfg->enable_tls12 = !o->tls13_only;
	if (o->ticket_rotate_s)
		cfg->ticket_rotate_secs = o->ticket_rotate_s;
	return 0;
}

static int tlsd_gen_tickets(struct tlsd_gen *g, const struct tlsd_gen *prev)
{
	if (g->opt.ticket_key_file)
		return tlsd_ticket_file_load(&g->tls, g->opt.ticket_key_file);
	if (prev && tls_is_err(tls_ticket_keys_copy(&g->tls, &prev->tls))) {
		tlsd_log("ticket keys: %s",
		         tls_error_message(tls_error_last()));
		return -1;
	}
	return 0;
}

/* Give the cards' key and blob slots of g back. */
static void tlsd_gen_cards_release(struct tlsd_gen *g)
{
	struct tls_offload *off = g->tls.off;

	if (!g->opt.card_set)
		return;
	for (unsigned i = 0; i < g->tls.ncerts; i++) {
		const struct tls_cert *c = &g->tls.certs[i];

		tls_offload_card_remove_key(off, c->key);
		if (c->cert13)
			tls_offload_card_remove_blob(off, c->cert13);
		if (c->cert12)
			tls_offload_card_remove_blob(off, c->cert12);
	}
}

struct tlsd_gen *tlsd_gen_create(struct tlsd_options *opt,
                                 struct tls_offload *off,
                                 const struct tlsd_gen *prev)
{
	struct tlsd_gen *g = calloc(1, sizeof(*g));

	if (!g) {
		tlsd_log("out of memory for the configuration");
		tlsd_options_free(opt);
		return NULL;
	}
	g->opt = *opt;
	memset(opt, 0, sizeof(*opt));
	g->refs = 1;
	g->id = prev ? prev->id + 1 : 1;
	if (tls_is_err(tls_config_init(&g->tls, off))) {
		tlsd_log("configuration: %s",
		         tls_error_message(tls_error_last()));
		tlsd_options_free(&g->opt);
		free(g);
		return NULL;
	}
	if (tlsd_gen_load(&g->opt, &g->tls) || tlsd_gen_tickets(g, prev) ||
	    tlsd_cards_setup(&g->opt, &g->tls)) {
		tlsd_gen_put(g);
		return NULL;
	}
	return g;
}

/* What a reload cannot change: the sockets and the cards stay. */
static void tlsd_gen_keep(struct tlsd_options *n, const struct tlsd_options *o)
{
	if (strcmp(n->listen.text, o->listen.text))
		tlsd_log("reload: the listen address needs a restart; still "
		         "on %s",
		         o->listen.text);
	/* (a worker's own card list differs from the command line's) */
	if ((o->workers <= 1 && strcmp(n->cards ? n->cards : "none",
	                               o->cards ? o->cards : "none")) ||
	    n->workers != o->workers)
		tlsd_log("reload: cards and workers need a restart; "
		         "unchanged");
	/* A worker's ticket-key file may be the one its parent made. */
	if (!n->ticket_key_file && o->workers > 1)
		n->ticket_key_file = o->ticket_key_file;
	n->listen = o->listen;
	n->cards = o->cards;
	memcpy(n->sim_spec, o->sim_spec, sizeof(n->sim_spec));
	n->card_set = o->card_set;
	n->workers = o->workers;
	n->worker_index = o->worker_index;
	n->control = o->control;
	n->metrics = o->metrics;
	n->have_metrics = o->have_metrics;
}

struct tlsd_gen *tlsd_gen_reload(const struct tlsd_gen *cur)
{
	struct tlsd_options o = {0};
	struct tlsd_gen *g;
	int rc;

	/* getopt keeps state between calls: optind = 0 starts afresh. */
	optind = 0;
	rc = tlsd_options_parse(tlsd_gen_argc, tlsd_gen_argv, &o);
	if (rc) {
		tlsd_options_free(&o);
		tlsd_log("reload failed: keeping configuration %u", cur->id);
		return NULL;
	}
	tlsd_gen_keep(&o, &cur->opt);
	g = tlsd_gen_create(&o, cur->tls.off, cur);
	if (!g) {
		tlsd_log("reload failed: keeping configuration %u", cur->id);
		return NULL;
	}
	tlsd_log("reloaded: configuration %u, %u certificate(s), %u "
	         "backend(s)",
	         g->id, g->tls.ncerts, g->opt.nbackends);
	return g;
}

struct tlsd_gen *tlsd_gen_get(struct tlsd_gen *g)
{
	g->refs++;
	return g;
}

void tlsd_gen_put(struct tlsd_gen *g)
{
	if (!g || --g->refs)
		return;
	if (g->backends && g->free_backends)
		g->free_backends(g->backends);
	tlsd_gen_cards_release(g);
	tls_config_free(&g->tls);
	tlsd_options_free(&g->opt);
	free(g);
}
