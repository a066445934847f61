// SPDX-License-Identifier: MIT
/*
 * The server's ClientHello decisions (tls12_negotiate.c): protocol
 * version (RFC 8446 §4.2.1, RFC 5246 §E.1), the refusals of a 1.2 hello
 * (EMS required, RFC 7627 §5.2; TLS_FALLBACK_SCSV, RFC 7507 §3), the
 * ECDHE group (RFC 8422 §5.1.1), and certificate, suite and signature
 * scheme (RFC 5246 §7.4.1.4.1), each with the alert a refusal sends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tls12_negotiate.h"
#include "tls12_test_hello.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const uint16_t v13_12[] = {TLS_VERSION_13, TLS_VERSION_12};
static const uint16_t v12[] = {TLS_VERSION_12};
static const uint16_t v11[] = {0x0302};
static const uint16_t all12[] = {
    TLS_ECDHE_ECDSA_CHACHA20,   TLS_ECDHE_RSA_CHACHA20,
    TLS_ECDHE_ECDSA_AES256_GCM, TLS_ECDHE_RSA_AES256_GCM,
    TLS_ECDHE_ECDSA_AES128_GCM, TLS_ECDHE_RSA_AES128_GCM};
static const uint16_t rsa_only[] = {TLS_ECDHE_RSA_AES256_GCM};
static const uint16_t x25519_p256[] = {TLS_GROUP_SECP256R1, TLS_GROUP_X25519};
static const uint16_t p256[] = {TLS_GROUP_SECP256R1};
static const uint16_t x448[] = {0x001e};
static const uint16_t sig_all[] = {TLS_SIG_ECDSA_SECP256R1_SHA256,
                                   TLS_SIG_RSA_PSS_RSAE_SHA256,
                                   TLS_SIG_RSA_PKCS1_SHA256};
static const uint16_t sig_pkcs1[] = {TLS_SIG_RSA_PKCS1_SHA384};
static const uint16_t sig_ecdsa[] = {TLS_SIG_ECDSA_SECP256R1_SHA256};

static struct tls_config cfg;
static uint8_t buf[2048];
static char ec_name[] = "ec.test", rsa_name[] = "rsa.test";

/* Certificates as negotiation sees them: a key type and names. */
static int setup(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.certs[0].type = TLS_KEY_ECDSA_P256;
	cfg.certs[0].names[0] = ec_name;
	cfg.certs[0].nnames = 1;
	cfg.certs[1].type = TLS_KEY_RSA;
	cfg.certs[1].names[0] = rsa_name;
	cfg.certs[1].nnames = 1;
	cfg.ncerts = 2;
	cfg.enable_tls12 = cfg.enable_tls13 = true;
	return 0;
}

static struct tls12_test_offer base(void)
{
	return (struct tls12_test_offer){.suites = all12,
	                                 .nsuites = N(all12),
	                                 .groups = x25519_p256,
	                                 .ngroups = N(x25519_p256),
	                                 .sigalgs = sig_all,
	                                 .nsigalgs = N(sig_all)};
}

static void parse(const struct tls12_test_offer *o, struct tls_client_hello *ch)
{
	assert_true(tls_is_ok(tls12_test_hello(o, buf, ch)));
}

static void assert_fails(tls_result r, enum tls_error err, enum tls_alert a)
{
	assert_true(tls_is_err(r));
	assert_int_equal(tls_error_last(), err);
	assert_int_equal(tls_error_alert(err), a);
}

static uint16_t version_of(const struct tls12_test_offer *o)
{
	struct tls_client_hello ch;
	uint16_t v = 0;

	parse(o, &ch);
	if (tls_is_err(tls_negotiate_version(&cfg, &ch, &v)))
		return 0;
	return v;
}

static void test_version(void **state)
{
	struct tls12_test_offer o = base();

	(void)state;
	o.versions = v13_12;
	o.nversions = 2;
	assert_int_equal(version_of(&o), TLS_VERSION_13);
	cfg.enable_tls13 = false;
	assert_int_equal(version_of(&o), TLS_VERSION_12);
	cfg.enable_tls13 = true;
	o.versions = v12;
	o.nversions = 1;
	assert_int_equal(version_of(&o), TLS_VERSION_12);
	/* §4.2.1: supported_versions wins over legacy_version. */
	o.legacy_version = 0x0301;
	assert_int_equal(version_of(&o), TLS_VERSION_12);
	o.versions = v11;
	o.legacy_version = 0;
	assert_int_equal(version_of(&o), 0);
	/* No supported_versions: legacy_version decides. */
	o.versions = NULL;
	assert_int_equal(version_of(&o), TLS_VERSION_12);
	o.legacy_version = TLS_VERSION_13; /* higher: the highest common */
	assert_int_equal(version_of(&o), TLS_VERSION_12);
	o.legacy_version = 0x0302;
	assert_int_equal(version_of(&o), 0);
	assert_int_equal(tls_error_last(), TLS_ERR_PROTOCOL_VERSION);
	assert_int_equal(tls_error_alert(TLS_ERR_PROTOCOL_VERSION),
	                 TLS_ALERT_PROTOCOL_VERSION);
	/* --tls13-only */
	o.legacy_version = 0;
	cfg.enable_tls12 = false;
	assert_int_equal(version_of(&o), 0);
	cfg.enable_tls12 = true;
}

static void test_ems_required(void **state)
{
	struct tls12_test_offer o = base();
	struct tls_client_hello ch;

	(void)state;
	parse(&o, &ch);
	assert_true(tls_is_ok(tls12_check_client_hello(&cfg, &ch)));
	o.no_ems = true;
	parse(&o, &ch);
	/* RFC 7627 §5.2: "abort" means a fatal handshake_failure. */
	assert_fails(tls12_check_client_hello(&cfg, &ch), TLS_ERR_MISSING_EMS,
	             TLS_ALERT_HANDSHAKE_FAILURE);
}

