// SPDX-License-Identifier: MIT
/*
 * The client's ServerHello parser (tls_server_hello.c): the RFC 8448
 * ServerHello parses to the RFC's values; every truncation fails; and
 * each strictness rule of RFC 8446 §4.1.3-§4.1.4 / §4.2 and RFC 5246
 * §7.4.1.3 refuses a crafted hello with the error (and so the alert)
 * the RFC names.  Hellos are built field by field from a valid one, so
 * each case changes exactly one thing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tls_server_hello.h"
#include "tls_rfc8448.h"
#include "tls_test_util.h"

#define BIT(id) (1u << (id))

static char alpn_h2[] = "h2", alpn_http11[] = "http/1.1";
static char *const test_alpn[] = {alpn_h2, alpn_http11};

static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
    0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

struct sh_spec {
	uint16_t legacy;
	uint8_t random[32];
	uint8_t sid[32];
	uint8_t sid_len;
	uint16_t suite;
	uint8_t comp;
	uint8_t exts[1024];
	size_t exts_len;
	bool no_exts;
	uint8_t type;
};

/* Like our ClientHello when both versions are on. */
static void offer_both(struct tls_client_offer *o)
{
	static const uint16_t suites[] = {
	    TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
	    TLS_CHACHA20_POLY1305_SHA256, TLS_ECDHE_ECDSA_AES128_GCM,
	    TLS_ECDHE_RSA_AES128_GCM};

	memset(o, 0, sizeof(*o));
	o->v13 = o->v12 = true;
	memcpy(o->suites, suites, sizeof(suites));
	o->nsuites = 5;
	o->groups[0] = TLS_GROUP_X25519;
	o->groups[1] = TLS_GROUP_SECP256R1;
	o->ngroups = 2;
	o->share_group = TLS_GROUP_X25519;
	o->sent = BIT(TLS_EXTID_SERVER_NAME) | BIT(TLS_EXTID_SUPPORTED_GROUPS) |
	          BIT(TLS_EXTID_SIGNATURE_ALGORITHMS) | BIT(TLS_EXTID_ALPN) |
	          BIT(TLS_EXTID_EC_POINT_FORMATS) | BIT(TLS_EXTID_EMS) |
	          BIT(TLS_EXTID_RENEGOTIATION_INFO) |
	          BIT(TLS_EXTID_SESSION_TICKET) |
	          BIT(TLS_EXTID_SUPPORTED_VERSIONS) | BIT(TLS_EXTID_PSK_MODES) |
	          BIT(TLS_EXTID_KEY_SHARE);
	memset(o->session_id, 0x5a, 32);
	o->session_id_len = 32;
	o->alpn = test_alpn;
	o->nalpn = 2;
}

static void add_ext(struct sh_spec *s, uint16_t type, const void *data,
                    size_t len)
{
	uint8_t *p = s->exts + s->exts_len;

	tls_put_u16(p, type);
	tls_put_u16(p + 2, (uint16_t)len);
	if (len)
		memcpy(p + 4, data, len);
	s->exts_len += 4 + len;
}

static void add_ext_u16(struct sh_spec *s, uint16_t type, uint16_t v)
{
	uint8_t b[2];

	tls_put_u16(b, v);
	add_ext(s, type, b, 2);
}

static void add_key_share(struct sh_spec *s, uint16_t group, size_t len)
{
	uint8_t b[4 + 128];

	tls_put_u16(b, group);
	tls_put_u16(b + 2, (uint16_t)len);
	memset(b + 4, 0x22, len);
	if (len == 65)
		b[4] = 4;
	add_ext(s, TLS_EXT_KEY_SHARE, b, 4 + len);
}

static void spec_base(struct sh_spec *s, const struct tls_client_offer *o)
{
	memset(s, 0, sizeof(*s));
	s->type = TLS_HS_SERVER_HELLO;
	s->legacy = TLS_VERSION_12;
	memset(s->random, 0x11, 32);
	memcpy(s->sid, o->session_id, o->session_id_len);
	s->sid_len = o->session_id_len;
}

