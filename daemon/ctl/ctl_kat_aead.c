/* SPDX-License-Identifier: MIT */
/*
 * Selftest: AEAD_BATCH against published vectors, one record per job, in
 * both directions.
 *
 *   AES-GCM: test cases 2-4 and 14-16 of McGrew and Viega, "The Galois/
 *   Counter Mode of Operation (GCM)" (the test vectors of NIST SP 800-38D's
 *   submission), and the first 96-bit-IV vectors of NIST CAVP
 *   gcmEncryptExtIV128 / gcmEncryptExtIV256 (empty plaintext: GMAC).
 *   ChaCha20-Poly1305: RFC 8439 section 2.8.2.
 *
 * Decryption feeds the input through a 3-entry scatter list and the output
 * through a 2-entry one, so both record layouts are covered.
 */
#include <string.h>

#include "ctl_kat.h"

struct aead_vector {
	const char *name;
	uint8_t key_type;
	const char *key, *iv, *aad, *pt, *ct, *tag; /* hex */
};

#define GCM_K3  "feffe9928665731c6d6a8f9467308308"
#define GCM_IV3 "cafebabefacedbaddecaf888"
#define GCM_P60                                                            \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define GCM_A4 "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define GCM_C60                                                            \
	"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" \
	"21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
#define GCM_C60_256                                                        \
	"522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" \
	"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
#define ZERO16 "00000000000000000000000000000000"
#define ZERO12 "000000000000000000000000"

