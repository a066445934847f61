// SPDX-License-Identifier: MIT
/*
 * The engine's client side against its own server side, in memory: the
 * two connections' buffers are joined by memcpy, so every byte of both
 * handshakes is the real thing and any one of them can be changed on
 * the way.  Covers TLS 1.3 and 1.2 full and resumed handshakes, M1
 * digest-call counts, mTLS, KeyUpdate, what a wrong signature, a wrong
 * name, an untrusted chain and a tampered record get, and the session
 * encoding.  Certificates are made at start-up with libcrypto.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls_client.h"

static char dir[] = "/tmp/tls_client_test.XXXXXX";
static char path_ca[64], path_other_ca[64], path_srv_crt[64], path_srv_key[64],
    path_cli_crt[64], path_cli_key[64];
static EVP_PKEY *wrong_key; /* same type as the server's, not its own */
static struct tls_offload *off;

static EVP_PKEY *gen_key(void)
{
	return EVP_EC_gen("P-256");
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer,
                       EVP_PKEY *issuer_key, const char *san)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	                           (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	if (!issuer) {
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, x, NID_key_usage, "critical,keyCertSign");
	} else {
		add_ext(x, issuer, NID_subject_alt_name, san);
		add_ext(x, issuer, NID_ext_key_usage, "serverAuth,clientAuth");
	}
	assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
	return x;
}

