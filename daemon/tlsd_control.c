// SPDX-License-Identifier: MIT
/*
 * The control socket in the event loop.  Each client has a bounded input
 * buffer (one request line, TLSD_CTL_MAX_REQUEST) and an output buffer of
 * replies not yet written; nothing here blocks, and a client that sends
 * too much or reads too little is dropped rather than slowing TLS traffic.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tlsd_control.h"

struct tlsd_ctl_client {
	struct tlsd_source src;
	struct tlsd_control *ctl;
	int fd;
	bool eof;      /* the client finished sending */
	bool close_me; /* close once the replies are written */
	bool shut;     /* replies done, write side shut: draining input */
	size_t discarded;
	char in[TLSD_CTL_MAX_REQUEST];
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	struct tlsd_ctl_client *next;
};

static void *tlsd_ctl_tag(struct tlsd_source *src)
{
	return (void *)((uintptr_t)src | TLSD_TAG_SOURCE);
}

static void tlsd_ctl_client_free(struct tlsd_ctl_client *cl)
{
	struct tlsd_control *ctl = cl->ctl;
	struct tlsd_ctl_client **pp = &ctl->clients;

	while (*pp && *pp != cl)
		pp = &(*pp)->next;
	if (*pp)
		*pp = cl->next;
	ctl->nclients--;
	/* close() drops it from epoll: no event of this batch names it, as
	 * epoll reports each fd at most once per wait. */
	close(cl->fd);
	free(cl->out);
	free(cl);
}

static int tlsd_ctl_queue(struct tlsd_ctl_client *cl, const char *p, size_t n)
{
	char *out;

	if (cl->out_len - cl->out_off + n > TLSD_CTL_MAX_PENDING)
		return -1;
	if (cl->out_off) {
		memmove(cl->out, cl->out + cl->out_off,
		        cl->out_len - cl->out_off);
		cl->out_len -= cl->out_off;
		cl->out_off = 0;
	}
	out = realloc(cl->out, cl->out_len + n);
	if (!out)
		return -1;
	memcpy(out + cl->out_len, p, n);
	cl->out = out;
	cl->out_len += n;
	return 0;
}

static int tlsd_ctl_reply(struct tlsd_ctl_client *cl, json_t *reply)
{
	size_t n;
	char *line;
	int rc;

	if (!reply)
		reply = tlsd_ctl_json_error("out of memory");
	if (json_object_get(reply, "error"))
		cl->ctl->errors++;
	cl->ctl->requests++;
	line = tlsd_ctl_dump_line(reply, &n);
	json_decref(reply);
	if (!line)
		return -1;
	rc = tlsd_ctl_queue(cl, line, n);
	free(line);
	return rc;
}

/* Answer every complete line in the input buffer. */
static int tlsd_ctl_handle_lines(struct tlsd_ctl_client *cl)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(cl->in + start, '\n', cl->in_len - start))) {
		size_t len = (size_t)(nl - (cl->in + start));

		if (len && cl->in[start + len - 1] == '\r')
			len--;
		if (len &&
		    tlsd_ctl_reply(
		        cl, tlsd_control_execute(cl->ctl, cl->in + start, len)))
			return -1;
		start = (size_t)(nl - cl->in) + 1;
	}
	memmove(cl->in, cl->in + start, cl->in_len - start);
	cl->in_len -= start;
	if (cl->in_len == sizeof(cl->in)) {
		/* No way to find the next request reliably: say why, close. */
		cl->in_len = 0;
		cl->close_me = true;
		return tlsd_ctl_reply(
		    cl, tlsd_ctl_json_error("request longer than %d bytes",
		                            TLSD_CTL_MAX_REQUEST - 1));
	}
	/* A last request without its newline still counts at EOF. */
	if (cl->eof && cl->in_len) {
		size_t len = cl->in_len;

		cl->in_len = 0;
		return tlsd_ctl_reply(
		    cl, tlsd_control_execute(cl->ctl, cl->in, len));
	}
	return 0;
}

