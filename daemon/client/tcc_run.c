// SPDX-License-Identifier: MIT
/*
 * tlscard-client's connection loop: one non-blocking socket and stdin
 * under poll(), driving the engine through the same calls an event loop
 * uses for server connections (in_space/in_commit, process, app_peek,
 * send, out_peek/out_consume).  Every wait is bounded by --timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "tcc.h"

struct tcc {
	const struct tcc_options *opt;
	int fd;
	struct tls_conn tls;
	bool stdin_eof, sock_eof, reported, logged;
	/* our handshake flights, each sent with one send() when it fits */
	unsigned flight_writes;
	bool last_flight;    /* our last flight is queued, not yet sent */
	uint64_t deadline;   /* the whole run */
	uint64_t idle_until; /* after stdin EOF: wait for more reply */
};

/* The handshake completed at some point (the state may be CLOSED now). */
static bool tcc_handshake_done(const struct tcc *t)
{
	return t->tls.client && t->tls.client->step == TLS_CL_DONE;
}

static uint64_t tcc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int tcc_wait_connect(int fd, uint64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	socklen_t len = sizeof(int);
	uint64_t now = tcc_now();
	int err = 0;

	if (now >= deadline || poll(&p, 1, (int)(deadline - now)) != 1)
		return ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return errno;
	return err;
}

