/* SPDX-License-Identifier: MIT */
/*
 * AEAD_BATCH op (hwmodel/tc_op_aead.c): GCM spec test cases 3/4/15/16 and
 * RFC 8439 section 2.8.2, a 64-record batch mixing algorithms and
 * directions against libcrypto, tag failures, SG lists, key reuse across
 * reloads, concurrent eviction, and a negative case for every rule.
 */
#include "ops_fakebus.h"

#include <pthread.h>

#include <openssl/evp.h>

#define SLOT_A128   1
#define SLOT_A256   2
#define SLOT_CHACHA 3

/* One record as a test describes it; the bytes live in fake memory. */
struct rec {
	uint32_t slot;
	uint8_t dir;
	uint8_t nonce[12];
	uint8_t aad[32];
	uint8_t aad_len;
	uint32_t len;
	uint64_t in, out, tag; /* device addresses */
};

static const char *cipher_name(uint8_t type)
{
	switch (type) {
	case TC_KEY_AES128GCM: return "AES-128-GCM";
	case TC_KEY_AES256GCM: return "AES-256-GCM";
	default: return "ChaCha20-Poly1305";
	}
}

/* Reference: libcrypto directly.  Returns 1, or 0 on a bad tag. */
static int ref_aead(uint8_t type, const uint8_t *key, const uint8_t *nonce,
                    const uint8_t *aad, int aad_len, const uint8_t *in, int len,
                    int enc, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, cipher_name(type), NULL);
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int outl, ok;

	assert_non_null(c);
	assert_true(EVP_CipherInit_ex2(x, c, key, nonce, enc, NULL));
	if (!enc)
		assert_true(
		    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, tag));
	if (aad_len)
		assert_true(EVP_CipherUpdate(x, NULL, &outl, aad, aad_len));
	assert_true(EVP_CipherUpdate(x, out, &outl, in, len));
	ok = EVP_CipherFinal_ex(x, out + outl, &outl);
	if (ok && enc)
		assert_true(
		    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, tag));
	EVP_CIPHER_CTX_free(x);
	EVP_CIPHER_free(c);
	return ok;
}

/* A record with contiguous in/out buffers and a tag slot in fake memory. */
static struct tc_aead_record make_rec(struct fakebus *fb, struct rec *r,
                                      const void *in, uint32_t len)
{
	struct tc_aead_record w;

	memset(&w, 0, sizeof(w));
	r->len = len;
	r->in = fb_put(fb, in, len);
	r->out = fb_alloc(fb, len);
	if (!r->tag)
		r->tag = fb_alloc(fb, 16);
	w.key_slot = htole32(r->slot);
	w.dir = r->dir;
	w.aad_len = r->aad_len;
	w.rflags = TC_AEAD_F_IN_CONTIG | TC_AEAD_F_OUT_CONTIG;
	w.in_len = htole32(len);
	memcpy(w.nonce, r->nonce, 12);
	memcpy(w.aad, r->aad, r->aad_len);
	w.in_addr = htole64(r->in);
	w.out_addr = htole64(r->out);
	w.tag_addr = htole64(r->tag);
	return w;
}

/* Run recs[0..n-1] as one batch; statuses land in sts[]. */
static uint16_t run_batch(struct fakebus *fb, const struct tc_aead_record *recs,
                          unsigned n, uint16_t *sts)
{
	struct tc_sqe sqe = fb_sqe(TC_OP_AEAD_BATCH);
	uint64_t ra = fb_put(fb, recs, n * sizeof(*recs));
	uint64_t sa = fb_alloc(fb, 2 * (n ? n : 1));
	uint16_t ret;
	unsigned i;

	memset(fb_ptr(fb, sa), 0xee, 2 * (n ? n : 1));
	sqe.u.aead.nrec = htole16(n);
	sqe.u.aead.rec_addr = htole64(ra);
	sqe.u.aead.status_addr = htole64(sa);
	ret = fb_exec(fb, &sqe);
	for (i = 0; sts && i < n; i++)
		sts[i] = le16toh(((uint16_t *)fb_ptr(fb, sa))[i]);
	return ret;
}

/* ---- known answers --------------------------------------------------- */

struct kat {
	uint8_t type;
	const char *key, *iv, *aad, *pt, *ct, *tag;
};

#define GCM_K128 "feffe9928665731c6d6a8f9467308308"
#define GCM_IV   "cafebabefacedbaddecaf888"
#define GCM_AAD  "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define GCM_P60                                                            \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define GCM_C3_60                                                          \
	"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" \
	"21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
