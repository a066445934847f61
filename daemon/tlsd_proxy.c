// SPDX-License-Identifier: MIT
/*
 * tlscardd's event loop: one thread, non-blocking sockets, edge-triggered
 * epoll.  Each connection pairs a TLS client socket with a backend socket
 * (connected while the handshake runs) and is "pumped" until neither side
 * can make progress.  Server flights go out in one send() each; the count
 * of sends before the handshake completes is logged per handshake.
 *
 * With cards a pump runs as a parkable task (tlsd_async.h): a card job
 * parks it, the pass goes on with other connections, and one flush per
 * pass rings each card once for every job collected.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "tls_conn.h"
#include "tlsd.h"
#include "tlsd_async.h"
#include "tlsd_backend.h"
#include "tlsd_cards.h"
#include "tlsd_coalesce.h"
#include "tlsd_control.h"
#include "tlsd_gen.h"
#include "tlsd_metrics.h"
#include "tlsd_observe.h"
#include "tlsd_ticket_file.h"
#include "tlsd_upstream.h"

#define TLSD_BACKEND_BUF 16384
#define TLSD_MAX_EVENTS  64
#define TLSD_DRAIN_MS    10000 /* SIGTERM's default wait */

struct tlsd_conn {
	int cfd;
	struct tlsd_upstream up; /* the backend side (tlsd_upstream.h) */
	bool client_eof, backend_eof, backend_shut;
	bool reuse_leg; /* ended at a clean boundary: pool the backend leg */
	bool logged;
	bool closed;            /* stale events of this batch must skip it */
	unsigned flight_writes; /* sends to the client before established */
	unsigned records_in_seen, records_out_seen; /* already in d->st */
	struct tls_conn tls;
	struct tlsd_gen *gen;           /* the configuration it started with */
	uint8_t bbuf[TLSD_BACKEND_BUF]; /* backend -> client plaintext */
	size_t blen, boff;
	struct tlsd_coalesce_pair co; /* --coalesce: M4 buffers (bbuf idle) */
	bool co_on;          /* --coalesce in the connection's configuration */
	bool co_up;          /* client data coalesced for a TLS backend */
	bool client_drained; /* the last read found the client socket empty */
	struct tlsd_conn *next_free;
	struct tlsd_conn *next_all; /* every connection object, for exit */
	/* With cards the pump runs as a task that parks on card jobs; an
	 * event for a parked connection sets again: pump once more. */
	struct tlsd_task task;
	bool again;
	struct tlsd *d;
};

struct tlsd {
	/* the newest configuration: new connections take it */
	struct tlsd_gen *gen;
	const struct tlsd_options *opt; /* &gen->opt */
	struct tls_config *cfg;         /* &gen->tls */
	int epfd, lfd;
	struct tlsd_stats st;
	struct tlsd_conn *free_list; /* reused: no allocation per accept */
	struct tlsd_conn *closing;   /* closed in this batch of events */
	struct tlsd_conn *all;       /* every object allocated, open or not */
	struct tlsd_async as;
	struct tlsd_backends *backends; /* gen's pool */
	struct tlsd_observe *obs;
	struct tlsd_coalesce_timers co_timers; /* --coalesce deadlines */
	size_t co_quantum;
	/* replaced by a reload, kept (one reference each) while their
	 * connections run: their backend pools still need ticks */
	struct tlsd_gen *retired[16];
	unsigned nretired;
};

static uint64_t tlsd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Backend plaintext not yet sealed for the client, either path. */
static bool tlsd_backend_pending(const struct tlsd_conn *c)
{
	return c->blen || tlsd_coalesce_buffered(&c->co.to_client);
}

/* Client plaintext not yet handed to the backend, either path. */
static bool tlsd_client_pending(const struct tlsd_conn *c)
{
	return c->tls.app_len || tlsd_coalesce_buffered(&c->co.to_backend);
}
/* SIGINT: stop now; SIGTERM: drain, then stop; SIGHUP: reload. */
static volatile sig_atomic_t tlsd_stop, tlsd_drain, tlsd_reload;

static void tlsd_on_signal(int sig)
{
	if (sig == SIGHUP)
		tlsd_reload = 1;
	else if (sig == SIGTERM)
		tlsd_drain = 1;
	else
		tlsd_stop = 1;
}

/* epoll tags: the listener is NULL; sockets are the conn pointer + side. */
static void *tlsd_tag(struct tlsd_conn *c, bool backend)
{
	return (void *)((uintptr_t)c | (backend ? 1 : 0));
}

