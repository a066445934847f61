// SPDX-License-Identifier: MIT
/*
 * Session tickets and the ticket key ring (tls_ticket.c, RFC 8446
 * §4.6.1, RFC 5077 §4): seal/open round trip with every field at its
 * limits, key rotation (the older keys still open, a retired one does
 * not), expiry, and refusal of tampered, truncated, over-long and
 * unknown-key tickets and of a ticket in another format version.  The
 * TLS-version checks of the two servers are in tls12_ticket_test.c and
 * tls_client_test.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tls_proto.h"
#include "tls_ticket.h"

static struct tls_offload *off;
static struct tls_config cfg;

static int setup(void **state)
{
	(void)state;
	off = tls_offload_cpu_create();
	if (!off || tls_is_err(tls_config_init(&cfg, off)))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tls_config_free(&cfg);
	tls_offload_destroy(off);
	return 0;
}

static void make_session(struct tls_session *s, time_t issued)
{
	memset(s, 0, sizeof(*s));
	s->version = TLS_VERSION_13;
	s->suite = TLS_AES_256_GCM_SHA384;
	s->issued = (uint64_t)issued;
	s->age_add = 0xa1b2c3d4;
	s->secret_len = 48;
	for (unsigned i = 0; i < s->secret_len; i++)
		s->secret[i] = (uint8_t)(i * 7 + 1);
	s->ems = true;
	memcpy(s->alpn, "h2", 2);
	s->alpn_len = 2;
	memcpy(s->sni, "ticket.test", 11);
	s->sni_len = 11;
}

static void seal(const struct tls_session *s, uint8_t *t, size_t *len)
{
	assert_true(
	    tls_is_ok(tls_ticket_seal(&cfg, s, t, TLS_TICKET_MAX, len)));
}

static enum tls_error open_err(const uint8_t *t, size_t len, time_t now)
{
	struct tls_session s;

	tls_error_clear();
	if (tls_is_ok(tls_ticket_open(&cfg, t, len, now, &s)))
		return TLS_ERR_OK;
	return tls_error_last();
}

static void test_round_trip(void **state)
{
	struct tls_session in, out;
	uint8_t t[TLS_TICKET_MAX];
	size_t len;
	time_t now = time(NULL);

	(void)state;
	make_session(&in, now);
	seal(&in, t, &len);
	memset(&out, 0xee, sizeof(out));
	assert_true(tls_is_ok(tls_ticket_open(&cfg, t, len, now, &out)));
	assert_int_equal(out.version, in.version);
	assert_int_equal(out.suite, in.suite);
	assert_int_equal(out.issued, in.issued);
	assert_int_equal(out.age_add, in.age_add);
	assert_int_equal(out.secret_len, 48);
	assert_memory_equal(out.secret, in.secret, 48);
	assert_true(out.ems);
	assert_int_equal(out.alpn_len, 2);
	assert_memory_equal(out.alpn, "h2", 2);
	assert_int_equal(out.sni_len, 11);
	assert_memory_equal(out.sni, "ticket.test", 11);

	/* Two seals of one session differ (a fresh nonce each time). */
	{
		uint8_t t2[TLS_TICKET_MAX];
		size_t len2;

		seal(&in, t2, &len2);
		assert_int_equal(len, len2);
		assert_memory_not_equal(t + TLS_TICKET_NAME_LEN,
		                        t2 + TLS_TICKET_NAME_LEN,
		                        len - TLS_TICKET_NAME_LEN);
	}
}