static void write_pem(const char *path, X509 *x, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	if (x)
		assert_int_equal(PEM_write_X509(f, x), 1);
	if (k)
		assert_int_equal(
		    PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
}

static int setup(void **state)
{
	EVP_PKEY *ca_key, *other_key, *srv_key, *cli_key;
	X509 *ca, *other, *srv, *cli;

	(void)state;
	off = tls_offload_cpu_create();
	if (!off || !mkdtemp(dir))
		return -1;
	snprintf(path_ca, sizeof(path_ca), "%s/ca.crt", dir);
	snprintf(path_other_ca, sizeof(path_other_ca), "%s/other.crt", dir);
	snprintf(path_srv_crt, sizeof(path_srv_crt), "%s/srv.crt", dir);
	snprintf(path_srv_key, sizeof(path_srv_key), "%s/srv.key", dir);
	snprintf(path_cli_crt, sizeof(path_cli_crt), "%s/cli.crt", dir);
	snprintf(path_cli_key, sizeof(path_cli_key), "%s/cli.key", dir);
	ca_key = gen_key();
	other_key = gen_key();
	srv_key = gen_key();
	cli_key = gen_key();
	wrong_key = gen_key();
	ca = make_cert(ca_key, "test CA", NULL, ca_key, NULL);
	other = make_cert(other_key, "other CA", NULL, other_key, NULL);
	srv = make_cert(srv_key, "server.test", ca, ca_key, "DNS:server.test");
	cli = make_cert(cli_key, "client", ca, ca_key, "DNS:client");
	write_pem(path_ca, ca, NULL);
	write_pem(path_other_ca, other, NULL);
	write_pem(path_srv_crt, srv, NULL);
	write_pem(path_srv_key, NULL, srv_key);
	write_pem(path_cli_crt, cli, NULL);
	write_pem(path_cli_key, NULL, cli_key);
	X509_free(ca);
	X509_free(other);
	X509_free(srv);
	X509_free(cli);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(srv_key);
	EVP_PKEY_free(cli_key);
	return 0;
}

static int teardown(void **state)
{
	const char *files[] = {path_ca,      path_other_ca, path_srv_crt,
	                       path_srv_key, path_cli_crt,  path_cli_key};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
	rmdir(dir);
	EVP_PKEY_free(wrong_key);
	tls_offload_destroy(off);
	return 0;
}

struct pair {
	struct tls_config scfg, ccfg;
	struct tls_conn s, c;
	struct tls_client_params params;
	bool swapped; /* the server signs with wrong_key */
};

static void pair_config(struct pair *p)
{
	memset(p, 0, sizeof(*p));
	assert_true(tls_is_ok(tls_config_init(&p->scfg, off)));
	assert_true(tls_is_ok(
	    tls_config_add_cert(&p->scfg, path_srv_crt, path_srv_key)));
	assert_true(tls_is_ok(tls_config_init(&p->ccfg, off)));
	assert_true(tls_is_ok(tls_config_set_server_ca(&p->ccfg, path_ca)));
	p->params.server_name = "server.test";
}

static void pair_start(struct pair *p)
{
	assert_true(tls_is_ok(tls_conn_init_server(&p->s, &p->scfg)));
	assert_true(
	    tls_is_ok(tls_conn_init_client(&p->c, &p->ccfg, &p->params)));
}

static void pair_free(struct pair *p)
{
	if (p->swapped) {
		EVP_PKEY *k = p->scfg.certs[0].key;

		p->scfg.certs[0].key = wrong_key;
		wrong_key = k;
	}
	tls_conn_free(&p->s);
	tls_conn_free(&p->c);
	tls_config_free(&p->scfg);
	tls_config_free(&p->ccfg);
}

/* Move what `from` queued into `to`; flip (xor) byte `flip` if >= 0. */
static void move(struct tls_conn *from, struct tls_conn *to, long flip)
{
	const uint8_t *src;
	size_t n = tls_conn_out_peek(from, &src), room;
	uint8_t *dst;

	if (!n)
		return;
	dst = tls_conn_in_space(to, &room);
	assert_true(room >= n);
	memcpy(dst, src, n);
	if (flip >= 0 && (size_t)flip < n)
		dst[flip] ^= 0x01;
	tls_conn_in_commit(to, n);
	tls_conn_out_consume(from, n);
}

static bool finished(const struct tls_conn *c)
{
	return c->state >= TLS_ST_APP;
}

/* Failures are looked at through the connection's state. */
static void process(struct tls_conn *c)
{
	tls_result r = tls_conn_process(c);

	(void)r;
}

/* Run both sides until neither moves (bounded). */
static void pump(struct pair *p)
{
	for (int i = 0; i < 16; i++) {
		move(&p->c, &p->s, -1);
		process(&p->s);
		move(&p->s, &p->c, -1);
		process(&p->c);
		if (finished(&p->s) && finished(&p->c) &&
		    !tls_conn_out_peek(&p->s, &(const uint8_t *){NULL}) &&
		    !tls_conn_out_peek(&p->c, &(const uint8_t *){NULL}))
			break;
	}
}

static void send_and_check(struct tls_conn *from, struct tls_conn *to,
                           const char *text)
{
	const uint8_t *p;
	size_t n = strlen(text);

	assert_true(tls_is_ok(tls_conn_send(from, (const uint8_t *)text, n)));
	move(from, to, -1);
	assert_true(tls_is_ok(tls_conn_process(to)));
	assert_int_equal(tls_conn_app_peek(to, &p), n);
	assert_memory_equal(p, text, n);
	tls_conn_app_consume(to, n);
}

static void handshake_ok(struct pair *p, uint16_t version)
{
	pump(p);
	if (!tls_conn_established(&p->c) || !tls_conn_established(&p->s))
		fail_msg("client %s, server %s", tls_error_name(p->c.error),
		         tls_error_name(p->s.error));
	assert_int_equal(p->c.version, version);
	assert_int_equal(p->s.version, version);
	send_and_check(&p->c, &p->s, "ping");
	send_and_check(&p->s, &p->c, "pong");
}

static void test_full13_then_resume(void **state)
{
	struct tls_client_session saved;
	struct pair p;

	(void)state;
	pair_config(&p);
	pair_start(&p);
	handshake_ok(&p, TLS_VERSION_13);
	assert_true(p.c.peer_cert_verified);
	assert_false(p.c.resumed);
	/* M1: ClientHello..ServerHello; the whole server flight (one
	 * record here); resumption_master_secret. */
	assert_int_equal(p.c.stats.digest_calls, 3);
	/*
	 * The server: CH..SH and ..Cert in one call; then one call with
	 * Finished-aware checkpoints: ..CV, our Finished, ..SF, the
	 * client Finished it expects, ..CF.
	 */
	assert_int_equal(p.s.stats.digest_calls, 2);
	/* The server's NewSessionTicket came after its "pong". */
	pump(&p);
	assert_non_null(tls_client_session(&p.c));
	saved = *tls_client_session(&p.c);
	assert_int_equal(saved.version, TLS_VERSION_13);
	assert_string_equal(saved.server_name, "server.test");
	tls_conn_free(&p.s);
	tls_conn_free(&p.c);

	p.params.session = &saved;
	pair_start(&p);
	handshake_ok(&p, TLS_VERSION_13);
	assert_true(p.c.resumed);
	assert_true(p.s.resumed);
	assert_false(p.c.peer_cert_verified);
	/* The binder; CH..SH and ..EE; ..EE again with both Finished. */
	assert_int_equal(p.s.stats.digest_calls, 3);
	pair_free(&p);
}

static void test_full12_then_resume(void **state)
{
	struct tls_client_session saved;
	struct pair p;

	(void)state;
	pair_config(&p);
	p.scfg.enable_tls13 = false;
	pair_start(&p);
	handshake_ok(&p, TLS_VERSION_12);
	assert_true(p.c.peer_cert_verified);
	/* RFC 7627: session hash (= our Finished's), the server Finished. */
	assert_int_equal(p.c.stats.digest_calls, 2);
	assert_non_null(tls_client_session(&p.c));
	saved = *tls_client_session(&p.c);
	assert_int_equal(saved.version, TLS_VERSION_12);
	assert_true(saved.ems);
	tls_conn_free(&p.s);
	tls_conn_free(&p.c);

	p.params.session = &saved;
	pair_start(&p);
	handshake_ok(&p, TLS_VERSION_12);
	assert_true(p.c.resumed);
	assert_true(p.s.resumed);
	/* Abbreviated: both Finished hashes from one call. */
	assert_int_equal(p.c.stats.digest_calls, 1);
	pair_free(&p);
}

static void test_incremental_baseline(void **state)
{
	struct pair p;

	(void)state;
	pair_config(&p);
	p.ccfg.incremental_transcript = true;
	pair_start(&p);
	handshake_ok(&p, TLS_VERSION_13);
	/* One hash_update per message: CH SH EE Cert CV SF CF. */
	assert_int_equal(p.c.stats.digest_calls, 7);
	pair_free(&p);
	/* The server's baseline: no Finished-aware checkpoint either. */
	pair_config(&p);
	p.scfg.incremental_transcript = true;
	pair_start(&p);
	handshake_ok(&p, TLS_VERSION_13);
	assert_int_equal(p.s.stats.digest_calls, 7);
	pair_free(&p);
}

static void swap_server_key(struct pair *p)
{
	EVP_PKEY *k = p->scfg.certs[0].key;

	p->scfg.certs[0].key = wrong_key;
	wrong_key = k;
	p->swapped = true;
}

/* RFC 8446 §4.4.3 / RFC 5246 §7.4.3: signatures that do not verify. */
static void test_bad_signature(void **state)
{
	for (int v12 = 0; v12 < 2; v12++) {
		struct pair p;

		(void)state;
		pair_config(&p);
		p.scfg.enable_tls13 = !v12;
		swap_server_key(&p);
		pair_start(&p);
		pump(&p);
		assert_int_equal(p.c.state, TLS_ST_FAILED);
		assert_int_equal(p.c.error, TLS_ERR_BAD_SIGNATURE);
		assert_int_equal(p.c.alert_sent, TLS_ALERT_DECRYPT_ERROR);
		/* The server read our alert (protected in 1.3). */
		assert_int_equal(p.s.state, TLS_ST_FAILED);
		assert_int_equal(p.s.alert_received, TLS_ALERT_DECRYPT_ERROR);
		pair_free(&p);
	}
}

static void test_wrong_name_and_ca(void **state)
{
	struct pair p;

	(void)state;
	pair_config(&p);
	p.params.server_name = "other.test";
	pair_start(&p);
	pump(&p);
	assert_int_equal(p.c.error, TLS_ERR_BAD_CERT);
	assert_int_equal(p.s.alert_received, TLS_ALERT_BAD_CERTIFICATE);
	pair_free(&p);

	pair_config(&p);
	assert_true(
	    tls_is_ok(tls_config_set_server_ca(&p.ccfg, path_other_ca)));
	p.scfg.enable_tls13 = false;
	pair_start(&p);
	pump(&p);
	assert_int_equal(p.c.error, TLS_ERR_UNKNOWN_CA);
	assert_int_equal(p.s.alert_received, TLS_ALERT_UNKNOWN_CA);
	pair_free(&p);
}

/*
 * The server's Finished-aware checkpoint foresees the client Finished;
 * a client Finished other than the one foreseen is still refused.
 */
static void test_client_finished_checked(void **state)
{
	struct pair p;

	(void)state;
	pair_config(&p);
	pair_start(&p);
	process(&p.c);
	move(&p.c, &p.s, -1);
	process(&p.s);
	assert_non_null(p.s.hs);
	assert_true(p.s.hs->expect_cf);
	p.s.hs->expected_cf[TLS_HS_HEADER_LEN + 7] ^= 0x20;
	pump(&p);
	assert_false(tls_conn_established(&p.s));
	assert_int_equal(p.s.error, TLS_ERR_BAD_FINISHED);
	assert_int_equal(p.s.alert_sent, TLS_ALERT_DECRYPT_ERROR);
	assert_int_equal(p.c.alert_received, TLS_ALERT_DECRYPT_ERROR);
	pair_free(&p);
}

static void test_mtls(void **state)
{
	for (int v12 = 0; v12 < 2; v12++) {
		struct pair p;

		(void)state;
		pair_config(&p);
		p.scfg.enable_tls13 = !v12;
		assert_true(
		    tls_is_ok(tls_config_set_client_ca(&p.scfg, path_ca)));
		assert_true(tls_is_ok(
		    tls_config_add_cert(&p.ccfg, path_cli_crt, path_cli_key)));
		pair_start(&p);
		handshake_ok(&p, v12 ? TLS_VERSION_12 : TLS_VERSION_13);
		assert_true(p.s.peer_cert_verified);
		assert_true(p.c.client->cert_sent);
		/*
		 * 1.3: the client Finished cannot be foreseen before the
		 * client's Certificate: ..SH/..CR/..Cert; ..CV and our
		 * Finished; ..client Cert/..CV/..CF.
		 */
		if (!v12)
			assert_int_equal(p.s.stats.digest_calls, 3);
		pair_free(&p);

		/* No certificate: an empty one goes out; the server refuses. */
		pair_config(&p);
		p.scfg.enable_tls13 = !v12;
		assert_true(
		    tls_is_ok(tls_config_set_client_ca(&p.scfg, path_ca)));
		pair_start(&p);
		pump(&p);
		assert_int_equal(p.s.state, TLS_ST_FAILED);
		assert_int_equal(p.s.error, v12 ? TLS_ERR_NO_CLIENT_CERT
		                                : TLS_ERR_CERT_REQUIRED);
		assert_int_equal(p.c.state, TLS_ST_FAILED);
		/*
		 * In 1.2 the alert is plaintext.  In 1.3 the server writes
		 * under its application keys after its Finished (RFC 8446
		 * §7.2, App. A.2), which is what the client, switched after
		 * sending its own Finished, reads with.
		 */
		assert_int_equal(p.c.alert_received,
		                 v12 ? TLS_ALERT_HANDSHAKE_FAILURE
		                     : TLS_ALERT_CERTIFICATE_REQUIRED);
		pair_free(&p);
	}
}

static void test_key_update(void **state)
{
	struct pair p;

	(void)state;
	pair_config(&p);
	pair_start(&p);
	handshake_ok(&p, TLS_VERSION_13);
	/* We update ours and ask for the server's (RFC 8446 §4.6.3). */
	assert_true(tls_is_ok(tls_conn_key_update(&p.c, true)));
	send_and_check(&p.c, &p.s, "after our update");
	assert_int_equal(p.s.stats.key_updates_in, 1);
	send_and_check(&p.s, &p.c, "after the server's update");
	assert_int_equal(p.c.stats.key_updates_in, 1);
	assert_int_equal(p.s.stats.key_updates_out, 1);
	pair_free(&p);
}

/* RFC 8446 §4.6.1: a NewSessionTicket with the given ticket byte. */
static size_t build_ticket(uint8_t *m, uint8_t fill, uint32_t lifetime)
{
	size_t n = 0;

	m[n++] = TLS_HS_NEW_SESSION_TICKET;
	n += 3;
	tls_put_u16(m + n, (uint16_t)(lifetime >> 16));
	tls_put_u16(m + n + 2, (uint16_t)lifetime);
	n += 4;
	memset(m + n, 0x42, 4); /* ticket_age_add */
	n += 4;
	m[n++] = 1; /* ticket_nonce<0..255> */
	m[n++] = fill;
	tls_put_u16(m + n, 16); /* ticket<1..2^16-1> */
	memset(m + n + 2, fill, 16);
	n += 18;
	tls_put_u16(m + n, 0); /* extensions */
	n += 2;
	tls_put_u24(m + 1, (uint32_t)(n - 4));
	return n;
}

/* §5.1: several handshake messages may share one record. */
static void test_tickets_in_one_record(void **state)
{
	uint8_t m1[64], m2[64];
	struct tls_iov iov[2];
	struct pair p;

	(void)state;
	pair_config(&p);
	p.scfg.tickets_enabled = false; /* only ours below */
	pair_start(&p);
	handshake_ok(&p, TLS_VERSION_13);
	iov[0] = (struct tls_iov){m1, build_ticket(m1, 1, 60)};
	iov[1] = (struct tls_iov){m2, build_ticket(m2, 2, 90)};
	assert_true(
	    tls_is_ok(tls_conn_write_records(&p.s, TLS_CT_HANDSHAKE, iov, 2)));
	send_and_check(&p.s, &p.c, "data after two tickets");
	assert_int_equal(p.c.client->tickets, 2);
	assert_int_equal(tls_client_session(&p.c)->ticket[0], 2);
	assert_int_equal(tls_client_session(&p.c)->lifetime, 90);
	/* §4.6.1: a lifetime over seven days is refused. */
	iov[0] = (struct tls_iov){m1, build_ticket(m1, 3, 604801)};
	assert_true(
	    tls_is_ok(tls_conn_write_records(&p.s, TLS_CT_HANDSHAKE, iov, 1)));
	move(&p.s, &p.c, -1);
	assert_true(tls_is_err(tls_conn_process(&p.c)));
	assert_int_equal(p.c.alert_sent, TLS_ALERT_ILLEGAL_PARAMETER);
	pair_free(&p);
}

static void test_tampered_record(void **state)
{
	struct pair p;
	const uint8_t *out;
	size_t n;

	(void)state;
	pair_config(&p);
	pair_start(&p);
	move(&p.c, &p.s, -1);
	assert_true(tls_is_ok(tls_conn_process(&p.s)));
	/* The last byte of the server's flight: inside the last tag. */
	n = tls_conn_out_peek(&p.s, &out);
	move(&p.s, &p.c, (long)n - 1);
	assert_true(tls_is_err(tls_conn_process(&p.c)));
	assert_int_equal(p.c.error, TLS_ERR_BAD_RECORD_MAC);
	assert_int_equal(p.c.alert_sent, TLS_ALERT_BAD_RECORD_MAC);
	pair_free(&p);
}

static void test_versions_refused(void **state)
{
	struct pair p;

	(void)state;
	pair_config(&p);
	p.ccfg.enable_tls13 = false;
	p.scfg.enable_tls12 = false;
	pair_start(&p);
	pump(&p);
	assert_int_equal(p.c.state, TLS_ST_FAILED);
	assert_int_equal(p.c.alert_received, TLS_ALERT_PROTOCOL_VERSION);
	pair_free(&p);
}

static void test_config_refused(void **state)
{
	struct tls_config cfg;
	struct tls_conn c;
	struct tls_client_params params = {.server_name = "x"};
	char longname[300];

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_true(tls_is_ok(tls_config_init(&cfg, off)));
	/* No CA: the chain could not be verified, so no client at all. */
	assert_true(tls_is_err(tls_conn_init_client(&c, &cfg, &params)));
	assert_int_equal(tls_error_last(), TLS_ERR_CONFIG);
	assert_true(tls_is_ok(tls_config_set_server_ca(&cfg, path_ca)));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	params.server_name = longname;
	assert_true(tls_is_err(tls_conn_init_client(&c, &cfg, &params)));
	params.server_name = "";
	assert_true(tls_is_err(tls_conn_init_client(&c, &cfg, &params)));
	params.server_name = "ok.test";
	assert_true(tls_is_ok(tls_conn_init_client(&c, &cfg, &params)));
	tls_conn_free(&c);
	tls_config_free(&cfg);
}

static void test_session_codec(void **state)
{
	struct tls_client_session s = {0}, d;
	uint8_t buf[2048];
	size_t n;
	uint64_t now = tls_client_now_ms();

	(void)state;
	s.version = TLS_VERSION_13;
	s.suite = TLS_AES_256_GCM_SHA384;
	s.secret_len = 48;
	memset(s.secret, 7, 48);
	s.received_ms = now;
	s.lifetime = 60;
	s.age_add = 0x01020304;
	s.ticket_len = 100;
	memset(s.ticket, 9, 100);
	strcpy(s.server_name, "server.test");
	assert_true(
	    tls_is_ok(tls_client_session_encode(&s, buf, sizeof(buf), &n)));
	assert_true(tls_is_ok(tls_client_session_decode(buf, n, &d)));
	assert_memory_equal(&s, &d, sizeof(s));
	for (size_t cut = 0; cut < n; cut++)
		assert_true(
		    tls_is_err(tls_client_session_decode(buf, cut, &d)));
	/* A secret that is not the suite's hash length. */
	s.secret_len = 32;
	assert_true(
	    tls_is_ok(tls_client_session_encode(&s, buf, sizeof(buf), &n)));
	assert_true(tls_is_err(tls_client_session_decode(buf, n, &d)));
	s.secret_len = 48;
	/* Usable: the same name, within its lifetime. */
	assert_true(tls_client_session_usable(&s, "server.test", now + 1000));
	assert_false(tls_client_session_usable(&s, "other.test", now));
	assert_false(tls_client_session_usable(&s, NULL, now));
	assert_false(
	    tls_client_session_usable(&s, "server.test", now + 61 * 1000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full13_then_resume),
	    cmocka_unit_test(test_full12_then_resume),
	    cmocka_unit_test(test_incremental_baseline),
	    cmocka_unit_test(test_bad_signature),
	    cmocka_unit_test(test_wrong_name_and_ca),
	    cmocka_unit_test(test_client_finished_checked),
	    cmocka_unit_test(test_mtls),
	    cmocka_unit_test(test_key_update),
	    cmocka_unit_test(test_tickets_in_one_record),
	    cmocka_unit_test(test_tampered_record),
	    cmocka_unit_test(test_versions_refused),
	    cmocka_unit_test(test_config_refused),
	    cmocka_unit_test(test_session_codec),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
