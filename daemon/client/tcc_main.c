// SPDX-License-Identifier: MIT
/* tlscard-client: command line, configuration and session files. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tcc.h"

#define TCC_SESSION_FILE_MAX 4096

void tcc_log(const char *fmt, ...)
{
	va_list ap;

	fputs("tlscard-client: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void tcc_usage(FILE *f)
{
	fputs(
	    "usage: tlscard-client HOST:PORT --ca FILE [--servername NAME]\n"
	    "                      [--no-sni] [--tls1_2 | --tls1_3]\n"
	    "                      [--alpn PROTO ...] [--sess-in FILE]\n"
	    "                      [--sess-out FILE] [--cert FILE --key FILE]\n"
	    "                      [--incremental-transcript] [--key-update]\n"
	    "                      [--wait MS] [--timeout MS] [--verbose]\n"
	    "\n"
	    "Connects with the tlscard TLS engine's client side, verifies the\n"
	    "server's chain against --ca and its name, sends stdin and prints\n"
	    "the reply.  After stdin ends it waits --wait ms (1000) for more\n"
	    "reply, or until the server closes, then sends close_notify.\n"
	    "Exit: 0 ok, 1 TLS failure (the alert is named), 2 usage, 3\n"
	    "network.\n"
	    "\n"
	    "  --ca FILE          PEM CA certificates the server chain must\n"
	    "                     lead to (required)\n"
	    "  --servername NAME  SNI and the name the certificate must match\n"
	    "                     (default: HOST unless it is an address)\n"
	    "  --no-sni           send no SNI and check only the chain\n"
	    "  --tls1_2, --tls1_3 offer only this version (default: both)\n"
	    "  --alpn PROTO       offer this ALPN protocol (repeatable)\n"
	    "  --sess-in FILE     resume the session saved in FILE\n"
	    "  --sess-out FILE    keep the server's tickets; save the newest\n"
	    "  --cert/--key FILE  client certificate and key (mTLS)\n"
	    "  --incremental-transcript  hash per message (M1 baseline)\n"
	    "  --key-update       send a KeyUpdate (TLS 1.3) after the data\n"
	    "  --wait MS          idle wait for the reply after stdin ends\n"
	    "  --timeout MS       limit for the whole run (10000)\n"
	    "  --verbose          print the handshake summary on stderr\n",
	    f);
}

enum {
	OPT_CA = 256,
	OPT_SERVERNAME,
	OPT_NO_SNI,
	OPT_TLS12,
	OPT_TLS13,
	OPT_ALPN,
	OPT_SESS_IN,
	OPT_SESS_OUT,
	OPT_CERT,
	OPT_KEY,
	OPT_INCREMENTAL,
	OPT_KEY_UPDATE,
	OPT_WAIT,
	OPT_TIMEOUT,
	OPT_VERBOSE,
	OPT_HELP,
};

static const struct option tcc_longopts[] = {
    {"ca", required_argument, NULL, OPT_CA},
    {"servername", required_argument, NULL, OPT_SERVERNAME},
    {"no-sni", no_argument, NULL, OPT_NO_SNI},
    {"tls1_2", no_argument, NULL, OPT_TLS12},
    {"tls1_3", no_argument, NULL, OPT_TLS13},
    {"alpn", required_argument, NULL, OPT_ALPN},
    {"sess-in", required_argument, NULL, OPT_SESS_IN},
    {"sess-out", required_argument, NULL, OPT_SESS_OUT},
    {"cert", required_argument, NULL, OPT_CERT},
    {"key", required_argument, NULL, OPT_KEY},
    {"incremental-transcript", no_argument, NULL, OPT_INCREMENTAL},
    {"key-update", no_argument, NULL, OPT_KEY_UPDATE},
    {"wait", required_argument, NULL, OPT_WAIT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static int tcc_parse_ms(const char *arg, const char *flag, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || v > 600000) {
		tcc_log("%s %s: expected milliseconds (0..600000)", flag, arg);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* "HOST:PORT" or "[V6]:PORT" into host and port strings (in place). */