#define GCM_C15_60                                                         \
	"522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" \
	"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"

static const struct kat kats[] = {
    /* McGrew-Viega GCM spec, test case 3 (AES-128, no AAD) */
    {TC_KEY_AES128GCM, GCM_K128, GCM_IV, "", GCM_P60 "1aafd255",
     GCM_C3_60 "473f5985", "4d5c2af327cd64a62cf35abd2ba6fab4"},
    /* test case 4 (AES-128, AAD, 60-byte plaintext) */
    {TC_KEY_AES128GCM, GCM_K128, GCM_IV, GCM_AAD, GCM_P60, GCM_C3_60,
     "5bc94fbc3221a5db94fae95ae7121a47"},
    /* test case 15 (AES-256, no AAD) */
    {TC_KEY_AES256GCM, GCM_K128 GCM_K128, GCM_IV, "", GCM_P60 "1aafd255",
     GCM_C15_60 "898015ad", "b094dac5d93471bdec1a502270e3cc6c"},
    /* test case 16 (AES-256, AAD) */
    {TC_KEY_AES256GCM, GCM_K128 GCM_K128, GCM_IV, GCM_AAD, GCM_P60, GCM_C15_60,
     "76fc6ece0f4e1768cddf8853bb2d551b"},
    /* RFC 8439 section 2.8.2 */
    {TC_KEY_CHACHA20POLY1305,
     "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
     "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7",
     /* "Ladies and Gentlemen of the class of '99: If I could offer
	  * you only one tip for the future, sunscreen would be it." */
     "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
     "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
     "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
     "637265656e20776f756c642062652069742e",
     "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
     "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
     "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
     "3ff4def08e4b7a9de576d26586cec64b6116",
     "1ae10b594f09e26a7e902ecbd0600691"},
};

static void test_known_answers(void **state)
{
	struct fakebus *fb = *state;
	unsigned i;

	for (i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		const struct kat *k = &kats[i];
		uint8_t key[32], pt[128], ct[128], tag[16];
		size_t klen = fb_unhex(k->key, key, sizeof(key));
		size_t plen = fb_unhex(k->pt, pt, sizeof(pt));
		struct tc_aead_record w[2];
		struct rec r[2];
		uint16_t sts[2];
		unsigned j;

		assert_int_equal(fb_unhex(k->ct, ct, sizeof(ct)), plen);
		fb_unhex(k->tag, tag, sizeof(tag));
		assert_int_equal(fb_key_load(fb, 9, k->type, key, klen),
		                 TC_STS_OK);
		/* Record 0 encrypts pt, record 1 decrypts ct. */
		for (j = 0; j < 2; j++) {
			memset(&r[j], 0, sizeof(r[j]));
			r[j].slot = 9;
			r[j].dir = j;
			fb_unhex(k->iv, r[j].nonce, 12);
			r[j].aad_len = fb_unhex(k->aad, r[j].aad, 32);
			if (j)
				r[j].tag = fb_put(fb, tag, 16);
			w[j] = make_rec(fb, &r[j], j ? ct : pt, plen);
		}
		assert_int_equal(run_batch(fb, w, 2, sts), TC_STS_OK);
		assert_int_equal(sts[0], TC_STS_OK);
		assert_int_equal(sts[1], TC_STS_OK);
		assert_int_equal(fb->ctx.result, 0);
		assert_int_equal(fb->ctx.aux, 2 * plen);
		assert_int_equal(fb->ctx.bytes, 2 * plen);
		assert_memory_equal(fb_ptr(fb, r[0].out), ct, plen);
		assert_memory_equal(fb_ptr(fb, r[0].tag), tag, 16);
		assert_memory_equal(fb_ptr(fb, r[1].out), pt, plen);
		fb_reset_heap(fb);
	}
}

/* ---- batches vs libcrypto -------------------------------------------- */

static uint8_t keys[4][32];
static const uint8_t key_types[4] = {0, TC_KEY_AES128GCM, TC_KEY_AES256GCM,
                                     TC_KEY_CHACHA20POLY1305};

static void load_keys(struct fakebus *fb)
{
	unsigned s, i;

	for (s = 1; s <= 3; s++) {
		for (i = 0; i < 32; i++)
			keys[s][i] = (uint8_t)(s * 40 + i * 3);
		assert_int_equal(
		    fb_key_load(fb, s, key_types[s], keys[s], s == 1 ? 16 : 32),
		    TC_STS_OK);
	}
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 13 + i * 7 + (i >> 5));
}

