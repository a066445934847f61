// SPDX-License-Identifier: MIT
/*
 * server_name (RFC 6066 §3): the ClientHello extension parser
 * (tls_ext_sni.c) with its refusals, name matching (tls_cert_names.c,
 * RFC 6125 §6.4.3 wildcards) and the certificate the server picks by
 * name in TLS 1.3 and 1.2: the one whose names cover the SNI, and the
 * first (default) certificate when the client sends no SNI or a name
 * no certificate covers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <unistd.h>

#include "tls_client.h"
#include "tls_client_hello.h"
#include "tls_test_certs.h"

static char dir[] = "/tmp/tls_sni_test.XXXXXX";
static char crt[3][96], key[3][96], ca_path[96];
static struct tls_offload *off;

/* ---- the parser --------------------------------------------------- */

/* A ClientHello whose only extension is server_name with this body. */
static enum tls_error parse_sni(const uint8_t *body, size_t blen,
                                struct tls_client_hello *ch)
{
	static uint8_t buf[1024];
	size_t n = 0;

	buf[n++] = TLS_HS_CLIENT_HELLO;
	n += 3;
	buf[n++] = 3;
	buf[n++] = 3;
	memset(buf + n, 0xab, 32);
	n += 32;
	buf[n++] = 0;               /* session id */
	buf[n++] = 0, buf[n++] = 2; /* suites */
	buf[n++] = 0x13, buf[n++] = 0x01;
	buf[n++] = 1, buf[n++] = 0; /* compression */
	tls_put_u16(buf + n, (uint16_t)(4 + blen));
	n += 2;
	tls_put_u16(buf + n, TLS_EXT_SERVER_NAME);
	tls_put_u16(buf + n + 2, (uint16_t)blen);
	n += 4;
	memcpy(buf + n, body, blen);
	n += blen;
	tls_put_u24(buf + 1, (uint32_t)(n - 4));
	memset(ch, 0, sizeof(*ch));
	tls_error_clear();
	if (tls_is_ok(tls_client_hello_parse(buf, n, ch)))
		return TLS_ERR_OK;
	return tls_error_last();
}

/* server_name_list with one entry of this type and name. */
static size_t sni_body(uint8_t *out, uint8_t type, const char *name, size_t len)
{
	tls_put_u16(out, (uint16_t)(3 + len));
	out[2] = type;
	tls_put_u16(out + 3, (uint16_t)len);
	memcpy(out + 5, name, len);
	return 5 + len;
}

static void test_parse_ok(void **state)
{
	struct tls_client_hello ch;
	uint8_t b[600];
	size_t n;

	(void)state;
	n = sni_body(b, 0, "www.example.test", 16);
	assert_int_equal(parse_sni(b, n, &ch), TLS_ERR_OK);
	assert_int_equal(ch.sni_len, 16);
	assert_memory_equal(ch.sni, "www.example.test", 16);
	/* An unknown NameType is skipped; the host_name after it is used. */
	{
		static const uint8_t two[] = {0,   10, 7, 0, 2,   'x',
		                              'y', 0,  0, 2, 'o', 'k'};

		assert_int_equal(parse_sni(two, sizeof(two), &ch), TLS_ERR_OK);
		assert_int_equal(ch.sni_len, 2);
		assert_memory_equal(ch.sni, "ok", 2);
	}
	/* Only an unknown type: no SNI at all. */
	n = sni_body(b, 9, "x", 1);
	assert_int_equal(parse_sni(b, n, &ch), TLS_ERR_OK);
	assert_null(ch.sni);
	/* 255 bytes is the longest DNS name. */
	{
		char name[255];

		memset(name, 'a', sizeof(name));
		n = sni_body(b, 0, name, sizeof(name));
		assert_int_equal(parse_sni(b, n, &ch), TLS_ERR_OK);
		assert_int_equal(ch.sni_len, 255);
	}
}