/* A valid TLS 1.3 ServerHello for the offer (without extensions). */
static void spec13_bare(struct sh_spec *s, const struct tls_client_offer *o)
{
	spec_base(s, o);
	s->suite = TLS_AES_128_GCM_SHA256;
	add_ext_u16(s, TLS_EXT_SUPPORTED_VERSIONS, TLS_VERSION_13);
}

static void spec13(struct sh_spec *s, const struct tls_client_offer *o)
{
	spec13_bare(s, o);
	add_key_share(s, TLS_GROUP_X25519, 32);
}

static void spec_hrr(struct sh_spec *s, const struct tls_client_offer *o)
{
	spec13_bare(s, o);
	memcpy(s->random, hrr_random, 32);
	add_ext_u16(s, TLS_EXT_KEY_SHARE, TLS_GROUP_SECP256R1);
}

/* A valid TLS 1.2 ServerHello (EMS, renegotiation_info, no sentinel). */
static void spec12(struct sh_spec *s, const struct tls_client_offer *o)
{
	static const uint8_t reneg[1] = {0};

	spec_base(s, o);
	memset(s->sid, 0x77, 32); /* a new session, not our id */
	s->suite = TLS_ECDHE_ECDSA_AES128_GCM;
	add_ext(s, TLS_EXT_EXTENDED_MASTER_SECRET, NULL, 0);
	add_ext(s, TLS_EXT_RENEGOTIATION_INFO, reneg, 1);
}

static size_t encode(const struct sh_spec *s, uint8_t *out)
{
	size_t n = 4;

	out[0] = s->type;
	tls_put_u16(out + n, s->legacy);
	n += 2;
	memcpy(out + n, s->random, 32);
	n += 32;
	out[n++] = s->sid_len;
	memcpy(out + n, s->sid, s->sid_len);
	n += s->sid_len;
	tls_put_u16(out + n, s->suite);
	n += 2;
	out[n++] = s->comp;
	if (!s->no_exts) {
		tls_put_u16(out + n, (uint16_t)s->exts_len);
		memcpy(out + n + 2, s->exts, s->exts_len);
		n += 2 + s->exts_len;
	}
	tls_put_u24(out + 1, (uint32_t)(n - 4));
	return n;
}

static enum tls_error parse(const struct sh_spec *s,
                            const struct tls_client_offer *o,
                            struct tls_server_hello *sh)
{
	uint8_t buf[2048];
	size_t n = encode(s, buf);

	tls_error_clear();
	if (tls_is_ok(tls_server_hello_parse(buf, n, o, sh)))
		return TLS_ERR_OK;
	return tls_error_last();
}

static void expect(const struct sh_spec *s, const struct tls_client_offer *o,
                   enum tls_error want)
{
	struct tls_server_hello sh;
	enum tls_error got = parse(s, o, &sh);

	if (got != want)
		fail_msg("got %s, want %s", tls_error_name(got),
		         tls_error_name(want));
}

