// SPDX-License-Identifier: MIT
/* tlscardd: command line, configuration loading and start-up. */
#include <getopt.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tlsd.h"
#include "tlsd_backend_opt.h"
#include "tlsd_cards.h"
#include "tlsd_ctl_proto.h"

#define EXIT_USAGE 2

bool tlsd_verbose;

void tlsd_log(const char *fmt, ...)
{
	va_list ap;

	fputs("tlscardd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
	    "                [--cert FILE --key FILE ...]\n"
	    "                --backend [tls:]ADDR:PORT [--backend ...]\n"
	    "                [--backend-ca FILE] [--backend-sni NAME]\n"
	    "                [--health-* N] [--backend-pool-* N]\n"
	    "                [--cards SPEC] [--sim-spec [I:]KNOBS ...]\n"
	    "                [--control PATH] [--metrics ADDR:PORT]\n"
	    "                [--client-ca FILE] [--alpn PROTO]\n"
	    "                [--incremental-transcript] [--no-tickets]\n"
	    "                [--tls13-only] [--stats-on-exit] [--verbose]\n"
	    "\n"
	    "Terminates TLS 1.3 and 1.2 (ECDHE X25519/P-256; AES-GCM,\n"
	    "ChaCha20-Poly1305; ECDSA P-256 or RSA certificates) and proxies\n"
	    "the plaintext to a pool of backends (plain TCP or TLS), balanced\n"
	    "by least connections over the healthy ones.  Several --cert/--key\n"
	    "pairs are chosen among by SNI; the first is the default.\n"
	    "\n"
	    "  --listen ADDR:PORT   address to accept TLS on ([v6]:port ok)\n"
	    "  --cert FILE          PEM certificate chain (leaf first)\n"
	    "  --key FILE           PEM private key of the preceding --cert\n"
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
	    "  --client-ca FILE     require client certificates from this CA\n"
	    "  --alpn PROTO         accept this ALPN protocol (repeatable)\n"
	    "  --incremental-transcript  hash per message (M1 baseline)\n"
	    "  --no-tickets         do not issue session tickets\n"
	    "  --tls13-only         refuse TLS 1.2 clients\n"
	    "  --stats-on-exit      print counters when stopping\n"
	    "  --verbose            log every handshake and every failure\n"
	    "  --help               this text\n"
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
    {NULL, 0, NULL, 0},
};

static int tlsd_parse_args(int argc, char **argv, struct tlsd_options *o)
{
	bool have_listen = false;
	int opt, idx = -1;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "hv", tlsd_longopts, &idx)) !=
	       -1) {
		switch (opt) {
		case OPT_LISTEN:
			if (tlsd_parse_addr(optarg, "--listen", &o->listen))
				return EXIT_USAGE;
			have_listen = true;
			break;
		case OPT_BACKEND_POOL:
			if (tlsd_backend_parse_opt(tlsd_longopts[idx].name,
			                           optarg, o))
				return EXIT_USAGE;
			break;
		case OPT_CERT:
			if (o->ncerts == TLS_MAX_CERTS) {
				tlsd_log("at most %d --cert", TLS_MAX_CERTS);
				return EXIT_USAGE;
			}
			if (o->ncerts != o->nkeys) {
				tlsd_log("--cert %s: the previous --cert has "
				         "no --key",
				         optarg);
				return EXIT_USAGE;
			}
			o->certs[o->ncerts++] = optarg;
			break;
		case OPT_KEY:
			if (o->nkeys >= o->ncerts) {
				tlsd_log("--key %s: give --cert first", optarg);
				return EXIT_USAGE;
			}
			o->keys[o->nkeys++] = optarg;
			break;
		case OPT_CARDS:
		case OPT_SIM_SPEC:
		case OPT_FAULT:
		case OPT_BUDGET:
		case OPT_OFFLOAD_ALWAYS:
		case OPT_KEY_MOVE_MARGIN:
			if (tlsd_cards_parse_opt(
			        opt == OPT_CARDS      ? "cards"
			        : opt == OPT_SIM_SPEC ? "sim-spec"
			        : opt == OPT_FAULT    ? "fault"
			        : opt == OPT_BUDGET   ? "offload-budget-us"
			        : opt == OPT_KEY_MOVE_MARGIN ? "key-move-margin"
			                                     : "offload-always",
			        optarg, o))
				return EXIT_USAGE;
			break;
		case OPT_CONTROL:
			if (!*optarg) {
				tlsd_log("--control: empty path");
				return EXIT_USAGE;
			}
			o->control = optarg;
			break;
		case OPT_METRICS:
			if (tlsd_parse_addr(optarg, "--metrics", &o->metrics))
				return EXIT_USAGE;
			o->have_metrics = true;
			break;
		case OPT_CLIENT_CA: o->client_ca = optarg; break;
		case OPT_ALPN:
			if (o->nalpn == TLS_MAX_ALPN) {
				tlsd_log("at most %d --alpn", TLS_MAX_ALPN);
				return EXIT_USAGE;
			}
			o->alpn[o->nalpn++] = optarg;
			break;
		case OPT_INCREMENTAL: o->incremental = true; break;
		case OPT_NO_TICKETS: o->no_tickets = true; break;
		case OPT_TLS13_ONLY: o->tls13_only = true; break;
		case OPT_STATS: o->stats_on_exit = true; break;
		case 'v':
		case OPT_VERBOSE: o->verbose = true; break;
		case 'h':
		case OPT_HELP: tlsd_usage(stdout); return -1;
		default:
			if (optopt && optopt < 256)
				tlsd_log("unknown option -%c", optopt);
			else
				tlsd_log("unknown option or missing argument: "
				         "%s",
				         argv[optind - 1]);
			tlsd_log("try --help");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		tlsd_log("unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (!have_listen || !o->nbackends || !o->ncerts) {
		tlsd_log("--listen, --backend and at least one --cert/--key "
		         "pair are required (try --help)");
		return EXIT_USAGE;
	}
	if (o->ncerts != o->nkeys) {
		tlsd_log("--cert %s has no --key", o->certs[o->ncerts - 1]);
		return EXIT_USAGE;
	}
	if (tlsd_backend_opts_finish(o))
		return EXIT_USAGE;
	return 0;
}

static int tlsd_load(const struct tlsd_options *o, struct tls_config *cfg)
{
	for (unsigned i = 0; i < o->ncerts; i++) {
		if (tls_is_err(
		        tls_config_add_cert(cfg, o->certs[i], o->keys[i]))) {
			tlsd_log("%s", tls_config_error());
			return EXIT_USAGE;
		}
	}
	if (o->client_ca &&
	    tls_is_err(tls_config_set_client_ca(cfg, o->client_ca))) {
		tlsd_log("--client-ca: %s", tls_config_error());
		return EXIT_USAGE;
	}
	for (unsigned i = 0; i < o->nalpn; i++) {
		if (tls_is_err(tls_config_add_alpn(cfg, o->alpn[i]))) {
			tlsd_log("--alpn: %s", tls_config_error());
			return EXIT_USAGE;
		}
	}
	cfg->incremental_transcript = o->incremental;
	cfg->tickets_enabled = !o->no_tickets;
	cfg->enable_tls12 = !o->tls13_only;
	return 0;
}

int main(int argc, char **argv)
{
	struct tlsd_options opt = {0};
	struct tls_config cfg;
	struct tls_offload *off;
	int rc = tlsd_parse_args(argc, argv, &opt);

	if (rc)
		return rc < 0 ? 0 : rc;
	tlsd_verbose = opt.verbose;
	off = tls_offload_cpu_create();
	if (!off) {
		tlsd_log("cannot set up libcrypto (CPU offload)");
		return 1;
	}
	/* --cards: the card backend wraps the CPU one (its fallback). */
	rc = tlsd_cards_offload(&opt, &off);
	if (rc)
		return rc;
	if (tls_is_err(tls_config_init(&cfg, off))) {
		tlsd_log("configuration: %s",
		         tls_error_message(tls_error_last()));
		tls_offload_destroy(off);
		tlsd_cards_close(opt.card_set);
		return 1;
	}
	rc = tlsd_load(&opt, &cfg);
	/* Cards after the certificates: their keys and M2 messages go
	 * into card slots and blob stores. */
	if (!rc)
		rc = tlsd_cards_setup(&opt, &cfg);
	if (!rc)
		rc = tlsd_run(&opt, &cfg);
	tls_config_free(&cfg);
	tls_offload_destroy(off);
	tlsd_cards_close(opt.card_set);
	return rc;
}