static int tcc_parse_target(char *arg, struct tcc_options *o)
{
	char *colon;

	if (arg[0] == '[') {
		char *end = strchr(arg, ']');

		if (!end || end[1] != ':')
			goto bad;
		*end = 0;
		o->host = arg + 1;
		o->port = end + 2;
	} else {
		colon = strrchr(arg, ':');
		if (!colon)
			goto bad;
		*colon = 0;
		o->host = arg;
		o->port = colon + 1;
	}
	if (!*o->host || !*o->port ||
	    strspn(o->port, "0123456789") != strlen(o->port) ||
	    atoi(o->port) > 65535)
		goto bad;
	return 0;
bad:
	tcc_log("%s: expected HOST:PORT or [V6ADDR]:PORT", arg);
	return -1;
}

static int tcc_parse_flag(int opt, struct tcc_options *o)
{
	switch (opt) {
	case OPT_CA: o->ca = optarg; break;
	case OPT_SERVERNAME: o->servername = optarg; break;
	case OPT_NO_SNI: o->no_sni = true; break;
	case OPT_TLS12: o->tls12_only = true; break;
	case OPT_TLS13: o->tls13_only = true; break;
	case OPT_ALPN:
		if (o->nalpn == TLS_MAX_ALPN) {
			tcc_log("at most %d --alpn", TLS_MAX_ALPN);
			return TCC_EXIT_USAGE;
		}
		o->alpn[o->nalpn++] = optarg;
		break;
	case OPT_SESS_IN: o->sess_in = optarg; break;
	case OPT_SESS_OUT: o->sess_out = optarg; break;
	case OPT_CERT: o->cert = optarg; break;
	case OPT_KEY: o->key = optarg; break;
	case OPT_INCREMENTAL: o->incremental = true; break;
	case OPT_KEY_UPDATE: o->key_update = true; break;
	case OPT_WAIT:
		return tcc_parse_ms(optarg, "--wait", &o->wait_ms)
		           ? TCC_EXIT_USAGE
		           : 0;
	case OPT_TIMEOUT:
		return tcc_parse_ms(optarg, "--timeout", &o->timeout_ms)
		           ? TCC_EXIT_USAGE
		           : 0;
	case 'v':
	case OPT_VERBOSE: o->verbose = true; break;
	case 'h':
	case OPT_HELP: tcc_usage(stdout); return -1;
	default:
		if (optopt && optopt < 256)
			tcc_log("unknown option -%c (try --help)", optopt);
		else
			tcc_log("unknown option or missing argument (try "
			        "--help)");
		return TCC_EXIT_USAGE;
	}
	return 0;
}

static int tcc_parse_args(int argc, char **argv, struct tcc_options *o)
{
	int opt, rc;

	o->wait_ms = 1000;
	o->timeout_ms = 10000;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "hv", tcc_longopts, NULL)) !=
	       -1) {
		rc = tcc_parse_flag(opt, o);
		if (rc)
			return rc;
	}
	if (optind != argc - 1) {
		tcc_log("give exactly one HOST:PORT (try --help)");
		return TCC_EXIT_USAGE;
	}
	if (tcc_parse_target(argv[optind], o))
		return TCC_EXIT_USAGE;
	if (!o->ca) {
		tcc_log("--ca FILE is required: the server chain is always "
		        "verified");
		return TCC_EXIT_USAGE;
	}
	if (o->tls12_only && o->tls13_only) {
		tcc_log("--tls1_2 and --tls1_3 exclude each other");
		return TCC_EXIT_USAGE;
	}
	if (!o->cert != !o->key) {
		tcc_log("--cert and --key go together");
		return TCC_EXIT_USAGE;
	}
	if (o->no_sni && o->servername) {
		tcc_log("--no-sni and --servername exclude each other");
		return TCC_EXIT_USAGE;
	}
	return 0;
}

/* SNI is a DNS name (RFC 6066 §3): never an address literal. */
static const char *tcc_server_name(const struct tcc_options *o)
{
	unsigned char addr[16];

	if (o->no_sni)
		return NULL;
	if (o->servername)
		return o->servername;
	if (inet_pton(AF_INET, o->host, addr) == 1 ||
	    inet_pton(AF_INET6, o->host, addr) == 1)
		return NULL;
	return o->host;
}