static void test_rfc8448(void **state)
{
	struct tls_client_offer o;
	struct tls_server_hello sh;
	size_t n;
	uint8_t *msg = tls_test_unhex(RFC8448_SH, &n);

	(void)state;
	/* The RFC's client: 1.3 only, empty session id, one x25519 share. */
	offer_both(&o);
	o.v12 = false;
	o.session_id_len = 0;
	assert_true(tls_is_ok(tls_server_hello_parse(msg, n, &o, &sh)));
	assert_int_equal(sh.version, TLS_VERSION_13);
	assert_false(sh.hrr);
	assert_int_equal(sh.suite, TLS_AES_128_GCM_SHA256);
	assert_int_equal(sh.group, TLS_GROUP_X25519);
	assert_int_equal(sh.share_len, 32);
	assert_int_equal(sh.share[0], 0xc9);
	assert_false(sh.psk_selected);
	assert_true(sh.share > msg && sh.share + 32 <= msg + n);
	/* Every proper prefix, with the header claiming the shorter body. */
	for (size_t cut = 4; cut < n; cut++) {
		uint8_t buf[256];

		memcpy(buf, msg, cut);
		tls_put_u24(buf + 1, (uint32_t)(cut - 4));
		if (tls_is_ok(tls_server_hello_parse(buf, cut, &o, &sh)))
			fail_msg("prefix of %zu bytes accepted", cut);
	}
	/* A header that does not match the length. */
	assert_true(tls_is_err(tls_server_hello_parse(msg, n - 1, &o, &sh)));
	assert_int_equal(tls_error_last(), TLS_ERR_DECODE);
	free(msg);
}

static void test_framing(void **state)
{
	struct tls_client_offer o;
	struct tls_server_hello sh;
	struct sh_spec s;
	uint8_t buf[2048];
	size_t n;

	(void)state;
	offer_both(&o);
	spec13(&s, &o);
	expect(&s, &o, TLS_ERR_OK);
	s.type = TLS_HS_CLIENT_HELLO;
	expect(&s, &o, TLS_ERR_UNEXPECTED_MSG);
	/* Bytes after the extensions. */
	spec13(&s, &o);
	n = encode(&s, buf);
	buf[n] = 0;
	tls_put_u24(buf + 1, (uint32_t)(n + 1 - 4));
	assert_true(tls_is_err(tls_server_hello_parse(buf, n + 1, &o, &sh)));
	assert_int_equal(tls_error_last(), TLS_ERR_TRAILING);
	/* An extension longer than its block. */
	spec13(&s, &o);
	s.exts[3] = 0x40;
	expect(&s, &o, TLS_ERR_DECODE);
	/* A session id over 32 bytes. */
	spec13(&s, &o);
	n = encode(&s, buf);
	buf[4 + 2 + 32] = 33;
	assert_true(tls_is_err(tls_server_hello_parse(buf, n, &o, &sh)));
	assert_int_equal(tls_error_last(), TLS_ERR_DECODE);
}

static void test_fields13(void **state)
{
	struct tls_client_offer o;
	struct sh_spec s;

	(void)state;
	offer_both(&o);
	/* §4.1.3: a suite we did not offer. */
	spec13(&s, &o);
	s.suite = TLS_ECDHE_RSA_AES256_GCM;
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	/* A 1.2 suite with TLS 1.3 selected. */
	spec13(&s, &o);
	s.suite = TLS_ECDHE_ECDSA_AES128_GCM;
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	/* §4.1.3: legacy_compression_method MUST be 0. */
	spec13(&s, &o);
	s.comp = 1;
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	/* §4.1.3: the session id echo must match. */
	spec13(&s, &o);
	s.sid[5] ^= 1;
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	spec13(&s, &o);
	s.sid_len = 0;
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	/* §4.1.3: legacy_version stays 0x0303 under supported_versions. */
	spec13(&s, &o);
	s.legacy = TLS_VERSION_13;
	expect(&s, &o, TLS_ERR_PROTOCOL_VERSION);
}