/* Split [addr, addr+len) into n SG entries (some empty) in fake memory. */
static uint64_t make_sgl(struct fakebus *fb, uint64_t addr, uint32_t len,
                         unsigned n)
{
	uint64_t sgl = fb_alloc(fb, n * sizeof(struct tc_sg_entry));
	struct tc_sg_entry *sg = fb_ptr(fb, sgl);
	uint32_t off = 0, piece;
	unsigned i;

	for (i = 0; i < n; i++) {
		piece = i + 1 == n ? len - off : (len - off) / (n - i) + i % 3;
		if (i == 1 && i + 1 < n)
			piece = 0;
		if (piece > len - off)
			piece = len - off;
		sg[i].addr = htole64(addr + off);
		sg[i].len = htole32(piece);
		off += piece;
	}
	return sgl;
}

/* 64 records: three algorithms, both directions, contiguous and SG
 * lists, lengths 0..~5000, checked against libcrypto. */
static void run_mixed_batch(struct fakebus *fb)
{
	struct tc_aead_record w[64];
	struct rec r[64];
	uint8_t *plain[64], *ref_ct[64], ref_tag[64][16];
	uint16_t sts[64];
	uint64_t total = 0;
	unsigned i;

	load_keys(fb);
	for (i = 0; i < 64; i++) {
		uint32_t len = (i * 331) % 5000;
		uint8_t type;

		memset(&r[i], 0, sizeof(r[i]));
		r[i].slot = 1 + i % 3;
		r[i].dir = (i / 3) % 2;
		type = key_types[r[i].slot];
		fill(r[i].nonce, 12, i + 100);
		r[i].aad_len = i % 33;
		fill(r[i].aad, r[i].aad_len, i + 200);
		plain[i] = malloc(len + 1);
		ref_ct[i] = malloc(len + 1);
		fill(plain[i], len, i);
		assert_true(ref_aead(type, keys[r[i].slot], r[i].nonce,
		                     r[i].aad, r[i].aad_len, plain[i], len, 1,
		                     ref_ct[i], ref_tag[i]));
		if (r[i].dir == TC_AEAD_DIR_DECRYPT)
			r[i].tag = fb_put(fb, ref_tag[i], 16);
		w[i] =
		    make_rec(fb, &r[i], r[i].dir ? ref_ct[i] : plain[i], len);
		if (i % 4 == 1 && len > 10) {
			w[i].rflags &= ~TC_AEAD_F_IN_CONTIG;
			w[i].in_nseg = htole16(5);
			w[i].in_addr = htole64(make_sgl(fb, r[i].in, len, 5));
		}
		if (i % 5 == 2 && len > 10) {
			w[i].rflags &= ~TC_AEAD_F_OUT_CONTIG;
			w[i].out_nseg = htole16(3);
			w[i].out_addr = htole64(make_sgl(fb, r[i].out, len, 3));
		}
		total += len;
	}
	assert_int_equal(run_batch(fb, w, 64, sts), TC_STS_OK);
	assert_int_equal(fb->ctx.result, 0);
	assert_int_equal(fb->ctx.aux, total);
	for (i = 0; i < 64; i++) {
		assert_int_equal(sts[i], TC_STS_OK);
		if (r[i].dir == TC_AEAD_DIR_ENCRYPT) {
			assert_memory_equal(fb_ptr(fb, r[i].out), ref_ct[i],
			                    r[i].len);
			assert_memory_equal(fb_ptr(fb, r[i].tag), ref_tag[i],
			                    16);
		} else {
			assert_memory_equal(fb_ptr(fb, r[i].out), plain[i],
			                    r[i].len);
		}
		free(plain[i]);
		free(ref_ct[i]);
	}
}

static void test_mixed_batch_zero_copy(void **state)
{
	struct fakebus *fb = *state;

	run_mixed_batch(fb);
	assert_true(atomic_load(&fb->maps) > 0);
}

static void test_mixed_batch_bounced(void **state)
{
	struct fakebus *fb = *state;

	fb->map_ok = false;
	run_mixed_batch(fb);
	assert_int_equal(atomic_load(&fb->maps), 0);
}

/* In place: output == input. */
static void test_in_place(void **state)
{
	struct fakebus *fb = *state;
	uint8_t pt[1000], ct[1000], tag[16];
	struct tc_aead_record w;
	struct rec r = {.slot = SLOT_A256, .dir = 0};
	uint16_t sts;

	load_keys(fb);
	fill(pt, sizeof(pt), 1);
	ref_aead(TC_KEY_AES256GCM, keys[SLOT_A256], r.nonce, NULL, 0, pt,
	         sizeof(pt), 1, ct, tag);
	w = make_rec(fb, &r, pt, sizeof(pt));
	w.out_addr = w.in_addr;
	assert_int_equal(run_batch(fb, &w, 1, &sts), TC_STS_OK);
	assert_memory_equal(fb_ptr(fb, r.in), ct, sizeof(ct));
	assert_memory_equal(fb_ptr(fb, r.tag), tag, 16);
}

