// SPDX-License-Identifier: MIT
/*
 * Configuration loading (tls_config.c): certificate chains and keys,
 * the names SNI is matched against, the M2 Certificate messages built at
 * load, and every refusal with its message: a key that does not match
 * the certificate, unsupported key types and sizes, missing, empty,
 * garbage and corrupted files, an encrypted key, too many certificates,
 * bad CA files and ALPN names.  A refused certificate leaves the
 * configuration as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <unistd.h>

#include "tls_config.h"
#include "tls_proto.h"
#include "tls_test_certs.h"

static char dir[] = "/tmp/tls_config_test.XXXXXX";
static struct tls_offload *off;
static EVP_PKEY *ec_key, *ec2_key, *rsa_key;
static X509 *ca, *ec_crt, *ec2_crt, *rsa_crt, *cn_crt;
static EVP_PKEY *ca_key;

static const char *path(const char *name)
{
	static char buf[8][96];
	static unsigned next;
	char *p = buf[next++ % 8];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

static int setup(void **state)
{
	(void)state;
	off = tls_offload_cpu_create();
	if (!off || !mkdtemp(dir))
		return -1;
	ca_key = EVP_EC_gen("P-256");
	ec_key = EVP_EC_gen("P-256");
	ec2_key = EVP_EC_gen("P-256");
	rsa_key = EVP_RSA_gen(2048);
	ca = tls_test_cert(ca_key, "config test CA", NULL, NULL, NULL, 1);
	ec_crt = tls_test_cert(ec_key, "ec.test", "DNS:ec.test,DNS:*.w.test",
	                       ca, ca_key, 0);
	ec2_crt =
	    tls_test_cert(ec2_key, "ec2.test", "DNS:ec2.test", ca, ca_key, 0);
	rsa_crt =
	    tls_test_cert(rsa_key, "rsa.test", "DNS:rsa.test", NULL, NULL, 0);
	cn_crt = tls_test_cert(ec2_key, "cn-only.test", NULL, NULL, NULL, 0);
	if (!ca || !ec_crt || !ec2_crt || !rsa_crt || !cn_crt)
		return -1;
	if (!tls_test_write_pem(path("ec.crt"), (X509 *[]){ec_crt, NULL},
	                        NULL) ||
	    !tls_test_write_pem(path("ec.key"), NULL, ec_key) ||
	    !tls_test_write_pem(path("ec2.crt"), (X509 *[]){ec2_crt, NULL},
	                        NULL) ||
	    !tls_test_write_pem(path("ec2.key"), NULL, ec2_key) ||
	    !tls_test_write_pem(path("rsa.crt"), (X509 *[]){rsa_crt, NULL},
	                        NULL) ||
	    !tls_test_write_pem(path("rsa.key"), NULL, rsa_key) ||
	    !tls_test_write_pem(path("cn.crt"), (X509 *[]){cn_crt, NULL},
	                        NULL) ||
	    !tls_test_write_pem(path("chain.crt"), (X509 *[]){ec_crt, ca, NULL},
	                        NULL) ||
	    !tls_test_write_pem(path("both.pem"), (X509 *[]){ec_crt, NULL},
	                        ec_key) ||
	    !tls_test_write_pem(path("ca.crt"), (X509 *[]){ca, NULL}, NULL))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return -1;
	X509_free(ca);
	X509_free(ec_crt);
	X509_free(ec2_crt);
	X509_free(rsa_crt);
	X509_free(cn_crt);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(ec_key);
	EVP_PKEY_free(ec2_key);
	EVP_PKEY_free(rsa_key);
	tls_offload_destroy(off);
	return 0;
}

/* Add a certificate that must be refused; the message must say why. */
static void refused(struct tls_config *cfg, const char *crt, const char *key,
                    const char *why)
{
	unsigned before = cfg->ncerts;

	tls_error_clear();
	if (tls_is_ok(tls_config_add_cert(cfg, crt, key)))
		fail_msg("%s + %s accepted", crt, key);
	assert_int_equal(tls_error_last(), TLS_ERR_CONFIG);
	if (!strstr(tls_config_error(), why))
		fail_msg("message '%s' lacks '%s'", tls_config_error(), why);
	assert_int_equal(cfg->ncerts, before);
	if (before < TLS_MAX_CERTS) {
		assert_null(cfg->certs[before].leaf);
		assert_null(cfg->certs[before].key);
	}
}

