// SPDX-License-Identifier: MIT
/*
 * TLS 1.2 session tickets (tls12_ticket.c, RFC 5077): a NewSessionTicket
 * built for a connection resumes that session; every single-byte change
 * to the ticket is refused (it is AEAD-sealed); and a ticket is not used
 * for a session without EMS (RFC 7627 §5.3), another version, a suite the
 * client no longer offers, another server name (RFC 6066 §3), or once it
 * has expired.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tls12_server.h"
#include "tls12_test_hello.h"

static const uint16_t suites[] = {TLS_ECDHE_ECDSA_AES256_GCM,
                                  TLS_ECDHE_ECDSA_AES128_GCM};

static struct tls_offload *off;
static struct tls_config cfg;
static uint8_t ticket[TLS_TICKET_MAX];
static size_t ticket_len;
static uint8_t master[TLS12_MASTER_LEN];

/* A connection that finished a full handshake with this master secret. */
static void make_ticket(const char *sni, uint16_t suite)
{
	struct tls_conn c = {0};
	uint8_t msg[64 + TLS_TICKET_MAX];
	struct tls_writer w;
	struct tls_reader r, t;
	uint8_t type;
	uint32_t len, hint;

	assert_true(tls_is_ok(tls_conn_init_server(&c, &cfg)));
	c.version = TLS_VERSION_12;
	c.suite = suite;
	snprintf(c.sni, sizeof(c.sni), "%s", sni);
	memcpy(c.hs->s12.master, master, sizeof(master));
	tls_writer_init(&w, msg, sizeof(msg));
	assert_true(tls_is_ok(tls12_build_new_session_ticket(&c, &w)));
	tls_conn_free(&c);
	/* RFC 5077 §3.3: type 4, lifetime hint, ticket<0..2^16-1> */
	tls_reader_init(&r, msg, w.len);
	assert_true(tls_is_ok(tls_read_u8(&r, &type)));
	assert_int_equal(type, TLS_HS_NEW_SESSION_TICKET);
	assert_true(tls_is_ok(tls_read_u24(&r, &len)));
	assert_int_equal(len, w.len - 4);
	assert_true(tls_is_ok(tls_read_u32(&r, &hint)));
	assert_int_equal(hint, TLS_TICKET_LIFETIME);
	assert_true(tls_is_ok(tls_read_vector(&r, 2, 1, 0xffff, &t)));
	assert_true(tls_is_ok(tls_reader_done(&r)));
	memcpy(ticket, t.data, t.len);
	ticket_len = t.len;
}

static tls_result resume(const uint8_t *tk, size_t n, const char *sni,
                         const uint16_t *s, size_t ns, time_t now,
                         struct tls_session *out)
{
	static uint8_t buf[2048];
	struct tls12_test_offer o = {.suites = s,
	                             .nsuites = ns,
	                             .sni = sni,
	                             .ticket = tk,
	                             .ticket_len = n};
	struct tls_client_hello ch;

	assert_true(tls_is_ok(tls12_test_hello(&o, buf, &ch)));
	return tls12_ticket_resume(&cfg, &ch, now, out);
}

static int setup(void **state)
{
	(void)state;
	off = tls_offload_cpu_create();
	if (!off || tls_is_err(tls_config_init(&cfg, off)))
		return -1;
	for (size_t i = 0; i < sizeof(master); i++)
		master[i] = (uint8_t)(0x80 + i);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tls_config_free(&cfg);
	tls_offload_destroy(off);
	return 0;
}

static void test_round_trip(void **state)
{
	struct tls_session s;

	(void)state;
	make_ticket("ec.test", TLS_ECDHE_ECDSA_AES256_GCM);
	assert_true(tls_is_ok(
	    resume(ticket, ticket_len, "EC.test", suites, 2, time(NULL), &s)));
	assert_int_equal(s.version, TLS_VERSION_12);
	assert_int_equal(s.suite, TLS_ECDHE_ECDSA_AES256_GCM);
	assert_true(s.ems);
	assert_int_equal(s.secret_len, TLS12_MASTER_LEN);
	assert_memory_equal(s.secret, master, TLS12_MASTER_LEN);
}