static void tlsd_ctl_update_events(struct tlsd_ctl_client *cl)
{
	/* Level-triggered: stop asking for input once it is finished, or
	 * a half-closed client would wake the loop until it reads. */
	bool reading = !cl->eof;
	struct epoll_event ev = {.events =
	                             (reading ? EPOLLIN | EPOLLRDHUP : 0) |
	                             (cl->out_len > cl->out_off ? EPOLLOUT : 0),
	                         .data.ptr = tlsd_ctl_tag(&cl->src)};

	epoll_ctl(cl->ctl->epfd, EPOLL_CTL_MOD, cl->fd, &ev);
}

/* Returns -1 when the client is gone. */
static int tlsd_ctl_flush(struct tlsd_ctl_client *cl)
{
	while (cl->out_off < cl->out_len) {
		ssize_t w = send(cl->fd, cl->out + cl->out_off,
		                 cl->out_len - cl->out_off, MSG_NOSIGNAL);

		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		cl->out_off += (size_t)w;
	}
	cl->out_off = cl->out_len = 0;
	return 0;
}

/* After a refused request: unread input at close() would make the peer
 * see a reset instead of the error reply, so read and drop it (bounded). */
static int tlsd_ctl_discard(struct tlsd_ctl_client *cl)
{
	char sink[4096];
	ssize_t r;

	while ((r = recv(cl->fd, sink, sizeof(sink), 0)) > 0) {
		cl->discarded += (size_t)r;
		if (cl->discarded > TLSD_CTL_MAX_PENDING)
			return -1;
	}
	if (r == 0)
		cl->eof = true;
	return r < 0 && errno != EAGAIN && errno != EWOULDBLOCK ? -1 : 0;
}

static int tlsd_ctl_read(struct tlsd_ctl_client *cl)
{
	if (cl->close_me)
		return tlsd_ctl_discard(cl);
	while (!cl->eof && !cl->close_me) {
		ssize_t r = recv(cl->fd, cl->in + cl->in_len,
		                 sizeof(cl->in) - cl->in_len, 0);

		if (r == 0)
			cl->eof = true;
		else if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		else
			cl->in_len += (size_t)r;
		if (tlsd_ctl_handle_lines(cl))
			return -1;
	}
	return 0;
}

static void tlsd_ctl_client_event(struct tlsd_source *src, uint32_t events)
{
	struct tlsd_ctl_client *cl = (struct tlsd_ctl_client *)src;

	if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) &&
	    tlsd_ctl_read(cl))
		goto drop;
	if (tlsd_ctl_flush(cl))
		goto drop;
	if (cl->out_off == cl->out_len && cl->eof)
		goto drop;
	if (cl->out_off == cl->out_len && cl->close_me && !cl->shut) {
		shutdown(cl->fd, SHUT_WR);
		cl->shut = true;
	}
	if (events & (EPOLLERR | EPOLLHUP) && cl->out_off < cl->out_len)
		goto drop;
	tlsd_ctl_update_events(cl);
	return;
drop:
	tlsd_ctl_client_free(cl);
}

static void tlsd_ctl_refuse(int fd)
{
	static const char busy[] = "{\"error\":\"too many control clients\"}\n";
	ssize_t w = send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL);

	(void)w; /* best effort: the client is being turned away anyway */
	close(fd);
}