/* The DER of x must be the idx-th entry of the 1.3 Certificate. */
static void check_cert13(const struct tls_cert *c, unsigned nentries)
{
	const uint8_t *p = c->cert13;
	size_t len = c->cert13_len, off13 = 8;
	unsigned n = 0;

	/* RFC 8446 §4.4.2: type, length, context<0..255>, list<..2^24-1> */
	assert_true(len > 8);
	assert_int_equal(p[0], TLS_HS_CERTIFICATE);
	assert_int_equal(tls_get_u24(p + 1), len - 4);
	assert_int_equal(p[4], 0);
	assert_int_equal(tls_get_u24(p + 5), len - 8);
	while (off13 < len) {
		size_t dl = tls_get_u24(p + off13);
		X509 *x = n == 0 ? c->leaf : sk_X509_value(c->chain, n - 1);
		uint8_t *der = NULL;
		int derlen = i2d_X509(x, &der);

		assert_int_equal(dl, (size_t)derlen);
		assert_memory_equal(p + off13 + 3, der, dl);
		OPENSSL_free(der);
		off13 += 3 + dl;
		assert_int_equal(tls_get_u16(p + off13), 0); /* extensions */
		off13 += 2;
		n++;
	}
	assert_int_equal(off13, len);
	assert_int_equal(n, nentries);
	/* RFC 5246 §7.4.2: the same certificates, without extensions. */
	assert_int_equal(c->cert12[0], TLS_HS_CERTIFICATE);
	assert_int_equal(c->cert12_len, c->cert13_len - 1 - 2 * nentries);
}

static void test_load_ecdsa_and_names(void **state)
{
	struct tls_config cfg;

	(void)state;
	assert_true(tls_is_ok(tls_config_init(&cfg, off)));
	assert_true(tls_is_ok(
	    tls_config_add_cert(&cfg, path("ec.crt"), path("ec.key"))));
	assert_int_equal(cfg.ncerts, 1);
	assert_int_equal(cfg.certs[0].type, TLS_KEY_ECDSA_P256);
	/* DNS SANs, in order; the CN is not used when there are SANs. */
	assert_int_equal(cfg.certs[0].nnames, 2);
	assert_string_equal(cfg.certs[0].names[0], "ec.test");
	assert_string_equal(cfg.certs[0].names[1], "*.w.test");
	assert_int_equal(sk_X509_num(cfg.certs[0].chain), 0);
	check_cert13(&cfg.certs[0], 1);
	tls_config_free(&cfg);
}

static void test_load_chain_rsa_cn_combined(void **state)
{
	struct tls_config cfg;

	(void)state;
	assert_true(tls_is_ok(tls_config_init(&cfg, off)));
	/* Leaf + intermediate in one file: both go out, leaf first. */
	assert_true(tls_is_ok(
	    tls_config_add_cert(&cfg, path("chain.crt"), path("ec.key"))));
	assert_int_equal(sk_X509_num(cfg.certs[0].chain), 1);
	check_cert13(&cfg.certs[0], 2);
	assert_true(tls_is_ok(
	    tls_config_add_cert(&cfg, path("rsa.crt"), path("rsa.key"))));
	assert_int_equal(cfg.certs[1].type, TLS_KEY_RSA);
	check_cert13(&cfg.certs[1], 1);
	/* No SAN: the subject CN is the name. */
	assert_true(tls_is_ok(
	    tls_config_add_cert(&cfg, path("cn.crt"), path("ec2.key"))));
	assert_int_equal(cfg.certs[2].nnames, 1);
	assert_string_equal(cfg.certs[2].names[0], "cn-only.test");
	/* Certificate and key in one file. */
	assert_true(tls_is_ok(
	    tls_config_add_cert(&cfg, path("both.pem"), path("both.pem"))));
	assert_int_equal(cfg.ncerts, 4);
	/* The first one added stays first: it is the default. */
	assert_string_equal(cfg.certs[0].names[0], "ec.test");
	tls_config_free(&cfg);
}