static void test_versions(void **state)
{
	struct tls_client_offer o;
	struct sh_spec s;

	(void)state;
	offer_both(&o);
	/* §4.2.1: supported_versions must name 1.3 (not 1.2 or other). */
	spec_base(&s, &o);
	s.suite = TLS_AES_128_GCM_SHA256;
	add_ext_u16(&s, TLS_EXT_SUPPORTED_VERSIONS, TLS_VERSION_12);
	add_key_share(&s, TLS_GROUP_X25519, 32);
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	spec_base(&s, &o);
	s.suite = TLS_AES_128_GCM_SHA256;
	add_ext_u16(&s, TLS_EXT_SUPPORTED_VERSIONS, 0x7f1c);
	add_key_share(&s, TLS_GROUP_X25519, 32);
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	/* supported_versions with a trailing byte */
	spec_base(&s, &o);
	s.suite = TLS_AES_128_GCM_SHA256;
	add_ext(&s, TLS_EXT_SUPPORTED_VERSIONS, "\x03\x04\x00", 3);
	expect(&s, &o, TLS_ERR_TRAILING);
	/* A 1.2 answer when we offered only 1.3. */
	o.v12 = false;
	spec12(&s, &o);
	expect(&s, &o, TLS_ERR_PROTOCOL_VERSION);
	/* Older than 1.2, whatever we offered. */
	offer_both(&o);
	spec12(&s, &o);
	s.legacy = 0x0302;
	expect(&s, &o, TLS_ERR_PROTOCOL_VERSION);
	/* Offering 1.2 only, supported_versions was never sent. */
	o.v13 = false;
	o.sent &= ~BIT(TLS_EXTID_SUPPORTED_VERSIONS);
	spec13(&s, &o);
	expect(&s, &o, TLS_ERR_BAD_EXTENSION);
}

static void test_key_share(void **state)
{
	struct tls_client_offer o;
	struct sh_spec s;

	(void)state;
	offer_both(&o);
	/* §4.2.8: the server's share is in the group of ours. */
	spec13_bare(&s, &o);
	add_key_share(&s, TLS_GROUP_SECP256R1, 65);
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	spec13_bare(&s, &o);
	add_key_share(&s, 0x0018, 97);
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	/* §4.2.8.2: X25519 is 32 bytes. */
	spec13_bare(&s, &o);
	add_key_share(&s, TLS_GROUP_X25519, 31);
	expect(&s, &o, TLS_ERR_BAD_KEY_SHARE);
	/* Without a key_share: we offer (EC)DHE modes only. */
	spec13_bare(&s, &o);
	expect(&s, &o, TLS_ERR_MISSING_EXTENSION);
	/* After HRR for P-256, a P-256 share (uncompressed) is right. */
	o.share_group = TLS_GROUP_SECP256R1;
	o.after_hrr = true;
	o.hrr_suite = TLS_AES_128_GCM_SHA256;
	spec13_bare(&s, &o);
	add_key_share(&s, TLS_GROUP_SECP256R1, 65);
	expect(&s, &o, TLS_ERR_OK);
	spec13_bare(&s, &o);
	add_key_share(&s, TLS_GROUP_SECP256R1, 65);
	s.exts[s.exts_len - 65] = 2; /* compressed */
	expect(&s, &o, TLS_ERR_BAD_KEY_SHARE);
}

static void test_extensions(void **state)
{
	struct tls_client_offer o;
	struct sh_spec s;

	(void)state;
	offer_both(&o);
	/* §4.2: a type we never send. */
	spec13(&s, &o);
	add_ext(&s, 0x1234, NULL, 0);
	expect(&s, &o, TLS_ERR_BAD_EXTENSION);
	/* A known one we did not send this time. */
	o.sent &= ~BIT(TLS_EXTID_ALPN);
	spec13(&s, &o);
	add_ext(&s, TLS_EXT_ALPN, "\x00\x03\x02h2", 5);
	expect(&s, &o, TLS_ERR_BAD_EXTENSION);
	/* One we sent that belongs in EncryptedExtensions, not here. */
	offer_both(&o);
	spec13(&s, &o);
	add_ext(&s, TLS_EXT_ALPN, "\x00\x03\x02h2", 5);
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	spec13(&s, &o);
	add_ext(&s, TLS_EXT_EXTENDED_MASTER_SECRET, NULL, 0);
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	/* A cookie outside a HelloRetryRequest was never asked for. */
	spec13(&s, &o);
	add_ext(&s, TLS_EXT_COOKIE, "\x00\x01x", 3);
	expect(&s, &o, TLS_ERR_BAD_EXTENSION);
	/* §4.2: one of each type. */
	spec13(&s, &o);
	add_ext_u16(&s, TLS_EXT_SUPPORTED_VERSIONS, TLS_VERSION_13);
	expect(&s, &o, TLS_ERR_DUP_EXTENSION);
	/* pre_shared_key we did not offer */
	spec13(&s, &o);
	add_ext_u16(&s, TLS_EXT_PRE_SHARED_KEY, 0);
	expect(&s, &o, TLS_ERR_BAD_EXTENSION);
}

