// SPDX-License-Identifier: MIT
/*
 * ClientHello parser and its extensions: the RFC 8448 §3 hello parses to
 * the values the RFC lists; every truncation, duplicates, a misplaced
 * pre_shared_key and bad field values are refused with the right error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tls_client_hello.h"
#include "tls_rfc8448.h"
#include "tls_test_util.h"

static void test_rfc8448_hello(void **state)
{
	struct tls_client_hello ch;
	size_t n;
	uint8_t *msg = tls_test_unhex(RFC8448_CH, &n);

	(void)state;
	assert_int_equal(n, 196);
	assert_true(tls_is_ok(tls_client_hello_parse(msg, n, &ch)));
	assert_int_equal(ch.legacy_version, 0x0303);
	assert_int_equal(ch.session_id_len, 0);
	assert_int_equal(ch.suites_len, 6);
	assert_true(
	    tls_client_hello_has_suite(&ch, TLS_CHACHA20_POLY1305_SHA256));
	assert_true(ch.offers13);
	assert_false(ch.offers12);
	assert_int_equal(ch.sni_len, 6);
	assert_memory_equal(ch.sni, "server", 6);
	assert_int_equal(ch.ngroups, 9);
	assert_int_equal(ch.nshares, 1);
	assert_int_equal(ch.shares[0].group, TLS_GROUP_X25519);
	assert_int_equal(ch.shares[0].len, 32);
	assert_int_equal(ch.sigalgs_len, 30);
	assert_int_equal(ch.record_size_limit, 0x4001);
	assert_true(ch.psk_dhe_ke);
	assert_false(ch.psk_ke);
	assert_true(tls_ch_has(&ch, TLS_EXTID_RENEGOTIATION_INFO));
	assert_true(tls_ch_has(&ch, TLS_EXTID_SESSION_TICKET));
	assert_false(tls_ch_has(&ch, TLS_EXTID_PRE_SHARED_KEY));
	assert_true(ch.only_null_compression);
	free(msg);
}

/* Every proper prefix (with a header claiming the shorter body) fails. */
static void test_truncations(void **state)
{
	struct tls_client_hello ch;
	size_t n;
	uint8_t *msg = tls_test_unhex(RFC8448_CH, &n);

	(void)state;
	for (size_t cut = 4; cut < n; cut++) {
		/* Ending right after compression is a hello without
		 * extensions (RFC 5246 §7.4.1.2): well-formed. */
		if (cut == 49)
			continue;
		tls_put_u24(msg + 1, (uint32_t)(cut - 4));
		tls_error_clear();
		assert_true(tls_is_err(tls_client_hello_parse(msg, cut, &ch)));
		assert_true(tls_error_last() == TLS_ERR_DECODE ||
		            tls_error_last() == TLS_ERR_TRAILING);
	}
	free(msg);
}

static void test_header_length_mismatch(void **state)
{
	struct tls_client_hello ch;
	size_t n;
	uint8_t *msg = tls_test_unhex(RFC8448_CH, &n);

	(void)state;
	msg[3]++;
	assert_true(tls_is_err(tls_client_hello_parse(msg, n, &ch)));
	assert_int_equal(tls_error_last(), TLS_ERR_DECODE);
	free(msg);
}

/* Build a hello around an extensions block. */
static size_t build_hello(uint8_t *buf, const uint8_t *exts, size_t elen)
{
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
	tls_put_u16(buf + n, (uint16_t)elen);
	n += 2;
	memcpy(buf + n, exts, elen);
	n += elen;
	tls_put_u24(buf + 1, (uint32_t)(n - 4));
	return n;
}

static enum tls_error parse_exts(const uint8_t *exts, size_t elen)
{
	uint8_t buf[512];
	struct tls_client_hello ch;
	size_t n = build_hello(buf, exts, elen);

	tls_error_clear();
	if (tls_is_ok(tls_client_hello_parse(buf, n, &ch)))
		return TLS_ERR_OK;
	return tls_error_last();
}