static int tlsd_listen(struct tlsd *d)
{
	const struct tlsd_addr *a = &d->opt->listen;
	int one = 1;
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0) {
		tlsd_log("socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Workers each bind the address; the kernel spreads connections. */
	if (d->opt->workers > 1)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) ||
	    listen(fd, 512)) {
		tlsd_log("--listen %s: %s", a->text, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Records move into the daemon's totals as they happen, not at close. */
static void tlsd_count_records(struct tlsd *d, struct tlsd_conn *c)
{
	d->st.records_in += c->tls.stats.records_in - c->records_in_seen;
	d->st.records_out += c->tls.stats.records_out - c->records_out_seen;
	c->records_in_seen = c->tls.stats.records_in;
	c->records_out_seen = c->tls.stats.records_out;
}

static void tlsd_conn_close(struct tlsd *d, struct tlsd_conn *c)
{
	tlsd_count_records(d, c);
	if (!c->logged && !tls_conn_completed(&c->tls)) {
		d->st.failed++;
		d->st.hrr += c->tls.hrr;
		d->st.failed_alert_sent[c->tls.alert_sent]++;
		d->st.failed_alert_received[c->tls.alert_received]++;
		if (tlsd_verbose)
			tlsd_log("conn %d: handshake failed: %s (%s) at %s, "
			         "sent alert %s, received alert %s",
			         c->cfd, tls_error_name(c->tls.error),
			         tls_error_message(c->tls.error),
			         c->tls.error_where ? c->tls.error_where : "-",
			         c->tls.alert_sent == TLS_ALERT_NONE
			             ? "none"
			             : tls_alert_name(c->tls.alert_sent),
			         c->tls.alert_received == TLS_ALERT_NONE
			             ? "none"
			             : tls_alert_name(c->tls.alert_received));
	}
	d->st.closed++;
	tlsd_coalesce_stop(&c->co.to_client);
	tlsd_coalesce_stop(&c->co.to_backend);
	close(c->cfd);
	/* A clean end leaves a TLS backend connection for the next client. */
	tlsd_upstream_end(&c->up, c->reuse_leg);
	tls_conn_reset(&c->tls);
	tlsd_gen_put(c->gen);
	c->gen = NULL;
	c->closed = true;
	c->next_free = d->closing;
	d->closing = c;
}

static void tlsd_log_handshake(struct tlsd *d, struct tlsd_conn *c)
{
	struct tls_conn *t = &c->tls;
	unsigned v;

	c->logged = true;
	d->st.handshakes++;
	d->st.resumed += t->resumed;
	d->st.hrr += t->hrr;
	v = t->version == TLS_VERSION_13 ? TLSD_VER_13 : TLSD_VER_12;
	if (t->resumed)
		d->st.hs_resumed[v]++;
	else
		d->st.hs_full[v]++;
	d->st.digest_calls += t->stats.digest_calls;
	d->st.flight_writes += c->flight_writes;
	if (!tlsd_verbose)
		return;
	tlsd_log("conn %d: handshake version=%s suite=%s group=%s "
	         "resumed=%d digest_calls=%u flight_writes=%u sni=%s alpn=%s "
	         "client_cert=%d",
	         c->cfd, t->version == TLS_VERSION_13 ? "TLSv1.3" : "TLSv1.2",
	         tls_suite_name(t->suite), tls_group_name(t->group), t->resumed,
	         t->stats.digest_calls, c->flight_writes,
	         t->sni[0] ? t->sni : "-", t->alpn ? t->alpn : "-",
	         t->peer_cert_verified);
}

/* Returns true when something moved. */
static bool tlsd_flush_client(struct tlsd *d, struct tlsd_conn *c, bool *dead)
{
	const uint8_t *p;
	size_t n = tls_conn_out_peek(&c->tls, &p);
	ssize_t w;

	if (!n)
		return false;
	/* The whole pending flight in one send (M2). */
	w = send(c->cfd, p, n, MSG_NOSIGNAL);
	if (w < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			*dead = true;
		return false;
	}
	if (!tls_conn_established(&c->tls))
		c->flight_writes++;
	d->st.bytes_out += (size_t)w;
	tls_conn_out_consume(&c->tls, (size_t)w);
	return true;
}

static bool tlsd_read_client(struct tlsd *d, struct tlsd_conn *c, bool *dead)
{
	size_t room;
	uint8_t *p;
	ssize_t r;

	if (c->client_eof)
		return false;
	p = tls_conn_in_space(&c->tls, &room);
	if (!room)
		return false;
	r = recv(c->cfd, p, room, 0);
	c->client_drained = r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	if (r == 0) {
		c->client_eof = true;
		return true;
	}
	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			*dead = true;
		return false;
	}
	d->st.bytes_in += (size_t)r;
	tls_conn_in_commit(&c->tls, (size_t)r);
	return true;
}

/* A whole record waits in the client's receive buffer (RFC 8446 §5.1:
 * a 5-byte header whose last two bytes are the length). */
static bool tlsd_client_record_waiting(const struct tls_conn *t)
{
	size_t avail = t->in_len - t->in_pos;

	return avail >= 5 && avail >= 5 + ((size_t)t->in[t->in_pos + 3] << 8 |
	                                   t->in[t->in_pos + 4]);
}

/*
 * --coalesce with a TLS backend: decrypted client data waits in the M4
 * buffer and goes to the backend in as few records as possible, one
 * tlsd_upstream_write() per record.  PUSH: the client's socket was empty
 * and no whole record is left to open.
 */
static bool tlsd_to_backend_coalesced(struct tlsd_conn *c, bool *dead)
{
	struct tlsd_coalesce *co = &c->co.to_backend;
	uint64_t now = tlsd_now_ns();
	const uint8_t *p;
	size_t n = tls_conn_app_peek(&c->tls, &p), room;
	bool moved = false;

	if (n) {
		uint8_t *dst = tlsd_coalesce_space(co, &room);

		if (n > room)
			n = room;
		if (n) {
			memcpy(dst, p, n);
			tls_conn_app_consume(&c->tls, n);
			/* a client record counts when its last byte is in */
			tlsd_coalesce_commit(co, n, !c->tls.app_len, now);
			moved = true;
		}
	}
	if (!c->tls.app_len) {
		if (c->client_eof || c->tls.state == TLS_ST_CLOSED)
			tlsd_coalesce_eof(co, now);
		else if (c->client_drained &&
		         !tlsd_client_record_waiting(&c->tls))
			tlsd_coalesce_drained(co, now);
	}
	while ((n = tlsd_coalesce_next(co, now, &p))) {
		ssize_t w = tlsd_upstream_write(&c->up, p, n);

		if (w < 0) {
			*dead = true;
			break;
		}
		if (!w)
			break;
		tlsd_coalesce_sealed(co, (size_t)w, now);
		moved = true;
	}
	return moved;
}

static bool tlsd_to_backend(struct tlsd_conn *c, bool *dead)
{
	const uint8_t *p;
	size_t n;
	ssize_t w;

	if (c->co_up)
		return tlsd_to_backend_coalesced(c, dead);
	n = tls_conn_app_peek(&c->tls, &p);
	if (!n)
		return false;
	w = tlsd_upstream_write(&c->up, p, n);
	if (w < 0) {
		*dead = true;
		return false;
	}
	/* The response framing needs the requests' methods (HEAD). */
	if (c->co_on)
		tlsd_coalesce_observe(&c->co.to_backend, p, (size_t)w);
	tls_conn_app_consume(&c->tls, (size_t)w);
	return w > 0;
}

/*
 * --coalesce: backend plaintext is read into the M4 buffer and sealed
 * when a transmittal condition holds (tlsd_coalesce.h).  PUSH is a read
 * that finds nothing (-EAGAIN), not merely a short one: the pump reads
 * again after a short read, and what arrived meanwhile joins the same
 * records.
 */
static bool tlsd_from_backend_coalesced(struct tlsd_conn *c, bool *dead)
{
	struct tlsd_coalesce *co = &c->co.to_client;
	uint64_t now = tlsd_now_ns();
	bool moved = false;
	size_t room;
	uint8_t *p = tlsd_coalesce_space(co, &room);

	if (!c->backend_eof && room &&
	    (tls_conn_established(&c->tls) || c->tls.state == TLS_ST_CLOSED)) {
		ssize_t r = tlsd_upstream_read(&c->up, p, room);

		if (r == 0) {
			c->backend_eof = true;
			tlsd_coalesce_eof(co, now);
			moved = true;
		} else if (r > 0) {
			tlsd_coalesce_commit(co, (size_t)r, 1, now);
			moved = true;
		} else if (r == -EAGAIN) {
			tlsd_coalesce_drained(co, now);
		} else {
			*dead = true;
		}
	}
	/* The client said close_notify: what it can no longer get goes. */
	if (c->tls.state == TLS_ST_CLOSED)
		tlsd_coalesce_stop(co);
	if (tls_conn_established(&c->tls) &&
	    tls_is_err(tlsd_coalesce_seal(co, &c->tls, now, &moved)))
		*dead = true;
	return moved;
}

static bool tlsd_from_backend(struct tlsd_conn *c, bool *dead)
{
	bool moved = false;
	ssize_t r;

	/* Also after the client's close_notify: the backend's EOF is what
	 * lets the connection close (a drain waits for it). */
	if (c->co_on)
		moved = tlsd_from_backend_coalesced(c, dead);
	else if (!c->backend_eof && c->blen == 0 &&
	         (tls_conn_established(&c->tls) ||
	          c->tls.state == TLS_ST_CLOSED)) {
		r = tlsd_upstream_read(&c->up, c->bbuf, sizeof(c->bbuf));
		if (r == 0) {
			c->backend_eof = true;
			moved = true;
		} else if (r > 0) {
			c->blen = (size_t)r;
			c->boff = 0;
			moved = true;
		} else if (r != -EAGAIN) {
			*dead = true;
		}
	}
	if (c->blen) {
		size_t n = c->blen - c->boff,
		       room = tls_conn_send_room(&c->tls);

		if (n > room)
			n = room;
		if (n) {
			if (tls_is_err(
			        tls_conn_send(&c->tls, c->bbuf + c->boff, n))) {
				*dead = true;
				return false;
			}
			c->boff += n;
			if (c->boff == c->blen)
				c->blen = c->boff = 0;
			moved = true;
		}
	}
	if (c->backend_eof && !tlsd_backend_pending(c) &&
	    tls_conn_established(&c->tls) && !c->tls.close_sent) {
		if (tls_is_err(tls_conn_close(&c->tls)))
			*dead = true;
		moved = true;
	}
	return moved;
}

/* The client is done and the backend has answered: end here, and leave
 * the backend connection to the next client (tlsd_upstream_reusable). */
static bool tlsd_end_for_reuse(struct tlsd_conn *c)
{
	if (!(c->client_eof || c->tls.state == TLS_ST_CLOSED) ||
	    tlsd_client_pending(c) || tlsd_backend_pending(c) ||
	    c->backend_shut || !tls_conn_completed(&c->tls) ||
	    !tlsd_upstream_reusable(&c->up))
		return false;
	/* Answer the client's close_notify, or say ours after its FIN. */
	if (tls_is_err(tls_conn_close(&c->tls)))
		return false;
	c->reuse_leg = true;
	return true;
}

static void tlsd_pump(struct tlsd *d, struct tlsd_conn *c)
{
	bool dead = false, moved;
	unsigned rounds = 0;

	do {
		moved = tlsd_upstream_pump(&c->up);
		dead |= c->up.failed;
		moved |= tlsd_read_client(d, c, &dead);
		if (tls_is_err(tls_conn_process(&c->tls))) {
			/* The alert (if any) is queued: send it, then close. */
			tlsd_flush_client(d, c, &dead);
			tlsd_conn_close(d, c);
			return;
		}
		if (tls_conn_completed(&c->tls) && !c->logged) {
			tlsd_flush_client(d, c, &dead);
			tlsd_log_handshake(d, c);
		}
		moved |= tlsd_to_backend(c, &dead);
		moved |= tlsd_from_backend(c, &dead);
		moved |= tlsd_flush_client(d, c, &dead);
		if (tlsd_end_for_reuse(c)) {
			tlsd_flush_client(d, c, &dead);
			tlsd_conn_close(d, c);
			return;
		}
		if ((c->client_eof || c->tls.state == TLS_ST_CLOSED) &&
		    !c->backend_shut && !tlsd_client_pending(c)) {
			tlsd_upstream_shutdown(&c->up);
			c->backend_shut = true;
		}
	} while (moved && !dead && ++rounds < 64);
	tlsd_count_records(d, c);
	if (dead || (c->client_eof && !tls_conn_completed(&c->tls)) ||
	    ((c->client_eof || c->tls.state == TLS_ST_CLOSED) &&
	     c->backend_eof && !tlsd_backend_pending(c))) {
		tlsd_flush_client(d, c, &dead);
		tlsd_conn_close(d, c);
		return;
	}
	if (rounds >= 64) {
		/* Fairness: come back after other connections had a turn. */
		struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT |
		                                   EPOLLET | EPOLLRDHUP,
		                         .data.ptr = tlsd_tag(c, false)};

		epoll_ctl(d->epfd, EPOLL_CTL_MOD, c->cfd, &ev);
	}
}