static int tcc_configure(const struct tcc_options *o, struct tls_config *cfg)
{
	if (tls_is_err(tls_config_set_server_ca(cfg, o->ca))) {
		tcc_log("--ca: %s", tls_config_error());
		return TCC_EXIT_USAGE;
	}
	for (unsigned i = 0; i < o->nalpn; i++) {
		if (tls_is_err(tls_config_add_alpn(cfg, o->alpn[i]))) {
			tcc_log("--alpn: %s", tls_config_error());
			return TCC_EXIT_USAGE;
		}
	}
	if (o->cert && tls_is_err(tls_config_add_cert(cfg, o->cert, o->key))) {
		tcc_log("--cert: %s", tls_config_error());
		return TCC_EXIT_USAGE;
	}
	cfg->enable_tls12 = !o->tls13_only;
	cfg->enable_tls13 = !o->tls12_only;
	cfg->incremental_transcript = o->incremental;
	/* Tickets are kept (and psk_dhe_ke offered) to save them. */
	cfg->tickets_enabled = o->sess_out != NULL;
	return 0;
}

static int tcc_load_session(const char *path, struct tls_client_session *s)
{
	uint8_t buf[TCC_SESSION_FILE_MAX];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		tcc_log("--sess-in %s: %s", path, strerror(errno));
		return TCC_EXIT_USAGE;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (tls_is_err(tls_client_session_decode(buf, n, s))) {
		tcc_log("--sess-in %s: not a tlscard-client session file",
		        path);
		OPENSSL_cleanse(buf, sizeof(buf));
		return TCC_EXIT_USAGE;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

static int tcc_save_session(const char *path,
                            const struct tls_client_session *s)
{
	uint8_t buf[TCC_SESSION_FILE_MAX];
	size_t n;
	FILE *f;
	int rc = 0;

	if (tls_is_err(tls_client_session_encode(s, buf, sizeof(buf), &n)))
		return TCC_EXIT_TLS;
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, n, f) != n) {
		tcc_log("--sess-out %s: %s", path, strerror(errno));
		rc = TCC_EXIT_USAGE;
	}
	if (f && fclose(f) && !rc) {
		tcc_log("--sess-out %s: %s", path, strerror(errno));
		rc = TCC_EXIT_USAGE;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

int main(int argc, char **argv)
{
	struct tcc_options opt = {0};
	struct tls_client_session *in = NULL, *out = NULL;
	struct tls_client_params params = {0};
	struct tls_offload *off;
	struct tls_config cfg;
	bool have = false;
	int rc = tcc_parse_args(argc, argv, &opt);

	if (rc)
		return rc < 0 ? 0 : rc;
	off = tls_offload_cpu_create();
	if (!off) {
		tcc_log("cannot set up libcrypto (CPU offload)");
		return TCC_EXIT_TLS;
	}
	if (tls_is_err(tls_config_init(&cfg, off))) {
		tcc_log("configuration: %s",
		        tls_error_message(tls_error_last()));
		tls_offload_destroy(off);
		return TCC_EXIT_TLS;
	}
	in = calloc(1, sizeof(*in));
	out = calloc(1, sizeof(*out));
	rc = in && out ? tcc_configure(&opt, &cfg) : TCC_EXIT_TLS;
	if (!rc && opt.sess_in)
		rc = tcc_load_session(opt.sess_in, in);
	if (!rc) {
		params.server_name = tcc_server_name(&opt);
		params.session = opt.sess_in ? in : NULL;
		rc = tcc_run(&opt, &cfg, &params, out, &have);
	}
	if (!rc && opt.sess_out) {
		if (have)
			rc = tcc_save_session(opt.sess_out, out);
		else if (opt.verbose)
			tcc_log("no session ticket received; %s not written",
			        opt.sess_out);
	}
	if (in)
		OPENSSL_cleanse(in, sizeof(*in));
	if (out)
		OPENSSL_cleanse(out, sizeof(*out));
	free(in);
	free(out);
	tls_config_free(&cfg);
	tls_offload_destroy(off);
	return rc;
}
