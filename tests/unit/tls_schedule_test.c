// SPDX-License-Identifier: MIT
/*
 * Known answers for the TLS 1.3 key schedule and the M1 transcript from
 * RFC 8448 §3 (simple 1-RTT): every secret, the traffic keys, the
 * transcript hashes over the RFC's own messages (one-shot with
 * checkpoints and incremental), both Finished values and the
 * Finished-aware checkpoint that makes them inside one digest call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tls13_schedule.h"
#include "tls_transcript.h"
#include "tls_rfc8448.h"
#include "tls_test_util.h"

static struct tls_offload *off;

static void assert_hex(const uint8_t *got, const char *want_hex)
{
	size_t n;
	uint8_t *want = tls_test_unhex(want_hex, &n);

	assert_memory_equal(got, want, n);
	free(want);
}

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

static void test_secrets(void **state)
{
	uint8_t early[32], hs[32], ms[32], th[32], s[32], ecdhe[32];
	uint8_t *p;
	size_t n;

	(void)state;
	assert_true(tls_is_ok(
	    tls13_early_secret(off, TLS_HASH_SHA256, NULL, 0, early)));
	assert_hex(early, RFC8448_EARLY);
	p = tls_test_unhex(RFC8448_ECDHE, &n);
	memcpy(ecdhe, p, 32);
	free(p);
	assert_true(tls_is_ok(
	    tls13_next_secret(off, TLS_HASH_SHA256, early, ecdhe, 32, hs)));
	assert_hex(hs, RFC8448_HANDSHAKE);
	p = tls_test_unhex(RFC8448_TH_CH_SH, &n);
	memcpy(th, p, 32);
	free(p);
	assert_true(tls_is_ok(tls13_derive_secret(off, TLS_HASH_SHA256, hs,
	                                          "c hs traffic", th, s)));
	assert_hex(s, RFC8448_C_HS);
	assert_true(tls_is_ok(tls13_derive_secret(off, TLS_HASH_SHA256, hs,
	                                          "s hs traffic", th, s)));
	assert_hex(s, RFC8448_S_HS);
	assert_true(tls_is_ok(
	    tls13_next_secret(off, TLS_HASH_SHA256, hs, NULL, 0, ms)));
	assert_hex(ms, RFC8448_MASTER);
	p = tls_test_unhex(RFC8448_TH_CH_SF, &n);
	memcpy(th, p, 32);
	free(p);
	assert_true(tls_is_ok(tls13_derive_secret(off, TLS_HASH_SHA256, ms,
	                                          "c ap traffic", th, s)));
	assert_hex(s, RFC8448_C_AP);
	assert_true(tls_is_ok(tls13_derive_secret(off, TLS_HASH_SHA256, ms,
	                                          "s ap traffic", th, s)));
	assert_hex(s, RFC8448_S_AP);
	assert_true(tls_is_ok(tls13_derive_secret(off, TLS_HASH_SHA256, ms,
	                                          "exp master", th, s)));
	assert_hex(s, RFC8448_EXP);
	p = tls_test_unhex(RFC8448_TH_CH_CF, &n);
	memcpy(th, p, 32);
	free(p);
	assert_true(tls_is_ok(tls13_derive_secret(off, TLS_HASH_SHA256, ms,
	                                          "res master", th, s)));
	assert_hex(s, RFC8448_RES);
}

static void load32(const char *hex, uint8_t *out)
{
	size_t n;
	uint8_t *p = tls_test_unhex(hex, &n);

	assert_int_equal(n, 32);
	memcpy(out, p, 32);
	free(p);
}

static void test_traffic_keys(void **state)
{
	uint8_t secret[32], key[32], iv[12];

	(void)state;
	load32(RFC8448_S_HS, secret);
	assert_true(tls_is_ok(tls13_traffic_key(
	    off, TLS_HASH_SHA256, TLS_AEAD_AES_128_GCM, secret, key, iv)));
	assert_hex(key, RFC8448_S_HS_KEY);
	assert_hex(iv, RFC8448_S_HS_IV);
	load32(RFC8448_C_HS, secret);
	assert_true(tls_is_ok(tls13_traffic_key(
	    off, TLS_HASH_SHA256, TLS_AEAD_AES_128_GCM, secret, key, iv)));
	assert_hex(key, RFC8448_C_HS_KEY);
	assert_hex(iv, RFC8448_C_HS_IV);
	load32(RFC8448_S_AP, secret);
	assert_true(tls_is_ok(tls13_traffic_key(
	    off, TLS_HASH_SHA256, TLS_AEAD_AES_128_GCM, secret, key, iv)));
	assert_hex(key, RFC8448_S_AP_KEY);
	assert_hex(iv, RFC8448_S_AP_IV);
}

struct rfc_msgs {
	uint8_t *m[7];
	size_t len[7];
};

static void load_msgs(struct rfc_msgs *r)
{
	const char *hex[7] = {RFC8448_CH, RFC8448_SH, RFC8448_EE, RFC8448_CERT,
	                      RFC8448_CV, RFC8448_SF, RFC8448_CF};

	for (int i = 0; i < 7; i++)
		r->m[i] = tls_test_unhex(hex[i], &r->len[i]);
}

static void free_msgs(struct rfc_msgs *r)
{
	for (int i = 0; i < 7; i++)
		free(r->m[i]);
}

/*
 * The server's view: the same hash requests the handshake makes, in
 * order; M1 must need 3 digest calls, the incremental baseline 7.
 */
