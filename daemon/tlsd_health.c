// SPDX-License-Identifier: MIT
/* Backend health probes: tlsd_health.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tlsd_backend.h"
#include "tlsd_health.h"

static void *tlsd_probe_tag(struct tlsd_probe *p)
{
	return (void *)((uintptr_t)&p->src | TLSD_TAG_SOURCE);
}

void tlsd_leg_failure_text(const struct tlsd_leg *leg, int err, char *buf,
                           size_t size)
{
	const struct tls_conn *t = &leg->tls;

	if (err != EPROTO) {
		snprintf(buf, size, "%s", strerror(err));
		return;
	}
	if (t->alert_received != TLS_ALERT_NONE &&
	    t->alert_received != TLS_ALERT_CLOSE_NOTIFY) {
		snprintf(buf, size, "tls: received alert %s",
		         tls_alert_name(t->alert_received));
		return;
	}
	snprintf(buf, size, "tls: %s", tls_error_message(t->error));
}

static void tlsd_probe_finish(struct tlsd_probe *p, int err)
{
	struct tlsd_backend *be = p->be;
	char why[64] = "";

	if (err) {
		tlsd_leg_failure_text(p->leg, err, why, sizeof(why));
		if (err == EPROTO)
			be->tls_failures++;
	}
	tlsd_leg_close(p->leg, true);
	p->leg = NULL;
	p->next_ms = tlsd_now_ms() + be->set->opts.check_interval_ms;
	tlsd_backend_checked(be, !err, why);
}

static void tlsd_probe_drive(struct tlsd_probe *p)
{
	int rc = tlsd_leg_progress(p->leg);

	if (rc < 0)
		tlsd_probe_finish(p, -rc);
	else if (tlsd_leg_ready(p->leg))
		tlsd_probe_finish(p, 0);
}

static void tlsd_probe_event(struct tlsd_source *src, uint32_t events)
{
	struct tlsd_probe *p = (struct tlsd_probe *)src;

	(void)events;
	/* A stale event of a probe that has already finished. */
	if (p->leg)
		tlsd_probe_drive(p);
}

void tlsd_probe_init(struct tlsd_backend *be)
{
	struct tlsd_probe *p = &be->probe;

	p->src.on_event = tlsd_probe_event;
	p->be = be;
	p->leg = NULL;
	p->next_ms = tlsd_now_ms();
}

static void tlsd_probe_start(struct tlsd_probe *p, uint64_t now)
{
	struct tlsd_backend *be = p->be;

	p->leg = tlsd_leg_connect(be);
	if (!p->leg) {
		p->next_ms = now + be->set->opts.check_interval_ms;
		tlsd_backend_checked(be, false, strerror(errno));
		return;
	}
	p->deadline_ms = now + be->set->opts.check_timeout_ms;
	tlsd_leg_watch(p->leg, tlsd_probe_tag(p));
	tlsd_probe_drive(p);
}

void tlsd_probe_tick(struct tlsd_backend *be, uint64_t now_ms)
{
	struct tlsd_probe *p = &be->probe;

	if (p->leg && now_ms >= p->deadline_ms)
		tlsd_probe_finish(p, ETIMEDOUT);
	else if (!p->leg && now_ms >= p->next_ms)
		tlsd_probe_start(p, now_ms);
}

uint64_t tlsd_probe_due_ms(const struct tlsd_backend *be)
{
	return be->probe.leg ? be->probe.deadline_ms : be->probe.next_ms;
}

void tlsd_probe_stop(struct tlsd_backend *be)
{
	if (be->probe.leg)
		tlsd_leg_close(be->probe.leg, false);
	be->probe.leg = NULL;
}