static void tlsd_pump_task(void *arg)
{
	struct tlsd_conn *c = arg;

	do {
		c->again = false;
		tlsd_pump(c->d, c);
	} while (c->again && !c->closed);
}

/* An event for c: pump it, as a parkable task when cards are in use. */
static void tlsd_serve(struct tlsd *d, struct tlsd_conn *c)
{
	if (!d->as.on) {
		tlsd_pump(d, c);
		return;
	}
	if (c->task.active) {
		/* Parked on a card job: edge-triggered events must not be
		 * lost, so the task pumps again when it finishes. */
		c->again = true;
		return;
	}
	c->d = d;
	tlsd_async_run(&d->as, &c->task, tlsd_pump_task, c);
}

static struct tlsd_conn *tlsd_conn_get(struct tlsd *d)
{
	struct tlsd_conn *c = d->free_list;

	if (c) {
		d->free_list = c->next_free;
		return c;
	}
	c = calloc(1, sizeof(*c));
	if (c) {
		c->next_all = d->all;
		d->all = c;
	}
	return c;
}

/*
 * At exit: every connection object, the reusable ones on the free list
 * (which keep their TLS buffers) and those still open, whose sockets are
 * closed without a close_notify (the daemon is going away).
 */
static void tlsd_conn_free_all(struct tlsd *d)
{
	while (d->all) {
		struct tlsd_conn *c = d->all;

		d->all = c->next_all;
		if (!c->closed) {
			close(c->cfd);
			tlsd_upstream_end(&c->up, false);
		}
		tlsd_coalesce_free(&c->co.to_client);
		tlsd_coalesce_free(&c->co.to_backend);
		tls_conn_free(&c->tls);
		tlsd_task_free(&c->task);
		tlsd_gen_put(c->gen);
		free(c);
	}
	d->free_list = d->closing = NULL;
}