static void tlsd_ctl_accept(struct tlsd_source *src, uint32_t events)
{
	struct tlsd_control *ctl = (struct tlsd_control *)src;

	(void)events;
	for (;;) {
		int fd =
		    accept4(ctl->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct tlsd_ctl_client *cl;
		struct epoll_event ev;

		if (fd < 0)
			return;
		if (ctl->nclients >= TLSD_CTL_MAX_CLIENTS) {
			tlsd_ctl_refuse(fd);
			continue;
		}
		cl = calloc(1, sizeof(*cl));
		if (!cl) {
			close(fd);
			continue;
		}
		cl->src.on_event = tlsd_ctl_client_event;
		cl->ctl = ctl;
		cl->fd = fd;
		ev = (struct epoll_event){.events = EPOLLIN | EPOLLRDHUP,
		                          .data.ptr = tlsd_ctl_tag(&cl->src)};
		if (epoll_ctl(ctl->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(cl);
			continue;
		}
		cl->next = ctl->clients;
		ctl->clients = cl;
		ctl->nclients++;
	}
}

/*
 * What is at path now: 0 nothing (or a stale socket, removed), 1 a live
 * daemon's socket, -1 something else (logged).
 */
static int tlsd_ctl_check_path(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat stb;
	int fd, rc;

	if (lstat(path, &stb)) {
		if (errno == ENOENT)
			return 0;
		tlsd_log("--control %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(stb.st_mode)) {
		tlsd_log("--control %s: exists and is not a socket; "
		         "not replacing it",
		         path);
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (!rc)
		return 1;
	/* Nobody listens: a daemon that died left it behind. */
	if (unlink(path) && errno != ENOENT) {
		tlsd_log("--control %s: cannot remove the stale socket: %s",
		         path, strerror(errno));
		return -1;
	}
	return 0;
}

static int tlsd_ctl_listen(struct tlsd_control *ctl)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int fd, rc;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ctl->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* The socket is created 0600 (never briefly wider): the umask is
	 * what bind() honours for the file it creates. */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc || chmod(ctl->path, 0600) || listen(fd, 16))
		goto fail;
	return fd;
fail:
	tlsd_log("--control %s: %s", ctl->path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int tlsd_control_open(struct tlsd_control *ctl, const char *path, int epfd,
                      struct tlsd_observe *obs)
{
	bool is_default = !path;
	struct epoll_event ev;
	int rc;

	memset(ctl, 0, sizeof(*ctl));
	ctl->lfd = -1;
	ctl->epfd = epfd;
	ctl->obs = obs;
	ctl->src.on_event = tlsd_ctl_accept;
	if (path && !strcmp(path, "none"))
		return 0;
	if (is_default) {
		if (tlsd_ctl_default_path(ctl->path, sizeof(ctl->path))) {
			tlsd_log("control socket: the default path is too "
			         "long; use --control PATH");
			return 0;
		}
		/* root's default lives in a directory only root can enter */
		if (!strncmp(ctl->path, "/run/tlscard/", 13))
			mkdir("/run/tlscard", 0700);
	} else if (strlen(path) >= sizeof(ctl->path)) {
		tlsd_log("--control %s: longer than %zu bytes", path,
		         sizeof(ctl->path) - 1);
		return -1;
	} else {
		snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	}
	rc = tlsd_ctl_check_path(ctl->path);
	if (rc == 1)
		tlsd_log("--control %s: another tlscardd is listening there",
		         ctl->path);
	if (!rc)
		ctl->lfd = tlsd_ctl_listen(ctl);
	if (ctl->lfd < 0) {
		if (!is_default)
			return -1;
		/* The default is a convenience: the daemon still serves TLS. */
		tlsd_log("running without a control socket");
		ctl->path[0] = '\0';
		return 0;
	}
	ev = (struct epoll_event){.events = EPOLLIN,
	                          .data.ptr = tlsd_ctl_tag(&ctl->src)};
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, ctl->lfd, &ev)) {
		tlsd_log("control socket: epoll: %s", strerror(errno));
		tlsd_control_close(ctl);
		return -1;
	}
	tlsd_log("control socket %s", ctl->path);
	return 0;
}

void tlsd_control_close(struct tlsd_control *ctl)
{
	while (ctl->clients)
		tlsd_ctl_client_free(ctl->clients);
	if (ctl->lfd >= 0) {
		close(ctl->lfd);
		unlink(ctl->path);
	}
	ctl->lfd = -1;
}
