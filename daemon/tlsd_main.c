// SPDX-License-Identifier: MIT
/* tlscardd: command line, configuration loading and start-up. */
#include <getopt.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tlsd.h"
#include "tlsd_backend_opt.h"
#include "tlsd_cards.h"
#include "tlsd_config.h"
#include "tlsd_ctl_proto.h"
#include "tlsd_gen.h"
#include "tlsd_ticket_file.h"
#include "tlsd_workers.h"

#define EXIT_USAGE 2

bool tlsd_verbose;
char tlsd_log_prefix[32] = "tlscardd: ";

/* One write() per line: workers share stderr, and a pipe keeps writes
 * of up to PIPE_BUF bytes whole. */
void tlsd_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n = snprintf(line, sizeof(line), "%s", tlsd_log_prefix);

	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	fflush(stderr);
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return; /* nowhere left to say it */
}

static void tlsd_usage_control(FILE *f)
{
	char path[108];

	if (tlsd_ctl_default_path(path, sizeof(path)))
		snprintf(path, sizeof(path), "(too long: use --control)");
	fprintf(f,
	        "\nThe control socket defaults to %s\n"
	        "($TLSCARD_CONTROL, else /run/tlscard/tlscardd.sock for root,\n"
	        "else $XDG_RUNTIME_DIR/tlscardd.sock, else "
	        "/tmp/tlscardd-UID.sock).\n",
	        path);
}