static void test_parse_refused(void **state)
{
	struct tls_client_hello ch;
	uint8_t b[600];
	size_t n;
	char name[256];
	/* server_name_list<1..2^16-1>: not empty */
	static const uint8_t empty_list[] = {0, 0};
	/* no list at all (the empty extension is the server's answer) */
	static const uint8_t nothing[] = {0};
	/* the list says 5 bytes, 4 follow */
	static const uint8_t short_list[] = {0, 5, 0, 0, 2, 'a'};
	/* the name says 3 bytes, 2 follow */
	static const uint8_t short_name[] = {0, 5, 0, 0, 3, 'a', 'b'};
	/* HostName<1..2^16-1>: not empty */
	static const uint8_t empty_name[] = {0, 3, 0, 0, 0};
	/* a list entry cut after its type */
	static const uint8_t cut_entry[] = {0, 1, 0};
	/* bytes after the list inside the extension */
	static const uint8_t trailing[] = {0, 4, 0, 0, 1, 'a', 0};
	/* two host_names (RFC 6066 §3: not more than one per type) */
	static const uint8_t two_hosts[] = {0, 8, 0, 0, 1, 'a', 0, 0, 1, 'b'};

	(void)state;
	assert_int_equal(parse_sni(empty_list, sizeof(empty_list), &ch),
	                 TLS_ERR_DECODE);
	assert_int_equal(parse_sni(nothing, 0, &ch), TLS_ERR_DECODE);
	assert_int_equal(parse_sni(nothing, sizeof(nothing), &ch),
	                 TLS_ERR_DECODE);
	assert_int_equal(parse_sni(short_list, sizeof(short_list), &ch),
	                 TLS_ERR_DECODE);
	assert_int_equal(parse_sni(short_name, sizeof(short_name), &ch),
	                 TLS_ERR_DECODE);
	assert_int_equal(parse_sni(empty_name, sizeof(empty_name), &ch),
	                 TLS_ERR_DECODE);
	assert_int_equal(parse_sni(cut_entry, sizeof(cut_entry), &ch),
	                 TLS_ERR_DECODE);
	assert_int_equal(parse_sni(trailing, sizeof(trailing), &ch),
	                 TLS_ERR_TRAILING);
	assert_int_equal(parse_sni(two_hosts, sizeof(two_hosts), &ch),
	                 TLS_ERR_ILLEGAL_PARAM);
	/* Not a DNS name: a NUL inside, a trailing dot, over 255 bytes. */
	n = sni_body(b, 0, "a\0b", 3);
	assert_int_equal(parse_sni(b, n, &ch), TLS_ERR_ILLEGAL_PARAM);
	n = sni_body(b, 0, "host.test.", 10);
	assert_int_equal(parse_sni(b, n, &ch), TLS_ERR_ILLEGAL_PARAM);
	n = sni_body(b, 0, ".", 1);
	assert_int_equal(parse_sni(b, n, &ch), TLS_ERR_ILLEGAL_PARAM);
	memset(name, 'a', sizeof(name));
	n = sni_body(b, 0, name, sizeof(name));
	assert_int_equal(parse_sni(b, n, &ch), TLS_ERR_ILLEGAL_PARAM);
}

/* ---- name matching ------------------------------------------------ */

static bool matches(const char *pattern, const char *name)
{
	char *names[1] = {(char *)pattern};
	struct tls_cert c = {.nnames = 1};

	c.names[0] = names[0];
	return tls_cert_matches(&c, (const uint8_t *)name, strlen(name));
}

static void test_matching(void **state)
{
	(void)state;
	assert_true(matches("a.test", "a.test"));
	assert_true(matches("a.test", "A.TeSt"));
	assert_false(matches("a.test", "a.test2"));
	assert_false(matches("a.test", "b.a.test"));
	assert_false(matches("a.test", "a.tes"));
	/* RFC 6125 §6.4.3: "*." covers exactly one leftmost label. */
	assert_true(matches("*.w.test", "x.w.test"));
	assert_true(matches("*.w.test", "X.W.TEST"));
	assert_false(matches("*.w.test", "w.test"));
	assert_false(matches("*.w.test", "y.x.w.test"));
	assert_false(matches("*.w.test", ".w.test"));
	assert_false(matches("*.w.test", "x.w.test2"));
	assert_false(matches("*.w.test", "xw.test"));
	/* Only a whole leading label is a wildcard. */
	assert_false(matches("f*.w.test", "foo.w.test"));
	assert_false(matches("*", "test"));
}

/* ---- certificate selection ---------------------------------------- */

