/* SPDX-License-Identifier: MIT */
/*
 * The backend side of one client connection, as the proxy (and the M4
 * coalescer, which sits between the client's TLS connection and this)
 * sees it: a plaintext byte stream with write, read and half-close.
 * For TLS backends the bytes are encrypted and decrypted by the engine's
 * client side; the caller never knows which kind of backend it has.
 *
 * Underneath, it chooses a backend (least connections over live ones),
 * takes a pooled connection or opens one, and until the backend's first
 * byte of reply has arrived, keeps a copy of what the client sent.  When
 * the backend refuses, resets, fails its handshake or closes before that
 * first byte, the copy is replayed on another backend: the client never
 * notices (docs/backends.md, "Failover").
 */
#ifndef TLSD_UPSTREAM_H
#define TLSD_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tlsd_backends;
struct tlsd_backend;
struct tlsd_leg;

/* What is kept for a replay: requests longer than this are not retried. */
#define TLSD_REPLAY_CAP 16384

struct tlsd_upstream {
	struct tlsd_backends *set;
	void *tag; /* the epoll tag of the leg's socket */
	struct tlsd_backend *be;
	struct tlsd_leg *leg;
	uint32_t tried;    /* backends tried for this client, by index */
	unsigned attempts; /* legs used, first one included */
	bool replying;     /* the backend sent a byte: no replay from now */
	bool replay_lost;  /* more was sent than the copy holds */
	bool want_shut;    /* the client is done sending */
	bool shut;         /* and the backend has been told */
	bool eof;          /* the backend is done sending */
	bool failed;       /* no backend could take this client */
	bool backend_spoke_last;
	bool leg_reused; /* the leg came from the idle pool */
	size_t replay_len, replay_sent;
	uint8_t replay[TLSD_REPLAY_CAP];
};

/* Choose a backend and connect (or reuse); the socket gets `tag`.
 * -1: no backend could be reached at all. */
int tlsd_upstream_start(struct tlsd_upstream *u, struct tlsd_backends *set,
                        void *tag);
/* Move the connect, the handshake and queued bytes on; true if moved.
 * On an unrecoverable failure, u->failed is set. */
bool tlsd_upstream_pump(struct tlsd_upstream *u);
/* Plaintext for the backend: bytes taken (0: later), -1: failed. */
ssize_t tlsd_upstream_write(struct tlsd_upstream *u, const uint8_t *p,
                            size_t n);
/* Plaintext from the backend: bytes, 0 at its end, -EAGAIN, -EIO. */
ssize_t tlsd_upstream_read(struct tlsd_upstream *u, uint8_t *p, size_t n);
/* The client has nothing more to send (half-close toward the backend). */
void tlsd_upstream_shutdown(struct tlsd_upstream *u);
/*
 * May the client connection end now and leave the backend connection to
 * the next client?  True for a TLS leg at a clean boundary: the backend
 * spoke last, nothing is buffered either way, the backend has not closed.
 */
bool tlsd_upstream_reusable(struct tlsd_upstream *u);
/* The client connection ended: pool the leg when `reuse`, else close. */
void tlsd_upstream_end(struct tlsd_upstream *u, bool reuse);

#endif /* TLSD_UPSTREAM_H */
