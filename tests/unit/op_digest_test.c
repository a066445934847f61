/* SPDX-License-Identifier: MIT */
/*
 * DIGEST op (hwmodel/tc_op_digest.c): FIPS 180-2 and RFC 4231 known
 * answers, scatter lists and checkpoints against one-shot libcrypto, blob
 * segments, and a negative case for every validation rule.
 */
#include "ops_fakebus.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define HMAC_SLOT 7

static const char msg448[] =
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

struct seg {
	const void *data;
	size_t len;
};

/* A DIGEST sqe over host segments segs[0..n-1] (copied into fake memory);
 * digests land at *out_addr. */
static struct tc_sqe digest_sqe(struct fakebus *fb, uint8_t hash,
                                const struct seg *segs, unsigned n,
                                uint64_t *out_addr)
{
	struct tc_sqe sqe = fb_sqe(TC_OP_DIGEST);
	uint64_t sgl = fb_alloc(fb, n * sizeof(struct tc_sg_entry));
	struct tc_sg_entry *sg = fb_ptr(fb, sgl);
	unsigned i;

	for (i = 0; i < n; i++) {
		sg[i].addr = htole64(fb_put(fb, segs[i].data, segs[i].len));
		sg[i].len = htole32(segs[i].len);
	}
	*out_addr = fb_alloc(fb, TC_DIGEST_MAX_CP * TC_DIGEST_MAX_LEN);
	sqe.u.digest.hash = hash;
	sqe.u.digest.nseg = htole16(n);
	sqe.u.digest.out_len = htole32(TC_DIGEST_MAX_CP * TC_DIGEST_MAX_LEN);
	sqe.u.digest.sgl_addr = htole64(sgl);
	sqe.u.digest.out_addr = htole64(*out_addr);
	return sqe;
}

static struct tc_sg_entry *sqe_sgl(struct fakebus *fb, const struct tc_sqe *sqe)
{
	return fb_ptr(fb, le64toh(sqe->u.digest.sgl_addr));
}

static void check_one(struct fakebus *fb, uint8_t hash, const char *msg,
                      const char *hex)
{
	struct seg s = {msg, strlen(msg)};
	uint8_t want[64];
	size_t wlen = fb_unhex(hex, want, sizeof(want));
	uint64_t out;
	struct tc_sqe sqe = digest_sqe(fb, hash, &s, 1, &out);

	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	assert_int_equal(fb->ctx.result, wlen);
	assert_int_equal(fb->ctx.aux, strlen(msg));
	assert_int_equal(fb->ctx.bytes, strlen(msg));
	assert_memory_equal(fb_ptr(fb, out), want, wlen);
}

static void test_fips180_vectors(void **state)
{
	struct fakebus *fb = *state;

	check_one(fb, TC_HASH_SHA256, "abc",
	          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
	          "f20015ad");
	check_one(fb, TC_HASH_SHA256, msg448,
	          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd4"
	          "19db06c1");
	check_one(fb, TC_HASH_SHA384, "abc",
	          "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a"
	          "43ff5bed8086072ba1e7cc2358baeca134c825a7");
	check_one(fb, TC_HASH_SHA384, msg448,
	          "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450d"
	          "e5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b");
	check_one(fb, TC_HASH_SHA512, "abc",
	          "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee6"
	          "4b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e"
	          "2a9ac94fa54ca49f");
	check_one(fb, TC_HASH_SHA512, msg448,
	          "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331"
	          "a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd703"
	          "54ec631238ca3445");
}

/* The same message split at every byte boundary gives the same digest. */
static void test_split_two_segments(void **state)
{
	struct fakebus *fb = *state;
	size_t len = strlen(msg448), cut;
	uint8_t want[32];

	assert_true(EVP_Digest(msg448, len, want, NULL, EVP_sha256(), NULL));
	for (cut = 0; cut <= len; cut++) {
		struct seg s[2] = {{msg448, cut}, {msg448 + cut, len - cut}};
		uint64_t out;
		struct tc_sqe sqe = digest_sqe(fb, TC_HASH_SHA256, s, 2, &out);

		assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
		assert_memory_equal(fb_ptr(fb, out), want, 32);
		fb_reset_heap(fb);
	}
}

static void fill_pattern(uint8_t *buf, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 31 + seed * 7 + (i >> 8));
}