static int setup(void **state)
{
	static const char *const san[3] = {
	    "DNS:default.test", "DNS:a.test,DNS:*.w.test", "DNS:rsa.test"};
	EVP_PKEY *ca_key, *k[3];
	X509 *ca, *x[3];
	int ok = 1;

	(void)state;
	off = tls_offload_cpu_create();
	if (!off || !mkdtemp(dir))
		return -1;
	ca_key = EVP_EC_gen("P-256");
	ca = tls_test_cert(ca_key, "sni test CA", NULL, NULL, NULL, 1);
	snprintf(ca_path, sizeof(ca_path), "%s/ca.crt", dir);
	ok = ca && tls_test_write_pem(ca_path, (X509 *[]){ca, NULL}, NULL);
	for (int i = 0; i < 3; i++) {
		k[i] = i == 2 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
		x[i] = tls_test_cert(k[i], san[i] + 4, san[i], ca, ca_key, 0);
		snprintf(crt[i], sizeof(crt[i]), "%s/%d.crt", dir, i);
		snprintf(key[i], sizeof(key[i]), "%s/%d.key", dir, i);
		ok = ok && x[i] &&
		     tls_test_write_pem(crt[i], (X509 *[]){x[i], NULL}, NULL) &&
		     tls_test_write_pem(key[i], NULL, k[i]);
		X509_free(x[i]);
		EVP_PKEY_free(k[i]);
	}
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	return ok ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++) {
		unlink(crt[i]);
		unlink(key[i]);
	}
	unlink(ca_path);
	rmdir(dir);
	tls_offload_destroy(off);
	return 0;
}

/*
 * The engine's client sends a ClientHello with this SNI (or none) to
 * the engine's server; which certificate did the server pick?
 */
static int picked(const char *sni, uint16_t version)
{
	struct tls_config scfg, ccfg;
	struct tls_conn s = {0}, c = {0};
	struct tls_client_params params = {.server_name = sni};
	const uint8_t *src;
	uint8_t *dst;
	size_t n, room;
	int which = -1;

	assert_true(tls_is_ok(tls_config_init(&scfg, off)));
	for (int i = 0; i < 3; i++)
		assert_true(
		    tls_is_ok(tls_config_add_cert(&scfg, crt[i], key[i])));
	scfg.enable_tls13 = version == TLS_VERSION_13;
	assert_true(tls_is_ok(tls_config_init(&ccfg, off)));
	assert_true(tls_is_ok(tls_config_set_server_ca(&ccfg, ca_path)));
	assert_true(tls_is_ok(tls_conn_init_server(&s, &scfg)));
	assert_true(tls_is_ok(tls_conn_init_client(&c, &ccfg, &params)));
	assert_true(tls_is_ok(tls_conn_process(&c)));
	n = tls_conn_out_peek(&c, &src);
	assert_true(n > 0);
	dst = tls_conn_in_space(&s, &room);
	assert_true(room >= n);
	memcpy(dst, src, n);
	tls_conn_in_commit(&s, n);
	tls_conn_out_consume(&c, n);
	if (tls_is_err(tls_conn_process(&s)))
		fail_msg("server: %s", tls_error_name(s.error));
	assert_int_equal(s.version, version);
	assert_non_null(s.hs);
	for (int i = 0; i < 3; i++)
		if (s.hs->cert == &scfg.certs[i])
			which = i;
	if (sni)
		assert_string_equal(s.sni, sni);
	tls_conn_free(&s);
	tls_conn_free(&c);
	tls_config_free(&scfg);
	tls_config_free(&ccfg);
	return which;
}

static void test_selection(void **state)
{
	static const uint16_t versions[2] = {TLS_VERSION_13, TLS_VERSION_12};

	(void)state;
	for (int v = 0; v < 2; v++) {
		uint16_t ver = versions[v];

		/* No SNI, or a name no certificate covers: the first. */
		assert_int_equal(picked(NULL, ver), 0);
		assert_int_equal(picked("unknown.test", ver), 0);
		assert_int_equal(picked("w.test", ver), 0);
		assert_int_equal(picked("y.x.w.test", ver), 0);
		/* By name: exact, any case, wildcard. */
		assert_int_equal(picked("default.test", ver), 0);
		assert_int_equal(picked("a.test", ver), 1);
		assert_int_equal(picked("A.TEST", ver), 1);
		assert_int_equal(picked("x.w.test", ver), 1);
		assert_int_equal(picked("rsa.test", ver), 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_ok),
	    cmocka_unit_test(test_parse_refused),
	    cmocka_unit_test(test_matching),
	    cmocka_unit_test(test_selection),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
