// SPDX-License-Identifier: MIT
/*
 * One connection to one backend (a "leg"): a non-blocking TCP connect,
 * then, for TLS backends, the engine's client side (tls_client.h)
 * verifying the chain against the backend's CA file and its name (SNI).
 * The calls mirror the proxy's server side: bytes move between the socket
 * and the engine's buffers; plaintext goes in and out through
 * tlsd_leg_send / tlsd_leg_recv.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "tls_client.h"
#include "tlsd_backend.h"

/* Reading stops after this many socket reads per call: fairness. */
#define TLSD_LEG_READS       8
/* SYN retransmissions of a backend connect (TCP_SYNCNT). */
#define TLSD_LEG_SYN_RETRIES 2

static struct tlsd_leg *tlsd_leg_alloc(struct tlsd_backends *set)
{
	struct tlsd_leg *leg = set->free_legs;

	if (leg) {
		set->free_legs = leg->next;
		return leg;
	}
	return calloc(1, sizeof(*leg));
}

struct tlsd_leg *tlsd_leg_connect(struct tlsd_backend *be)
{
	const struct tlsd_addr *a = &be->spec->addr;
	struct tlsd_leg *leg = tlsd_leg_alloc(be->set);
	int one = 1, syncnt = TLSD_LEG_SYN_RETRIES, err;