static void test_psk(void **state)
{
	struct tls_client_offer o;
	struct tls_server_hello sh;
	struct sh_spec s;

	(void)state;
	offer_both(&o);
	o.sent |= BIT(TLS_EXTID_PRE_SHARED_KEY);
	o.npsks = 1;
	spec13(&s, &o);
	add_ext_u16(&s, TLS_EXT_PRE_SHARED_KEY, 0);
	assert_int_equal(parse(&s, &o, &sh), TLS_ERR_OK);
	assert_true(sh.psk_selected);
	/* §4.2.11: selected_identity beyond what we offered. */
	spec13(&s, &o);
	add_ext_u16(&s, TLS_EXT_PRE_SHARED_KEY, 1);
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
}

static void test_hrr(void **state)
{
	struct tls_client_offer o;
	struct tls_server_hello sh;
	struct sh_spec s;

	(void)state;
	offer_both(&o);
	spec_hrr(&s, &o);
	assert_int_equal(parse(&s, &o, &sh), TLS_ERR_OK);
	assert_true(sh.hrr);
	assert_int_equal(sh.group, TLS_GROUP_SECP256R1);
	assert_null(sh.cookie);
	/* With a cookie, kept as received for the second hello. */
	spec_hrr(&s, &o);
	add_ext(&s, TLS_EXT_COOKIE,
	        "\x00\x03"
	        "abc",
	        5);
	assert_int_equal(parse(&s, &o, &sh), TLS_ERR_OK);
	assert_int_equal(sh.cookie_len, 5);
	/* An empty cookie is malformed (cookie<1..2^16-1>). */
	spec_hrr(&s, &o);
	add_ext(&s, TLS_EXT_COOKIE, "\x00\x00", 2);
	expect(&s, &o, TLS_ERR_DECODE);
	/* §4.2.8: asking for the share we already sent. */
	spec13_bare(&s, &o);
	memcpy(s.random, hrr_random, 32);
	add_ext_u16(&s, TLS_EXT_KEY_SHARE, TLS_GROUP_X25519);
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	/* ... or for a group we do not support. */
	spec13_bare(&s, &o);
	memcpy(s.random, hrr_random, 32);
	add_ext_u16(&s, TLS_EXT_KEY_SHARE, 0x0018);
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	/* §4.1.4: an HRR that would change nothing. */
	spec13_bare(&s, &o);
	memcpy(s.random, hrr_random, 32);
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	/* §4.1.4: an HRR without supported_versions. */
	spec_base(&s, &o);
	memcpy(s.random, hrr_random, 32);
	s.suite = TLS_AES_128_GCM_SHA256;
	add_ext_u16(&s, TLS_EXT_KEY_SHARE, TLS_GROUP_SECP256R1);
	expect(&s, &o, TLS_ERR_MISSING_EXTENSION);
	/* pre_shared_key does not belong in an HRR. */
	o.sent |= BIT(TLS_EXTID_PRE_SHARED_KEY);
	o.npsks = 1;
	spec_hrr(&s, &o);
	add_ext_u16(&s, TLS_EXT_PRE_SHARED_KEY, 0);
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	/* §4.1.4: a second HRR is unexpected_message ... */
	offer_both(&o);
	o.after_hrr = true;
	o.hrr_suite = TLS_AES_128_GCM_SHA256;
	o.share_group = TLS_GROUP_SECP256R1;
	spec13_bare(&s, &o);
	memcpy(s.random, hrr_random, 32);
	add_ext(&s, TLS_EXT_COOKIE, "\x00\x01x", 3);
	expect(&s, &o, TLS_ERR_UNEXPECTED_MSG);
	/* ... and the ServerHello keeps the HRR's suite. */
	spec13_bare(&s, &o);
	s.suite = TLS_AES_256_GCM_SHA384;
	add_key_share(&s, TLS_GROUP_SECP256R1, 65);
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
}