static const struct aead_vector aead_vectors[] = {
    {"aes128gcm-mcgrew-tc2", TC_KEY_AES128GCM, ZERO16, ZERO12, "", ZERO16,
     "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf"},
    {"aes128gcm-mcgrew-tc3", TC_KEY_AES128GCM, GCM_K3, GCM_IV3, "",
     GCM_P60 "1aafd255", GCM_C60 "473f5985",
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    {"aes128gcm-mcgrew-tc4", TC_KEY_AES128GCM, GCM_K3, GCM_IV3, GCM_A4, GCM_P60,
     GCM_C60, "5bc94fbc3221a5db94fae95ae7121a47"},
    {"aes256gcm-mcgrew-tc14", TC_KEY_AES256GCM, ZERO16 ZERO16, ZERO12, "",
     ZERO16, "cea7403d4d606b6e074ec5d3baf39d18",
     "d0d1c8a799996bf0265b98b5d48ab919"},
    {"aes256gcm-mcgrew-tc15", TC_KEY_AES256GCM, GCM_K3 GCM_K3, GCM_IV3, "",
     GCM_P60 "1aafd255", GCM_C60_256 "898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"},
    {"aes256gcm-mcgrew-tc16", TC_KEY_AES256GCM, GCM_K3 GCM_K3, GCM_IV3, GCM_A4,
     GCM_P60, GCM_C60_256, "76fc6ece0f4e1768cddf8853bb2d551b"},
    {"aes128gcm-cavp-extiv128-0", TC_KEY_AES128GCM,
     "11754cd72aec309bf52f7687212e8957", "3c819d9a9bed087615030b65", "", "", "",
     "250327c674aaf477aef2675748cf6971"},
    {"aes256gcm-cavp-extiv256-0", TC_KEY_AES256GCM,
     "b52c505a37d78eda5dd34f20c22540ea1b58963cf8e5bf8ffa85f9f2492505b4",
     "516c33929df5a3284ff463d7", "", "", "",
     "bdc1ac884d332457a1d2664f168c76f0"},
    {"chacha20poly1305-rfc8439-2.8.2", TC_KEY_CHACHA20POLY1305,
     "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
     "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7",
     /* "Ladies and Gentlemen of the class of '99: If I could offer you
	   * only one tip for the future, sunscreen would be it." */
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

struct vec_bytes {
	uint8_t key[32], iv[12], aad[TC_AEAD_MAX_AAD], pt[128], ct[128];
	uint8_t tag[16];
	int klen, ivlen, aadlen, ptlen, ctlen, taglen;
};

static bool decode(const struct aead_vector *v, struct vec_bytes *b)
{
	b->klen = ctl_unhex(v->key, b->key, sizeof(b->key));
	b->ivlen = ctl_unhex(v->iv, b->iv, sizeof(b->iv));
	b->aadlen = ctl_unhex(v->aad, b->aad, sizeof(b->aad));
	b->ptlen = ctl_unhex(v->pt, b->pt, sizeof(b->pt));
	b->ctlen = ctl_unhex(v->ct, b->ct, sizeof(b->ct));
	b->taglen = ctl_unhex(v->tag, b->tag, sizeof(b->tag));
	return b->klen == (int)ctl_aead_key_len(v->key_type) &&
	       b->ivlen == TC_AEAD_NONCE_LEN && b->aadlen >= 0 &&
	       b->ptlen >= 0 && b->ctlen == b->ptlen &&
	       b->taglen == TC_AEAD_TAG_LEN;
}

/* Spread [iova, iova+len) over n SG entries (some may be empty when len is
 * small: an empty segment is legal and must not upset the card). */
static void split_sg(struct tc_sg_entry *sg, unsigned n, uint64_t iova,
                     uint32_t len)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t from = len * i / n, to = len * (i + 1) / n;

		ctl_sg_fill(&sg[i], iova + from, to - from);
	}
}

/* One record through the card; out and tag receive the card's output. */
static bool card_record(struct kat_card *c, const char *op, uint32_t slot,
                        uint8_t dir, const struct vec_bytes *b,
                        const uint8_t *in, uint8_t *out, uint8_t *tag,
                        uint16_t *rec_status)
{
	struct ctl_aead_rec_args a = {
	    .slot = slot,
	    .dir = dir,
	    .nonce = b->iv,
	    .aad = b->aad,
	    .aad_len = (unsigned)b->aadlen,
	    .len = (uint32_t)b->ptlen,
	};
	struct tc_aead_record *rec;
	struct tc_sg_entry *in_sg, *out_sg;
	uint64_t rec_iova, st_iova, in_iova, out_iova, tag_iova;
	uint64_t in_sg_iova, out_sg_iova;
	uint16_t *st;
	uint8_t *dout, *dtag;
	struct tc_job job = {0};
	size_t len = (size_t)b->ptlen;

	rec = kat_dma(c, sizeof(*rec), &rec_iova);
	st = kat_dma(c, sizeof(*st), &st_iova);
	dout = kat_dma(c, len ? len : 1, &out_iova);
	dtag = kat_dma(c, TC_AEAD_TAG_LEN, &tag_iova);
	in_sg = kat_dma(c, 3 * sizeof(*in_sg), &in_sg_iova);
	out_sg = kat_dma(c, 2 * sizeof(*out_sg), &out_sg_iova);
	if (!rec || !st || !dout || !dtag || !in_sg || !out_sg ||
	    !kat_dma_copy(c, in, len ? len : 1, &in_iova)) {
		kat_fail(c, op, "DMA arena exhausted");
		return false;
	}
	a.in = in_iova;
	a.out = out_iova;
	a.tag = tag_iova;
	if (dir == TC_AEAD_DIR_DECRYPT) {
		memcpy(dtag, tag, TC_AEAD_TAG_LEN);
		if (len >= 16) {
			split_sg(in_sg, 3, in_iova, (uint32_t)len);
			split_sg(out_sg, 2, out_iova, (uint32_t)len);
			a.in = in_sg_iova;
			a.in_nseg = 3;
			a.out = out_sg_iova;
			a.out_nseg = 2;
		}
	}
	ctl_aead_record_fill(rec, &a);
	tc_job_prep_aead(&job, rec_iova, 1, st_iova);
	if (!kat_run_ok(c, op, &job))
		return false;
	*rec_status = le16toh(*st);
	if (*rec_status != TC_STS_OK) {
		kat_fail(c, op, "record status %s",
		         tc_status_name(*rec_status));
		return false;
	}
	memcpy(out, dout, len);
	if (dir == TC_AEAD_DIR_ENCRYPT)
		memcpy(tag, dtag, TC_AEAD_TAG_LEN);
	return true;
}

static uint32_t slot_for(uint8_t key_type)
{
	switch (key_type) {
	case TC_KEY_AES128GCM: return KAT_SLOT_AES128;
	case TC_KEY_AES256GCM: return KAT_SLOT_AES256;
	default: return KAT_SLOT_CHACHA;
	}
}

static void check_vector(struct kat_card *c, const struct aead_vector *v)
{
	uint8_t ref_ct[128], ref_tag[16], out[128], tag[16];
	char op_enc[80], op_dec[80];
	struct vec_bytes b;
	uint32_t slot = slot_for(v->key_type);
	uint16_t rs;

	snprintf(op_enc, sizeof(op_enc), "%s-encrypt", v->name);
	snprintf(op_dec, sizeof(op_dec), "%s-decrypt", v->name);
	kat_reset_arena(c);
	if (!decode(v, &b)) {
		kat_fail(c, op_enc, "bad vector encoding");
		return;
	}
	if (ctl_ref_aead(v->key_type, b.key, 1, b.iv, b.aad, (size_t)b.aadlen,
	                 b.pt, (size_t)b.ptlen, ref_ct, ref_tag) ||
	    memcmp(ref_ct, b.ct, (size_t)b.ctlen) ||
	    memcmp(ref_tag, b.tag, 16)) {
		kat_fail(c, op_enc,
		         "published vector disagrees with libcrypto");
		return;
	}
	if (!kat_load_key(c, op_enc, slot, v->key_type, b.key, (size_t)b.klen))
		return;
	if (card_record(c, op_enc, slot, TC_AEAD_DIR_ENCRYPT, &b, b.pt, out,
	                tag, &rs)) {
		if (memcmp(out, b.ct, (size_t)b.ctlen))
			kat_fail(c, op_enc, "ciphertext differs");
		else
			kat_check_bytes(c, op_enc, tag, b.tag, 16);
	}
	memcpy(tag, b.tag, 16);
	if (card_record(c, op_dec, slot, TC_AEAD_DIR_DECRYPT, &b, b.ct, out,
	                tag, &rs))
		kat_check_bytes(c, op_dec, out, b.pt, (size_t)b.ptlen);
}

void kat_run_aead(struct kat_card *c)
{
	for (size_t i = 0; i < sizeof(aead_vectors) / sizeof(aead_vectors[0]);
	     i++)
		check_vector(c, &aead_vectors[i]);
}