/*
 * Backend to client always; client to backend buffered only toward a
 * TLS backend (a plain one has no records to save), else observed for
 * the HTTP framing.
 */
static int tlsd_conn_coalesce_start(struct tlsd *d, struct tlsd_conn *c)
{
	/* the connection's configuration: a reload leaves it alone */
	const struct tlsd_coalesce_opts *o = &c->gen->opt.coalesce;

	c->co_up = c->up.be && c->up.be->spec->tls;
	tlsd_http1_pipeline_init(&c->co.pipe);
	if (tlsd_coalesce_start(&c->co.to_client, o,
	                        &d->st.coalesce[TLSD_DIR_TO_CLIENT],
	                        &d->co_timers, d->co_quantum,
	                        TLSD_HTTP1_RESPONSE, &c->co.pipe) ||
	    tlsd_coalesce_start(&c->co.to_backend, o,
	                        &d->st.coalesce[TLSD_DIR_TO_BACKEND],
	                        c->co_up ? &d->co_timers : NULL, d->co_quantum,
	                        TLSD_HTTP1_REQUEST, &c->co.pipe))
		return -1;
	c->co.to_client.owner = c->co.to_backend.owner = c;
	return 0;
}

/* Flush every buffer whose timer ran out, and move its bytes on. */
static void tlsd_coalesce_timers_run(struct tlsd *d)
{
	uint64_t now = tlsd_now_ns();
	struct tlsd_coalesce *co;

	while ((co = tlsd_coalesce_timers_expired(&d->co_timers, now))) {
		struct tlsd_conn *c = co->owner;

		tlsd_coalesce_expire(co, now);
		/* a pump parked on a card job pumps again when it resumes */
		if (!c->closed)
			tlsd_serve(d, c);
	}
}