static int tcc_connect(struct tcc *t)
{
	const struct tcc_options *o = t->opt;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res, *ai;
	int rc = getaddrinfo(o->host, o->port, &hints, &res), err = 0, one = 1;

	if (rc) {
		tcc_log("%s: %s", o->host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		t->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (t->fd < 0) {
			err = errno;
			continue;
		}
		if (connect(t->fd, ai->ai_addr, ai->ai_addrlen) == 0)
			err = 0;
		else
			err = errno == EINPROGRESS
			          ? tcc_wait_connect(t->fd, t->deadline)
			          : errno;
		if (!err)
			break;
		close(t->fd);
		t->fd = -1;
	}
	freeaddrinfo(res);
	if (t->fd < 0) {
		tcc_log("connect %s:%s: %s", o->host, o->port, strerror(err));
		return -1;
	}
	/* A flight is one send; do not let Nagle hold its tail. */
	setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

static void tcc_report_failure(struct tcc *t)
{
	struct tls_conn *c = &t->tls;

	if (t->reported)
		return;
	t->reported = true;
	if (c->alert_received != TLS_ALERT_NONE &&
	    c->alert_received != TLS_ALERT_CLOSE_NOTIFY) {
		tcc_log("TLS failure: received alert %s",
		        tls_alert_name(c->alert_received));
		return;
	}
	tcc_log("TLS failure: %s (%s) at %s; sent alert %s",
	        tls_error_name(c->error), tls_error_message(c->error),
	        c->error_where ? c->error_where : "-",
	        c->alert_sent == TLS_ALERT_NONE
	            ? "none"
	            : tls_alert_name(c->alert_sent));
}

static void tcc_log_handshake(struct tcc *t)
{
	struct tls_conn *c = &t->tls;
	const struct tls_client *cl = c->client;

	if (!t->opt->verbose)
		return;
	tcc_log("handshake version=%s suite=%s group=%s resumed=%d hrr=%d "
	        "digest_calls=%u flight_writes=%u alpn=%s peer_verified=%d "
	        "cert_requested=%d client_cert=%d",
	        c->version == TLS_VERSION_13 ? "TLSv1.3" : "TLSv1.2",
	        tls_suite_name(c->suite), tls_group_name(c->group), c->resumed,
	        cl->offer.after_hrr, c->stats.digest_calls, t->flight_writes,
	        c->alpn ? c->alpn : "-", c->peer_cert_verified,
	        cl->cert_requested, cl->cert_sent);
}

/* Send what the engine queued; false when the socket is gone. */
static bool tcc_flush(struct tcc *t)
{
	const uint8_t *p;
	size_t n = tls_conn_out_peek(&t->tls, &p);
	ssize_t w;

	if (!n) {
		if (!t->logged && tcc_handshake_done(t)) {
			t->logged = true;
			tcc_log_handshake(t);
		}
		return true;
	}
	w = send(t->fd, p, n, MSG_NOSIGNAL);
	if (w < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK;
	if (!tcc_handshake_done(t) || t->last_flight)
		t->flight_writes++;
	tls_conn_out_consume(&t->tls, (size_t)w);
	if (tls_conn_out_peek(&t->tls, &p) == 0)
		t->last_flight = false;
	if (!t->logged && tcc_handshake_done(t) && !t->last_flight) {
		t->logged = true;
		tcc_log_handshake(t);
	}
	return true;
}

static int tcc_write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Records in, application data out to stdout, until nothing moves. */
static int tcc_pump(struct tcc *t)
{
	struct tls_conn *c = &t->tls;

	for (;;) {
		const uint8_t *p;
		size_t n;

		bool before = tcc_handshake_done(t);
		tls_result r = tls_conn_process(c);

		/* What the step that completed the handshake queued is our
		 * last flight (the reader has sent no data yet). */
		if (!before && tcc_handshake_done(t) &&
		    tls_conn_out_peek(c, &p))
			t->last_flight = true;
		if (tls_is_err(r))
			return -1;
		n = tls_conn_app_peek(c, &p);
		if (!n)
			return 0;
		if (tcc_write_all(STDOUT_FILENO, p, n))
			return -1;
		tls_conn_app_consume(c, n);
		if (t->stdin_eof)
			t->idle_until = tcc_now() + t->opt->wait_ms;
	}
}

static int tcc_read_socket(struct tcc *t)
{
	size_t room;
	uint8_t *p = tls_conn_in_space(&t->tls, &room);
	ssize_t r;

	if (!room)
		return 0;
	r = recv(t->fd, p, room, 0);
	if (r == 0) {
		t->sock_eof = true;
		return 0;
	}
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	tls_conn_in_commit(&t->tls, (size_t)r);
	return 0;
}

static int tcc_read_stdin(struct tcc *t)
{
	uint8_t buf[16384];
	size_t room = tls_conn_send_room(&t->tls);
	ssize_t r;

	if (!room)
		return 0;
	r = read(STDIN_FILENO, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (r < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (r == 0) {
		t->stdin_eof = true;
		t->idle_until = tcc_now() + t->opt->wait_ms;
		if (t->opt->key_update && t->tls.version == TLS_VERSION_13 &&
		    tls_is_err(tls_conn_key_update(&t->tls, true)))
			return -1;
		return 0;
	}
	return tls_is_ok(tls_conn_send(&t->tls, buf, (size_t)r)) ? 0 : -1;
}

/* One turn: flush, wait, read.  Negative: go on; else the exit code. */
static int tcc_step(struct tcc *t)
{
	struct tls_conn *c = &t->tls;
	struct pollfd p[2] = {{.fd = t->fd, .events = POLLIN},
	                      {.fd = STDIN_FILENO, .events = POLLIN}};
	uint64_t now = tcc_now(), until = t->deadline;
	const uint8_t *out;
	nfds_t np = 1;

	if (!tcc_flush(t)) {
		tcc_log("send: %s", strerror(errno));
		return TCC_EXIT_NET;
	}
	if (c->state == TLS_ST_FAILED) {
		tcc_report_failure(t);
		return TCC_EXIT_TLS;
	}
	if (c->state == TLS_ST_CLOSED) {
		if (!tcc_handshake_done(t)) {
			tcc_log("TLS failure: close_notify during the "
			        "handshake");
			return TCC_EXIT_TLS;
		}
		/* The peer is done: answer its close_notify (RFC 8446 §6.1). */
		if (tls_is_ok(tls_conn_close(c)))
			(void)tcc_flush(t);
		return TCC_EXIT_OK;
	}
	if (t->sock_eof) {
		if (!tcc_handshake_done(t)) {
			tcc_log("TLS failure: connection closed during the "
			        "handshake");
			return TCC_EXIT_TLS;
		}
		tcc_log("server closed without close_notify");
		return TCC_EXIT_OK;
	}
	if (t->stdin_eof && now >= t->idle_until) {
		if (tls_is_ok(tls_conn_close(c)))
			(void)tcc_flush(t);
		shutdown(t->fd, SHUT_WR);
		return TCC_EXIT_OK;
	}
	if (now >= t->deadline) {
		tcc_log("timed out after %u ms (%s)", t->opt->timeout_ms,
		        tls_conn_established(c) ? "established"
		                                : "in the handshake");
		return TCC_EXIT_NET;
	}
	if (tls_conn_out_peek(c, &out))
		p[0].events |= POLLOUT;
	if (tls_conn_established(c) && !t->stdin_eof && tls_conn_send_room(c))
		np = 2;
	if (t->stdin_eof && t->idle_until < until)
		until = t->idle_until;
	if (poll(p, np, (int)(until - now)) < 0 && errno != EINTR)
		return TCC_EXIT_NET;
	if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
	    tcc_read_socket(t)) {
		tcc_log("recv: %s", strerror(errno));
		return TCC_EXIT_NET;
	}
	if (tcc_pump(t) && c->state != TLS_ST_FAILED) {
		tcc_log("stdout: %s", strerror(errno));
		return TCC_EXIT_NET;
	}
	if (np == 2 && (p[1].revents & (POLLIN | POLLHUP)) &&
	    tcc_read_stdin(t) && c->state != TLS_ST_FAILED) {
		tcc_log("stdin: %s", strerror(errno));
		return TCC_EXIT_NET;
	}
	return -1;
}

int tcc_run(const struct tcc_options *opt, struct tls_config *cfg,
            const struct tls_client_params *params,
            struct tls_client_session *out_session, bool *have_session)
{
	struct tcc *t = calloc(1, sizeof(*t));
	const struct tls_client_session *s;
	int rc;

	if (!t)
		return TCC_EXIT_TLS;
	t->opt = opt;
	t->fd = -1;
	t->deadline = tcc_now() + opt->timeout_ms;
	if (tls_is_err(tls_conn_init_client(&t->tls, cfg, params))) {
		tcc_log("cannot start: %s",
		        tls_error_message(tls_error_last()));
		rc = TCC_EXIT_USAGE;
		goto out;
	}
	if (params->session && !t->tls.client->resume.version && opt->verbose)
		tcc_log("the saved session is not usable here (expired, other "
		        "name or version): full handshake");
	if (tcc_connect(t)) {
		rc = TCC_EXIT_NET;
		goto out;
	}
	do
		rc = tcc_step(t);
	while (rc < 0);
	s = tls_client_session(&t->tls);
	*have_session = s != NULL;
	if (s)
		*out_session = *s;
out:
	if (t->fd >= 0)
		close(t->fd);
	tls_conn_free(&t->tls);
	free(t);
	return rc;
}