/* 64 segments of varied sizes vs libcrypto over the concatenation, for
 * each hash, with and without zero copy. */
static void test_64_segments(void **state)
{
	static const uint8_t hashes[] = {TC_HASH_SHA256, TC_HASH_SHA384,
	                                 TC_HASH_SHA512};
	static const char *const names[] = {"SHA256", "SHA384", "SHA512"};
	struct fakebus *fb = *state;
	uint8_t *all = malloc(64 * 1500);
	struct seg s[64];
	size_t total = 0;
	unsigned h, i, map;

	assert_non_null(all);
	for (i = 0; i < 64; i++) {
		size_t len = (i * 97) % 1500; /* includes a 0-length one */

		fill_pattern(all + total, len, i);
		s[i].data = all + total;
		s[i].len = len;
		total += len;
	}
	for (map = 0; map < 2; map++) {
		fb->map_ok = map;
		for (h = 0; h < 3; h++) {
			uint8_t want[64];
			unsigned wlen;
			uint64_t out;
			struct tc_sqe sqe =
			    digest_sqe(fb, hashes[h], s, 64, &out);

			assert_true(EVP_Digest(all, total, want, &wlen,
			                       EVP_get_digestbyname(names[h]),
			                       NULL));
			assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
			assert_int_equal(fb->ctx.result, wlen);
			assert_int_equal(fb->ctx.aux, total);
			assert_memory_equal(fb_ptr(fb, out), want, wlen);
			fb_reset_heap(fb);
		}
		/* Zero copy when the bus maps: one window per segment. */
		assert_int_equal(atomic_load(&fb->maps), map ? 3 * 63 : 0);
	}
	fb->map_ok = true;
	free(all);
}

/* 8 checkpoints over 40 segments: digest i covers the first cp[i]. */
static void test_checkpoints(void **state)
{
	static const uint16_t cps[8] = {1, 3, 4, 10, 17, 25, 33, 40};
	struct fakebus *fb = *state;
	uint8_t bufs[40][200];
	struct seg s[40];
	unsigned i, k, h;

	for (i = 0; i < 40; i++) {
		fill_pattern(bufs[i], sizeof(bufs[i]), i + 1);
		s[i].data = bufs[i];
		s[i].len = 50 + i * 3;
	}
	for (h = TC_HASH_SHA256; h <= TC_HASH_SHA512; h++) {
		const EVP_MD *md = h == TC_HASH_SHA256   ? EVP_sha256()
		                   : h == TC_HASH_SHA384 ? EVP_sha384()
		                                         : EVP_sha512();
		size_t dlen = EVP_MD_get_size(md);
		uint64_t out;
		struct tc_sqe sqe = digest_sqe(fb, h, s, 40, &out);
		uint64_t total = 0;

		sqe.u.digest.ncp = 8;
		for (k = 0; k < 8; k++)
			sqe.u.digest.cp[k] = htole16(cps[k]);
		assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
		assert_int_equal(fb->ctx.result, 8 * dlen);
		for (i = 0; i < 40; i++)
			total += s[i].len;
		assert_int_equal(fb->ctx.aux, total);

		for (k = 0; k < 8; k++) {
			EVP_MD_CTX *m = EVP_MD_CTX_new();
			uint8_t want[64];

			assert_true(EVP_DigestInit_ex(m, md, NULL));
			for (i = 0; i < cps[k]; i++)
				EVP_DigestUpdate(m, s[i].data, s[i].len);
			assert_true(EVP_DigestFinal_ex(m, want, NULL));
			EVP_MD_CTX_free(m);
			assert_memory_equal(
			    (uint8_t *)fb_ptr(fb, out) + k * dlen, want, dlen);
		}
		fb_reset_heap(fb);
	}
}

struct hmac_case {
	uint8_t hash;
	const char *key_hex;
	const char *data;
	const char *mac_hex;
};