/* epoll_pwait2's timeout: the cards', the backends' and the coalescer's;
 * NULL to sleep until an event.  In ns: the push delay is well under the
 * millisecond epoll_wait would round it up to. */
static const struct timespec *tlsd_sleep(struct tlsd *d, struct timespec *ts)
{
	/* draining: wake to check the deadline */
	int ms = tlsd_async_timeout(
	    &d->as,
	    tlsd_backends_sleep_ms(d->backends, d->lfd < 0 ? 50 : 1000));
	uint64_t dl = tlsd_coalesce_timers_next(&d->co_timers), now, ns;

	if (!dl && ms < 0)
		return NULL;
	ns = ms < 0 ? UINT64_MAX : (uint64_t)ms * 1000000;
	if (dl) {
		now = tlsd_now_ns();
		if (dl <= now)
			ns = 0;
		else if (dl - now < ns)
			ns = dl - now;
	}
	ts->tv_sec = (time_t)(ns / 1000000000);
	ts->tv_nsec = (long)(ns % 1000000000);
	return ts;
}

/* epoll_pwait2 (Linux 5.11); an older kernel gets epoll_wait, the
 * timeout rounded up to a millisecond (waking early would only sleep
 * again). */
static int tlsd_epoll_wait(int epfd, struct epoll_event *evs,
                           const struct timespec *ts)
{
	static bool old_kernel;
	int n;

	if (!old_kernel) {
		n = epoll_pwait2(epfd, evs, TLSD_MAX_EVENTS, ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		old_kernel = true;
	}
	if (!ts)
		return epoll_wait(epfd, evs, TLSD_MAX_EVENTS, -1);
	if (ts->tv_sec > 3600)
		return epoll_wait(epfd, evs, TLSD_MAX_EVENTS, 3600000);
	return epoll_wait(
	    epfd, evs, TLSD_MAX_EVENTS,
	    (int)(ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000));
}

static void tlsd_accept(struct tlsd *d)
{
	for (;;) {
		int fd = accept4(d->lfd, NULL, NULL, SOCK_NONBLOCK), one = 1;
		struct tlsd_conn *c;
		struct epoll_event ev;

		if (fd < 0)
			return;
		d->st.accepted++;
		c = tlsd_conn_get(d);
		if (c)
			c->gen = NULL;
		if (!c || tls_is_err(tls_conn_init_server(&c->tls, d->cfg))) {
			tlsd_log("out of memory for a connection");
			close(fd);
			/* Back to the free list: tlsd_conn_free_all owns it. */
			if (c) {
				c->closed = true;
				c->next_free = d->free_list;
				d->free_list = c;
			}
			continue;
		}
		c->cfd = fd;
		c->gen = tlsd_gen_get(d->gen);
		c->client_eof = c->backend_eof = false;
		c->backend_shut = c->logged = c->closed = false;
		c->reuse_leg = false;
		c->flight_writes = 0;
		c->records_in_seen = c->records_out_seen = 0;
		c->blen = c->boff = 0;
		c->co_on = c->co_up = c->client_drained = false;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		/* Connect to a backend while the handshake runs. */
		if (tlsd_upstream_start(&c->up, d->backends,
		                        tlsd_tag(c, true))) {
			if (tlsd_verbose)
				tlsd_log("conn %d: no backend reachable", fd);
			tlsd_conn_close(d, c);
			continue;
		}
		c->co_on = c->gen->opt.coalesce.enabled;
		if (c->co_on && tlsd_conn_coalesce_start(d, c)) {
			tlsd_log("out of memory for a connection");
			tlsd_conn_close(d, c);
			continue;
		}
		ev = (struct epoll_event){.events = EPOLLIN | EPOLLOUT |
		                                    EPOLLET | EPOLLRDHUP,
		                          .data.ptr = tlsd_tag(c, false)};
		epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev);
	}
}

