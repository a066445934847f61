// SPDX-License-Identifier: MIT
/* The shared ticket-key file; format in tlsd_ticket_file.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tlsd.h"
#include "tlsd_ticket_file.h"

#define TLSD_KEY_HEX (2 * (TLS_TICKET_NAME_LEN + TLS_TICKET_SECRET_LEN))

struct tlsd_ticket_keys {
	uint8_t names[TLS_TICKET_KEYS][TLS_TICKET_NAME_LEN];
	uint8_t secrets[TLS_TICKET_KEYS][TLS_TICKET_SECRET_LEN];
	unsigned n;
};

static int tlsd_hex(char c)
{
	return isdigit((unsigned char)c) ? c - '0'
	                                 : tolower((unsigned char)c) - 'a' + 10;
}

/* One key line: 96 hex digits, maybe a space after the name's 32. */
static bool tlsd_key_line(const char *s, uint8_t *name, uint8_t *secret)
{
	uint8_t raw[TLS_TICKET_NAME_LEN + TLS_TICKET_SECRET_LEN];
	size_t n = 0;

	for (; *s && *s != '\n' && *s != '\r'; s++) {
		if (*s == ' ' && n == 2 * TLS_TICKET_NAME_LEN)
			continue;
		if (!isxdigit((unsigned char)*s) || n == TLSD_KEY_HEX)
			return false;
		if (n % 2 == 0)
			raw[n / 2] = (uint8_t)(tlsd_hex(*s) << 4);
		else
			raw[n / 2] |= (uint8_t)tlsd_hex(*s);
		n++;
	}
	if (n != TLSD_KEY_HEX)
		return false;
	memcpy(name, raw, TLS_TICKET_NAME_LEN);
	memcpy(secret, raw + TLS_TICKET_NAME_LEN, TLS_TICKET_SECRET_LEN);
	OPENSSL_cleanse(raw, sizeof(raw));
	return true;
}

/* 0, or -1 with "path:line: why" logged. */
static int tlsd_ticket_file_read(const char *path, struct tlsd_ticket_keys *k)
{
	char line[256];
	unsigned lineno = 0;
	FILE *f = fopen(path, "r");

	k->n = 0;
	if (!f) {
		tlsd_log("%s:0: cannot open ticket-key file: %s", path,
		         strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		const char *s = line + strspn(line, " \t");

		lineno++;
		if (*s == '#' || *s == '\n' || *s == '\r' || !*s)
			continue;
		if (k->n == TLS_TICKET_KEYS) {
			tlsd_log("%s:%u: more than %d ticket keys", path,
			         lineno, TLS_TICKET_KEYS);
			goto bad;
		}
		if (!tlsd_key_line(s, k->names[k->n], k->secrets[k->n])) {
			tlsd_log("%s:%u: expected %d hex digits (16-byte name, "
			         "32-byte key)",
			         path, lineno, TLSD_KEY_HEX);
			goto bad;
		}
		k->n++;
	}
	fclose(f);
	OPENSSL_cleanse(line, sizeof(line));
	if (!k->n) {
		tlsd_log("%s:%u: no ticket key in the file", path, lineno);
		return -1;
	}
	return 0;
bad:
	fclose(f);
	OPENSSL_cleanse(line, sizeof(line));
	OPENSSL_cleanse(k, sizeof(*k));
	return -1;
}

int tlsd_ticket_file_load(struct tls_config *cfg, const char *path)
{
	struct tlsd_ticket_keys k;
	time_t created[TLS_TICKET_KEYS];
	tls_result r;

	if (tlsd_ticket_file_read(path, &k))
		return -1;
	for (unsigned i = 0; i < k.n; i++)
		created[i] = time(NULL);
	r = tls_ticket_keys_set(
	    cfg, (const uint8_t(*)[TLS_TICKET_NAME_LEN])k.names,
	    (const uint8_t(*)[TLS_TICKET_SECRET_LEN])k.secrets, created, k.n,
	    true);
	OPENSSL_cleanse(&k, sizeof(k));
	if (tls_is_err(r)) {
		tlsd_log("%s: cannot install the ticket keys: %s", path,
		         tls_error_message(tls_error_last()));
		return -1;
	}
	return 0;
}

static void tlsd_watch_stat(struct tlsd_ticket_watch *w, struct stat *st)
{
	w->mtime = st->st_mtim;
	w->ino = st->st_ino;
	w->size = st->st_size;
}

void tlsd_ticket_watch_init(struct tlsd_ticket_watch *w, const char *path)
{
	struct stat st;

	memset(w, 0, sizeof(*w));
	w->path = path;
	if (path && !stat(path, &st))
		tlsd_watch_stat(w, &st);
}

void tlsd_ticket_watch_poll(struct tlsd_ticket_watch *w, struct tls_config *cfg,
                            time_t now)
{
	struct stat st;

	if (!w->path || now == w->checked)
		return;
	w->checked = now;
	if (stat(w->path, &st))
		return; /* mid-rename or removed: keep the keys we have */
	if (st.st_ino == w->ino && st.st_size == w->size &&
	    st.st_mtim.tv_sec == w->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == w->mtime.tv_nsec)
		return;
	tlsd_watch_stat(w, &st);
	if (tlsd_ticket_file_load(cfg, w->path))
		tlsd_log("%s: keeping the ticket keys in use", w->path);
	else if (tlsd_verbose)
		tlsd_log("%s: ticket keys reloaded", w->path);
}

int tlsd_ticket_file_rotate(const char *path)
{
	struct tlsd_ticket_keys k = {.n = 0};
	uint8_t name[TLS_TICKET_NAME_LEN], secret[TLS_TICKET_SECRET_LEN];
	char tmp[4096];
	FILE *f;
	int fd;

	if (access(path, F_OK) == 0 && tlsd_ticket_file_read(path, &k))
		return -1;
	if (RAND_bytes(name, sizeof(name)) != 1 ||
	    RAND_bytes(secret, sizeof(secret)) != 1) {
		tlsd_log("%s: no random bytes for a ticket key", path);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		tlsd_log("%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(f, "# tlscardd ticket keys, newest first (tlscardd "
	           "--rotate-ticket-key-file)\n");
	for (unsigned i = 0; i < k.n + 1 && i < TLS_TICKET_KEYS; i++) {
		const uint8_t *nm = i ? k.names[i - 1] : name;
		const uint8_t *sc = i ? k.secrets[i - 1] : secret;

		for (unsigned j = 0; j < TLS_TICKET_NAME_LEN; j++)
			fprintf(f, "%02x", nm[j]);
		fputc(' ', f);
		for (unsigned j = 0; j < TLS_TICKET_SECRET_LEN; j++)
			fprintf(f, "%02x", sc[j]);
		fputc('\n', f);
	}
	OPENSSL_cleanse(&k, sizeof(k));
	OPENSSL_cleanse(secret, sizeof(secret));
	if (fflush(f) || fsync(fileno(f))) {
		tlsd_log("%s: %s", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		return -1;
	}
	fclose(f);
	if (rename(tmp, path)) {
		tlsd_log("%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