static void test_limits(void **state)
{
	struct tls_session in, out;
	uint8_t t[TLS_TICKET_MAX];
	size_t len;
	time_t now = time(NULL);

	(void)state;
	make_session(&in, now);
	/* The longest ALPN and server name there are. */
	memset(in.alpn, 'a', 255);
	in.alpn_len = 255;
	memset(in.sni, 'n', 255);
	in.sni_len = 255;
	in.ems = false;
	seal(&in, t, &len);
	assert_true(len <= TLS_TICKET_MAX);
	assert_true(tls_is_ok(tls_ticket_open(&cfg, t, len, now, &out)));
	assert_int_equal(out.alpn_len, 255);
	assert_int_equal(out.sni_len, 255);
	assert_false(out.ems);
	/* A buffer too small for it. */
	tls_error_clear();
	assert_true(tls_is_err(tls_ticket_seal(&cfg, &in, t, len - 1, &len)));
	assert_int_equal(tls_error_last(), TLS_ERR_SPACE);
}

static void test_expiry(void **state)
{
	struct tls_session in;
	uint8_t t[TLS_TICKET_MAX];
	size_t len;
	time_t issued = time(NULL);

	(void)state;
	make_session(&in, issued);
	seal(&in, t, &len);
	assert_int_equal(open_err(t, len, issued + TLS_TICKET_LIFETIME),
	                 TLS_ERR_OK);
	assert_int_equal(open_err(t, len, issued + TLS_TICKET_LIFETIME + 1),
	                 TLS_ERR_DECODE);
	/* Issued in the future: a clock gone backwards, or a forgery. */
	assert_int_equal(open_err(t, len, issued - 1), TLS_ERR_DECODE);
}

/*
 * The ring: [0] seals, the other TLS_TICKET_KEYS - 1 still open.  A
 * ticket sealed under a key stays usable for two more rotations and is
 * refused after the third, when its key leaves the ring.
 */
static void test_rotation(void **state)
{
	struct tls_session in;
	uint8_t a[TLS_TICKET_MAX], b[TLS_TICKET_MAX];
	size_t alen, blen;
	time_t t0 = time(NULL), period = cfg.ticket_rotate_secs;
	uint8_t name_a[TLS_TICKET_NAME_LEN];

	(void)state;
	make_session(&in, t0);
	seal(&in, a, &alen);
	memcpy(name_a, a, sizeof(name_a));
	/* Not yet due: the same key. */
	assert_true(tls_is_ok(tls_ticket_keys_rotate(&cfg, t0 + 1)));
	assert_memory_equal(cfg.tickets[0].name, name_a, sizeof(name_a));
	/*
	 * Rotations are driven with times ahead of the wall clock, so the
	 * seal's own rotation check (time(NULL)) finds the key fresh.
	 */
	assert_true(tls_is_ok(tls_ticket_keys_rotate(&cfg, t0 + period)));
	assert_memory_not_equal(cfg.tickets[0].name, name_a, sizeof(name_a));
	assert_memory_equal(cfg.tickets[1].name, name_a, sizeof(name_a));
	seal(&in, b, &blen);
	assert_memory_equal(b, cfg.tickets[0].name, TLS_TICKET_NAME_LEN);
	assert_int_equal(open_err(a, alen, t0), TLS_ERR_OK);
	assert_int_equal(open_err(b, blen, t0), TLS_ERR_OK);
	assert_true(tls_is_ok(tls_ticket_keys_rotate(&cfg, t0 + 2 * period)));
	assert_int_equal(open_err(a, alen, t0), TLS_ERR_OK);
	assert_true(tls_is_ok(tls_ticket_keys_rotate(&cfg, t0 + 3 * period)));
	/* a's key is retired; b's (one rotation younger) is not. */
	assert_int_equal(open_err(a, alen, t0), TLS_ERR_DECODE);
	assert_int_equal(open_err(b, blen, t0), TLS_ERR_OK);
	for (unsigned i = 0; i < TLS_TICKET_KEYS; i++)
		assert_memory_not_equal(cfg.tickets[i].name, name_a,
		                        sizeof(name_a));
}

