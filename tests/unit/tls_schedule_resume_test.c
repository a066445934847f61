// SPDX-License-Identifier: MIT
/*
 * Known answers for a resumed TLS 1.3 handshake from RFC 8448 §4, as far
 * as a server that never accepts 0-RTT uses them: the PSK from §3's
 * resumption_master_secret and ticket_nonce (§4.6.1), the early secret,
 * binder key and the PSK binder over the RFC's truncated ClientHello
 * (§4.2.11.2), the handshake secret with §4's ECDHE secret, the
 * transcript hashes (M1 with checkpoints, and the incremental baseline),
 * the handshake traffic secrets and keys, both Finished values and the
 * master, application and exporter secrets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tls13_schedule.h"
#include "tls_client_hello.h"
#include "tls_rfc8448.h"
#include "tls_rfc8448_resume.h"
#include "tls_test_util.h"
#include "tls_transcript.h"

static struct tls_offload *off;

static void assert_hex(const uint8_t *got, const char *want_hex)
{
	size_t n;
	uint8_t *want = tls_test_unhex(want_hex, &n);

	assert_memory_equal(got, want, n);
	free(want);
}

static void load32(const char *hex, uint8_t *out)
{
	size_t n;
	uint8_t *p = tls_test_unhex(hex, &n);

	assert_int_equal(n, 32);
	memcpy(out, p, 32);
	free(p);
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

/* The 512-octet ClientHello: the 477-octet prefix, then binders. */
static uint8_t *load_client_hello(size_t *len)
{
	size_t np, nb;
	uint8_t *prefix = tls_test_unhex(RFC8448_R_CH_PREFIX, &np);
	uint8_t *binder = tls_test_unhex(RFC8448_R_BINDER, &nb);
	uint8_t *ch = malloc(np + 3 + nb);

	assert_non_null(ch);
	memcpy(ch, prefix, np);
	ch[np] = 0x00; /* PskBinderEntry binders<33..2^16-1> */
	ch[np + 1] = 0x21;
	ch[np + 2] = 0x20; /* opaque PskBinderEntry<32..255> */
	memcpy(ch + np + 3, binder, nb);
	*len = np + 3 + nb;
	free(prefix);
	free(binder);
	return ch;
}

/* §4.6.1: PSK = HKDF-Expand-Label(res_master, "resumption", nonce). */
static void test_psk_from_ticket(void **state)
{
	uint8_t res[32], psk[32];
	uint8_t nonce[2] = {0, 0};

	(void)state;
	load32(RFC8448_RES, res);
	assert_hex(nonce, RFC8448_R_NONCE);
	assert_true(tls_is_ok(tls13_expand_label(
	    off, TLS_HASH_SHA256, res, "resumption", nonce, 2, psk, 32)));
	assert_hex(psk, RFC8448_R_PSK);
}

/*
 * The server's binder check (tls13_server.c, tls13_try_psk): early
 * secret from the PSK, binder key, then the Finished construction over
 * the hash of the hello truncated before its binders.
 */
static void test_binder(void **state)
{
	struct tls_client_hello ch;
	struct tls_transcript t;
	uint8_t psk[32], early[32], bk[32], fk[32], th[32], binder[32];
	size_t len;
	uint8_t *msg = load_client_hello(&len);

	(void)state;
	assert_int_equal(len, 512);
	memset(&ch, 0, sizeof(ch));
	assert_true(tls_is_ok(tls_client_hello_parse(msg, len, &ch)));
	assert_int_equal(ch.npsks, 1);
	assert_true(ch.psk_dhe_ke);
	assert_int_equal(ch.binders_offset, 477);
	assert_int_equal(ch.psks[0].binder_len, 32);
	assert_int_equal(ch.psks[0].len, 0xb2);

	load32(RFC8448_R_PSK, psk);
	assert_true(tls_is_ok(
	    tls13_early_secret(off, TLS_HASH_SHA256, psk, 32, early)));
	assert_hex(early, RFC8448_R_EARLY);
	assert_true(tls_is_ok(
	    tls13_derive_secret(off, TLS_HASH_SHA256, early, "res binder",
	                        tls13_empty_hash(TLS_HASH_SHA256), bk)));
	assert_hex(bk, RFC8448_R_BINDER_KEY);
	assert_true(tls_is_ok(tls13_expand_label(off, TLS_HASH_SHA256, bk,
	                                         "finished", NULL, 0, fk, 32)));
	assert_hex(fk, RFC8448_R_BINDER_FK);

	tls_transcript_init(&t, off, TLS_HASH_SHA256, false);
	assert_true(tls_is_ok(tls_transcript_add(&t, msg, len)));
	assert_true(tls_is_ok(tls_transcript_hash_tail(&t, t.count - 1, ch.msg,
	                                               ch.binders_offset, th)));
	assert_hex(th, RFC8448_R_TH_BINDER);
	assert_true(
	    tls_is_ok(tls13_finished(off, TLS_HASH_SHA256, bk, th, binder)));
	assert_hex(binder, RFC8448_R_BINDER);
	assert_memory_equal(binder, ch.psks[0].binder, 32);
	/* The whole hello, binders included (the "c e traffic" hash). */
	assert_true(tls_is_ok(tls_transcript_hash(&t, 1, th)));
	assert_hex(th, RFC8448_R_TH_CH);

	/* One changed octet in the covered part: another binder. */
	msg[10] ^= 1;
	assert_true(tls_is_ok(tls_transcript_hash_tail(&t, t.count - 1, ch.msg,
	                                               ch.binders_offset, th)));
	assert_true(
	    tls_is_ok(tls13_finished(off, TLS_HASH_SHA256, bk, th, binder)));
	assert_memory_not_equal(binder, ch.psks[0].binder, 32);
	tls_transcript_fini(&t);
	free(msg);
}