/* A bad tag zeroes that record's output, the others are untouched. */
static void check_tamper(struct fakebus *fb, bool sg_out)
{
	struct tc_aead_record w[4];
	struct rec r[4];
	uint8_t pt[4][700], ct[4][700], tag[4][16];
	uint16_t sts[4];
	unsigned i;

	load_keys(fb);
	for (i = 0; i < 4; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].slot = 1 + i % 3;
		r[i].dir = TC_AEAD_DIR_DECRYPT;
		fill(r[i].nonce, 12, i);
		fill(pt[i], sizeof(pt[i]), i + 7);
		ref_aead(key_types[r[i].slot], keys[r[i].slot], r[i].nonce,
		         NULL, 0, pt[i], sizeof(pt[i]), 1, ct[i], tag[i]);
		if (i == 2)
			tag[i][15] ^= 1;
		r[i].tag = fb_put(fb, tag[i], 16);
		w[i] = make_rec(fb, &r[i], ct[i], sizeof(ct[i]));
		/* Garbage in the output shows whether it was overwritten. */
		memset(fb_ptr(fb, r[i].out), 0x5a, sizeof(ct[i]));
		if (sg_out) {
			w[i].rflags &= ~TC_AEAD_F_OUT_CONTIG;
			w[i].out_nseg = htole16(4);
			w[i].out_addr =
			    htole64(make_sgl(fb, r[i].out, sizeof(ct[i]), 4));
		}
	}
	assert_int_equal(run_batch(fb, w, 4, sts), TC_STS_AUTH_FAIL);
	assert_int_equal(fb->ctx.result, 1);
	assert_int_equal(fb->ctx.aux, 4 * 700);
	for (i = 0; i < 4; i++) {
		if (i == 2) {
			assert_int_equal(sts[i], TC_STS_AUTH_FAIL);
			assert_true(fb_all_zero(fb_ptr(fb, r[i].out), 700));
		} else {
			assert_int_equal(sts[i], TC_STS_OK);
			assert_memory_equal(fb_ptr(fb, r[i].out), pt[i], 700);
		}
	}

	/* A flipped ciphertext bit fails the same way. */
	((uint8_t *)fb_ptr(fb, r[2].tag))[15] ^= 1;
	((uint8_t *)fb_ptr(fb, r[2].in))[100] ^= 0x80;
	assert_int_equal(run_batch(fb, w, 4, sts), TC_STS_AUTH_FAIL);
	assert_int_equal(sts[2], TC_STS_AUTH_FAIL);
	assert_true(fb_all_zero(fb_ptr(fb, r[2].out), 700));
	/* And with the ciphertext restored it verifies. */
	((uint8_t *)fb_ptr(fb, r[2].in))[100] ^= 0x80;
	assert_int_equal(run_batch(fb, w, 4, sts), TC_STS_OK);
	assert_memory_equal(fb_ptr(fb, r[2].out), pt[2], 700);
}

static void test_tampered_tag(void **state)
{
	check_tamper(*state, false);
}

static void test_tampered_tag_sg(void **state)
{
	check_tamper(*state, true);
}

static void test_tampered_tag_bounced(void **state)
{
	struct fakebus *fb = *state;

	fb->map_ok = false;
	check_tamper(fb, false);
	fb_reset_heap(fb);
	check_tamper(fb, true);
}

/* SG lists on both sides, split differently, with empty entries. */
static void test_sg_lists(void **state)
{
	struct fakebus *fb = *state;
	static const unsigned splits[][2] = {
	    {1, 1}, {2, 7}, {7, 2}, {16, 16}, {64, 3}};
	uint8_t pt[4096], ct[4096], tag[16];
	unsigned i;

	load_keys(fb);
	fill(pt, sizeof(pt), 9);
	for (i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		struct rec r = {.slot = SLOT_CHACHA, .aad_len = 13};
		struct tc_aead_record w;
		uint16_t sts;

		fill(r.nonce, 12, i);
		fill(r.aad, 13, i);
		ref_aead(TC_KEY_CHACHA20POLY1305, keys[SLOT_CHACHA], r.nonce,
		         r.aad, 13, pt, sizeof(pt), 1, ct, tag);
		w = make_rec(fb, &r, pt, sizeof(pt));
		w.rflags = 0;
		w.in_nseg = htole16(splits[i][0]);
		w.in_addr = htole64(make_sgl(fb, r.in, 4096, splits[i][0]));
		w.out_nseg = htole16(splits[i][1]);
		w.out_addr = htole64(make_sgl(fb, r.out, 4096, splits[i][1]));
		assert_int_equal(run_batch(fb, &w, 1, &sts), TC_STS_OK);
		assert_memory_equal(fb_ptr(fb, r.out), ct, sizeof(ct));
		assert_memory_equal(fb_ptr(fb, r.tag), tag, 16);
		fb_reset_heap(fb);
	}
}