static void run_transcript(bool incremental, unsigned want_calls)
{
	struct tls_transcript t;
	struct rfc_msgs r;
	uint8_t h[32], s[32], fin[32];

	load_msgs(&r);
	tls_transcript_init(&t, off, TLS_HASH_SHA256, incremental);
	for (int i = 0; i < 4; i++) /* CH SH EE Cert, before any hash */
		assert_true(
		    tls_is_ok(tls_transcript_add(&t, r.m[i], r.len[i])));
	assert_true(tls_is_ok(tls_transcript_hash(&t, 2, h)));
	assert_hex(h, RFC8448_TH_CH_SH);
	assert_true(tls_is_ok(tls_transcript_hash(&t, 4, h))); /* for CV */
	assert_true(tls_is_ok(tls_transcript_add(&t, r.m[4], r.len[4])));
	assert_true(tls_is_ok(tls_transcript_hash(&t, 5, h)));
	assert_hex(h, RFC8448_TH_CH_CV);
	load32(RFC8448_S_HS, s);
	assert_true(tls_is_ok(tls13_finished(off, TLS_HASH_SHA256, s, h, fin)));
	assert_hex(fin, RFC8448_S_FIN);
	assert_true(tls_is_ok(tls_transcript_add(&t, r.m[5], r.len[5])));
	assert_true(tls_is_ok(tls_transcript_add(&t, r.m[6], r.len[6])));
	assert_true(tls_is_ok(tls_transcript_hash(&t, 6, h)));
	assert_hex(h, RFC8448_TH_CH_SF);
	load32(RFC8448_C_HS, s);
	assert_true(tls_is_ok(tls13_finished(off, TLS_HASH_SHA256, s, h, fin)));
	assert_hex(fin, RFC8448_C_FIN);
	assert_true(tls_is_ok(tls_transcript_hash(&t, 7, h)));
	assert_hex(h, RFC8448_TH_CH_CF);
	assert_int_equal(t.digest_calls, want_calls);
	tls_transcript_fini(&t);
	free_msgs(&r);
}

static void test_transcript_m1(void **state)
{
	(void)state;
	run_transcript(false, 3);
}

static void test_transcript_incremental(void **state)
{
	(void)state;
	run_transcript(true, 7);
}

/*
 * M1's Finished-aware checkpoint over the RFC's messages: after the
 * first call (..SH, ..Cert), one call hashes through CertificateVerify,
 * makes both Finished messages (the client's is foreseen from the
 * transcript) and returns the hashes through each: 2 calls in all.
 */