static void test_hmac_rfc4231(void **state)
{
	static const char k1[] = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b";
	static const char k2[] = "4a656665"; /* "Jefe" */
	static const char d2[] = "what do ya want for nothing?";
	static const struct hmac_case cases[] = {
	    {TC_HASH_SHA256, k1, "Hi There",
	     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e"
	     "32cff7"},
	    {TC_HASH_SHA384, k1, "Hi There",
	     "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7c"
	     "ebc59cfaea9ea9076ede7f4af152e8b2fa9cb6"},
	    {TC_HASH_SHA512, k1, "Hi There",
	     "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545"
	     "e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e69"
	     "6c203a126854"},
	    {TC_HASH_SHA256, k2, d2,
	     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964"
	     "ec3843"},
	    {TC_HASH_SHA384, k2, d2,
	     "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec37363"
	     "22445e8e2240ca5e69e2c78b3239ecfab21649"},
	    {TC_HASH_SHA512, k2, d2,
	     "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea"
	     "2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e"
	     "070a38bce737"},
	};
	struct fakebus *fb = *state;
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t key[32], want[64];
		size_t klen = fb_unhex(cases[i].key_hex, key, sizeof(key));
		size_t wlen = fb_unhex(cases[i].mac_hex, want, sizeof(want));
		struct seg s = {cases[i].data, strlen(cases[i].data)};
		uint64_t out;
		struct tc_sqe sqe;

		assert_int_equal(
		    fb_key_load(fb, HMAC_SLOT, TC_KEY_HMAC, key, klen),
		    TC_STS_OK);
		sqe = digest_sqe(fb, cases[i].hash, &s, 1, &out);
		sqe.u.digest.dflags = TC_DIGEST_F_HMAC;
		sqe.u.digest.key_slot = htole32(HMAC_SLOT);
		assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
		assert_int_equal(fb->ctx.result, wlen);
		assert_memory_equal(fb_ptr(fb, out), want, wlen);
		fb_reset_heap(fb);
	}
}

/* HMAC checkpoints duplicate the MAC context. */
static void test_hmac_checkpoints(void **state)
{
	struct fakebus *fb = *state;
	static const char key[] = "a fairly long hmac key for checkpoints";
	const char *parts[3] = {"first message", "second", "third one"};
	struct seg s[3];
	uint8_t want[32];
	unsigned int wlen;
	char joined[64] = "";
	uint64_t out;
	unsigned k;
	struct tc_sqe sqe;

	for (k = 0; k < 3; k++) {
		s[k].data = parts[k];
		s[k].len = strlen(parts[k]);
	}
	assert_int_equal(
	    fb_key_load(fb, HMAC_SLOT, TC_KEY_HMAC, key, strlen(key)),
	    TC_STS_OK);
	sqe = digest_sqe(fb, TC_HASH_SHA256, s, 3, &out);
	sqe.u.digest.dflags = TC_DIGEST_F_HMAC;
	sqe.u.digest.key_slot = htole32(HMAC_SLOT);
	sqe.u.digest.ncp = 3;
	sqe.u.digest.cp[0] = htole16(1);
	sqe.u.digest.cp[1] = htole16(2);
	sqe.u.digest.cp[2] = htole16(3);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	assert_int_equal(fb->ctx.result, 96);
	for (k = 0; k < 3; k++) {
		strcat(joined, parts[k]);
		assert_non_null(HMAC(EVP_sha256(), key, strlen(key),
		                     (const uint8_t *)joined, strlen(joined),
		                     want, &wlen));
		assert_memory_equal((uint8_t *)fb_ptr(fb, out) + 32 * k, want,
		                    32);
	}
}