static void test_tampering(void **state)
{
	uint8_t bad[TLS_TICKET_MAX];
	struct tls_session s;

	(void)state;
	make_ticket("ec.test", TLS_ECDHE_ECDSA_AES128_GCM);
	for (size_t i = 0; i < ticket_len; i++) {
		memcpy(bad, ticket, ticket_len);
		bad[i] ^= 0x01;
		assert_true(tls_is_err(resume(bad, ticket_len, "ec.test",
		                              suites, 2, time(NULL), &s)));
	}
	/* Truncated or extended by one byte. */
	assert_true(tls_is_err(resume(ticket, ticket_len - 1, "ec.test", suites,
	                              2, time(NULL), &s)));
	memcpy(bad, ticket, ticket_len);
	bad[ticket_len] = 0;
	assert_true(tls_is_err(
	    resume(bad, ticket_len + 1, "ec.test", suites, 2, time(NULL), &s)));
	assert_true(tls_is_ok(
	    resume(ticket, ticket_len, "ec.test", suites, 2, time(NULL), &s)));
}

static void test_refusals(void **state)
{
	struct tls_session s;
	time_t now = time(NULL);

	(void)state;
	make_ticket("ec.test", TLS_ECDHE_ECDSA_AES256_GCM);
	/* RFC 6066 §3: another name, or none. */
	assert_true(tls_is_err(
	    resume(ticket, ticket_len, "rsa.test", suites, 2, now, &s)));
	assert_true(
	    tls_is_err(resume(ticket, ticket_len, NULL, suites, 2, now, &s)));
	/* RFC 5246 §7.4.1.2: the session's suite must still be offered. */
	assert_true(tls_is_err(
	    resume(ticket, ticket_len, "ec.test", suites + 1, 1, now, &s)));
	assert_int_equal(tls_error_last(), TLS_ERR_NO_SHARED_CIPHER);
	/* Expired. */
	assert_true(tls_is_err(resume(ticket, ticket_len, "ec.test", suites, 2,
	                              now + TLS_TICKET_LIFETIME + 1, &s)));
}

/* Seal a session by hand, as another version or without EMS. */
static void seal(const struct tls_session *s)
{
	assert_true(tls_is_ok(
	    tls_ticket_seal(&cfg, s, ticket, sizeof(ticket), &ticket_len)));
}

static void test_ems_and_version(void **state)
{
	struct tls_session s = {0}, out;

	(void)state;
	s.version = TLS_VERSION_12;
	s.suite = TLS_ECDHE_ECDSA_AES128_GCM;
	s.issued = (uint64_t)time(NULL);
	s.secret_len = TLS12_MASTER_LEN;
	memcpy(s.secret, master, sizeof(master));
	s.ems = true;
	seal(&s);
	assert_true(tls_is_ok(
	    resume(ticket, ticket_len, NULL, suites, 2, time(NULL), &out)));
	/* RFC 7627 §5.3: a session without EMS never resumes. */
	s.ems = false;
	seal(&s);
	assert_true(tls_is_err(
	    resume(ticket, ticket_len, NULL, suites, 2, time(NULL), &out)));
	assert_int_equal(tls_error_last(), TLS_ERR_MISSING_EMS);
	/* A TLS 1.3 ticket is not a 1.2 session. */
	s.ems = true;
	s.version = TLS_VERSION_13;
	s.secret_len = 32;
	seal(&s);
	assert_true(tls_is_err(
	    resume(ticket, ticket_len, NULL, suites, 2, time(NULL), &out)));
	/* Keys rotated out of the ring: the old ticket no longer opens. */
	s.version = TLS_VERSION_12;
	s.secret_len = TLS12_MASTER_LEN;
	seal(&s);
	for (unsigned i = 0; i < TLS_TICKET_KEYS; i++) {
		cfg.tickets[0].created = 0;
		assert_true(
		    tls_is_ok(tls_ticket_keys_rotate(&cfg, time(NULL))));
	}
	assert_true(tls_is_err(
	    resume(ticket, ticket_len, NULL, suites, 2, time(NULL), &out)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_tampering),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_ems_and_version),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
