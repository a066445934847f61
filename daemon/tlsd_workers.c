// SPDX-License-Identifier: MIT
/* --workers N: fork, split, supervise; see tlsd_workers.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include "tlsd_cards.h"
#include "tlsd_config.h"
#include "tlsd_ctl_proto.h"
#include "tlsd_ticket_file.h"
#include "tlsd_workers.h"
#include "tlscard.h"

#define TLSD_MAX_WORKERS     64
#define TLSD_FAST_FAIL_NS    2000000000ull
#define TLSD_RESTART_WAIT_NS 1000000000ull

struct tlsd_worker {
	pid_t pid;
	uint64_t started_ns;
	uint64_t restart_at_ns; /* 0: running or none pending */
};

struct tlsd_sup {
	struct tlsd_options *o;
	struct tlsd_worker w[TLSD_MAX_WORKERS];
	unsigned n;
	char ticket_dir[64]; /* the file the parent made, "" if none */
	char ticket_file[96];
	char cards[TLSD_MAX_WORKERS][TLSD_MAX_CARDS * 20 + 8];
	char control[108];
};

static volatile sig_atomic_t tlsd_sup_hup, tlsd_sup_term, tlsd_sup_int;

static void tlsd_sup_signal(int sig)
{
	if (sig == SIGHUP)
		tlsd_sup_hup = 1;
	else if (sig == SIGTERM)
		tlsd_sup_term = 1;
	else
		tlsd_sup_int = 1;
}

static uint64_t tlsd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* vfio cards dealt out to workers; sim:N and none stay as they are. */
static int tlsd_sup_split_cards(struct tlsd_sup *s)
{
	const char *spec = s->o->cards;
	char bdfs[TLSD_MAX_CARDS][16];
	unsigned nb = 0;

	for (unsigned i = 0; i < s->n; i++)
		snprintf(s->cards[i], sizeof(s->cards[i]), "%s",
		         spec ? spec : "none");
	if (!spec || strncmp(spec, "vfio:", 5))
		return 0;
	if (!strcmp(spec, "vfio:all")) {
		struct tc_pci_card found[64];
		int nf = tc_pci_scan(found, 64);

		for (int i = 0; i < nf && i < 64 && nb < TLSD_MAX_CARDS; i++)
			if (found[i].vendor == TC_PCI_VENDOR_ID &&
			    found[i].device == TC_PCI_DEVICE_ID)
				snprintf(bdfs[nb++], 16, "%.15s", found[i].bdf);
	} else {
		for (const char *p = spec + 5; *p && nb < TLSD_MAX_CARDS;) {
			size_t len = strcspn(p, ",");

			snprintf(bdfs[nb++], 16, "%.*s", (int)len, p);
			p += len + (p[len] == ',');
		}
	}
	if (!nb) {
		tlsd_log("--cards %s: no tlscard PCI device found", spec);
		return -1;
	}
	for (unsigned i = 0; i < s->n; i++) {
		char *out = s->cards[i];

		snprintf(out, sizeof(s->cards[i]), "none");
		for (unsigned j = i; j < nb; j += s->n) {
			size_t have = j == i ? 0 : strlen(out);

			snprintf(out + have, sizeof(s->cards[i]) - have, "%s%s",
			         j == i ? "vfio:" : ",", bdfs[j]);
		}
		if (!strcmp(out, "none"))
			tlsd_log("worker %u: no vfio card left for it (%u "
			         "cards, %u workers): it runs on the CPU",
			         i, nb, s->n);
	}
	return 0;
}

/* The parent's own ticket-key file when none is configured. */
static int tlsd_sup_tickets(struct tlsd_sup *s)
{
	if (s->o->ticket_key_file || s->o->no_tickets)
		return 0;
	snprintf(s->ticket_dir, sizeof(s->ticket_dir),
	         "/tmp/tlscardd-tickets-XXXXXX");
	if (!mkdtemp(s->ticket_dir)) {
		tlsd_log("ticket-key directory: %s", strerror(errno));
		s->ticket_dir[0] = 0;
		return -1;
	}
	snprintf(s->ticket_file, sizeof(s->ticket_file), "%s/keys",
	         s->ticket_dir);
	if (tlsd_ticket_file_rotate(s->ticket_file))
		return -1;
	s->o->ticket_key_file = s->ticket_file;
	return 0;
}

static void tlsd_sup_tickets_remove(struct tlsd_sup *s)
{
	if (!s->ticket_dir[0])
		return;
	unlink(s->ticket_file);
	rmdir(s->ticket_dir);
}

/* In the child: this worker's own cards, sockets and log prefix. */
static void tlsd_worker_adjust(struct tlsd_sup *s, unsigned i)
{
	struct tlsd_options *o = s->o;

	o->worker_index = i;
	o->cards = s->cards[i];
	snprintf(tlsd_log_prefix, sizeof(tlsd_log_prefix),
	         "tlscardd[w%u]: ", i);
	if (!o->control || strcmp(o->control, "none")) {
		char base[108];

		if (o->control)
			snprintf(base, sizeof(base), "%s", o->control);
		else if (tlsd_ctl_default_path(base, sizeof(base)))
			base[0] = 0;
		if (snprintf(s->control, sizeof(s->control), "%.100s.%u", base,
		             i) > 0 &&
		    base[0])
			o->control = s->control;
	}
	if (o->have_metrics) {
		struct sockaddr_storage *ss = &o->metrics.ss;
		in_port_t *port = ss->ss_family == AF_INET6
		                      ? &((struct sockaddr_in6 *)ss)->sin6_port
		                      : &((struct sockaddr_in *)ss)->sin_port;

		*port = htons((uint16_t)(ntohs(*port) + i));
	}
}