/* Host segments around a blob segment (at an offset into the blob). */
static void test_blob_segment(void **state)
{
	struct fakebus *fb = *state;
	uint8_t blob[3000], a[100], b[200], want[32];
	struct seg s[3] = {{a, sizeof(a)}, {"", 0}, {b, sizeof(b)}};
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	struct tc_sg_entry *sg;
	uint64_t out;
	struct tc_sqe sqe;

	fill_pattern(blob, sizeof(blob), 3);
	fill_pattern(a, sizeof(a), 4);
	fill_pattern(b, sizeof(b), 5);
	assert_int_equal(fb_blob_load(fb, 2, blob, sizeof(blob)), TC_STS_OK);
	sqe = digest_sqe(fb, TC_HASH_SHA256, s, 3, &out);
	sg = sqe_sgl(fb, &sqe);
	sg[1].flags = htole16(TC_SG_F_BLOB);
	sg[1].blob_id = htole16(2);
	sg[1].addr = htole64(1000);
	sg[1].len = htole32(1500);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	assert_int_equal(fb->ctx.aux, 100 + 1500 + 200);

	EVP_DigestInit_ex(m, EVP_sha256(), NULL);
	EVP_DigestUpdate(m, a, sizeof(a));
	EVP_DigestUpdate(m, blob + 1000, 1500);
	EVP_DigestUpdate(m, b, sizeof(b));
	EVP_DigestFinal_ex(m, want, NULL);
	EVP_MD_CTX_free(m);
	assert_memory_equal(fb_ptr(fb, out), want, 32);

	/* The whole blob, exactly to its end, is in range. */
	sg[1].addr = 0;
	sg[1].len = htole32(sizeof(blob));
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	/* One byte past the end, an offset past the end, a wrap. */
	sg[1].addr = htole64(1);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_BLOB);
	sg[1].addr = htole64(sizeof(blob) + 1);
	sg[1].len = 0;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_BLOB);
	sg[1].addr = htole64(UINT64_MAX);
	sg[1].len = htole32(2);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_BLOB);
	/* Not loaded, out of range, evicted. */
	sg[1].addr = 0;
	sg[1].len = htole32(10);
	sg[1].blob_id = htole16(3);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_BLOB);
	sg[1].blob_id = htole16(fb->cfg.blob_slots);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_BLOB);
	sg[1].blob_id = htole16(2);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	{
		struct tc_sqe ev = fb_sqe(TC_OP_BLOB_EVICT);

		ev.u.blob.blob_id = htole32(2);
		assert_int_equal(fb_exec(fb, &ev), TC_STS_OK);
	}
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_BLOB);
}

/* Every descriptor rule, one at a time, from a valid base. */
static void test_descriptor_rules(void **state)
{
	struct fakebus *fb = *state;
	struct seg s[4] = {{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}};
	uint64_t out;
	struct tc_sqe base = digest_sqe(fb, TC_HASH_SHA256, s, 4, &out), sqe;

	assert_int_equal(fb_exec(fb, &base), TC_STS_OK);
	assert_int_equal(fb->ctx.result, 32);

	sqe = base;
	sqe.u.digest.hash = 0;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_UNSUPPORTED);
	sqe.u.digest.hash = 4;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_UNSUPPORTED);

	sqe = base;
	sqe.u.digest.dflags = 0x80;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe = base;
	sqe.u.digest.rsvd5 = 1;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe = base;
	sqe.u.digest.rsvd6 = htole16(1);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe = base;
	sqe.u.digest.rsvd48 = htole64(1ull << 63);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);

	sqe = base;
	sqe.u.digest.nseg = 0;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.digest.nseg = htole16(fb->cfg.max_sg + 1);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);

	/* Checkpoints: too many, not increasing, 0, past nseg, last !=
	 * nseg, a non-zero unused entry. */
	sqe = base;
	sqe.u.digest.ncp = 9;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.digest.ncp = 2;
	sqe.u.digest.cp[0] = htole16(2);
	sqe.u.digest.cp[1] = htole16(2);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.digest.cp[0] = htole16(3);
	sqe.u.digest.cp[1] = htole16(2);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.digest.cp[0] = 0;
	sqe.u.digest.cp[1] = htole16(4);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.digest.cp[0] = htole16(2);
	sqe.u.digest.cp[1] = htole16(5);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.digest.cp[1] = htole16(3);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.digest.cp[1] = htole16(4);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	assert_int_equal(fb->ctx.result, 64);
	sqe.u.digest.cp[5] = htole16(4);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe = base;
	sqe.u.digest.cp[0] = htole16(4); /* ncp == 0 */
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);

	/* Output too small, checked before any DMA (the list faults). */
	sqe = base;
	sqe.u.digest.out_len = htole32(31);
	sqe.u.digest.sgl_addr = htole64(FB_BAD);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BUF_TOO_SMALL);
	sqe = base;
	sqe.u.digest.ncp = 2;
	sqe.u.digest.cp[0] = htole16(1);
	sqe.u.digest.cp[1] = htole16(4);
	sqe.u.digest.out_len = htole32(63);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BUF_TOO_SMALL);
	sqe.u.digest.out_len = htole32(64);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);

	/* Key slot without HMAC; HMAC with a missing or wrong key. */
	sqe = base;
	sqe.u.digest.key_slot = htole32(1);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sqe.u.digest.dflags = TC_DIGEST_F_HMAC;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_KEY_SLOT);
	assert_int_equal(
	    fb_key_load(fb, 1, TC_KEY_AES128GCM, "0123456789abcdef", 16),
	    TC_STS_OK);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_KEY_SLOT);
	sqe.u.digest.key_slot = htole32(fb->cfg.key_slots);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_BAD_KEY_SLOT);
	assert_int_equal(fb_key_load(fb, 1, TC_KEY_HMAC, "k", 1), TC_STS_OK);
	sqe.u.digest.key_slot = htole32(1);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
}

