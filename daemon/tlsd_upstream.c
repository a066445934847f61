// SPDX-License-Identifier: MIT
/*
 * One client's backend stream: choice, pooled reuse and failover
 * (tlsd_upstream.h).  The rule for failover: until the backend has sent
 * its first byte, everything the client sent is still in u->replay, so a
 * refused connect, a reset, a failed TLS handshake or a close without a
 * reply can be answered by replaying it to another backend.  After the
 * first byte, or once the request outgrew the copy, a failure ends the
 * client connection as it would without a pool.
 */
#include <errno.h>
#include <string.h>

#include "tlsd_backend.h"
#include "tlsd_health.h"
#include "tlsd_upstream.h"

static unsigned tlsd_upstream_max_attempts(const struct tlsd_upstream *u)
{
	/* every backend once, plus stale pooled legs of the same backend */
	return u->set->n + u->set->opts.idle_max + 1;
}

static void tlsd_upstream_detach(struct tlsd_upstream *u, bool reuse,
                                 bool graceful)
{
	struct tlsd_backend *be = u->be;

	if (!u->leg)
		return;
	be->lb.active--;
	if (reuse)
		tlsd_backend_idle_put(be, u->leg);
	else
		tlsd_leg_close(u->leg, graceful);
	u->leg = NULL;
	u->be = NULL;
}

static int tlsd_upstream_attach(struct tlsd_upstream *u)
{
	struct tlsd_backends *set = u->set;

	while (u->attempts < tlsd_upstream_max_attempts(u)) {
		struct tlsd_lb_node nodes[TLSD_MAX_BACKENDS];
		struct tlsd_backend *be;
		struct tlsd_leg *leg;
		int i;

		for (unsigned k = 0; k < set->n; k++)
			nodes[k] = set->b[k].lb;
		i = tlsd_lb_choose(nodes, set->n, u->tried, &set->cursor);
		if (i < 0)
			return -1;
		be = &set->b[i];
		u->attempts++;
		leg = tlsd_backend_idle_take(be);
		u->leg_reused = leg != NULL;
		if (leg) {
			be->conns_reused++;
		} else {
			/* A fresh connection per backend: a failed one
			 * rules the backend out for this client. */
			u->tried |= 1u << i;
			leg = tlsd_leg_connect(be);
			if (!leg) {
				tlsd_backend_failed(be, strerror(errno));
				continue;
			}
			be->conns_new++;
			tlsd_leg_deadline(
			    leg, tlsd_now_ms() + set->opts.connect_timeout_ms);
		}
		leg->in_use = true;
		u->leg = leg;
		u->be = be;
		be->lb.active++;
		be->total++;
		u->replay_sent = 0;
		u->shut = u->eof = u->backend_spoke_last = false;
		tlsd_leg_watch(leg, u->tag);
		return 0;
	}
	return -1;
}

int tlsd_upstream_start(struct tlsd_upstream *u, struct tlsd_backends *set,
                        void *tag)
{
	u->set = set;
	u->tag = tag;
	u->be = NULL;
	u->leg = NULL;
	u->tried = 0;
	u->attempts = 0;
	u->replying = u->replay_lost = u->want_shut = u->shut = false;
	u->eof = u->failed = u->backend_spoke_last = u->leg_reused = false;
	u->replay_len = u->replay_sent = 0;
	if (tlsd_upstream_attach(u)) {
		u->failed = true;
		return -1;
	}
	return 0;
}

/*
 * The leg failed (err: an errno, 0 for a close without a reply).  Replay
 * on another backend when the copy still holds everything.
 */
static void tlsd_upstream_fail(struct tlsd_upstream *u, int err)
{
	struct tlsd_backend *be = u->be;
	char why[64];

	if (err) {
		tlsd_leg_failure_text(u->leg, err, why, sizeof(why));
		if (err == EPROTO)
			be->tls_failures++;
		/* A pooled leg may have gone stale while idle; that says
		 * nothing about the backend. */
		if (!u->leg_reused)
			tlsd_backend_failed(be, why);
		else
			be->idle_closed++;
	}
	if (tlsd_verbose)
		tlsd_log("backend %s: %s %s", be->spec->name,
		         err ? why : "closed",
		         u->replying      ? "after its reply began"
		         : u->replay_lost ? "before a reply, too late to retry"
		                          : "before a reply, retrying");
	tlsd_upstream_detach(u, false, false);
	if (u->replying || u->replay_lost || tlsd_upstream_attach(u)) {
		u->failed = true;
		return;
	}
	be->retried++;
}

