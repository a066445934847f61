/* SPDX-License-Identifier: MIT */
/*
 * tlscardd's cards: the driver context, the opened cards and the pool that
 * balances jobs over them (M5), plus the daemon's own offload counters.
 *
 * The card offload backend, the event loop and the control plane all read
 * this one struct; only the event loop's thread touches it.
 */
#ifndef TLSD_CARDS_H
#define TLSD_CARDS_H

#include <stddef.h>
#include <stdint.h>

#include "tls_offload_card.h"
#include "tlscard.h"

#define TLSD_MAX_CARDS 16

struct tlsd_cards {
	struct tc_ctx *ctx;
	struct tc_dev *devs[TLSD_MAX_CARDS];
	unsigned ndevs;
	struct tc_pool *pool;
	struct tlsd_offload_counters counters;
	/* Jobs in flight per card, most seen after a pass's flush, and most
	 * connections parked on card jobs at once (tlsd_async.c). */
	unsigned max_inflight[TLSD_MAX_CARDS];
	unsigned max_parked;
	unsigned parked_now; /* connections parked after the last pass */
};

/*
 * spec: "none" (no cards: *out = NULL, returns 0), "sim:N", "vfio:all" or
 * "vfio:BDF[,BDF...]".  sim_spec: the tc_model_config_parse() knobs for
 * every sim card, or several "I:KNOBS" entries separated by ';' for card I
 * (a plain entry applies to every card without its own); NULL for
 * defaults.  Returns 0, or -EINVAL for a bad spec (message on stderr) or
 * another -errno when a card cannot be opened.
 */
int tlsd_cards_open(const char *spec, const char *sim_spec,
                    struct tlsd_cards **out);
void tlsd_cards_close(struct tlsd_cards *c);
/* 0 for NULL (no cards). */
unsigned tlsd_cards_count(const struct tlsd_cards *c);
/* The smallest max input (bytes per record) of the cards; 0 for none. */
size_t tlsd_cards_max_input(const struct tlsd_cards *c);
/* NULL for NULL. */
struct tc_pool *tlsd_cards_pool(const struct tlsd_cards *c);

/* tlsd_cards_opt.c: the daemon's card options and start-up. */
struct tlsd_options;
struct tls_config;
/* name: the long option without "--"; 0 or -1 (message printed). */
int tlsd_cards_parse_opt(const char *name, const char *arg,
                         struct tlsd_options *o);
/* Open --cards and wrap *off (the CPU backend) in the card backend; on
 * failure *off is freed and NULL.  Returns 0 or the exit code. */
int tlsd_cards_offload(struct tlsd_options *o, struct tls_offload **off);
/* Certificate keys into pool slots, M2 messages into blob stores. */
int tlsd_cards_setup(struct tlsd_options *o, struct tls_config *cfg);
/* Once per event-loop pass: pool health, blob reloads after resets. */
void tlsd_cards_pass(struct tlsd_cards *c, struct tls_offload *off);
/*
 * How long the event loop may sleep: idle_ms when no card job is in
 * flight, else 1 ms, so jobs queued at the end of a pass (key evictions
 * at connection close) are flushed and reaped promptly instead of
 * waiting out an idle timeout.
 */
int tlsd_cards_sleep_ms(struct tlsd_cards *c, int idle_ms);
/* The per-card and offload counters, for --stats-on-exit. */
void tlsd_cards_print_stats(const struct tlsd_cards *c);

#endif /* TLSD_CARDS_H */