static void test_segment_rules(void **state)
{
	struct fakebus *fb = *state;
	struct seg s[2] = {{"ab", 2}, {"cd", 2}};
	uint64_t out;
	struct tc_sqe sqe = digest_sqe(fb, TC_HASH_SHA384, s, 2, &out);
	struct tc_sg_entry *sg = sqe_sgl(fb, &sqe), saved = sg[1];
	uint64_t sgl = sqe.u.digest.sgl_addr;

	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	sg[1].flags = htole16(2);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sg[1] = saved;
	sg[1].blob_id = htole16(1); /* host segment with a blob id */
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	sg[1] = saved;
	sg[1].len = htole32(fb->cfg.max_input + 1);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_INVALID_DESC);
	/* Exactly max_input is fine (the region is large enough). */
	sg[1].addr = htole64(fb_alloc(fb, fb->cfg.max_input));
	sg[1].len = htole32(fb->cfg.max_input);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	assert_int_equal(fb->ctx.aux, 2 + fb->cfg.max_input);
	/* DMA faults: segment data (mapped and bounced), partly outside,
	 * the list itself, the output. */
	sg[1] = saved;
	sg[1].addr = htole64(FB_BAD);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	fb->map_ok = false;
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	fb->map_ok = true;
	sg[1].addr = htole64(FB_BASE + FB_SIZE - 1);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	sg[1] = saved;
	sqe.u.digest.sgl_addr = htole64(FB_BAD);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	sqe.u.digest.sgl_addr = htole64(FB_BASE + FB_SIZE - 16);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	sqe.u.digest.sgl_addr = sgl;
	sqe.u.digest.out_addr = htole64(FB_BASE + FB_SIZE - 8);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_DMA_FAULT);
	assert_true(atomic_load(&fb->dma.faults) >= 6);
	sqe.u.digest.out_addr = htole64(out);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
}

/* The largest list the card offers. */
static void test_max_sg(void **state)
{
	struct fakebus *fb = *state;
	unsigned n = fb->cfg.max_sg, i;
	struct seg *s = calloc(n, sizeof(*s));
	uint8_t want[32];
	char *all = malloc(n);
	uint64_t out;
	struct tc_sqe sqe;

	for (i = 0; i < n; i++) {
		all[i] = (char)i;
		s[i].data = all + i;
		s[i].len = 1;
	}
	sqe = digest_sqe(fb, TC_HASH_SHA256, s, n, &out);
	assert_int_equal(fb_exec(fb, &sqe), TC_STS_OK);
	EVP_Digest(all, n, want, NULL, EVP_sha256(), NULL);
	assert_memory_equal(fb_ptr(fb, out), want, 32);
	free(s);
	free(all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_fips180_vectors, fb_setup,
	                                    fb_teardown),
	    cmocka_unit_test_setup_teardown(test_split_two_segments, fb_setup,
	                                    fb_teardown),
	    cmocka_unit_test_setup_teardown(test_64_segments, fb_setup,
	                                    fb_teardown),
	    cmocka_unit_test_setup_teardown(test_checkpoints, fb_setup,
	                                    fb_teardown),
	    cmocka_unit_test_setup_teardown(test_hmac_rfc4231, fb_setup,
	                                    fb_teardown),
	    cmocka_unit_test_setup_teardown(test_hmac_checkpoints, fb_setup,
	                                    fb_teardown),
	    cmocka_unit_test_setup_teardown(test_blob_segment, fb_setup,
	                                    fb_teardown),
	    cmocka_unit_test_setup_teardown(test_descriptor_rules, fb_setup,
	                                    fb_teardown),
	    cmocka_unit_test_setup_teardown(test_segment_rules, fb_setup,
	                                    fb_teardown),
	    cmocka_unit_test_setup_teardown(test_max_sg, fb_setup, fb_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