/* A dNSName with a NUL inside is not a name the certificate covers. */
static void test_nul_in_san(void **state)
{
	static const char bad[] = "ec.test\0.evil.test";
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *g1 = GENERAL_NAME_new(), *g2 = GENERAL_NAME_new();
	ASN1_IA5STRING *s1 = ASN1_IA5STRING_new(), *s2 = ASN1_IA5STRING_new();
	X509 *x = tls_test_cert(ec_key, "cn.test", NULL, NULL, NULL, 0);
	struct tls_config cfg;

	(void)state;
	assert_non_null(x);
	assert_int_equal(ASN1_STRING_set(s1, bad, sizeof(bad) - 1), 1);
	assert_int_equal(ASN1_STRING_set(s2, "ok.test", 7), 1);
	GENERAL_NAME_set0_value(g1, GEN_DNS, s1);
	GENERAL_NAME_set0_value(g2, GEN_DNS, s2);
	sk_GENERAL_NAME_push(gens, g1);
	sk_GENERAL_NAME_push(gens, g2);
	assert_int_equal(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, 0),
	                 1);
	GENERAL_NAMES_free(gens);
	assert_true(X509_sign(x, ec_key, EVP_sha256()) > 0);
	assert_true(
	    tls_test_write_pem(path("nul.pem"), (X509 *[]){x, NULL}, ec_key));
	assert_true(tls_is_ok(tls_config_init(&cfg, off)));
	assert_true(tls_is_ok(
	    tls_config_add_cert(&cfg, path("nul.pem"), path("nul.pem"))));
	assert_int_equal(cfg.certs[0].nnames, 1);
	assert_string_equal(cfg.certs[0].names[0], "ok.test");
	assert_false(
	    tls_cert_matches(&cfg.certs[0], (const uint8_t *)"ec.test", 7));
	tls_config_free(&cfg);
	X509_free(x);
}

static void test_mismatched_key(void **state)
{
	struct tls_config cfg;

	(void)state;
	assert_true(tls_is_ok(tls_config_init(&cfg, off)));
	refused(&cfg, path("ec.crt"), path("ec2.key"), "does not match");
	refused(&cfg, path("ec.crt"), path("rsa.key"), "does not match");
	refused(&cfg, path("rsa.crt"), path("ec.key"), "does not match");
	/* Still usable after the refusals. */
	assert_true(tls_is_ok(
	    tls_config_add_cert(&cfg, path("ec.crt"), path("ec.key"))));
	refused(&cfg, path("ec2.crt"), path("ec.key"), "does not match");
	assert_int_equal(cfg.ncerts, 1);
	tls_config_free(&cfg);
}

static void test_unsupported_keys(void **state)
{
	struct tls_config cfg;
	EVP_PKEY *p384 = EVP_EC_gen("P-384"), *rsa1k = EVP_RSA_gen(1024);
	X509 *c384 = tls_test_cert(p384, "p384.test", NULL, NULL, NULL, 0);
	X509 *c1k = tls_test_cert(rsa1k, "rsa1k.test", NULL, NULL, NULL, 0);

	(void)state;
	assert_non_null(c384);
	assert_non_null(c1k);
	assert_true(
	    tls_test_write_pem(path("p384.pem"), (X509 *[]){c384, NULL}, p384));
	assert_true(tls_test_write_pem(path("rsa1k.pem"), (X509 *[]){c1k, NULL},
	                               rsa1k));
	assert_true(tls_is_ok(tls_config_init(&cfg, off)));
	refused(&cfg, path("p384.pem"), path("p384.pem"), "only P-256");
	refused(&cfg, path("rsa1k.pem"), path("rsa1k.pem"),
	        "2048 to 4096 bits, not 1024");
	tls_config_free(&cfg);
	X509_free(c384);
	X509_free(c1k);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(rsa1k);
}

static void test_bad_files(void **state)
{
	struct tls_config cfg;
	char *pem = NULL;
	long n;
	FILE *f;

	(void)state;
	assert_true(tls_test_write_text(path("empty"), ""));
	assert_true(tls_test_write_text(path("garbage"),
	                                "not a PEM file\n\x01\x02\x03\n"));
	/* A certificate whose base64 body is cut short. */
	f = fopen(path("ec.crt"), "r");
	assert_non_null(f);
	pem = calloc(1, 8192);
	assert_non_null(pem);
	n = (long)fread(pem, 1, 8191, f);
	fclose(f);
	assert_true(n > 200);
	memcpy(pem + 100, "\n-----END CERTIFICATE-----\n", 28);
	assert_true(tls_test_write_text(path("cut.crt"), pem));
	/* A good leaf followed by a corrupted second certificate. */
	f = fopen(path("ec.crt"), "r");
	n = (long)fread(pem, 1, 8191, f);
	fclose(f);
	pem[n] = 0;
	{
		char *both = calloc(1, 16384);

		assert_non_null(both);
		strcpy(both, pem);
		strcat(both, "-----BEGIN CERTIFICATE-----\nMIIB!!!!\n"
		             "-----END CERTIFICATE-----\n");
		assert_true(tls_test_write_text(path("badchain.crt"), both));
		free(both);
	}
	free(pem);

	assert_true(tls_is_ok(tls_config_init(&cfg, off)));
	refused(&cfg, path("missing.crt"), path("ec.key"),
	        "cannot open certificate file");
	refused(&cfg, path("ec.crt"), path("missing.key"),
	        "cannot open key file");
	refused(&cfg, path("empty"), path("ec.key"), "no PEM certificate");
	refused(&cfg, path("garbage"), path("ec.key"), "no PEM certificate");
	refused(&cfg, path("cut.crt"), path("ec.key"), "no PEM certificate");
	refused(&cfg, path("ec.crt"), path("empty"), "no PEM private key");
	refused(&cfg, path("ec.crt"), path("garbage"), "no PEM private key");
	/* A key file holding only a certificate, and the other way round. */
	refused(&cfg, path("ec.crt"), path("ec.crt"), "no PEM private key");
	refused(&cfg, path("ec.key"), path("ec.key"), "no PEM certificate");
	/* A directory is not a file. */
	refused(&cfg, dir, path("ec.key"), "certificate");
	/* The corrupted intermediate must not be dropped silently. */
	refused(&cfg, path("badchain.crt"), path("ec.key"), "badchain.crt");
	assert_int_equal(cfg.ncerts, 0);
	tls_config_free(&cfg);
}