static pid_t tlsd_sup_fork(struct tlsd_sup *s, unsigned i)
{
	pid_t pid = fork();

	if (pid < 0) {
		tlsd_log("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		struct sigaction dfl = {.sa_handler = SIG_DFL};

		sigaction(SIGHUP, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
		sigaction(SIGINT, &dfl, NULL);
		/* A parent killed outright takes its workers along. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		tlsd_worker_adjust(s, i);
		return 0;
	}
	tlsd_log("worker %u: pid %d", i, (int)pid);
	s->w[i].pid = pid;
	s->w[i].started_ns = tlsd_now_ns();
	s->w[i].restart_at_ns = 0;
	return pid;
}

static void tlsd_sup_kill(struct tlsd_sup *s, int sig)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->w[i].pid > 0)
			kill(s->w[i].pid, sig);
}

/* Reap exited workers; false when one failed right after its start. */
static bool tlsd_sup_reap(struct tlsd_sup *s, bool stopping, int *status_all)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (unsigned i = 0; i < s->n; i++) {
			struct tlsd_worker *w = &s->w[i];
			bool ok = WIFEXITED(status) && !WEXITSTATUS(status);

			if (w->pid != pid)
				continue;
			w->pid = 0;
			if (!ok)
				*status_all = 1;
			if (stopping)
				break;
			tlsd_log("worker %u (pid %d) %s %d", i, (int)pid,
			         WIFSIGNALED(status) ? "killed by signal"
			                             : "exited with",
			         WIFSIGNALED(status) ? WTERMSIG(status)
			                             : WEXITSTATUS(status));
			if (tlsd_now_ns() - w->started_ns < TLSD_FAST_FAIL_NS)
				return false;
			w->restart_at_ns = tlsd_now_ns() + TLSD_RESTART_WAIT_NS;
		}
	}
	return true;
}

static unsigned tlsd_sup_alive(const struct tlsd_sup *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->n; i++)
		n += s->w[i].pid > 0;
	return n;
}

/* The parent's loop; returns the exit code, or -1 in a restarted child. */
static int tlsd_sup_loop(struct tlsd_sup *s)
{
	uint32_t rotate = s->o->ticket_rotate_s ? s->o->ticket_rotate_s
	                                        : TLS_TICKET_LIFETIME / 2;
	time_t next_rotate = time(NULL) + rotate;
	bool stopping = false;
	int status_all = 0;

	for (;;) {
		struct timespec nap = {0, 50 * 1000000};

		if (tlsd_sup_int || tlsd_sup_term) {
			if (!stopping)
				tlsd_sup_kill(s,
				              tlsd_sup_int ? SIGINT : SIGTERM);
			stopping = true;
			tlsd_sup_int = tlsd_sup_term = 0;
		}
		if (tlsd_sup_hup) {
			tlsd_sup_hup = 0;
			tlsd_sup_kill(s, SIGHUP);
		}
		if (!tlsd_sup_reap(s, stopping, &status_all)) {
			tlsd_log("a worker failed at start: stopping");
			tlsd_sup_kill(s, SIGINT);
			stopping = true;
			status_all = 1;
		}
		if (stopping && !tlsd_sup_alive(s))
			return status_all;
		for (unsigned i = 0; !stopping && i < s->n; i++) {
			struct tlsd_worker *w = &s->w[i];

			if (!w->restart_at_ns ||
			    tlsd_now_ns() < w->restart_at_ns)
				continue;
			tlsd_log("restarting worker %u", i);
			if (tlsd_sup_fork(s, i) == 0)
				return -1;
		}
		if (s->ticket_dir[0] && time(NULL) >= next_rotate) {
			next_rotate = time(NULL) + rotate;
			if (tlsd_ticket_file_rotate(s->ticket_file))
				tlsd_log("ticket keys not rotated");
		}
		nanosleep(&nap, NULL);
	}
}

int tlsd_workers_run(struct tlsd_options *o, bool *worker)
{
	static struct tlsd_sup s; /* the children keep using its strings */
	struct sigaction sa = {.sa_handler = tlsd_sup_signal};
	int rc;

	*worker = false;
	s.o = o;
	s.n = o->workers;
	if (tlsd_sup_split_cards(&s) || tlsd_sup_tickets(&s)) {
		tlsd_sup_tickets_remove(&s);
		return 1;
	}
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (unsigned i = 0; i < s.n; i++) {
		pid_t pid = tlsd_sup_fork(&s, i);

		if (pid == 0) {
			*worker = true;
			return 0;
		}
		if (pid < 0) {
			tlsd_sup_int = 1; /* the loop stops those started */
			break;
		}
	}
	tlsd_log("%u workers on %s", s.n, o->listen.text);
	rc = tlsd_sup_loop(&s);
	if (rc < 0) {
		*worker = true;
		return 0;
	}
	tlsd_sup_tickets_remove(&s);
	tlsd_log("all workers stopped");
	return rc;
}