/* Reloading a slot with a new key must not reuse the engine's cached
 * schedule of the old one, on either engine, in either direction. */
static void test_key_reload(void **state)
{
	struct fakebus *fb = *state;
	uint8_t pt[256], ct[256], tag[16], k2[16];
	unsigned round, engine;

	load_keys(fb);
	fill(pt, sizeof(pt), 4);
	memcpy(k2, keys[SLOT_A128], 16);
	for (round = 0; round < 4; round++) {
		for (engine = 0; engine < 2; engine++) {
			struct rec r = {.slot = SLOT_A128};
			struct tc_aead_record w;
			uint16_t sts;

			fb->ctx.engine = engine;
			ref_aead(TC_KEY_AES128GCM, k2, r.nonce, NULL, 0, pt,
			         sizeof(pt), 1, ct, tag);
			w = make_rec(fb, &r, pt, sizeof(pt));
			assert_int_equal(run_batch(fb, &w, 1, &sts), TC_STS_OK);
			assert_memory_equal(fb_ptr(fb, r.out), ct, sizeof(ct));
			assert_memory_equal(fb_ptr(fb, r.tag), tag, 16);
			/* Decrypt it back on the same cached context. */
			r.dir = 1;
			w = make_rec(fb, &r, ct, sizeof(ct));
			assert_int_equal(run_batch(fb, &w, 1, &sts), TC_STS_OK);
			assert_memory_equal(fb_ptr(fb, r.out), pt, sizeof(pt));
		}
		k2[round] ^= 0xff;
		assert_int_equal(
		    fb_key_load(fb, SLOT_A128, TC_KEY_AES128GCM, k2, 16),
		    TC_STS_OK);
		fb_reset_heap(fb);
	}
	fb->ctx.engine = 0;
}

/* ---- validation ------------------------------------------------------ */

static uint16_t one_record(struct fakebus *fb, const struct tc_aead_record *w)
{
	uint16_t sts[2], ret;
	struct tc_aead_record pair[2];

	/* A good record next to it must stay OK. */
	pair[0] = *w;
	pair[1] = *w;
	pair[1].key_slot = htole32(SLOT_A128);
	pair[1].dir = 0;
	pair[1].rflags = TC_AEAD_F_IN_CONTIG | TC_AEAD_F_OUT_CONTIG;
	pair[1].rsvd7 = 0;
	pair[1].rsvd28 = 0;
	memset(pair[1].rsvd88, 0, sizeof(pair[1].rsvd88));
	pair[1].aad_len = 0;
	pair[1].in_len = htole32(16);
	pair[1].in_addr = htole64(FB_BASE);
	pair[1].out_addr = htole64(FB_BASE + FB_SIZE - 64);
	pair[1].tag_addr = htole64(FB_BASE + FB_SIZE - 32);
	ret = run_batch(fb, pair, 2, sts);
	assert_int_equal(sts[1], TC_STS_OK);
	if (sts[0] != TC_STS_OK) {
		assert_int_equal(fb->ctx.result, 1);
		assert_int_equal(ret, sts[0]);
	} else {
		assert_int_equal(ret, TC_STS_OK);
	}
	return sts[0];
}

