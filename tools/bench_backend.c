// SPDX-License-Identifier: MIT
/*
 * The plain-TCP backend behind tlscardd in `make bench-tls`: answers every
 * HTTP request with a tiny "ok" and closes, like nginx's `return 200`.
 * It is C, single-threaded and epoll-driven so that it takes as little as
 * possible from the load generator's core; its CPU is not counted.
 *
 *   bench_backend PORT     (listens on 127.0.0.1:PORT; prints "ready")
 *
 * It dies with its parent (PR_SET_PDEATHSIG), so a crashed benchmark
 * never leaves it behind, and it exits by itself after an hour.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#define MAX_FD     65536
#define REQ_MAX    4096
#define LIFETIME_S 3600

static const char reply[] = "HTTP/1.1 200 OK\r\n"
                            "Content-Type: text/plain\r\n"
                            "Content-Length: 3\r\n"
                            "Connection: close\r\n"
                            "\r\n"
                            "ok\n";

/* Per fd: how much of the request head has been seen, and its tail. */
struct req {
	unsigned len;
	char tail[4];
};

static struct req reqs[MAX_FD];

static int listen_on(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_port = htons((uint16_t)port),
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1024)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* True once the bytes seen so far contain the end of the head. */
static int head_done(struct req *r, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		memmove(r->tail, r->tail + 1, 3);
		r->tail[3] = p[i];
		if (!memcmp(r->tail, "\r\n\r\n", 4))
			return 1;
	}
	r->len += (unsigned)n;
	return 0;
}

static void serve(int fd)
{
	char buf[REQ_MAX];
	struct req *r = &reqs[fd];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n > 0) {
			if (head_done(r, buf, (size_t)n)) {
				/* Tiny reply: one send always fits. */
				if (send(fd, reply, sizeof(reply) - 1,
				         MSG_NOSIGNAL) < 0)
					break;
				break;
			}
			if (r->len > REQ_MAX)
				break;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		break;
	}
	close(fd);
}

int main(int argc, char **argv)
{
	int lfd, epfd;
	time_t end = time(NULL) + LIFETIME_S;
	struct epoll_event ev = {.events = EPOLLIN};

	if (argc != 2 || atoi(argv[1]) <= 0 || atoi(argv[1]) > 65535) {
		fprintf(stderr, "usage: bench_backend PORT\n");
		return 2;
	}
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	lfd = listen_on(atoi(argv[1]));
	epfd = epoll_create1(0);
	if (lfd < 0 || epfd < 0) {
		perror("bench_backend");
		return 1;
	}
	ev.data.fd = lfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	printf("ready\n");
	fflush(stdout);
	while (time(NULL) < end) {
		struct epoll_event evs[64];
		int n = epoll_wait(epfd, evs, 64, 1000);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd != lfd) {
				serve(fd);
				continue;
			}
			for (;;) {
				int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
				struct epoll_event cev = {.events = EPOLLIN |
				                                    EPOLLET};

				if (c < 0)
					break;
				if (c >= MAX_FD) {
					close(c);
					continue;
				}
				reqs[c] = (struct req){0};
				cev.data.fd = c;
				epoll_ctl(epfd, EPOLL_CTL_ADD, c, &cev);
				/* The request often came with the SYN's ACK. */
				serve(c);
			}
		}
	}
	return 0;
}