static void tlsd_usage(FILE *f)
{
	fputs(
	    "usage: tlscardd --listen ADDR:PORT --cert FILE --key FILE\n"
	    "                [--cert FILE --key FILE ...] --backend ADDR:PORT\n"
	    "                [--cards SPEC] [--sim-spec [I:]KNOBS ...]\n"
	    "                [--control PATH] [--metrics ADDR:PORT]\n"
	    "                [--client-ca FILE] [--alpn PROTO]\n"
	    "                [--incremental-transcript] [--no-tickets]\n"
	    "                [--tls13-only] [--stats-on-exit] [--verbose]\n"
	    "                [--workers N] [--ticket-key-file FILE]\n"
	    "                [--ticket-rotate-s S] [--drain-timeout-ms MS]\n"
	    "                [--coalesce [--coalesce-timer-ms MS]\n"
	    "                 [--coalesce-quantum BYTES] [--coalesce-staged]\n"
	    "                 [--coalesce-push-delay-us US]]\n"
	    "       tlscardd -c FILE [flags that override the file]\n"
	    "       tlscardd -c FILE --check-config\n"
	    "       tlscardd --rotate-ticket-key-file FILE\n"
	    "\n"
	    "Terminates TLS 1.3 and 1.2 (ECDHE X25519/P-256; AES-GCM,\n"
	    "ChaCha20-Poly1305; ECDSA P-256 or RSA certificates) and proxies\n"
	    "the plaintext to a pool of backends (plain TCP or TLS), balanced\n"
	    "by least connections over the healthy ones.  Several --cert/--key\n"
	    "pairs are chosen among by SNI; the first is the default.\n"
	    "\n"
	    "  -c, --config FILE    INI configuration (docs/configuration.md);\n"
	    "                       flags override its values, and a list\n"
	    "                       flag (--cert/--key, --alpn, --backend,\n"
	    "                       --sim-spec) replaces the file's list\n"
	    "  --check-config       load the configuration and certificates,\n"
	    "                       then exit (0: good, 2: bad)\n"
	    "  --listen ADDR:PORT   address to accept TLS on ([v6]:port ok)\n"
	    "  --cert FILE          PEM certificate chain (leaf first)\n"
	    "  --key FILE           PEM private key of the preceding --cert\n"
	    "  --backend ADDR:PORT  plain TCP server to forward to\n"
	    "  --cards SPEC         none (CPU only, the default), sim:N,\n"
	    "                       vfio:all or vfio:BDF[,BDF...]\n"
	    "  --sim-spec [I:]KNOBS sim card model knobs (all cards, or card I;\n"
	    "                       repeatable), e.g. pke_ops=2000\n"
	    "  --fault I:WHAT       debug: card I error-rate=X | stall |\n"
	    "                       latency-us=N at start\n"
	    "  --offload-budget-us N  latency a card job may add over the\n"
	    "                       CPU's measured cost (default 200)\n"
	    "  --offload-always     every eligible op on the cards\n"
	    "  --key-move-margin N  a connection's records leave the card\n"
	    "                       holding its keys only when that card's\n"
	    "                       queue exceeds another's by over N jobs\n"
	    "                       (default 8; the keys move, counted in\n"
	    "                       key_moves)\n"
	    "  --control PATH       control socket for tlscardctl (mode 0600;\n"
	    "                       \"none\" for no socket; default below)\n"
	    "  --metrics ADDR:PORT  serve Prometheus metrics at /metrics\n"
	    "  --coalesce           M4: buffer plaintext bound for a TLS peer and\n"
	    "                       seal it into as few records as possible,\n"
	    "                       flushing on a full quantum, the end of an\n"
	    "                       HTTP/1.1 message, FIN, a drained read side\n"
	    "                       or the timer (docs/coalescing.md)\n"
	    "  --coalesce-timer-ms MS  longest wait of a buffered byte (1..60000,\n"
	    "                       default 20)\n"
	    "  --coalesce-quantum BYTES  largest record (256..16384; default\n"
	    "                       16384, or less for a card's max input)\n"
	    "  --coalesce-staged    start with 1 KB records, doubling to the\n"
	    "                       quantum; small again after 1 s idle\n"
	    "  --coalesce-push-delay-us US  after the read side drains, wait\n"
	    "                       this long for more bytes before the PUSH\n"
	    "                       flush (0..100000; default 200; 0 flushes\n"
	    "                       at the drain)\n"
	    "  --client-ca FILE     require client certificates from this CA\n"
	    "  --alpn PROTO         accept this ALPN protocol (repeatable)\n"
	    "  --incremental-transcript  hash per message (M1 baseline)\n"
	    "  --no-tickets         do not issue session tickets\n"
	    "  --tls13-only         refuse TLS 1.2 clients\n"
	    "  --stats-on-exit      print counters when stopping\n"
	    "  --verbose            log every handshake and every failure\n"
	    "  --workers N          N processes, each with its own listener\n"
	    "                       (SO_REUSEPORT) and cards; control socket\n"
	    "                       PATH.I and metrics port+I for worker I\n"
	    "                       (docs/scaling.md)\n"
	    "  --ticket-key-file FILE  session-ticket keys shared by workers\n"
	    "                       and instances, re-read when it changes\n"
	    "  --rotate-ticket-key-file FILE  add a new key to FILE (made\n"
	    "                       if missing), keep the newest 3, exit\n"
	    "  --ticket-rotate-s S  rotate in-memory ticket keys every S s\n"
	    "                       (default 3600; workers: the parent\n"
	    "                       rotates their shared file this often)\n"
	    "  --drain-timeout-ms MS  SIGTERM: stop accepting, wait up to MS\n"
	    "                       (default 10000) for open connections\n"
	    "  --help               this text\n"
	    "\n"
	    "Signals: SIGHUP reloads certificates and backends (the file, or\n"
	    "the flags' files) without dropping connections; SIGTERM drains\n"
	    "then exits 0; SIGINT stops at once.\n"
	    "\nBackends (docs/backends.md):\n",
	    f);
	tlsd_backend_usage(f);
	tlsd_usage_control(f);
}

