// SPDX-License-Identifier: MIT
/*
 * The /metrics endpoint in the event loop.  A client's request head is read
 * into a bounded buffer; once complete, the whole reply is rendered at once
 * (one snapshot, so the scrape is consistent) and written as the socket
 * allows.  A scraper that never sends is pushed out by newer ones.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tlsd_metrics.h"
#include "tlsd_prom.h"

struct tlsd_http_client {
	struct tlsd_source src;
	struct tlsd_metrics *m;
	int fd;
	char in[TLSD_HTTP_MAX_REQUEST];
	size_t in_len;
	char *out; /* the whole reply, once the request is read */
	size_t out_len, out_off;
	bool evicted; /* shut down to make room; freed by its own event */
	struct tlsd_http_client *next;
};

static void *tlsd_metrics_tag(struct tlsd_source *src)
{
	return (void *)((uintptr_t)src | TLSD_TAG_SOURCE);
}

static void tlsd_http_client_free(struct tlsd_http_client *cl)
{
	struct tlsd_metrics *m = cl->m;
	struct tlsd_http_client **pp = &m->clients;

	while (*pp && *pp != cl)
		pp = &(*pp)->next;
	if (*pp)
		*pp = cl->next;
	m->nclients--;
	close(cl->fd);
	free(cl->out);
	free(cl);
}

/* Status line, headers and (unless HEAD) the body, in one buffer. */
static int tlsd_http_render(struct tlsd_http_client *cl, int status,
                            bool head_only)
{
	struct tlsd_snapshot *s = NULL;
	char *body = NULL, *reply = NULL;
	size_t body_len = 0, reply_len = 0;
	FILE *f;

	if (status == 200) {
		s = malloc(sizeof(*s));
		f = open_memstream(&body, &body_len);
		if (!s || !f) {
			free(s);
			if (f)
				fclose(f);
			free(body);
			return -1;
		}
		tlsd_observe_snapshot(cl->m->obs, s);
		if (tlsd_prom_write(f, s))
			status = 500;
		fclose(f);
		free(s);
		cl->m->scrapes++;
	}
	if (status != 200) {
		free(body);
		if (asprintf(&body, "%d %s\n", status,
		             tlsd_http_reason(status)) < 0)
			return -1;
		body_len = strlen(body);
	}
	f = open_memstream(&reply, &reply_len);
	if (!f) {
		free(body);
		return -1;
	}
	fprintf(f,
	        "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	        "Content-Length: %zu\r\nConnection: close\r\n",
	        status, tlsd_http_reason(status),
	        status == 200 ? TLSD_PROM_CONTENT_TYPE
	                      : "text/plain; charset=utf-8",
	        body_len);
	if (status == 405)
		fputs("Allow: GET, HEAD\r\n", f);
	fputs("\r\n", f);
	if (!head_only)
		fwrite(body, 1, body_len, f);
	free(body);
	if (fclose(f)) {
		free(reply);
		return -1;
	}
	cl->out = reply;
	cl->out_len = reply_len;
	return 0;
}

/* 1 when the request is complete and answered, 0 for more, -1 to drop. */
static int tlsd_http_read(struct tlsd_http_client *cl)
{
	struct tlsd_http_request req;
	int rc;

	for (;;) {
		ssize_t r = recv(cl->fd, cl->in + cl->in_len,
		                 sizeof(cl->in) - cl->in_len, 0);

		if (r == 0)
			return -1; /* closed before a whole request */
		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		cl->in_len += (size_t)r;
		rc = tlsd_http_parse(cl->in, cl->in_len, &req);
		if (rc == 0)
			continue;
		if (rc == 1)
			rc = tlsd_http_route(&req);
		return tlsd_http_render(
		           cl, rc, rc == 200 && !strcmp(req.method, "HEAD"))
		           ? -1
		           : 1;
	}
}

static void tlsd_http_event(struct tlsd_source *src, uint32_t events)
{
	struct tlsd_http_client *cl = (struct tlsd_http_client *)src;
	struct epoll_event ev;

	if (!cl->out) {
		int rc = tlsd_http_read(cl);

		if (rc < 0)
			goto drop;
		if (rc == 0) {
			if (events & (EPOLLERR | EPOLLHUP))
				goto drop;
			return;
		}
	}
	while (cl->out_off < cl->out_len) {
		ssize_t w = send(cl->fd, cl->out + cl->out_off,
		                 cl->out_len - cl->out_off, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				goto drop;
			ev = (struct epoll_event){
			    .events = EPOLLOUT,
			    .data.ptr = tlsd_metrics_tag(&cl->src)};
			epoll_ctl(cl->m->epfd, EPOLL_CTL_MOD, cl->fd, &ev);
			return;
		}
		cl->out_off += (size_t)w;
	}
drop:
	tlsd_http_client_free(cl);
}

static void tlsd_metrics_accept(struct tlsd_source *src, uint32_t events)
{
	struct tlsd_metrics *m = (struct tlsd_metrics *)src;

	(void)events;
	for (;;) {
		int fd =
		    accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct tlsd_http_client *cl, *oldest = NULL;
		struct epoll_event ev;

		if (fd < 0)
			return;
		for (cl = m->clients; cl; cl = cl->next)
			if (!cl->evicted)
				oldest = cl;
		if (m->nclients >= TLSD_METRICS_MAX_CLIENTS && oldest) {
			/* The oldest (last) goes.  Not freed here: it may
			 * have an event later in this batch.  Shut down, it
			 * gets a hang-up and frees itself in its handler. */
			shutdown(oldest->fd, SHUT_RDWR);
			oldest->evicted = true;
		}
		cl = calloc(1, sizeof(*cl));
		if (!cl) {
			close(fd);
			continue;
		}
		cl->src.on_event = tlsd_http_event;
		cl->m = m;
		cl->fd = fd;
		ev = (struct epoll_event){.events = EPOLLIN | EPOLLRDHUP,
		                          .data.ptr =
		                              tlsd_metrics_tag(&cl->src)};
		if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(cl);
			continue;
		}
		cl->next = m->clients;
		m->clients = cl;
		m->nclients++;
	}
}

int tlsd_metrics_open(struct tlsd_metrics *m, const struct tlsd_addr *addr,
                      int epfd, struct tlsd_observe *obs)
{
	struct epoll_event ev;
	int one = 1;

	memset(m, 0, sizeof(*m));
	m->epfd = epfd;
	m->obs = obs;
	m->src.on_event = tlsd_metrics_accept;
	m->lfd = socket(addr->ss.ss_family,
	                SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->lfd < 0)
		goto fail;
	setsockopt(m->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(m->lfd, (const struct sockaddr *)&addr->ss, addr->len) ||
	    listen(m->lfd, 16))
		goto fail;
	ev = (struct epoll_event){.events = EPOLLIN,
	                          .data.ptr = tlsd_metrics_tag(&m->src)};
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, m->lfd, &ev))
		goto fail;
	tlsd_log("metrics on http://%s/metrics", addr->text);
	return 0;
fail:
	tlsd_log("--metrics %s: %s", addr->text, strerror(errno));
	if (m->lfd >= 0)
		close(m->lfd);
	m->lfd = -1;
	return -1;
}

void tlsd_metrics_close(struct tlsd_metrics *m)
{
	while (m->clients)
		tlsd_http_client_free(m->clients);
	if (m->lfd >= 0)
		close(m->lfd);
	m->lfd = -1;
}
