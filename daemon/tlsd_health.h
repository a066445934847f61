/* SPDX-License-Identifier: MIT */
/*
 * Health probes: every check interval, each backend gets a TCP connect
 * and, for TLS backends, a full handshake with chain and name checks.
 * A probe not finished within the check timeout failed.  The results go
 * through the fall/rise state machine (tlsd_balance.h).
 */
#ifndef TLSD_HEALTH_H
#define TLSD_HEALTH_H

#include <stddef.h>
#include <stdint.h>

struct tlsd_backend;
struct tlsd_leg;

void tlsd_probe_init(struct tlsd_backend *be);
/* Start a due probe, fail one that ran out of time. */
void tlsd_probe_tick(struct tlsd_backend *be, uint64_t now_ms);
/* When the probe next needs the loop's attention. */
uint64_t tlsd_probe_due_ms(const struct tlsd_backend *be);
void tlsd_probe_stop(struct tlsd_backend *be);
/* "tls: bad_certificate (…)" and the like, for logs and stats. */
void tlsd_leg_failure_text(const struct tlsd_leg *leg, int err, char *buf,
                           size_t size);

#endif /* TLSD_HEALTH_H */