int tlsd_parse_addr(const char *arg, const char *flag, struct tlsd_addr *a)
{
	char host[128];
	const char *port;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res;
	size_t hlen;
	int rc;

	if (arg[0] == '[') {
		const char *end = strchr(arg, ']');

		if (!end || end[1] != ':')
			goto bad;
		hlen = (size_t)(end - arg - 1);
		memcpy(host, arg + 1, hlen < sizeof(host) ? hlen : 0);
		port = end + 2;
	} else {
		const char *colon = strrchr(arg, ':');

		if (!colon)
			goto bad;
		hlen = (size_t)(colon - arg);
		port = colon + 1;
		if (hlen < sizeof(host))
			memcpy(host, arg, hlen);
	}
	if (hlen == 0 || hlen >= sizeof(host) || !*port ||
	    strspn(port, "0123456789") != strlen(port) || atoi(port) > 65535)
		goto bad;
	host[hlen] = 0;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		tlsd_log("%s %s: %s", flag, arg, gai_strerror(rc));
		return -1;
	}
	memcpy(&a->ss, res->ai_addr, res->ai_addrlen);
	a->len = res->ai_addrlen;
	snprintf(a->text, sizeof(a->text), "%s", arg);
	freeaddrinfo(res);
	return 0;
bad:
	tlsd_log("%s %s: expected HOST:PORT or [V6ADDR]:PORT", flag, arg);
	return -1;
}

enum {
	OPT_LISTEN = 256,
	OPT_CERT,
	OPT_KEY,
	OPT_BACKEND,
	OPT_CARDS,
	OPT_CLIENT_CA,
	OPT_ALPN,
	OPT_INCREMENTAL,
	OPT_NO_TICKETS,
	OPT_TLS13_ONLY,
	OPT_STATS,
	OPT_VERBOSE,
	OPT_HELP,
	OPT_CONTROL,
	OPT_METRICS,
	OPT_SIM_SPEC,
	OPT_FAULT,
	OPT_BUDGET,
	OPT_OFFLOAD_ALWAYS,
	OPT_KEY_MOVE_MARGIN,
	OPT_BACKEND_POOL, /* tlsd_backend_opt.c: by name */
	OPT_WORKERS,
	OPT_TICKET_FILE,
	OPT_TICKET_ROTATE,
	OPT_DRAIN,
	OPT_CHECK,
	OPT_ROTATE_FILE,
	OPT_COALESCE,
	OPT_COALESCE_TIMER,
	OPT_COALESCE_QUANTUM,
	OPT_COALESCE_STAGED,
	OPT_COALESCE_PUSH,
};

static const struct option tlsd_longopts[] = {
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"cert", required_argument, NULL, OPT_CERT},
    {"key", required_argument, NULL, OPT_KEY},
    {"backend", required_argument, NULL, OPT_BACKEND_POOL},
    {"backend-ca", required_argument, NULL, OPT_BACKEND_POOL},
    {"backend-sni", required_argument, NULL, OPT_BACKEND_POOL},
    {"health-interval-ms", required_argument, NULL, OPT_BACKEND_POOL},
    {"health-timeout-ms", required_argument, NULL, OPT_BACKEND_POOL},
    {"health-fall", required_argument, NULL, OPT_BACKEND_POOL},
    {"health-rise", required_argument, NULL, OPT_BACKEND_POOL},
    {"backend-pool-idle", required_argument, NULL, OPT_BACKEND_POOL},
    {"backend-pool-idle-ms", required_argument, NULL, OPT_BACKEND_POOL},
    {"no-backend-pool", no_argument, NULL, OPT_BACKEND_POOL},
    {"backend-connect-timeout-ms", required_argument, NULL, OPT_BACKEND_POOL},
    {"cards", required_argument, NULL, OPT_CARDS},
    {"client-ca", required_argument, NULL, OPT_CLIENT_CA},
    {"alpn", required_argument, NULL, OPT_ALPN},
    {"incremental-transcript", no_argument, NULL, OPT_INCREMENTAL},
    {"no-tickets", no_argument, NULL, OPT_NO_TICKETS},
    {"tls13-only", no_argument, NULL, OPT_TLS13_ONLY},
    {"stats-on-exit", no_argument, NULL, OPT_STATS},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"help", no_argument, NULL, OPT_HELP},
    {"control", required_argument, NULL, OPT_CONTROL},
    {"metrics", required_argument, NULL, OPT_METRICS},
    {"sim-spec", required_argument, NULL, OPT_SIM_SPEC},
    {"fault", required_argument, NULL, OPT_FAULT},
    {"offload-budget-us", required_argument, NULL, OPT_BUDGET},
    {"offload-always", no_argument, NULL, OPT_OFFLOAD_ALWAYS},
    {"key-move-margin", required_argument, NULL, OPT_KEY_MOVE_MARGIN},
    {"config", required_argument, NULL, 'c'},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"ticket-key-file", required_argument, NULL, OPT_TICKET_FILE},
    {"ticket-rotate-s", required_argument, NULL, OPT_TICKET_ROTATE},
    {"drain-timeout-ms", required_argument, NULL, OPT_DRAIN},
    {"check-config", no_argument, NULL, OPT_CHECK},
    {"rotate-ticket-key-file", required_argument, NULL, OPT_ROTATE_FILE},
    {"coalesce", no_argument, NULL, OPT_COALESCE},
    {"coalesce-timer-ms", required_argument, NULL, OPT_COALESCE_TIMER},
    {"coalesce-quantum", required_argument, NULL, OPT_COALESCE_QUANTUM},
    {"coalesce-staged", no_argument, NULL, OPT_COALESCE_STAGED},
    {"coalesce-push-delay-us", required_argument, NULL, OPT_COALESCE_PUSH},
    {NULL, 0, NULL, 0},
};

