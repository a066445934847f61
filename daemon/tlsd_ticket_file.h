/* SPDX-License-Identifier: MIT */
/*
 * The ticket-key file (--ticket-key-file, [tickets] key_file): session
 * ticket keys shared by every worker and every instance, so a ticket one
 * of them issued resumes on any other (docs/scaling.md).
 *
 * Format: text, one key per line, newest first, at most 3 keys; '#'
 * starts a comment line.  A key is 96 hex digits: the 16-byte key name
 * (sent in the clear in every ticket) and the 32-byte AES-256-GCM key,
 * optionally separated by one space.  The first key seals new tickets;
 * all of them open tickets.  The daemon re-reads the file within a
 * second of it changing (write a new file and rename it over the old
 * one); `tlscardd --rotate-ticket-key-file FILE` does that rotation.
 */
#ifndef TLSD_TICKET_FILE_H
#define TLSD_TICKET_FILE_H

#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

#include "tls_config.h"

/* Install path's keys in cfg (its ring then stops rotating by itself).
 * 0, or -1 after logging "path:line: why" (cfg unchanged). */
int tlsd_ticket_file_load(struct tls_config *cfg, const char *path);

struct tlsd_ticket_watch {
	const char *path; /* NULL: no file, nothing to watch */
	struct timespec mtime;
	ino_t ino;
	off_t size;
	time_t checked;
};

/* Remember path's current version (just loaded). */
void tlsd_ticket_watch_init(struct tlsd_ticket_watch *w, const char *path);
/* At most once a second: reload cfg's ring when the file changed.  A bad
 * new file is logged and the keys in use are kept. */
void tlsd_ticket_watch_poll(struct tlsd_ticket_watch *w, struct tls_config *cfg,
                            time_t now);

/* A new random key on top of path's newest TLS_TICKET_KEYS - 1 (path
 * created when missing), written to a temporary file and renamed over
 * path, mode 0600.  0, or -1 with a message logged. */
int tlsd_ticket_file_rotate(const char *path);

#endif /* TLSD_TICKET_FILE_H */