/* An encrypted key is refused with a message, never a prompt. */
static void test_encrypted_key(void **state)
{
	struct tls_config cfg;
	FILE *f = fopen(path("enc.key"), "w");

	(void)state;
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, ec_key, EVP_aes_256_cbc(),
	                                      (unsigned char *)"secret", 6,
	                                      NULL, NULL),
	                 1);
	fclose(f);
	assert_true(tls_is_ok(tls_config_init(&cfg, off)));
	refused(&cfg, path("ec.crt"), path("enc.key"), "encrypted");
	tls_config_free(&cfg);
}

static void test_too_many_certs(void **state)
{
	struct tls_config cfg;

	(void)state;
	assert_true(tls_is_ok(tls_config_init(&cfg, off)));
	for (int i = 0; i < TLS_MAX_CERTS; i++)
		assert_true(tls_is_ok(tls_config_add_cert(
		    &cfg, i % 2 ? path("rsa.crt") : path("ec.crt"),
		    i % 2 ? path("rsa.key") : path("ec.key"))));
	refused(&cfg, path("ec2.crt"), path("ec2.key"), "at most 8");
	assert_int_equal(cfg.ncerts, TLS_MAX_CERTS);
	tls_config_free(&cfg);
}

static void test_ca_and_alpn(void **state)
{
	struct tls_config cfg;
	char long_name[300];

	(void)state;
	assert_true(tls_is_ok(tls_config_init(&cfg, off)));
	assert_true(tls_is_ok(tls_config_set_client_ca(&cfg, path("ca.crt"))));
	assert_non_null(cfg.client_ca);
	/* M2: the CertificateRequest messages are built with the CA. */
	assert_non_null(cfg.cert_req13);
	assert_int_equal(cfg.cert_req13[0], TLS_HS_CERTIFICATE_REQUEST);
	assert_int_equal(tls_get_u24(cfg.cert_req13 + 1),
	                 cfg.cert_req13_len - 4);
	assert_int_equal(tls_get_u24(cfg.cert_req12 + 1),
	                 cfg.cert_req12_len - 4);
	tls_error_clear();
	assert_true(
	    tls_is_err(tls_config_set_client_ca(&cfg, path("missing.crt"))));
	assert_non_null(strstr(tls_config_error(), "cannot load CA file"));
	assert_true(
	    tls_is_err(tls_config_set_server_ca(&cfg, path("garbage"))));
	assert_true(tls_is_err(tls_config_set_server_ca(&cfg, path("empty"))));
	/* The store that loaded stays. */
	assert_non_null(cfg.client_ca);
	assert_true(tls_is_ok(tls_config_add_alpn(&cfg, "h2")));
	assert_true(tls_is_err(tls_config_add_alpn(&cfg, "")));
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	assert_true(tls_is_err(tls_config_add_alpn(&cfg, long_name)));
	for (int i = 1; i < TLS_MAX_ALPN; i++)
		assert_true(tls_is_ok(tls_config_add_alpn(&cfg, "http/1.1")));
	assert_true(tls_is_err(tls_config_add_alpn(&cfg, "one-more")));
	assert_int_equal(cfg.nalpn, TLS_MAX_ALPN);
	tls_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_ecdsa_and_names),
	    cmocka_unit_test(test_load_chain_rsa_cn_combined),
	    cmocka_unit_test(test_nul_in_san),
	    cmocka_unit_test(test_mismatched_key),
	    cmocka_unit_test(test_unsupported_keys),
	    cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_encrypted_key),
	    cmocka_unit_test(test_too_many_certs),
	    cmocka_unit_test(test_ca_and_alpn),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