static void tlsd_print_stats(const struct tlsd *d)
{
	const struct tls_offload_stats *o = &d->cfg->off->stats;

	tlsd_log("stats: accepted=%llu handshakes=%llu resumed=%llu hrr=%llu "
	         "failed=%llu digest_calls=%llu flight_writes=%llu "
	         "bytes_in=%llu bytes_out=%llu",
	         (unsigned long long)d->st.accepted,
	         (unsigned long long)d->st.handshakes,
	         (unsigned long long)d->st.resumed,
	         (unsigned long long)d->st.hrr,
	         (unsigned long long)d->st.failed,
	         (unsigned long long)d->st.digest_calls,
	         (unsigned long long)d->st.flight_writes,
	         (unsigned long long)d->st.bytes_in,
	         (unsigned long long)d->st.bytes_out);
	tlsd_log("offload cpu: digests=%llu hmacs=%llu ecdh=%llu/%llu "
	         "signs=%llu verifies=%llu sealed=%llu opened=%llu "
	         "batches=%llu",
	         (unsigned long long)o->digest_calls,
	         (unsigned long long)o->hmac_calls,
	         (unsigned long long)o->ecdh_keygens,
	         (unsigned long long)o->ecdh_derives,
	         (unsigned long long)o->signs, (unsigned long long)o->verifies,
	         (unsigned long long)o->records_sealed,
	         (unsigned long long)o->records_opened,
	         (unsigned long long)o->batches);
}