static void test_tls12(void **state)
{
	struct tls_client_offer o;
	struct tls_server_hello sh;
	struct sh_spec s;

	(void)state;
	offer_both(&o);
	spec12(&s, &o);
	assert_int_equal(parse(&s, &o, &sh), TLS_ERR_OK);
	assert_int_equal(sh.version, TLS_VERSION_12);
	assert_true(sh.ems);
	assert_true(sh.reneg_ok);
	assert_false(sh.ticket_promised);
	/* RFC 5246 §7.4.1.3: a 1.2 hello may have no extensions at all. */
	spec12(&s, &o);
	s.no_exts = true;
	assert_int_equal(parse(&s, &o, &sh), TLS_ERR_OK);
	assert_false(sh.ems);
	/* RFC 8446 §4.1.3: the downgrade sentinels, 1.2 and <= 1.1. */
	spec12(&s, &o);
	memcpy(s.random + 24, "DOWNGRD\x01", 8);
	expect(&s, &o, TLS_ERR_DOWNGRADE);
	spec12(&s, &o);
	memcpy(s.random + 24, "DOWNGRD\x00", 8);
	expect(&s, &o, TLS_ERR_DOWNGRADE);
	/* Not a sentinel: another last byte. */
	spec12(&s, &o);
	memcpy(s.random + 24, "DOWNGRD\x02", 8);
	expect(&s, &o, TLS_ERR_OK);
	/* A 1.2-only client does not check it. */
	o.v13 = false;
	o.sent &= ~(BIT(TLS_EXTID_SUPPORTED_VERSIONS) |
	            BIT(TLS_EXTID_KEY_SHARE) | BIT(TLS_EXTID_PSK_MODES));
	spec12(&s, &o);
	memcpy(s.random + 24, "DOWNGRD\x01", 8);
	expect(&s, &o, TLS_ERR_OK);
	offer_both(&o);
	/* A 1.3 suite in a 1.2 hello. */
	spec12(&s, &o);
	s.suite = TLS_AES_128_GCM_SHA256;
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	/* TLS 1.3 extensions in a 1.2 hello. */
	spec12(&s, &o);
	add_key_share(&s, TLS_GROUP_X25519, 32);
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
}