bool tlsd_upstream_pump(struct tlsd_upstream *u)
{
	bool moved = false;

	for (unsigned guard = 0; u->leg && guard < 4; guard++) {
		struct tlsd_leg *leg = u->leg;
		int rc = tlsd_leg_progress(leg);
		ssize_t w;

		if (rc < 0) {
			tlsd_upstream_fail(u, -rc);
			moved = true;
			continue;
		}
		moved |= rc > 0;
		if (!tlsd_leg_ready(leg))
			break;
		if (u->replay_sent < u->replay_len) {
			w = tlsd_leg_send(leg, u->replay + u->replay_sent,
			                  u->replay_len - u->replay_sent);
			if (w < 0) {
				tlsd_upstream_fail(u, (int)-w);
				moved = true;
				continue;
			}
			if (w) {
				u->replay_sent += (size_t)w;
				u->backend_spoke_last = false;
				moved = true;
			}
		}
		/* The reply has begun and the copy is out: drop it. */
		if (u->replying && u->replay_sent == u->replay_len)
			u->replay_len = u->replay_sent = 0;
		if (u->want_shut && !u->shut &&
		    u->replay_sent == u->replay_len) {
			tlsd_leg_shutdown(leg);
			u->shut = true;
			moved = true;
		}
		break;
	}
	return moved;
}

ssize_t tlsd_upstream_write(struct tlsd_upstream *u, const uint8_t *p, size_t n)
{
	ssize_t w;

	if (u->failed)
		return -1;
	if (!n)
		return 0;
	if (!u->replying && !u->replay_lost) {
		size_t room = TLSD_REPLAY_CAP - u->replay_len;

		if (room) {
			if (n > room)
				n = room;
			memcpy(u->replay + u->replay_len, p, n);
			u->replay_len += n;
			tlsd_upstream_pump(u);
			return u->failed ? -1 : (ssize_t)n;
		}
		if (u->replay_sent < u->replay_len)
			return 0;
		/* A request longer than the copy: no failover for it. */
		u->replay_lost = true;
		u->replay_len = u->replay_sent = 0;
	}
	if (!u->leg || !tlsd_leg_ready(u->leg) ||
	    u->replay_sent < u->replay_len)
		return 0;
	w = tlsd_leg_send(u->leg, p, n);
	if (w < 0) {
		tlsd_upstream_fail(u, (int)-w);
		return -1;
	}
	if (w)
		u->backend_spoke_last = false;
	return w;
}

ssize_t tlsd_upstream_read(struct tlsd_upstream *u, uint8_t *p, size_t n)
{
	ssize_t r;

	if (u->failed)
		return -EIO;
	if (u->eof)
		return 0;
	if (!u->leg)
		return -EAGAIN;
	r = tlsd_leg_recv(u->leg, p, n);
	if (r > 0) {
		u->replying = true;
		u->backend_spoke_last = true;
		return r;
	}
	if (r == 0) {
		/* Closed without a word: a dying backend, or a pooled leg
		 * it gave up on.  Unless the client had finished sending,
		 * that is no answer; try another. */
		if (!u->replying && !u->replay_lost &&
		    (!u->want_shut || u->leg_reused)) {
			tlsd_upstream_fail(u, 0);
			return u->failed ? -EIO : -EAGAIN;
		}
		u->eof = true;
		return 0;
	}
	if (r == -EAGAIN)
		return r;
	tlsd_upstream_fail(u, (int)-r);
	return u->failed ? -EIO : -EAGAIN;
}

void tlsd_upstream_shutdown(struct tlsd_upstream *u)
{
	u->want_shut = true;
	tlsd_upstream_pump(u);
}

bool tlsd_upstream_reusable(struct tlsd_upstream *u)
{
	return u->leg && !u->failed && !u->eof && !u->shut && u->replying &&
	       u->backend_spoke_last && u->replay_sent == u->replay_len &&
	       tlsd_leg_quiet(u->leg);
}

void tlsd_upstream_end(struct tlsd_upstream *u, bool reuse)
{
	tlsd_upstream_detach(u, reuse && tlsd_upstream_reusable(u), !u->failed);
}