static void test_record_rules(void **state)
{
	struct fakebus *fb = *state;
	uint8_t pt[64] = {0}, tag[16];
	struct rec r = {.slot = SLOT_A128};
	struct tc_aead_record base, w;
	struct tc_sg_entry *sg;
	uint64_t sgl;

	load_keys(fb);
	base = make_rec(fb, &r, pt, sizeof(pt));
	assert_int_equal(one_record(fb, &base), TC_STS_OK);

	w = base;
	w.dir = 2;
	assert_int_equal(one_record(fb, &w), TC_STS_INVALID_DESC);
	w = base;
	w.aad_len = 33;
	assert_int_equal(one_record(fb, &w), TC_STS_INVALID_DESC);
	w.aad_len = 32;
	assert_int_equal(one_record(fb, &w), TC_STS_OK);
	w = base;
	w.rflags |= 4;
	assert_int_equal(one_record(fb, &w), TC_STS_INVALID_DESC);
	w = base;
	w.rsvd7 = 1;
	assert_int_equal(one_record(fb, &w), TC_STS_INVALID_DESC);
	w = base;
	w.rsvd28 = htole32(1);
	assert_int_equal(one_record(fb, &w), TC_STS_INVALID_DESC);
	w = base;
	w.rsvd88[39] = 1;
	assert_int_equal(one_record(fb, &w), TC_STS_INVALID_DESC);
	w = base;
	w.in_len = htole32(fb->cfg.max_input + 1);
	assert_int_equal(one_record(fb, &w), TC_STS_INVALID_DESC);
	w.in_len = htole32(fb->cfg.max_input);
	assert_int_equal(one_record(fb, &w), TC_STS_OK);

	/* Keys: empty, wrong type, out of range. */
	w = base;
	w.key_slot = htole32(20);
	assert_int_equal(one_record(fb, &w), TC_STS_BAD_KEY_SLOT);
	assert_int_equal(fb_key_load(fb, 20, TC_KEY_HMAC, "hmac", 4),
	                 TC_STS_OK);
	assert_int_equal(one_record(fb, &w), TC_STS_BAD_KEY_SLOT);
	w.key_slot = htole32(fb->cfg.key_slots);
	assert_int_equal(one_record(fb, &w), TC_STS_BAD_KEY_SLOT);
	w.key_slot = htole32(UINT32_MAX);
	assert_int_equal(one_record(fb, &w), TC_STS_BAD_KEY_SLOT);

	/* SG lists: counts, sums, blob segments, unknown flags. */
	w = base;
	w.rflags = TC_AEAD_F_OUT_CONTIG;
	w.in_nseg = 0;
	assert_int_equal(one_record(fb, &w), TC_STS_INVALID_DESC);
	w.in_nseg = htole16(fb->cfg.max_sg + 1);
	assert_int_equal(one_record(fb, &w), TC_STS_INVALID_DESC);
	sgl = make_sgl(fb, r.in, 64, 3);
	sg = fb_ptr(fb, sgl);
	w.in_nseg = htole16(3);
	w.in_addr = htole64(sgl);
	assert_int_equal(one_record(fb, &w), TC_STS_OK);
	sg[2].len = htole32(le32toh(sg[2].len) + 1);
	assert_int_equal(one_record(fb, &w), TC_STS_INVALID_DESC);
	sg[2].len = htole32(le32toh(sg[2].len) - 2);
	assert_int_equal(one_record(fb, &w), TC_STS_INVALID_DESC);
	sg[2].len = htole32(le32toh(sg[2].len) + 1);
	sg[0].flags = htole16(TC_SG_F_BLOB);
	assert_int_equal(one_record(fb, &w), TC_STS_INVALID_DESC);
	sg[0].flags = htole16(0x10);
	assert_int_equal(one_record(fb, &w), TC_STS_INVALID_DESC);
	sg[0].flags = 0;
	sg[0].blob_id = htole16(1);
	assert_int_equal(one_record(fb, &w), TC_STS_INVALID_DESC);
	sg[0].blob_id = 0;
	assert_int_equal(one_record(fb, &w), TC_STS_OK);
	/* Sum overflowing 32 bits does not wrap to in_len. */
	sg[0].len = htole32(UINT32_MAX);
	sg[1].len = htole32(65);
	sg[2].len = 0;
	assert_int_equal(one_record(fb, &w), TC_STS_INVALID_DESC);
	w = base;
	w.rflags = TC_AEAD_F_IN_CONTIG;
	w.out_nseg = 0;
	assert_int_equal(one_record(fb, &w), TC_STS_INVALID_DESC);
	w.out_nseg = htole16(1);
	w.out_addr = htole64(FB_BAD);
	assert_int_equal(one_record(fb, &w), TC_STS_DMA_FAULT);

	/* DMA faults on each address of a record. */
	w = base;
	w.in_addr = htole64(FB_BAD);
	assert_int_equal(one_record(fb, &w), TC_STS_DMA_FAULT);
	w = base;
	w.out_addr = htole64(FB_BASE + FB_SIZE - 10);
	assert_int_equal(one_record(fb, &w), TC_STS_DMA_FAULT);
	w = base;
	w.tag_addr = htole64(FB_BAD);
	assert_int_equal(one_record(fb, &w), TC_STS_DMA_FAULT);
	w.dir = TC_AEAD_DIR_DECRYPT;
	assert_int_equal(one_record(fb, &w), TC_STS_DMA_FAULT);
	/* Bounced output faulting on flush. */
	fb->map_ok = false;
	w = base;
	w.out_addr = htole64(FB_BASE + FB_SIZE - 10);
	assert_int_equal(one_record(fb, &w), TC_STS_DMA_FAULT);
	fb->map_ok = true;

	/* Decrypt of a wrong tag: AUTH_FAIL alone gives AUTH_FAIL. */
	memset(tag, 0, sizeof(tag));
	r.dir = 1;
	r.tag = fb_put(fb, tag, 16);
	w = make_rec(fb, &r, pt, sizeof(pt));
	assert_int_equal(one_record(fb, &w), TC_STS_AUTH_FAIL);
}