static void test_tls12_extensions(void **state)
{
	struct tls_client_offer o;
	struct tls_server_hello sh;
	struct sh_spec s;

	(void)state;
	offer_both(&o);
	/* RFC 5746 §3.4: renegotiated_connection must be empty. */
	spec_base(&s, &o);
	s.suite = TLS_ECDHE_ECDSA_AES128_GCM;
	add_ext(&s, TLS_EXT_RENEGOTIATION_INFO, "\x01\x00", 2);
	expect(&s, &o, TLS_ERR_NO_RENEGOTIATION);
	/* RFC 7627 §5.1: EMS is empty. */
	spec_base(&s, &o);
	s.suite = TLS_ECDHE_ECDSA_AES128_GCM;
	add_ext(&s, TLS_EXT_EXTENDED_MASTER_SECRET, "x", 1);
	expect(&s, &o, TLS_ERR_TRAILING);
	/* RFC 5077 §3.2: an empty session_ticket promises a ticket. */
	spec12(&s, &o);
	add_ext(&s, TLS_EXT_SESSION_TICKET, NULL, 0);
	assert_int_equal(parse(&s, &o, &sh), TLS_ERR_OK);
	assert_true(sh.ticket_promised);
	spec12(&s, &o);
	add_ext(&s, TLS_EXT_SESSION_TICKET, "t", 1);
	expect(&s, &o, TLS_ERR_TRAILING);
	/* RFC 8422 §5.2: uncompressed must be listed. */
	spec12(&s, &o);
	add_ext(&s, TLS_EXT_EC_POINT_FORMATS, "\x01\x01", 2);
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	spec12(&s, &o);
	add_ext(&s, TLS_EXT_EC_POINT_FORMATS, "\x02\x01\x00", 3);
	expect(&s, &o, TLS_ERR_OK);
	/* RFC 7301 §3.1: exactly one protocol, one we offered. */
	spec12(&s, &o);
	add_ext(&s, TLS_EXT_ALPN, "\x00\x09\x08http/1.1", 11);
	assert_int_equal(parse(&s, &o, &sh), TLS_ERR_OK);
	assert_string_equal(sh.alpn, "http/1.1");
	spec12(&s, &o);
	add_ext(&s, TLS_EXT_ALPN, "\x00\x03\x02h3", 5);
	expect(&s, &o, TLS_ERR_ILLEGAL_PARAM);
	spec12(&s, &o);
	add_ext(&s, TLS_EXT_ALPN, "\x00\x06\x02h2\x02h2", 8);
	expect(&s, &o, TLS_ERR_TRAILING);
	/* RFC 6066 §3: the server's server_name is empty. */
	spec12(&s, &o);
	add_ext(&s, TLS_EXT_SERVER_NAME, "x", 1);
	expect(&s, &o, TLS_ERR_TRAILING);
}

static void test_exts_walker(void **state)
{
	/* EncryptedExtensions-style use: ALPN allowed, key_share not. */
	uint8_t block[] = {0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02,
	                   'h',  '2',  0x00, 0x33, 0x00, 0x00};
	uint32_t sent = BIT(TLS_EXTID_ALPN) | BIT(TLS_EXTID_KEY_SHARE);
	struct tls_server_exts x;
	struct tls_reader r;

	(void)state;
	tls_reader_init(&r, block, 9);
	assert_true(tls_is_ok(
	    tls_server_exts_parse(&r, sent, BIT(TLS_EXTID_ALPN), &x)));
	assert_true(tls_sx_has(&x, TLS_EXTID_ALPN));
	assert_int_equal(x.data[TLS_EXTID_ALPN].len, 5);
	tls_reader_init(&r, block, sizeof(block));
	assert_true(tls_is_err(
	    tls_server_exts_parse(&r, sent, BIT(TLS_EXTID_ALPN), &x)));
	assert_int_equal(tls_error_last(), TLS_ERR_ILLEGAL_PARAM);
	/* The alerts these errors carry (RFC 8446 §4.2, §6.2). */
	assert_int_equal(tls_error_alert(TLS_ERR_BAD_EXTENSION),
	                 TLS_ALERT_UNSUPPORTED_EXTENSION);
	assert_int_equal(tls_error_alert(TLS_ERR_DOWNGRADE),
	                 TLS_ALERT_ILLEGAL_PARAMETER);
	assert_int_equal(tls_error_alert(TLS_ERR_ILLEGAL_PARAM),
	                 TLS_ALERT_ILLEGAL_PARAMETER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc8448),
	    cmocka_unit_test(test_framing),
	    cmocka_unit_test(test_fields13),
	    cmocka_unit_test(test_versions),
	    cmocka_unit_test(test_key_share),
	    cmocka_unit_test(test_extensions),
	    cmocka_unit_test(test_psk),
	    cmocka_unit_test(test_hrr),
	    cmocka_unit_test(test_tls12),
	    cmocka_unit_test(test_tls12_extensions),
	    cmocka_unit_test(test_exts_walker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