static void test_transcript_finished_checkpoint(void **state)
{
	struct tls_transcript t;
	struct rfc_msgs r;
	uint8_t h[32], s[32], fk[2][32], sf[36], cf[36], th_cf[32];
	const uint8_t *keys[2] = {fk[0], fk[1]};
	uint8_t *msgs[2] = {sf, cf};

	(void)state;
	load_msgs(&r);
	tls_transcript_init(&t, off, TLS_HASH_SHA256, false);
	assert_true(tls_transcript_can_finish(&t));
	for (int i = 0; i < 4; i++)
		assert_true(
		    tls_is_ok(tls_transcript_add(&t, r.m[i], r.len[i])));
	assert_true(tls_is_ok(tls_transcript_hash(&t, 2, h)));
	assert_hex(h, RFC8448_TH_CH_SH);
	assert_true(tls_is_ok(tls_transcript_add(&t, r.m[4], r.len[4])));
	load32(RFC8448_S_HS, s);
	assert_true(tls_is_ok(tls13_expand_label(
	    off, TLS_HASH_SHA256, s, "finished", NULL, 0, fk[0], 32)));
	assert_hex(fk[0], RFC8448_S_FIN_KEY);
	load32(RFC8448_C_HS, s);
	assert_true(tls_is_ok(tls13_expand_label(
	    off, TLS_HASH_SHA256, s, "finished", NULL, 0, fk[1], 32)));
	assert_hex(fk[1], RFC8448_C_FIN_KEY);
	/* Our Finished joins the transcript; the client's is foreseen. */
	assert_true(tls_is_ok(
	    tls_transcript_add_finished(&t, keys, 2, 1, msgs, th_cf)));
	assert_int_equal(t.count, 6);
	assert_ptr_equal(t.msg[5].base, sf);
	assert_int_equal(r.len[5], 36);
	assert_memory_equal(sf, r.m[5], 36);
	assert_memory_equal(cf, r.m[6], 36);
	assert_hex(th_cf, RFC8448_TH_CH_CF);
	/* Cached: no more calls for ..CV and ..SF. */
	assert_true(tls_is_ok(tls_transcript_hash(&t, 5, h)));
	assert_hex(h, RFC8448_TH_CH_CV);
	assert_true(tls_is_ok(tls_transcript_hash(&t, 6, h)));
	assert_hex(h, RFC8448_TH_CH_SF);
	assert_int_equal(t.digest_calls, 2);
	tls_transcript_fini(&t);
	/* Not in the incremental baseline. */
	tls_transcript_init(&t, off, TLS_HASH_SHA256, true);
	assert_false(tls_transcript_can_finish(&t));
	tls_transcript_fini(&t);
	free_msgs(&r);
}

static void test_hrr_message_hash(void **state)
{
	struct tls_transcript t;
	struct rfc_msgs r;
	uint8_t h1[32], h2[32];

	(void)state;
	load_msgs(&r);
	tls_transcript_init(&t, off, TLS_HASH_SHA256, false);
	assert_true(tls_is_ok(tls_transcript_add(&t, r.m[0], r.len[0])));
	assert_true(tls_is_ok(tls_transcript_hash(&t, 1, h1)));
	assert_true(tls_is_ok(tls_transcript_restart_hrr(&t)));
	/* RFC 8446 §4.4.1: message_hash || 00 00 HashLen || Hash(CH1) */
	assert_int_equal(t.msg[0].len, 36);
	assert_int_equal(t.msg[0].base[0], 254);
	assert_int_equal(t.msg[0].base[3], 32);
	assert_memory_equal(t.msg[0].base + 4, h1, 32);
	assert_true(tls_is_ok(tls_transcript_hash(&t, 1, h2)));
	assert_memory_not_equal(h1, h2, 32);
	tls_transcript_fini(&t);
	free_msgs(&r);
}

static void test_expand_label_limits(void **state)
{
	uint8_t s[32] = {0}, out[32];
	char label[300];

	(void)state;
	memset(label, 'a', sizeof(label) - 1);
	label[sizeof(label) - 1] = 0;
	assert_true(tls_is_err(tls13_expand_label(off, TLS_HASH_SHA256, s,
	                                          label, NULL, 0, out, 32)));
	assert_int_equal(tls_error_last(), TLS_ERR_INTERNAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_secrets),
	    cmocka_unit_test(test_traffic_keys),
	    cmocka_unit_test(test_transcript_m1),
	    cmocka_unit_test(test_transcript_incremental),
	    cmocka_unit_test(test_transcript_finished_checkpoint),
	    cmocka_unit_test(test_hrr_message_hash),
	    cmocka_unit_test(test_expand_label_limits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