static void test_fallback_scsv(void **state)
{
	uint16_t suites[] = {TLS_ECDHE_ECDSA_AES128_GCM, TLS_FALLBACK_SCSV};
	struct tls12_test_offer o = base();
	struct tls_client_hello ch;

	(void)state;
	o.suites = suites;
	o.nsuites = N(suites);
	parse(&o, &ch);
	assert_fails(tls12_check_client_hello(&cfg, &ch),
	             TLS_ERR_INAPPROPRIATE_FALLBACK,
	             TLS_ALERT_INAPPROPRIATE_FALLBACK);
	/* Without 1.3 on our side, 1.2 is our best: no fallback. */
	cfg.enable_tls13 = false;
	assert_true(tls_is_ok(tls12_check_client_hello(&cfg, &ch)));
	cfg.enable_tls13 = true;
}

static uint16_t group_of(const uint16_t *groups, size_t n)
{
	struct tls12_test_offer o = base();
	struct tls_client_hello ch;
	uint16_t g = 0;

	o.groups = groups;
	o.ngroups = n;
	parse(&o, &ch);
	if (tls_is_err(tls12_pick_group(&ch, &g)))
		return 0;
	return g;
}

static void test_group(void **state)
{
	(void)state;
	/* Our preference, not the client's order. */
	assert_int_equal(group_of(x25519_p256, 2), TLS_GROUP_X25519);
	assert_int_equal(group_of(p256, 1), TLS_GROUP_SECP256R1);
	assert_int_equal(group_of(NULL, 0), TLS_GROUP_SECP256R1);
	assert_int_equal(group_of(x448, 1), 0);
	assert_int_equal(tls_error_last(), TLS_ERR_NO_SHARED_GROUP);
	assert_int_equal(tls_error_alert(TLS_ERR_NO_SHARED_GROUP),
	                 TLS_ALERT_HANDSHAKE_FAILURE);
}

static tls_result pick(const struct tls12_test_offer *o, struct tls12_choice *c)
{
	struct tls_client_hello ch;

	parse(o, &ch);
	return tls12_pick_cert_suite(&cfg, &ch, c);
}

static void test_cert_suite_sigalg(void **state)
{
	struct tls12_test_offer o = base();
	struct tls12_choice c;

	(void)state;
	/* Default cert (the first), our suite order: AES-128 first. */
	assert_true(tls_is_ok(pick(&o, &c)));
	assert_ptr_equal(c.cert, &cfg.certs[0]);
	assert_int_equal(c.suite, TLS_ECDHE_ECDSA_AES128_GCM);
	assert_int_equal(c.sigscheme, TLS_SIG_ECDSA_SECP256R1_SHA256);
	/* SNI picks the RSA certificate; PSS before PKCS#1 v1.5. */
	o.sni = "rsa.test";
	assert_true(tls_is_ok(pick(&o, &c)));
	assert_ptr_equal(c.cert, &cfg.certs[1]);
	assert_int_equal(c.suite, TLS_ECDHE_RSA_AES128_GCM);
	assert_int_equal(c.sigscheme, TLS_SIG_RSA_PSS_RSAE_SHA256);
	/* Only RSA suites: the RSA certificate whatever the name. */
	o.sni = "ec.test";
	o.suites = rsa_only;
	o.nsuites = N(rsa_only);
	assert_true(tls_is_ok(pick(&o, &c)));
	assert_ptr_equal(c.cert, &cfg.certs[1]);
	assert_int_equal(c.suite, TLS_ECDHE_RSA_AES256_GCM);
	/* Only PKCS#1 v1.5 signatures: fine in TLS 1.2. */
	o.sigalgs = sig_pkcs1;
	o.nsigalgs = N(sig_pkcs1);
	assert_true(tls_is_ok(pick(&o, &c)));
	assert_int_equal(c.sigscheme, TLS_SIG_RSA_PKCS1_SHA384);
	/* RSA suites but only ECDSA signatures: no shared cipher. */
	o.sigalgs = sig_ecdsa;
	o.nsigalgs = N(sig_ecdsa);
	assert_fails(pick(&o, &c), TLS_ERR_NO_SHARED_CIPHER,
	             TLS_ALERT_HANDSHAKE_FAILURE);
	/* RFC 8422 §5.1: x25519 only rules out the P-256 certificate. */
	o = base();
	o.groups = x25519_p256 + 1;
	o.ngroups = 1;
	assert_true(tls_is_ok(pick(&o, &c)));
	assert_ptr_equal(c.cert, &cfg.certs[1]);
	assert_int_equal(c.suite, TLS_ECDHE_RSA_AES128_GCM);
	/* No signature_algorithms: SHA-1 only (§7.4.1.4.1), refused. */
	o = base();
	o.sigalgs = NULL;
	assert_fails(pick(&o, &c), TLS_ERR_NO_SHARED_SIGALG,
	             TLS_ALERT_HANDSHAKE_FAILURE);
	/* TLS 1.3 suites only: nothing for 1.2. */
	{
		uint16_t s13[] = {TLS_AES_128_GCM_SHA256, 0x009c};

		o = base();
		o.suites = s13;
		o.nsuites = N(s13);
		assert_fails(pick(&o, &c), TLS_ERR_NO_SHARED_CIPHER,
		             TLS_ALERT_HANDSHAKE_FAILURE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version),
	    cmocka_unit_test(test_ems_required),
	    cmocka_unit_test(test_fallback_scsv),
	    cmocka_unit_test(test_group),
	    cmocka_unit_test(test_cert_suite_sigalg),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