static void test_job_rules(void **state)
{
	struct fakebus *fb = *state;
	uint8_t pt[32] = {0};
	struct rec r = {.slot = SLOT_A128};
	struct tc_aead_record w[TC_AEAD_MAX_RECORDS + 1], bad;
	struct tc_sqe sqe;
	uint16_t sts[TC_AEAD_MAX_RECORDS + 1];
	unsigned i;

	load_keys(fb);
	w[0] = make_rec(fb, &r, pt, sizeof(pt));
	for (i = 1; i <= TC_AEAD_MAX_RECORDS; i++)
		w[i] = w[0];
	assert_int_equal(run_batch(fb, w, 0, NULL), TC_STS_INVALID_DESC);
	assert_int_equal(run_batch(fb, w, TC_AEAD_MAX_RECORDS + 1, NULL),
	                 TC_STS_INVALID_DESC);
	assert_int_equal(run_batch(fb, w, TC_AEAD_MAX_RECORDS, sts), TC_STS_OK);

	sqe = fb_sqe(TC_OP_AEAD_BATCH);
	sqe.u.aead.nrec = htole16(1);
	sqe.u.aead.rec_addr = htole64(fb_put(fb, w, sizeof(w[0])));
	sqe.u.aead.status_addr = htole64(fb_alloc(fb, 2));
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	sqe.u.aead.rsvd2 = htole16(1);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.aead.rsvd2 = 0;
	sqe.u.aead.rsvd4 = htole32(1);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.aead.rsvd4 = 0;
	sqe.u.aead.rsvd24[31] = 1;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.aead.rsvd24[31] = 0;
	sqe.u.aead.rec_addr = htole64(FB_BAD);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	sqe.u.aead.rec_addr = htole64(FB_BASE + FB_SIZE - 64);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	sqe.u.aead.rec_addr = htole64(fb_put(fb, w, sizeof(w[0])));
	sqe.u.aead.status_addr = htole64(FB_BAD);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);

	/* Completion: with any failure other than AUTH_FAIL, the status of
	 * the first failed record. */
	bad = w[0];
	bad.dir = TC_AEAD_DIR_DECRYPT; /* zero tag: fails */
	w[2] = bad;
	w[1] = w[0];
	w[1].key_slot = htole32(30); /* empty */
	w[3] = bad;
	w[4] = w[0];
	w[4].rsvd7 = 1;
	assert_int_equal(run_batch(fb, w, 5, sts), TC_STS_BAD_KEY_SLOT);
	assert_int_equal(fb->ctx.result, 4);
	assert_int_equal(sts[0], TC_STS_OK);
	assert_int_equal(sts[1], TC_STS_BAD_KEY_SLOT);
	assert_int_equal(sts[2], TC_STS_AUTH_FAIL);
	assert_int_equal(sts[3], TC_STS_AUTH_FAIL);
	assert_int_equal(sts[4], TC_STS_INVALID_DESC);
	/* Bytes count the records that were ciphered (OK or AUTH_FAIL). */
	assert_int_equal(fb->ctx.aux, 3 * sizeof(pt));
	/* AUTH_FAIL first, then another failure: still the first one. */
	w[1] = bad;
	w[2] = w[0];
	w[2].key_slot = htole32(30);
	assert_int_equal(run_batch(fb, w, 5, sts), TC_STS_AUTH_FAIL);
	assert_int_equal(fb->ctx.result, 4);
	/* Only authentication failures: AUTH_FAIL. */
	assert_int_equal(run_batch(fb, w, 2, sts), TC_STS_AUTH_FAIL);
	assert_int_equal(fb->ctx.result, 1);
	w[2] = bad;
	assert_int_equal(run_batch(fb, w, 4, sts), TC_STS_AUTH_FAIL);
	assert_int_equal(fb->ctx.result, 3);
}

