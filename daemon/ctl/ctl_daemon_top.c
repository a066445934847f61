// SPDX-License-Identifier: MIT
/*
 * tlscardctl top: the stats view, refreshed.  One connection for the whole
 * session; each frame is rendered off-screen and written at once after
 * "clear, home" so the terminal never shows half a frame.  Rates are over
 * the last interval.  When stdout is not a terminal (tests, logs), frames
 * are printed one after another without escape codes.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ctl_daemon.h"

#define CTL_TOP_CLEAR "\033[H\033[2J" /* cursor home, erase screen */

enum {
	CTL_TOP_OPT_INTERVAL = 0x300,
	CTL_TOP_OPT_ITERATIONS,
	CTL_TOP_OPT_ONCE,
};

static const struct option ctl_top_longopts[] = {
    {"interval", required_argument, NULL, CTL_TOP_OPT_INTERVAL},
    {"iterations", required_argument, NULL, CTL_TOP_OPT_ITERATIONS},
    {"once", no_argument, NULL, CTL_TOP_OPT_ONCE},
    {"control", required_argument, NULL, CTL_DAEMON_OPT_CONTROL},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static volatile sig_atomic_t ctl_top_stop;

static void ctl_top_on_signal(int sig)
{
	(void)sig;
	ctl_top_stop = 1;
}

struct ctl_top {
	struct ctl_daemon_opts o;
	double interval_s;
	unsigned iterations; /* 0: until q or Ctrl-C */
	bool tty_out, tty_in;
	struct termios saved;
};

static int ctl_top_parse(const struct ctl_cmd *cmd, int argc, char **argv,
                         struct ctl_top *t)
{
	int rc = ctl_daemon_opts_init(cmd, &t->o), opt;

	if (rc)
		return rc;
	t->interval_s = 1.0;
	optind = 0;
	while ((opt = ctl_getopt(cmd, argc, argv, "n:d:", ctl_top_longopts)) !=
	       -1) {
		switch (opt) {
		case CTL_OPT_HELP: ctl_print_usage(cmd, stdout); return -1;
		case CTL_OPT_ERROR: return CTL_EXIT_USAGE;
		case 'd':
		case CTL_TOP_OPT_INTERVAL:
			if (ctl_parse_double(cmd, "--interval", optarg, 0.1,
			                     3600.0, &t->interval_s))
				return CTL_EXIT_USAGE;
			break;
		case 'n':
		case CTL_TOP_OPT_ITERATIONS:
			if (ctl_parse_unsigned(cmd, "--iterations", optarg, 1,
			                       1000000, &t->iterations))
				return CTL_EXIT_USAGE;
			break;
		case CTL_TOP_OPT_ONCE: t->iterations = 1; break;
		default:
			if (ctl_daemon_opt(cmd, opt, optarg, &t->o) <= 0)
				return CTL_EXIT_USAGE;
		}
	}
	return ctl_no_positional(cmd, argc, argv) ? CTL_EXIT_USAGE : 0;
}

/* Keys without Enter, and no echo; restored on every way out. */
static void ctl_top_raw_input(struct ctl_top *t)
{
	struct termios raw;

	t->tty_in = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &t->saved);
	if (!t->tty_in)
		return;
	raw = t->saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

static void ctl_top_restore(struct ctl_top *t)
{
	if (t->tty_in)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
}

/* Sleep one interval; true when the user asked to quit. */
static bool ctl_top_wait(const struct ctl_top *t)
{
	struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
	int ms = (int)(t->interval_s * 1000.0);
	char key;

	/* poll() is not restarted after a signal: Ctrl-C ends the wait */
	if (poll(&pfd, t->tty_in ? 1 : 0, ms) == 1 &&
	    read(STDIN_FILENO, &key, 1) == 1)
		return key == 'q' || key == 'Q' || key == 3 /* ^C */;
	return ctl_top_stop;
}

static int ctl_top_frame(const struct ctl_top *t, const json_t *stats,
                         const json_t *prev, unsigned frame)
{
	char *buf = NULL;
	size_t len = 0;
	time_t now = time(NULL);
	char when[32];
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -1;
	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	if (t->tty_out)
		fputs(CTL_TOP_CLEAR, f);
	else if (frame)
		fputc('\n', f);
	fprintf(f, "tlscardctl top  %s  %s  every %.1f s%s\n\n", when,
	        t->o.path, t->interval_s, t->tty_in ? "  (q quits)" : "");
	ctl_stats_print(f, stats, prev);
	if (fclose(f)) {
		free(buf);
		return -1;
	}
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
	free(buf);
	return 0;
}

static int ctl_top_run(const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = ctl_top_on_signal};
	struct ctl_daemon_conn conn;
	struct ctl_top t;
	json_t *req, *prev = NULL, *stats;
	int rc;

	memset(&t, 0, sizeof(t));
	rc = ctl_top_parse(cmd, argc, argv, &t);
	if (rc)
		return rc < 0 ? CTL_EXIT_OK : rc;
	rc = ctl_daemon_connect(cmd, t.o.path, &conn);
	if (rc)
		return rc;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	t.tty_out = isatty(STDOUT_FILENO);
	ctl_top_raw_input(&t);
	req = json_pack("{s:s}", "cmd", "stats");
	for (unsigned frame = 0; !ctl_top_stop; frame++) {
		rc = ctl_daemon_call(cmd, &conn, t.o.path, req, &stats);
		if (rc)
			break;
		if (json_object_get(stats, "error")) {
			rc = ctl_fail(cmd, "tlscardd: %s",
			              ctl_json_str(stats, "error"));
			json_decref(stats);
			break;
		}
		ctl_top_frame(&t, stats, prev, frame);
		json_decref(prev);
		prev = stats;
		if (t.iterations && frame + 1 >= t.iterations)
			break;
		if (ctl_top_wait(&t))
			break;
	}
	json_decref(prev);
	json_decref(req);
	ctl_top_restore(&t);
	ctl_daemon_disconnect(&conn);
	return rc;
}

const struct ctl_cmd ctl_cmd_top = {
    .name = "top",
    .summary = "live view of tlscardd's cards and traffic",
    .usage = "usage: tlscardctl top [--interval S] [--iterations N | --once]\n"
             "                      [--control PATH]\n"
             "\n"
             "Refreshes the 'tlscardctl stats' view, with rates over the\n"
             "last interval (JOBS/S per card, handshakes/s).  q or Ctrl-C\n"
             "quits.  When stdout is not a terminal, frames are printed\n"
             "one after another, without screen control codes.\n"
             "docs/operations.md explains how to read it.\n"
             "\n"
             "  -d, --interval S    seconds between frames (0.1..3600,\n"
             "                      default 1)\n"
             "  -n, --iterations N  stop after N frames\n"
             "  --once              one frame (rates since the daemon "
             "started)\n"
             "  --control PATH      tlscardd's control socket (default: see\n"
             "                      tlscardctl stats --help)\n"
             "\n"
             "Exit: 0 ok, 1 daemon unreachable or gone, 2 usage.\n",
    .run = ctl_top_run,
};