static int tlsd_parse_u32(const char *flag, const char *arg, uint32_t lo,
                          uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (*arg < '0' || *arg > '9' || *end || v < lo || v > hi) {
		tlsd_log("%s %s: expected %u..%u", flag, arg, lo, hi);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* The first use of a list flag replaces the list the file gave. */
struct tlsd_flag_lists {
	bool certs, alpn, backends, sim_spec;
};

static int tlsd_parse_opt(int opt, const char *name, struct tlsd_options *o,
                          struct tlsd_flag_lists *fl)
{
	switch (opt) {
	case OPT_LISTEN: return tlsd_parse_addr(optarg, "--listen", &o->listen);
	case OPT_BACKEND_POOL:
		if (!strcmp(name, "backend") && !fl->backends)
			o->nbackends = 0;
		fl->backends |= !strcmp(name, "backend");
		return tlsd_backend_parse_opt(name, optarg, o);
	case OPT_CERT:
		if (!fl->certs)
			tlsd_config_forget_certs(o);
		fl->certs = true;
		if (o->ncerts == TLS_MAX_CERTS) {
			tlsd_log("at most %d --cert", TLS_MAX_CERTS);
			return -1;
		}
		if (o->ncerts != o->nkeys) {
			tlsd_log("--cert %s: the previous --cert has no --key",
			         optarg);
			return -1;
		}
		o->certs[o->ncerts++] = optarg;
		return 0;
	case OPT_KEY:
		if (!fl->certs || o->nkeys >= o->ncerts) {
			tlsd_log("--key %s: give --cert first", optarg);
			return -1;
		}
		o->keys[o->nkeys++] = optarg;
		return 0;
	case OPT_SIM_SPEC:
		if (!fl->sim_spec)
			o->sim_spec[0] = 0;
		fl->sim_spec = true;
		return tlsd_cards_parse_opt("sim-spec", optarg, o);
	case OPT_CARDS:
	case OPT_FAULT:
	case OPT_BUDGET:
	case OPT_OFFLOAD_ALWAYS:
	case OPT_KEY_MOVE_MARGIN:
		return tlsd_cards_parse_opt(
		    opt == OPT_CARDS             ? "cards"
		    : opt == OPT_FAULT           ? "fault"
		    : opt == OPT_BUDGET          ? "offload-budget-us"
		    : opt == OPT_KEY_MOVE_MARGIN ? "key-move-margin"
		                                 : "offload-always",
		    optarg, o);
	case OPT_CONTROL:
		if (!*optarg) {
			tlsd_log("--control: empty path");
			return -1;
		}
		o->control = optarg;
		return 0;
	case OPT_METRICS:
		o->have_metrics = true;
		return tlsd_parse_addr(optarg, "--metrics", &o->metrics);
	case OPT_COALESCE: o->coalesce.enabled = true; return 0;
	case OPT_COALESCE_STAGED: o->coalesce.staged = true; return 0;
	case OPT_COALESCE_TIMER:
		return tlsd_parse_u32("--coalesce-timer-ms", optarg, 1, 60000,
		                      &o->coalesce.timer_ms);
	case OPT_COALESCE_PUSH:
		o->coalesce.push_delay_set = true;
		return tlsd_parse_u32("--coalesce-push-delay-us", optarg, 0,
		                      100000, &o->coalesce.push_delay_us);
	case OPT_COALESCE_QUANTUM:
		return tlsd_parse_u32("--coalesce-quantum", optarg, 256, 16384,
		                      &o->coalesce.quantum);
	case OPT_CLIENT_CA: o->client_ca = optarg; return 0;
	case OPT_ALPN:
		if (!fl->alpn)
			o->nalpn = 0;
		fl->alpn = true;
		if (o->nalpn == TLS_MAX_ALPN) {
			tlsd_log("at most %d --alpn", TLS_MAX_ALPN);
			return -1;
		}
		o->alpn[o->nalpn++] = optarg;
		return 0;
	case OPT_WORKERS:
		return tlsd_parse_u32("--workers", optarg, 1, 64, &o->workers);
	case OPT_TICKET_FILE: o->ticket_key_file = optarg; return 0;
	case OPT_TICKET_ROTATE:
		return tlsd_parse_u32("--ticket-rotate-s", optarg, 60, 86400,
		                      &o->ticket_rotate_s);
	case OPT_DRAIN:
		return tlsd_parse_u32("--drain-timeout-ms", optarg, 0, 3600000,
		                      &o->drain_timeout_ms);
	case OPT_CHECK: o->check_config = true; return 0;
	case OPT_ROTATE_FILE: o->rotate_ticket_file = optarg; return 0;
	case OPT_INCREMENTAL: o->incremental = true; return 0;
	case OPT_NO_TICKETS: o->no_tickets = true; return 0;
	case OPT_TLS13_ONLY: o->tls13_only = true; return 0;
	case OPT_STATS: o->stats_on_exit = true; return 0;
	case 'v':
	case OPT_VERBOSE: o->verbose = true; return 0;
	}
	return -1;
}

/* "FILE:LINE: " of the end of the config file, for what it lacks. */
static void tlsd_missing(const struct tlsd_options *o, const char *what)
{
	if (o->config_file)
		tlsd_log("%s:%u: %s (none in the file nor on the command "
		         "line)",
		         o->config_file, tlsd_config_lines(o), what);
	else
		tlsd_log("%s (try --help)", what);
}

int tlsd_options_parse(int argc, char **argv, struct tlsd_options *o)
{
	struct tlsd_flag_lists fl = {0};
	int opt, idx = -1;

	opterr = 0;
	tlsd_backend_opts_reset();
	/* Pass 1: the file, so that the flags (pass 2) override it. */
	while ((opt = getopt_long(argc, argv, "hvc:", tlsd_longopts, NULL)) !=
	       -1) {
		if (opt == 'h' || opt == OPT_HELP) {
			tlsd_usage(stdout);
			return -1;
		}
		if (opt == 'c')
			o->config_file = optarg;
	}
	if (o->config_file && tlsd_config_load(o->config_file, o))
		return EXIT_USAGE;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hvc:", tlsd_longopts, &idx)) !=
	       -1) {
		if (opt == 'c') {
			idx = -1;
			continue;
		}
		if (opt == '?' || opt == ':') {
			if (optopt && optopt < 256)
				tlsd_log("unknown option -%c", optopt);
			else
				tlsd_log("unknown option or missing argument: "
				         "%s",
				         argv[optind - 1]);
			tlsd_log("try --help");
			return EXIT_USAGE;
		}
		if (tlsd_parse_opt(opt, idx >= 0 ? tlsd_longopts[idx].name : "",
		                   o, &fl))
			return EXIT_USAGE;
	}
	if (optind < argc) {
		tlsd_log("unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (o->rotate_ticket_file)
		return 0;
	if (o->ncerts != o->nkeys) {
		tlsd_log("--cert %s has no --key", o->certs[o->ncerts - 1]);
		return EXIT_USAGE;
	}
	if (!o->listen.len) {
		tlsd_missing(o, "no listen address ([listener] address or "
		                "--listen)");
		return EXIT_USAGE;
	}
	if (!o->nbackends) {
		tlsd_missing(o, "no backend ([backend NAME] or --backend)");
		return EXIT_USAGE;
	}
	if (!o->ncerts) {
		tlsd_missing(o, "no certificate ([cert NAME] or --cert/--key)");
		return EXIT_USAGE;
	}
	/* --backend-ca/--backend-sni fill TLS backends that lack them. */
	if (tlsd_backend_opts_finish(o))
		return EXIT_USAGE;
	return 0;
}

/* Cards, the first configuration generation, then the event loop. */
static int tlsd_serve(struct tlsd_options *opt)
{
	struct tlsd_cards *cards;
	struct tls_offload *off = tls_offload_cpu_create();
	struct tlsd_gen *gen;
	int rc;

	if (!off) {
		tlsd_log("cannot set up libcrypto (CPU offload)");
		tlsd_options_free(opt);
		return 1;
	}
	/* --cards: the card backend wraps the CPU one (its fallback). */
	rc = tlsd_cards_offload(opt, &off);
	if (rc) {
		tlsd_options_free(opt);
		return rc;
	}
	cards = opt->card_set;
	/* Cards before the certificates: their keys and M2 messages go
	 * into card slots and blob stores. */
	gen = tlsd_gen_create(opt, off, NULL);
	rc = gen ? tlsd_run(gen) : EXIT_USAGE;
	tlsd_gen_put(gen);
	tls_offload_destroy(off);
	tlsd_cards_close(cards);
	return rc;
}

/* --check-config, and before workers fork: does it all load? */
static int tlsd_check(int argc, char **argv)
{
	struct tls_offload *off = tls_offload_cpu_create();
	struct tlsd_options copy = {0};
	struct tlsd_gen *gen;

	if (!off)
		return 1;
	/* A copy of its own: the generation takes over its strings. */
	optind = 0;
	if (tlsd_options_parse(argc, argv, &copy)) {
		tlsd_options_free(&copy);
		tls_offload_destroy(off);
		return EXIT_USAGE;
	}
	gen = tlsd_gen_create(&copy, off, NULL);
	tlsd_gen_put(gen);
	tls_offload_destroy(off);
	return gen ? 0 : EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct tlsd_options opt = {0};
	bool worker = false;
	int rc = tlsd_options_parse(argc, argv, &opt);

	if (rc) {
		tlsd_options_free(&opt);
		return rc < 0 ? 0 : rc;
	}
	if (opt.rotate_ticket_file) {
		rc = tlsd_ticket_file_rotate(opt.rotate_ticket_file) ? 1 : 0;
		tlsd_options_free(&opt);
		return rc;
	}
	tlsd_verbose = opt.verbose;
	tlsd_gen_set_args(argc, argv);
	rc = tlsd_check(argc, argv);
	if (rc || opt.check_config) {
		if (!rc)
			tlsd_log("%s: configuration OK", opt.config_file
			                                     ? opt.config_file
			                                     : "command line");
		tlsd_options_free(&opt);
		return rc;
	}
	if (opt.workers > 1) {
		rc = tlsd_workers_run(&opt, &worker);
		if (!worker) {
			tlsd_options_free(&opt);
			return rc;
		}
	}
	return tlsd_serve(&opt);
}
