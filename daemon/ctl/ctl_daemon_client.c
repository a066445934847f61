// SPDX-License-Identifier: MIT
/*
 * The client side of tlscardd's control socket: connect, one JSON line
 * out, one JSON line back, every step bounded by CTL_DAEMON_TIMEOUT_MS so
 * a wedged daemon makes tlscardctl fail rather than hang.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl_daemon.h"
#include "tlsd_ctl_proto.h"

int ctl_daemon_opts_init(const struct ctl_cmd *cmd, struct ctl_daemon_opts *o)
{
	memset(o, 0, sizeof(*o));
	if (tlsd_ctl_default_path(o->path, sizeof(o->path)))
		return ctl_usage_error(cmd, "the default control socket path "
		                            "is too long; use --control PATH");
	return 0;
}

int ctl_daemon_opt(const struct ctl_cmd *cmd, int opt, const char *arg,
                   struct ctl_daemon_opts *o)
{
	switch (opt) {
	case CTL_DAEMON_OPT_CONTROL:
		if (!*arg || strlen(arg) >= sizeof(o->path)) {
			ctl_usage_error(cmd,
			                "--control: path empty or longer "
			                "than %zu bytes",
			                sizeof(o->path) - 1);
			return -1;
		}
		strcpy(o->path, arg);
		return 1;
	case CTL_DAEMON_OPT_JSON: o->json = true; return 1;
	}
	return 0;
}

static int ctl_daemon_unreachable(const struct ctl_cmd *cmd, const char *path,
                                  const char *why)
{
	return ctl_fail(cmd, "cannot reach tlscardd at %s: %s", path, why);
}

int ctl_daemon_connect(const struct ctl_cmd *cmd, const char *path,
                       struct ctl_daemon_conn *conn)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	conn->len = 0;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	conn->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (conn->fd < 0)
		return ctl_daemon_unreachable(cmd, path, strerror(errno));
	/* A UNIX connect does not wait on a live listener: no timeout. */
	if (connect(conn->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = errno;

		close(conn->fd);
		conn->fd = -1;
		return ctl_daemon_unreachable(
		    cmd, path,
		    err == ENOENT || err == ECONNREFUSED
		        ? "no daemon listening (is tlscardd running? "
		          "see --control)"
		        : strerror(err));
	}
	return 0;
}

void ctl_daemon_disconnect(struct ctl_daemon_conn *conn)
{
	if (conn->fd >= 0)
		close(conn->fd);
	conn->fd = -1;
}

static int ctl_daemon_wait(int fd, short events)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	int rc;

	do
		rc = poll(&pfd, 1, CTL_DAEMON_TIMEOUT_MS);
	while (rc < 0 && errno == EINTR);
	return rc == 1 ? 0 : -1;
}

static int ctl_daemon_send(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w;

		if (ctl_daemon_wait(fd, POLLOUT))
			return -1;
		w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		}
	}
	return 0;
}

/* One line; the rest stays buffered for the next call.  malloc'd. */
static char *ctl_daemon_read_line(struct ctl_daemon_conn *conn, size_t *len,
                                  const char **why)
{
	char *line = NULL, *nl;
	size_t have = 0;

	for (;;) {
		nl = memchr(conn->buf, '\n', conn->len);
		size_t take = nl ? (size_t)(nl - conn->buf) + 1 : conn->len;
		char *grown;
		ssize_t r;

		if (have + take > CTL_DAEMON_MAX_REPLY) {
			*why = "reply too long";
			break;
		}
		grown = realloc(line, have + take + 1);
		if (!grown) {
			*why = "out of memory";
			break;
		}
		line = grown;
		memcpy(line + have, conn->buf, take);
		have += take;
		memmove(conn->buf, conn->buf + take, conn->len - take);
		conn->len -= take;
		if (nl) {
			line[have - 1] = '\0';
			*len = have - 1;
			return line;
		}
		if (ctl_daemon_wait(conn->fd, POLLIN)) {
			*why = "no reply within the timeout";
			break;
		}
		r = recv(conn->fd, conn->buf, sizeof(conn->buf), 0);
		if (r <= 0) {
			*why = r == 0 ? "the daemon closed the connection"
			              : strerror(errno);
			break;
		}
		conn->len = (size_t)r;
	}
	free(line);
	return NULL;
}

int ctl_daemon_call(const struct ctl_cmd *cmd, struct ctl_daemon_conn *conn,
                    const char *path, json_t *request, json_t **reply)
{
	const char *why = NULL;
	json_error_t jerr;
	size_t n;
	char *line = tlsd_ctl_dump_line(request, &n);

	*reply = NULL;
	if (!line)
		return ctl_fail(cmd, "out of memory");
	if (ctl_daemon_send(conn->fd, line, n)) {
		free(line);
		return ctl_daemon_unreachable(cmd, path, "cannot send");
	}
	free(line);
	line = ctl_daemon_read_line(conn, &n, &why);
	if (!line)
		return ctl_daemon_unreachable(cmd, path, why);
	*reply = json_loadb(line, n, 0, &jerr);
	free(line);
	if (!json_is_object(*reply)) {
		json_decref(*reply);
		*reply = NULL;
		return ctl_fail(cmd, "%s: the reply is not a JSON object: %s",
		                path, jerr.text);
	}
	return 0;
}

int ctl_daemon_ask(const struct ctl_cmd *cmd, const char *path, json_t *request,
                   json_t **reply)
{
	struct ctl_daemon_conn conn;
	const json_t *err;
	int rc;

	rc = ctl_daemon_connect(cmd, path, &conn);
	if (rc)
		return rc;
	rc = ctl_daemon_call(cmd, &conn, path, request, reply);
	ctl_daemon_disconnect(&conn);
	if (rc)
		return rc;
	err = json_object_get(*reply, "error");
	if (err) {
		rc =
		    ctl_fail(cmd, "tlscardd: %s",
		             json_is_string(err) ? json_string_value(err)
		                                 : "(error without a message)");
		json_decref(*reply);
		*reply = NULL;
	}
	return rc;
}

void ctl_daemon_print_json(const json_t *reply)
{
	json_dumpf(reply, stdout,
	           JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	               JSON_REAL_PRECISION(9));
	fputc('\n', stdout);
}