static void test_bad_extensions(void **state)
{
	/* supported_groups twice */
	static const uint8_t dup[] = {0, 10, 0, 4, 0, 2, 0, 0x1d,
	                              0, 10, 0, 4, 0, 2, 0, 0x17};
	/* an unknown extension twice is a duplicate too */
	static const uint8_t dup_unknown[] = {0x12, 0x34, 0, 0,
	                                      0x12, 0x34, 0, 0};
	/* pre_shared_key (41) followed by another extension */
	static const uint8_t psk_first[] = {
	    0, 41, 0, 44, 0, 7, 0, 1, 'x', 0, 0, 0,  0, 0, 33, 32, 0, 0,    0,
	    0, 0,  0, 0,  0, 0, 0, 0, 0,   0, 0, 0,  0, 0, 0,  0,  0, 0,    0,
	    0, 0,  0, 0,  0, 0, 0, 0, 0,   0, 0, 10, 0, 4, 0,  2,  0, 0x1d,
	};
	/* record_size_limit below 64 */
	static const uint8_t rsl[] = {0, 28, 0, 2, 0, 63};
	/* key share for a group not in supported_groups */
	static const uint8_t share[] = {0, 10, 0, 4, 0, 2,    0, 0x17, 0, 51,
	                                0, 7,  0, 5, 0, 0x1d, 0, 1,    9};
	/* two shares for one group */
	static const uint8_t share2[] = {0, 10, 0, 4,  0,    2,  0, 0x1d,
	                                 0, 51, 0, 12, 0,    10, 0, 0x1d,
	                                 0, 1,  9, 0,  0x1d, 0,  1, 9};
	/* supported_versions with an odd length */
	static const uint8_t versions[] = {0, 43, 0, 4, 3, 3, 4, 0};
	/* renegotiation_info not empty on an initial handshake */
	static const uint8_t reneg[] = {0xff, 1, 0, 2, 1, 0};
	/* extended_master_secret with data */
	static const uint8_t ems[] = {0, 23, 0, 1, 0};
	/* SNI host_name with a trailing dot */
	static const uint8_t sni[] = {0, 0, 0, 7, 0, 5, 0, 0, 2, 'a', '.'};
	/* extension length beyond the block */
	static const uint8_t overrun[] = {0, 10, 0, 9, 0, 2, 0, 0x1d};
	/* a good one, to prove the helper builds valid hellos */
	static const uint8_t good[] = {0, 10, 0, 4, 0, 2,    0, 0x1d, 0, 51,
	                               0, 7,  0, 5, 0, 0x1d, 0, 1,    9};

	(void)state;
	assert_int_equal(parse_exts(good, sizeof(good)), TLS_ERR_OK);
	assert_int_equal(parse_exts(dup, sizeof(dup)), TLS_ERR_DUP_EXTENSION);
	assert_int_equal(parse_exts(dup_unknown, sizeof(dup_unknown)),
	                 TLS_ERR_DUP_EXTENSION);
	assert_int_equal(parse_exts(psk_first, sizeof(psk_first)),
	                 TLS_ERR_PSK_NOT_LAST);
	assert_int_equal(parse_exts(rsl, sizeof(rsl)), TLS_ERR_ILLEGAL_PARAM);
	assert_int_equal(parse_exts(share, sizeof(share)),
	                 TLS_ERR_ILLEGAL_PARAM);
	assert_int_equal(parse_exts(share2, sizeof(share2)),
	                 TLS_ERR_ILLEGAL_PARAM);
	assert_int_equal(parse_exts(versions, sizeof(versions)),
	                 TLS_ERR_DECODE);
	assert_int_equal(parse_exts(reneg, sizeof(reneg)),
	                 TLS_ERR_NO_RENEGOTIATION);
	assert_int_equal(parse_exts(ems, sizeof(ems)), TLS_ERR_DECODE);
	assert_int_equal(parse_exts(sni, sizeof(sni)), TLS_ERR_ILLEGAL_PARAM);
	assert_int_equal(parse_exts(overrun, sizeof(overrun)), TLS_ERR_DECODE);
}

static void test_psk_binders(void **state)
{
	/* one identity "x" age 0, one 32-byte binder */
	static const uint8_t psk[] = {
	    0,   45, 0,  2,  1,  1,  0,  41, 0,  44, 0,  7,  0,  1,
	    'x', 0,  0,  0,  0,  0,  33, 32, 1,  2,  3,  4,  5,  6,
	    7,   8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
	    21,  22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	};
	uint8_t buf[512];
	struct tls_client_hello ch;
	size_t n = build_hello(buf, psk, sizeof(psk));

	(void)state;
	assert_true(tls_is_ok(tls_client_hello_parse(buf, n, &ch)));
	assert_int_equal(ch.npsks, 1);
	assert_int_equal(ch.psks[0].len, 1);
	assert_int_equal(ch.psks[0].binder_len, 32);
	assert_int_equal(ch.psks[0].binder[0], 1);
	/* The truncated hello ends right before the binders list. */
	assert_int_equal(ch.binders_offset, n - 35);
	assert_true(ch.psk_dhe_ke);
}

static void test_alpn_select(void **state)
{
	static const uint8_t alpn[] = {0,   16,  0,   14,  0,   12,
	                               2,   'h', '2', 8,   'h', 't',
	                               't', 'p', '/', '1', '.', '1'};
	char *ours[] = {(char *)"http/1.1"};
	char *none[] = {(char *)"spdy/3"};
	uint8_t buf[512];
	struct tls_client_hello ch;
	const char *chosen;
	size_t n = build_hello(buf, alpn, sizeof(alpn));

	(void)state;
	assert_true(tls_is_ok(tls_client_hello_parse(buf, n, &ch)));
	assert_true(tls_is_ok(tls_ext_alpn_select(&ch, ours, 1, &chosen)));
	assert_string_equal(chosen, "http/1.1");
	assert_true(tls_is_err(tls_ext_alpn_select(&ch, none, 1, &chosen)));
	assert_int_equal(tls_error_last(), TLS_ERR_NO_ALPN);
	assert_int_equal(tls_error_alert(TLS_ERR_NO_ALPN),
	                 TLS_ALERT_NO_APPLICATION_PROTOCOL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc8448_hello),
	    cmocka_unit_test(test_truncations),
	    cmocka_unit_test(test_header_length_mismatch),
	    cmocka_unit_test(test_bad_extensions),
	    cmocka_unit_test(test_psk_binders),
	    cmocka_unit_test(test_alpn_select),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