static void test_secrets(void **state)
{
	uint8_t early[32], salt[32], ecdhe[32], hs[32], ms[32], th[32];
	uint8_t s[32], key[16], iv[12];

	(void)state;
	load32(RFC8448_R_EARLY, early);
	assert_true(tls_is_ok(
	    tls13_derive_secret(off, TLS_HASH_SHA256, early, "derived",
	                        tls13_empty_hash(TLS_HASH_SHA256), salt)));
	assert_hex(salt, RFC8448_R_HS_SALT);
	load32(RFC8448_R_ECDHE, ecdhe);
	assert_true(tls_is_ok(
	    tls13_next_secret(off, TLS_HASH_SHA256, early, ecdhe, 32, hs)));
	assert_hex(hs, RFC8448_R_HANDSHAKE);
	load32(RFC8448_R_TH_CH_SH, th);
	assert_true(tls_is_ok(tls13_derive_secret(off, TLS_HASH_SHA256, hs,
	                                          "c hs traffic", th, s)));
	assert_hex(s, RFC8448_R_C_HS);
	assert_true(tls_is_ok(tls13_derive_secret(off, TLS_HASH_SHA256, hs,
	                                          "s hs traffic", th, s)));
	assert_hex(s, RFC8448_R_S_HS);
	assert_true(tls_is_ok(tls13_traffic_key(
	    off, TLS_HASH_SHA256, TLS_AEAD_AES_128_GCM, s, key, iv)));
	assert_hex(key, RFC8448_R_S_HS_KEY);
	assert_hex(iv, RFC8448_R_S_HS_IV);
	assert_true(tls_is_ok(
	    tls13_next_secret(off, TLS_HASH_SHA256, hs, NULL, 0, ms)));
	assert_hex(ms, RFC8448_R_MASTER);
	load32(RFC8448_R_TH_CH_SF, th);
	assert_true(tls_is_ok(tls13_derive_secret(off, TLS_HASH_SHA256, ms,
	                                          "c ap traffic", th, s)));
	assert_hex(s, RFC8448_R_C_AP);
	assert_true(tls_is_ok(tls13_derive_secret(off, TLS_HASH_SHA256, ms,
	                                          "s ap traffic", th, s)));
	assert_hex(s, RFC8448_R_S_AP);
	assert_true(tls_is_ok(tls13_derive_secret(off, TLS_HASH_SHA256, ms,
	                                          "exp master", th, s)));
	assert_hex(s, RFC8448_R_EXP);
}

#define NMSG 6 /* CH SH EE SF EOED CF */

/*
 * The server's order of hash requests in a resumed handshake: the
 * binder over the truncated hello, CH..SH for the handshake secrets,
 * CH..EE for its Finished, CH..SF for the application secrets, and the
 * client Finished over CH..EOED.  M1 needs 3 digest calls.
 */
static void run_transcript(bool incremental, unsigned want_calls)
{
	const char *hex[NMSG] = {NULL,         RFC8448_R_SH,   RFC8448_R_EE,
	                         RFC8448_R_SF, RFC8448_R_EOED, RFC8448_R_CF};
	uint8_t *m[NMSG];
	size_t len[NMSG];
	struct tls_transcript t;
	uint8_t h[32], s[32], fin[32];

	m[0] = load_client_hello(&len[0]);
	for (int i = 1; i < NMSG; i++)
		m[i] = tls_test_unhex(hex[i], &len[i]);
	tls_transcript_init(&t, off, TLS_HASH_SHA256, incremental);
	assert_true(tls_is_ok(tls_transcript_add(&t, m[0], len[0])));
	assert_true(tls_is_ok(tls_transcript_hash_tail(&t, 0, m[0], 477, h)));
	assert_hex(h, RFC8448_R_TH_BINDER);
	assert_true(tls_is_ok(tls_transcript_add(&t, m[1], len[1])));
	assert_true(tls_is_ok(tls_transcript_add(&t, m[2], len[2])));
	assert_true(tls_is_ok(tls_transcript_hash(&t, 2, h)));
	assert_hex(h, RFC8448_R_TH_CH_SH);
	assert_true(tls_is_ok(tls_transcript_hash(&t, 3, h)));
	load32(RFC8448_R_S_HS, s);
	assert_true(tls_is_ok(tls13_finished(off, TLS_HASH_SHA256, s, h, fin)));
	assert_int_equal(len[3], 36);
	assert_memory_equal(fin, m[3] + 4, 32);
	for (int i = 3; i < NMSG; i++)
		assert_true(tls_is_ok(tls_transcript_add(&t, m[i], len[i])));
	assert_true(tls_is_ok(tls_transcript_hash(&t, 4, h)));
	assert_hex(h, RFC8448_R_TH_CH_SF);
	assert_true(tls_is_ok(tls_transcript_hash(&t, 5, h)));
	load32(RFC8448_R_C_HS, s);
	assert_true(tls_is_ok(tls13_finished(off, TLS_HASH_SHA256, s, h, fin)));
	assert_int_equal(len[5], 36);
	assert_memory_equal(fin, m[5] + 4, 32);
	assert_true(tls_is_ok(tls_transcript_hash(&t, 6, h)));
	assert_hex(h, RFC8448_R_TH_CH_CF);
	assert_int_equal(t.digest_calls, want_calls);
	tls_transcript_fini(&t);
	for (int i = 0; i < NMSG; i++)
		free(m[i]);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_psk_from_ticket),
	    cmocka_unit_test(test_binder),
	    cmocka_unit_test(test_secrets),
	    cmocka_unit_test(test_transcript_m1),
	    cmocka_unit_test(test_transcript_incremental),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
