/* SPDX-License-Identifier: MIT */
/*
 * tlscardd's control socket: a UNIX stream socket (mode 0600) in the event
 * loop, speaking the line-delimited JSON protocol of tlsd_ctl_proto.h.
 * Requests are read, answered and applied to the pool without blocking.
 */
#ifndef TLSD_CONTROL_H
#define TLSD_CONTROL_H

#include <stdbool.h>
#include <sys/un.h>

#include "tlsd.h"
#include "tlsd_ctl_proto.h"
#include "tlsd_observe.h"

/* Clients connected at once; more are told so and closed. */
#define TLSD_CTL_MAX_CLIENTS 16
/* Replies a client has not read yet, at most (then it is dropped). */
#define TLSD_CTL_MAX_PENDING (1u << 20)

struct tlsd_ctl_client;

struct tlsd_control {
	struct tlsd_source src; /* the listening socket */
	int lfd, epfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct tlsd_observe *obs;
	struct tlsd_ctl_client *clients;
	unsigned nclients;
	uint64_t requests, errors; /* answered, of which {"error":...} */
};

/*
 * Open the socket at path and add it to epfd.  path NULL: the default path
 * (tlsd_ctl_default_path); a path in use by a live daemon is then skipped
 * with a warning rather than failing, so several daemons can run side by
 * side.  "none": no socket.  An explicit path that cannot be used is an
 * error.  A path that exists and is not a socket is never replaced.
 * Returns 0 (ctl->lfd is -1 when there is no socket) or -1, logged.
 */
int tlsd_control_open(struct tlsd_control *ctl, const char *path, int epfd,
                      struct tlsd_observe *obs);
/* Close every client and the socket, and remove the socket file. */
void tlsd_control_close(struct tlsd_control *ctl);

/* One request line to its reply (the daemon's side of the protocol). */
json_t *tlsd_control_execute(struct tlsd_control *ctl, const char *line,
                             size_t len);

#endif /* TLSD_CONTROL_H */
