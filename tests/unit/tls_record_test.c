// SPDX-License-Identifier: MIT
/*
 * Record layer: seal/open round trips for every AEAD in TLS 1.3 and 1.2
 * framing, tampering, sequence numbers, TLS 1.3 padding and inner type,
 * header limits (RFC 8446 §5.1-§5.4, RFC 5246 §6.2), and the batch
 * writer splitting at the fragment limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tls_record.h"

static struct tls_offload *off;

static int setup(void **state)
{
	(void)state;
	off = tls_offload_cpu_create();
	return off ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tls_offload_destroy(off);
	return 0;
}

static void pair13(enum tls_aead a, struct tls_record_dir *w,
                   struct tls_record_dir *r)
{
	uint8_t secret[48];

	memset(secret, 0x5a, sizeof(secret));
	memset(w, 0, sizeof(*w));
	memset(r, 0, sizeof(*r));
	assert_true(tls_is_ok(
	    tls_record_set_secret13(off, w, a, TLS_HASH_SHA256, secret, true)));
	assert_true(tls_is_ok(tls_record_set_secret13(
	    off, r, a, TLS_HASH_SHA256, secret, false)));
}

static void pair12(enum tls_aead a, struct tls_record_dir *w,
                   struct tls_record_dir *r)
{
	uint8_t key[32], iv[12];

	memset(key, 0x11, sizeof(key));
	memset(iv, 0x22, sizeof(iv));
	memset(w, 0, sizeof(*w));
	memset(r, 0, sizeof(*r));
	assert_true(tls_is_ok(tls_record_set_keys12(off, w, a, key, iv, true)));
	assert_true(
	    tls_is_ok(tls_record_set_keys12(off, r, a, key, iv, false)));
}

static void roundtrip(struct tls_record_dir *w, struct tls_record_dir *r)
{
	static uint8_t buf[2 * TLS_MAX_RECORD];
	const char *msg = "hello, records";
	struct tls_iov iov[2] = {{(const uint8_t *)msg, 7},
	                         {(const uint8_t *)msg + 7, 7}};
	struct tls_writer wr;
	struct tls_record_hdr h;
	uint8_t type, *pt;
	size_t n;

	for (int i = 0; i < 3; i++) {
		tls_writer_init(&wr, buf, sizeof(buf));
		assert_true(tls_is_ok(tls_record_write(
		    off, w, TLS_CT_APPLICATION_DATA, iov, 2, 14, &wr)));
		assert_int_equal(wr.len, tls_record_sealed_len(w, 14));
		assert_true(tls_is_ok(tls_record_header(buf, wr.len, r, &h)));
		assert_true(tls_is_ok(
		    tls_record_open(off, r, buf, wr.len, &type, &pt, &n)));
		assert_int_equal(type, TLS_CT_APPLICATION_DATA);
		assert_int_equal(n, 14);
		assert_memory_equal(pt, msg, 14);
	}
	assert_int_equal(w->seq, 3);
	assert_int_equal(r->seq, 3);
	/* Tamper with the ciphertext: bad_record_mac. */
	tls_writer_init(&wr, buf, sizeof(buf));
	assert_true(tls_is_ok(tls_record_write(off, w, TLS_CT_APPLICATION_DATA,
	                                       iov, 2, 14, &wr)));
	buf[wr.len - 20] ^= 1;
	assert_true(
	    tls_is_err(tls_record_open(off, r, buf, wr.len, &type, &pt, &n)));
	assert_int_equal(tls_error_last(), TLS_ERR_BAD_RECORD_MAC);
	assert_int_equal(tls_error_alert(tls_error_last()),
	                 TLS_ALERT_BAD_RECORD_MAC);
	tls_record_dir_clear(off, w);
	tls_record_dir_clear(off, r);
}

static void test_roundtrip13(void **state)
{
	struct tls_record_dir w, r;

	(void)state;
	for (int a = 0; a < TLS_AEAD_COUNT; a++) {
		pair13((enum tls_aead)a, &w, &r);
		roundtrip(&w, &r);
	}
}

static void test_roundtrip12(void **state)
{
	struct tls_record_dir w, r;

	(void)state;
	for (int a = 0; a < TLS_AEAD_COUNT; a++) {
		pair12((enum tls_aead)a, &w, &r);
		roundtrip(&w, &r);
	}
}

/* A record out of order (wrong sequence number) must not open. */
static void test_replay_fails(void **state)
{
	static uint8_t buf[256];
	struct tls_record_dir w, r;
	struct tls_iov iov = {(const uint8_t *)"x", 1};
	struct tls_writer wr;
	uint8_t type, *pt;
	size_t n;

	(void)state;
	pair13(TLS_AEAD_AES_128_GCM, &w, &r);
	w.seq = 1;
	tls_writer_init(&wr, buf, sizeof(buf));
	assert_true(tls_is_ok(
	    tls_record_write(off, &w, TLS_CT_ALERT, &iov, 1, 1, &wr)));
	assert_true(
	    tls_is_err(tls_record_open(off, &r, buf, wr.len, &type, &pt, &n)));
	tls_record_dir_clear(off, &w);
	tls_record_dir_clear(off, &r);
}