/* Zero-length records, with and without AAD (tag only). */
static void test_empty_record(void **state)
{
	struct fakebus *fb = *state;
	unsigned s;

	load_keys(fb);
	for (s = 1; s <= 3; s++) {
		struct rec r = {.slot = s, .aad_len = s == 2 ? 0 : 5};
		struct tc_aead_record w;
		uint8_t tag[16];
		uint16_t sts;

		memcpy(r.aad, "hello", 5);
		ref_aead(key_types[s], keys[s], r.nonce, r.aad, r.aad_len, NULL,
		         0, 1, tag, tag);
		w = make_rec(fb, &r, NULL, 0);
		w.in_addr = htole64(FB_BAD); /* never touched */
		w.out_addr = htole64(FB_BAD);
		assert_int_equal(run_batch(fb, &w, 1, &sts), TC_STS_OK);
		assert_memory_equal(fb_ptr(fb, r.tag), tag, 16);
		w.dir = 1;
		assert_int_equal(run_batch(fb, &w, 1, &sts), TC_STS_OK);
	}
}

/* ---- concurrency ----------------------------------------------------- */

struct racer {
	struct fakebus *fb;
	unsigned engine;
	struct tc_sqe sqe;
	unsigned iters;
	unsigned ok, bad_slot, other;
};

static void *race_batches(void *arg)
{
	struct racer *rc = arg;
	struct tc_op_ctx ctx = {
	    .st = rc->fb->st, .dma = &rc->fb->dma, .engine = rc->engine};
	unsigned i;

	for (i = 0; i < rc->iters; i++) {
		uint16_t sts = tc_op_execute(&ctx, &rc->sqe);

		if (sts == TC_STS_OK)
			rc->ok++;
		else if (sts == TC_STS_BAD_KEY_SLOT)
			rc->bad_slot++;
		else
			rc->other++;
	}
	return NULL;
}

static void *race_keys(void *arg)
{
	struct racer *rc = arg;
	struct tc_op_ctx ctx = {
	    .st = rc->fb->st, .dma = &rc->fb->dma, .engine = rc->engine};
	unsigned i;

	for (i = 0; i < rc->iters; i++) {
		rc->sqe.opcode = i % 2 ? TC_OP_KEY_EVICT : TC_OP_KEY_LOAD;
		if (tc_op_execute(&ctx, &rc->sqe) != TC_STS_OK)
			rc->other++;
	}
	return NULL;
}

/* KEY_LOAD/EVICT on engine 1 while engine 0 ciphers with that slot:
 * every record either runs with a live key or finds the slot empty. */
static void test_evict_while_running(void **state)
{
	struct fakebus *fb = *state;
	uint8_t pt[16384] = {0};
	struct tc_aead_record w[8];
	struct racer a = {.fb = fb, .engine = 0, .iters = 200};
	struct racer b = {.fb = fb, .engine = 1, .iters = 2000};
	struct rec r = {.slot = 40};
	pthread_t ta, tb;
	uint8_t key[32] = {1, 2, 3};
	unsigned i;

	for (i = 0; i < 8; i++)
		w[i] = make_rec(fb, &r, pt, sizeof(pt));
	a.sqe = fb_sqe(TC_OP_AEAD_BATCH);
	a.sqe.u.aead.nrec = htole16(8);
	a.sqe.u.aead.rec_addr = htole64(fb_put(fb, w, sizeof(w)));
	a.sqe.u.aead.status_addr = htole64(fb_alloc(fb, 16));
	b.sqe = fb_sqe(TC_OP_KEY_LOAD);
	b.sqe.u.key.slot = htole32(40);
	b.sqe.u.key.key_type = TC_KEY_AES256GCM;
	b.sqe.u.key.key_addr = htole64(fb_put(fb, key, 32));
	b.sqe.u.key.key_len = htole32(32);

	assert_int_equal(pthread_create(&ta, NULL, race_batches, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, race_keys, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(a.other, 0);
	assert_int_equal(b.other, 0);
	assert_int_equal(a.ok + a.bad_slot, a.iters);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fb_setup, fb_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_known_answers),
	    T(test_mixed_batch_zero_copy),
	    T(test_mixed_batch_bounced),
	    T(test_in_place),
	    T(test_tampered_tag),
	    T(test_tampered_tag_sg),
	    T(test_tampered_tag_bounced),
	    T(test_sg_lists),
	    T(test_key_reload),
	    T(test_record_rules),
	    T(test_job_rules),
	    T(test_empty_record),
	    T(test_evict_while_running),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
