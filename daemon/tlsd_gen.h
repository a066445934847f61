/* SPDX-License-Identifier: MIT */
/*
 * A configuration generation: the options, the tls_config built from
 * them (certificates with their precomputed messages, CA, ALPN, ticket
 * ring) and, with cards, the certificate keys in pool slots and the
 * Certificate messages in the cards' blob stores.
 *
 * SIGHUP builds the next generation from the same command line (and the
 * file -c names); new connections take the newest one, and each
 * connection holds a reference to the generation it started with, so a
 * reload never changes what an open connection uses.  The last reference
 * frees a retired generation and its card slots.
 */
#ifndef TLSD_GEN_H
#define TLSD_GEN_H

#include "tlsd.h"

struct tlsd_gen {
	struct tlsd_options opt;
	struct tls_config tls;
	unsigned refs;
	unsigned id; /* 1 at start, +1 per successful reload */
	/* the backend pool built from opt by the event loop, and how to
	 * free it with the generation (its connections' legs live in it) */
	void *backends;
	void (*free_backends)(void *backends);
};

/* The command line reloads re-read. */
void tlsd_gen_set_args(int argc, char **argv);
/*
 * Build a generation from *opt (taken over: *opt is zeroed) over off.
 * Ticket keys: opt's ticket-key file, else prev's ring, else fresh.
 * NULL after logging why (opt's strings freed).  With cards, call only
 * once the cards are open (opt->card_set).
 */
struct tlsd_gen *tlsd_gen_create(struct tlsd_options *opt,
                                 struct tls_offload *off,
                                 const struct tlsd_gen *prev);
/* SIGHUP: the next generation, or NULL (logged) to keep cur. */
struct tlsd_gen *tlsd_gen_reload(const struct tlsd_gen *cur);
struct tlsd_gen *tlsd_gen_get(struct tlsd_gen *g);
void tlsd_gen_put(struct tlsd_gen *g);

#endif /* TLSD_GEN_H */