/* §5.4: zero padding is stripped; all-zero plaintext has no type. */
static void test_inner_padding(void **state)
{
	static uint8_t buf[256];
	struct tls_record_dir w, r;
	uint8_t inner[8] = {'a', 'b', TLS_CT_HANDSHAKE, 0, 0, 0, 0, 0};
	uint8_t zeros[8] = {0};
	struct tls_iov iov = {inner, sizeof(inner)};
	struct tls_writer wr;
	uint8_t type, *pt;
	size_t n;

	(void)state;
	pair13(TLS_AEAD_CHACHA20_POLY1305, &w, &r);
	/* Seal "ab" + type + padding as application_data: the writer adds
	 * its own type byte (23), so make it the padded content instead. */
	tls_writer_init(&wr, buf, sizeof(buf));
	assert_true(tls_is_ok(
	    tls_record_write(off, &w, 0, &iov, 1, sizeof(inner), &wr)));
	/* The writer's own type byte is 0 here, i.e. more padding. */
	assert_true(
	    tls_is_ok(tls_record_open(off, &r, buf, wr.len, &type, &pt, &n)));
	assert_int_equal(type, TLS_CT_HANDSHAKE);
	assert_int_equal(n, 2);
	iov.base = zeros;
	tls_writer_init(&wr, buf, sizeof(buf));
	assert_true(tls_is_ok(
	    tls_record_write(off, &w, 0, &iov, 1, sizeof(zeros), &wr)));
	assert_true(
	    tls_is_err(tls_record_open(off, &r, buf, wr.len, &type, &pt, &n)));
	assert_int_equal(tls_error_last(), TLS_ERR_NO_INNER_TYPE);
	tls_record_dir_clear(off, &w);
	tls_record_dir_clear(off, &r);
}

static enum tls_error header(const uint8_t *p, size_t n, bool protected)
{
	struct tls_record_dir d = {.protected = protected,
	                           .version = TLS_VERSION_13};
	struct tls_record_hdr h;

	tls_error_clear();
	if (tls_is_ok(tls_record_header(p, n, &d, &h)))
		return TLS_ERR_OK;
	return tls_error_last();
}

static void test_headers(void **state)
{
	static const uint8_t ok[] = {22, 3, 1, 0, 5};
	static const uint8_t short_hdr[] = {22, 3, 3};
	static const uint8_t type[] = {24, 3, 3, 0, 5};
	static const uint8_t ver[] = {22, 2, 0, 0, 5};
	static const uint8_t big[] = {22, 3, 3, 0x40, 0x01};
	static const uint8_t big_ct[] = {23, 3, 3, 0x41, 0x01};
	static const uint8_t max_ct[] = {23, 3, 3, 0x41, 0x00};
	static const uint8_t empty_hs[] = {22, 3, 3, 0, 0};
	static const uint8_t plain_hs[] = {22, 3, 3, 0, 5};

	(void)state;
	assert_int_equal(header(ok, 5, false), TLS_ERR_OK);
	assert_int_equal(header(short_hdr, 3, false), TLS_ERR_BLOCKED);
	assert_int_equal(header(type, 5, false), TLS_ERR_RECORD_TYPE);
	assert_int_equal(header(ver, 5, false), TLS_ERR_RECORD_VERSION);
	assert_int_equal(header(big, 5, false), TLS_ERR_RECORD_OVERFLOW);
	assert_int_equal(header(max_ct, 5, true), TLS_ERR_OK);
	assert_int_equal(header(big_ct, 5, true), TLS_ERR_RECORD_OVERFLOW);
	assert_int_equal(header(empty_hs, 5, false), TLS_ERR_RECORD_EMPTY);
	assert_int_equal(header(plain_hs, 5, true), TLS_ERR_UNEXPECTED_MSG);
}

/* The batch writer cuts at max_frag and seals all records in one batch. */
static void test_write_all_fragments(void **state)
{
	static uint8_t data[40000], buf[2 * 40000];
	struct tls_record_dir w, r;
	struct tls_iov iov = {data, sizeof(data)};
	struct tls_writer wr;
	size_t pos = 0, got = 0, recs = 0;
	uint64_t batches = off->stats.batches;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	pair13(TLS_AEAD_AES_256_GCM, &w, &r);
	tls_writer_init(&wr, buf, sizeof(buf));
	assert_true(tls_is_ok(tls_record_write_all(
	    off, &w, TLS_CT_APPLICATION_DATA, &iov, 1, 16384, &wr)));
	assert_int_equal(off->stats.batches, batches + 1);
	while (pos < wr.len) {
		struct tls_record_hdr h;
		uint8_t type, *pt;
		size_t n;

		assert_true(tls_is_ok(
		    tls_record_header(buf + pos, wr.len - pos, &r, &h)));
		assert_true(tls_is_ok(tls_record_open(
		    off, &r, buf + pos, 5 + h.len, &type, &pt, &n)));
		assert_true(n <= 16384);
		assert_memory_equal(pt, data + got, n);
		got += n;
		pos += 5 + h.len;
		recs++;
	}
	assert_int_equal(got, sizeof(data));
	assert_int_equal(recs, 3);
	tls_record_dir_clear(off, &w);
	tls_record_dir_clear(off, &r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip13),
	    cmocka_unit_test(test_roundtrip12),
	    cmocka_unit_test(test_replay_fails),
	    cmocka_unit_test(test_inner_padding),
	    cmocka_unit_test(test_headers),
	    cmocka_unit_test(test_write_all_fragments),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