/* SIGHUP: new connections get the next generation; open ones keep
 * theirs (each holds a reference). */
static void tlsd_backends_destroy(void *set)
{
	tlsd_backends_free(set);
	free(set);
}

/* g's backend pool, freed with g. */
static int tlsd_gen_backends(struct tlsd *d, struct tlsd_gen *g)
{
	struct tlsd_backends *set = calloc(1, sizeof(*set));

	if (!set ||
	    tlsd_backends_init(set, g->opt.backends, g->opt.nbackends,
	                       &g->opt.backend_opts, g->tls.off, d->epfd)) {
		free(set);
		return -1;
	}
	g->backends = set;
	g->free_backends = tlsd_backends_destroy;
	return 0;
}

static void tlsd_do_reload(struct tlsd *d, struct tlsd_ticket_watch *tw)
{
	struct tlsd_gen *g = tlsd_gen_reload(d->gen);

	if (!g)
		return;
	if (tlsd_gen_backends(d, g)) {
		tlsd_log("reload failed: backends; keeping configuration %u",
		         d->gen->id);
		tlsd_gen_put(g);
		return;
	}
	/* The old generation's connections keep its pool. */
	if (d->nretired < sizeof(d->retired) / sizeof(d->retired[0]))
		d->retired[d->nretired++] = d->gen;
	else
		tlsd_gen_put(d->gen);
	d->gen = g;
	d->opt = &g->opt;
	d->cfg = &g->tls;
	d->backends = g->backends;
	d->obs->backends = d->backends;
	tlsd_ticket_watch_init(tw, g->opt.ticket_key_file);
}

/* Tick retired pools; free a generation no connection uses any more. */
static void tlsd_retired_tick(struct tlsd *d)
{
	for (unsigned i = 0; i < d->nretired;) {
		struct tlsd_gen *g = d->retired[i];

		tlsd_backends_tick(g->backends);
		if (g->refs > 1) {
			i++;
			continue;
		}
		tlsd_gen_put(g);
		d->retired[i] = d->retired[--d->nretired];
	}
}

/* SIGTERM: no new connections; the loop ends when the open ones have
 * finished or the drain timeout passed. */
static void tlsd_start_drain(struct tlsd *d, struct timespec *deadline)
{
	uint32_t ms =
	    d->opt->drain_timeout_ms ? d->opt->drain_timeout_ms : TLSD_DRAIN_MS;

	epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->lfd, NULL);
	close(d->lfd);
	d->lfd = -1;
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += ms / 1000;
	deadline->tv_nsec += (long)(ms % 1000) * 1000000;
	if (deadline->tv_nsec >= 1000000000) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000;
	}
	tlsd_log("draining: %llu connection(s) open, waiting up to %u ms",
	         (unsigned long long)(d->st.accepted - d->st.closed), ms);
}

static bool tlsd_drained(const struct tlsd *d, const struct timespec *end)
{
	struct timespec now;

	if (d->st.accepted == d->st.closed) {
		tlsd_log("drained: every connection finished");
		return true;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > end->tv_sec ||
	    (now.tv_sec == end->tv_sec && now.tv_nsec >= end->tv_nsec)) {
		tlsd_log("drain timeout: closing %llu connection(s)",
		         (unsigned long long)(d->st.accepted - d->st.closed));
		return true;
	}
	return false;
}