	if (!leg) {
		errno = ENOMEM;
		return NULL;
	}
	leg->be = be;
	leg->connected = leg->tls_on = leg->eof = leg->in_use = false;
	leg->timed_out = false;
	leg->next = NULL;
	leg->fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (leg->fd < 0)
		goto fail;
	setsockopt(leg->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* A backend that drops SYNs: give up after ~7 s (1 + 2 + 4) rather
	 * than the kernel's ~2 min, so the client is replayed elsewhere. */
	setsockopt(leg->fd, IPPROTO_TCP, TCP_SYNCNT, &syncnt, sizeof(syncnt));
	if (connect(leg->fd, (const struct sockaddr *)&a->ss, a->len) &&
	    errno != EINPROGRESS)
		goto fail;
	return leg;
fail:
	err = errno;
	if (leg->fd >= 0)
		close(leg->fd);
	leg->fd = -1;
	leg->next = be->set->free_legs;
	be->set->free_legs = leg;
	errno = err;
	return NULL;
}

void tlsd_leg_watch(struct tlsd_leg *leg, void *tag)
{
	struct epoll_event ev = {.events =
	                             EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP,
	                         .data.ptr = tag};

	if (epoll_ctl(leg->be->set->epfd, EPOLL_CTL_MOD, leg->fd, &ev))
		epoll_ctl(leg->be->set->epfd, EPOLL_CTL_ADD, leg->fd, &ev);
}

void tlsd_leg_deadline(struct tlsd_leg *leg, uint64_t ready_by_ms)
{
	struct tlsd_backends *set = leg->be->set;

	leg->ready_by_ms = ready_by_ms;
	if (leg->pending)
		return;
	leg->pending = true;
	leg->next_pending = set->pending;
	set->pending = leg;
}

void tlsd_legs_expire(struct tlsd_backends *set, uint64_t now_ms)
{
	struct tlsd_leg **pp = &set->pending;

	while (*pp) {
		struct tlsd_leg *leg = *pp;

		/* Off the list once ready or closed (before the tick frees
		 * closed legs, so the list never names a freed one). */
		if (leg->fd < 0 || tlsd_leg_ready(leg) || leg->timed_out) {
			*pp = leg->next_pending;
			leg->pending = false;
			continue;
		}
		if (now_ms >= leg->ready_by_ms) {
			leg->timed_out = true;
			/* Aborts a connect, ends a handshake: either way an
			 * event for the owner, whose next progress fails. */
			shutdown(leg->fd, SHUT_RDWR);
		}
		pp = &leg->next_pending;
	}
}

bool tlsd_leg_ready(const struct tlsd_leg *leg)
{
	return leg->connected &&
	       (!leg->tls_on || tls_conn_established(&leg->tls));
}

/* Send what the engine queued: records, alerts, our flights. */
static int tlsd_leg_flush(struct tlsd_leg *leg, bool *moved)
{
	const uint8_t *p;
	size_t n;
	ssize_t w;

	if (!leg->tls_on)
		return 0;
	while ((n = tls_conn_out_peek(&leg->tls, &p))) {
		w = send(leg->fd, p, n, MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0
			                                               : -errno;
		tls_conn_out_consume(&leg->tls, (size_t)w);
		*moved = true;
	}
	return 0;
}

/* The TCP connect finished: start the client handshake for TLS. */
static int tlsd_leg_on_connect(struct tlsd_leg *leg)
{
	const struct tlsd_backend_spec *spec = leg->be->spec;
	struct tls_client_params params = {.server_name = spec->sni};
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(leg->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -errno;
	if (err == EINPROGRESS || err == EALREADY)
		return 0;
	if (err)
		return -err;
	leg->connected = true;
	if (!spec->tls)
		return 1;
	if (tls_is_err(
	        tls_conn_init_client(&leg->tls, leg->be->tls_cfg, &params)))
		return -ENOMEM;
	leg->tls_on = true;
	return 1;
}

/* Read records into the engine and run them; -errno on failure. */
static int tlsd_leg_pull(struct tlsd_leg *leg, bool *moved)
{
	for (unsigned i = 0; i < TLSD_LEG_READS && !leg->eof; i++) {
		size_t room;
		uint8_t *p;
		ssize_t r;

		if (tls_is_err(tls_conn_process(&leg->tls)))
			return -EPROTO;
		if (leg->tls.state == TLS_ST_CLOSED)
			leg->eof = true;
		if (leg->tls.app_len || leg->eof)
			return 0;
		p = tls_conn_in_space(&leg->tls, &room);
		if (!room)
			return 0;
		r = recv(leg->fd, p, room, 0);
		if (r == 0) {
			/* No close_notify: a truncation (RFC 8446 §6.1) once
			 * established, a failure during the handshake. */
			if (!tls_conn_established(&leg->tls))
				return -ECONNRESET;
			leg->eof = true;
			*moved = true;
			return 0;
		}
		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0
			                                               : -errno;
		tls_conn_in_commit(&leg->tls, (size_t)r);
		*moved = true;
	}
	return 0;
}

int tlsd_leg_progress(struct tlsd_leg *leg)
{
	bool moved = false;
	int rc;

	if (leg->fd < 0)
		return -EBADF;
	if (leg->timed_out)
		return -ETIMEDOUT;
	if (!leg->connected) {
		rc = tlsd_leg_on_connect(leg);
		if (rc <= 0)
			return rc;
		moved = true;
	}
	if (!leg->tls_on)
		return moved;
	rc = tlsd_leg_flush(leg, &moved);
	if (!rc && !tls_conn_established(&leg->tls) && !leg->eof)
		rc = tlsd_leg_pull(leg, &moved);
	if (!rc)
		rc = tlsd_leg_flush(leg, &moved);
	if (rc)
		return rc;
	if (leg->tls.state == TLS_ST_FAILED)
		return -EPROTO;
	if (leg->eof && !tls_conn_completed(&leg->tls))
		return -ECONNRESET;
	return moved;
}

ssize_t tlsd_leg_send(struct tlsd_leg *leg, const uint8_t *p, size_t n)
{
	bool moved = false;
	size_t room;
	ssize_t w;
	int rc;

	if (!tlsd_leg_ready(leg))
		return 0;
	if (!leg->tls_on) {
		w = send(leg->fd, p, n, MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0
			                                               : -errno;
		return w;
	}
	room = tls_conn_send_room(&leg->tls);
	if (n > room)
		n = room;
	if (n && tls_is_err(tls_conn_send(&leg->tls, p, n)))
		return -EPROTO;
	rc = tlsd_leg_flush(leg, &moved);
	return rc ? rc : (ssize_t)n;
}

ssize_t tlsd_leg_recv(struct tlsd_leg *leg, uint8_t *p, size_t n)
{
	const uint8_t *app;
	bool moved = false;
	size_t have;
	ssize_t r;
	int rc;

	if (!tlsd_leg_ready(leg))
		return -EAGAIN;
	if (!leg->tls_on) {
		r = recv(leg->fd, p, n, 0);
		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN
			                                               : -errno;
		if (r == 0)
			leg->eof = true;
		return r;
	}
	rc = tlsd_leg_pull(leg, &moved);
	/* KeyUpdate answers and alerts the records queued */
	if (!rc)
		rc = tlsd_leg_flush(leg, &moved);
	have = tls_conn_app_peek(&leg->tls, &app);
	if (have) {
		if (have > n)
			have = n;
		memcpy(p, app, have);
		tls_conn_app_consume(&leg->tls, have);
		return (ssize_t)have;
	}
	if (rc)
		return rc;
	if (leg->tls.state == TLS_ST_FAILED)
		return -EPROTO;
	return leg->eof ? 0 : -EAGAIN;
}

void tlsd_leg_shutdown(struct tlsd_leg *leg)
{
	bool moved = false;

	if (leg->fd < 0)
		return;
	if (leg->tls_on && tls_is_ok(tls_conn_close(&leg->tls)))
		(void)tlsd_leg_flush(leg, &moved);
	shutdown(leg->fd, SHUT_WR);
}

bool tlsd_leg_quiet(struct tlsd_leg *leg)
{
	uint8_t byte;
	const uint8_t *p;
	bool moved = false;

	if (leg->fd < 0 || leg->eof || !tlsd_leg_ready(leg) || !leg->tls_on)
		return false;
	/* Run whatever already arrived (tickets are fine, data is not). */
	if (tlsd_leg_pull(leg, &moved) || leg->eof ||
	    leg->tls.state != TLS_ST_APP)
		return false;
	if (tls_conn_app_peek(&leg->tls, &p) ||
	    leg->tls.in_pos != leg->tls.in_len ||
	    tls_conn_out_peek(&leg->tls, &p))
		return false;
	return recv(leg->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
	       (errno == EAGAIN || errno == EWOULDBLOCK);
}

void tlsd_leg_close(struct tlsd_leg *leg, bool graceful)
{
	struct tlsd_backends *set = leg->be->set;
	bool moved = false;

	if (leg->fd >= 0) {
		if (graceful && leg->tls_on &&
		    tls_conn_established(&leg->tls) &&
		    tls_is_ok(tls_conn_close(&leg->tls)))
			(void)tlsd_leg_flush(leg, &moved);
		close(leg->fd);
	}
	leg->fd = -1;
	if (leg->tls_on)
		tls_conn_reset(&leg->tls);
	leg->tls_on = leg->connected = leg->in_use = false;
	leg->next = set->closing;
	set->closing = leg;
}