static void test_tampered_truncated(void **state)
{
	struct tls_session in;
	uint8_t t[TLS_TICKET_MAX], bad[TLS_TICKET_MAX + 8];
	size_t len;
	time_t now = time(NULL);

	(void)state;
	make_session(&in, now);
	seal(&in, t, &len);
	/* Every single-bit change: name, nonce, ciphertext or tag. */
	for (size_t i = 0; i < len; i++) {
		memcpy(bad, t, len);
		bad[i] ^= 0x80;
		assert_int_equal(open_err(bad, len, now), TLS_ERR_DECODE);
	}
	/* Every truncation, down to nothing. */
	for (size_t n = 0; n < len; n++)
		assert_int_equal(open_err(t, n, now), TLS_ERR_DECODE);
	/* One byte more, and more than any ticket we make. */
	memcpy(bad, t, len);
	bad[len] = 0;
	assert_int_equal(open_err(bad, len + 1, now), TLS_ERR_DECODE);
	memset(bad, 0, sizeof(bad));
	memcpy(bad, t, len);
	assert_int_equal(open_err(bad, TLS_TICKET_MAX + 1, now),
	                 TLS_ERR_DECODE);
	/* A key name we never had. */
	memcpy(bad, t, len);
	memset(bad, 0x5a, TLS_TICKET_NAME_LEN);
	assert_int_equal(open_err(bad, len, now), TLS_ERR_DECODE);
	assert_int_equal(open_err(t, len, now), TLS_ERR_OK);
}

/*
 * A ticket sealed under our own key, laid out like ours but with another
 * state format number: authentic, still refused.
 */
static void test_wrong_format(void **state)
{
	uint8_t state_buf[64], t[TLS_TICKET_MAX];
	struct tls_writer w;
	struct tls_aead_job job = {0};
	struct tls_iov in;
	size_t hdr = TLS_TICKET_NAME_LEN + TLS_AEAD_NONCE_LEN;
	time_t now = time(NULL);
	uint8_t secret[32] = {1};

	(void)state;
	for (int fmt = 0; fmt < 4; fmt++) {
		tls_writer_init(&w, state_buf, sizeof(state_buf));
		assert_true(tls_is_ok(tls_write_u8(&w, (uint8_t)fmt)));
		assert_true(tls_is_ok(tls_write_u16(&w, TLS_VERSION_13)));
		assert_true(
		    tls_is_ok(tls_write_u16(&w, TLS_AES_128_GCM_SHA256)));
		assert_true(tls_is_ok(tls_write_u64(&w, (uint64_t)now)));
		assert_true(tls_is_ok(tls_write_u32(&w, 0)));
		assert_true(tls_is_ok(tls_write_u8(&w, 32)));
		assert_true(tls_is_ok(tls_write_bytes(&w, secret, 32)));
		assert_true(tls_is_ok(tls_write_u8(&w, 1)));
		assert_true(tls_is_ok(tls_write_u8(&w, 0)));
		assert_true(tls_is_ok(tls_write_u8(&w, 0)));
		memcpy(t, cfg.tickets[0].name, TLS_TICKET_NAME_LEN);
		memset(t + TLS_TICKET_NAME_LEN, fmt, TLS_AEAD_NONCE_LEN);
		memcpy(job.nonce, t + TLS_TICKET_NAME_LEN, TLS_AEAD_NONCE_LEN);
		in = (struct tls_iov){state_buf, w.len};
		job.key = &cfg.tickets[0].seal;
		job.aad = t;
		job.aad_len = TLS_TICKET_NAME_LEN;
		job.in = &in;
		job.nin = 1;
		job.out = t + hdr;
		job.len = w.len;
		assert_true(tls_is_ok(off->ops->aead_seal(off, &job)));
		/* Format 2 is ours: the hand-made ticket must open. */
		assert_int_equal(
		    open_err(t, hdr + w.len + TLS_AEAD_TAG_LEN, now),
		    fmt == 2 ? TLS_ERR_OK : TLS_ERR_DECODE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_expiry),
	    cmocka_unit_test(test_rotation),
	    cmocka_unit_test(test_tampered_truncated),
	    cmocka_unit_test(test_wrong_format),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