int tlsd_run(struct tlsd_gen *g)
{
	struct tlsd d = {
	    .gen = tlsd_gen_get(g), .opt = &g->opt, .cfg = &g->tls};
	const struct tlsd_options *opt = d.opt;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	struct sigaction sa = {.sa_handler = tlsd_on_signal};
	struct tlsd_ticket_watch tw;
	struct timespec drain_end = {0, 0};
	struct tlsd_observe obs;
	struct tlsd_control ctl;
	struct tlsd_metrics metrics = {.lfd = -1};
	char desc[512];

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	tlsd_ticket_watch_init(&tw, opt->ticket_key_file);
	d.lfd = tlsd_listen(&d);
	if (d.lfd < 0) {
		tlsd_gen_put(d.gen);
		return 1;
	}
	d.epfd = epoll_create1(0);
	d.st.coalesce_enabled = opt->coalesce.enabled;
	d.co_quantum = tlsd_coalesce_quantum(
	    &opt->coalesce, tlsd_cards_max_input(opt->card_set));
	epoll_ctl(d.epfd, EPOLL_CTL_ADD, d.lfd, &ev);
	if (!g->backends && tlsd_gen_backends(&d, g)) {
		close(d.lfd);
		close(d.epfd);
		tlsd_gen_put(d.gen);
		return 1;
	}
	d.backends = g->backends;
	tlsd_observe_init(&obs, &d.st, opt->card_set, &d.cfg->off->stats);
	d.obs = &obs;
	obs.backends = d.backends;
	if (tlsd_control_open(&ctl, opt->control, d.epfd, &obs) ||
	    (opt->have_metrics &&
	     tlsd_metrics_open(&metrics, &opt->metrics, d.epfd, &obs))) {
		tlsd_control_close(&ctl);
		close(d.lfd);
		close(d.epfd);
		tlsd_gen_put(d.gen);
		return 1;
	}
	tlsd_async_init(&d.as, opt->card_set, d.cfg->off, d.epfd);
	tlsd_backends_describe(d.backends, desc, sizeof(desc));
	tlsd_log("listening on %s, backends %s, %u certificate(s)%s",
	         opt->listen.text, desc, d.cfg->ncerts,
	         d.cfg->client_ca ? ", client certificates required" : "");
	while (!tlsd_stop) {
		struct epoll_event evs[TLSD_MAX_EVENTS];
		struct timespec ts;
		int n;

		if (tlsd_reload) {
			tlsd_reload = 0;
			tlsd_do_reload(&d, &tw);
			d.st.coalesce_enabled = d.opt->coalesce.enabled;
		}
		if (tlsd_drain && d.lfd >= 0)
			tlsd_start_drain(&d, &drain_end);
		if (d.lfd < 0 && tlsd_drained(&d, &drain_end))
			break;
		/* Draining: wake to check the deadline. */
		n = tlsd_epoll_wait(d.epfd, evs, tlsd_sleep(&d, &ts));
		for (int i = 0; i < n; i++) {
			uintptr_t tag = (uintptr_t)evs[i].data.ptr;

			if (!tag) {
				tlsd_accept(&d);
				continue;
			}
			if (tag & TLSD_TAG_SOURCE) {
				struct tlsd_source *src =
				    (struct tlsd_source *)(tag &
				                           ~TLSD_TAG_SOURCE);

				src->on_event(src, evs[i].events);
				continue;
			}
			struct tlsd_conn *c =
			    (struct tlsd_conn *)(tag & ~(uintptr_t)1);

			if (!c->closed)
				tlsd_serve(&d, c);
		}
		tlsd_coalesce_timers_run(&d);
		/* Resume connections whose card jobs completed, then one
		 * doorbell per card for every job this pass collected (and
		 * the cards' health work). */
		tlsd_async_pass(&d.as);
		/* Only now can closed connections be reused. */
		while (d.closing) {
			struct tlsd_conn *c = d.closing;

			d.closing = c->next_free;
			c->next_free = d.free_list;
			d.free_list = c;
		}
		if (tls_is_err(tls_ticket_keys_rotate(d.cfg, time(NULL))))
			tlsd_log("ticket key rotation failed: %s",
			         tls_error_message(tls_error_last()));
		tlsd_ticket_watch_poll(&tw, d.cfg, time(NULL));
		tlsd_backends_tick(d.backends);
		tlsd_retired_tick(&d);
		tlsd_observe_tick(&obs);
	}
	tlsd_async_fini(&d.as);
	tlsd_metrics_close(&metrics);
	tlsd_control_close(&ctl);
	if (d.opt->stats_on_exit) {
		tlsd_print_stats(&d);
		tlsd_cards_print_stats(d.opt->card_set);
	}
	tlsd_conn_free_all(&d);
	while (d.nretired)
		tlsd_gen_put(d.retired[--d.nretired]);
	/* Now, while the pool's sockets are still in epfd. */
	d.gen->free_backends(d.gen->backends);
	d.gen->backends = NULL;
	if (d.lfd >= 0)
		close(d.lfd);
	close(d.epfd);
	tlsd_gen_put(d.gen);
	return 0;
}
