/* SPDX-License-Identifier: MIT */
/*
 * Selftest: DIGEST against published vectors.
 *
 *   SHA-256/384/512: FIPS 180-2 appendix examples ("abc", the two-block
 *   messages, one million 'a').
 *   HMAC-SHA-256/384/512: RFC 4231 test cases 1-4, 6 and 7.
 *
 * Every result is also compared with libcrypto, and a vector that
 * disagrees with libcrypto is reported as such (a typo in this file must
 * not pass as a card bug, nor the other way round).
 */
#include <string.h>

#include "ctl_kat.h"

#define MSG_448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define MSG_896                                                    \
	"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn" \
	"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"

struct sha_vector {
	const char *name;
	uint8_t hash;
	const char *msg; /* NULL: one million 'a' */
	unsigned nsplit; /* send as this many segments */
	const char *digest;
};

static const struct sha_vector sha_vectors[] = {
    {"sha256-fips180-abc", TC_HASH_SHA256, "abc", 1,
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"sha256-fips180-448bit", TC_HASH_SHA256, MSG_448, 3,
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"sha256-fips180-million-a", TC_HASH_SHA256, NULL, 0,
     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
    {"sha384-fips180-abc", TC_HASH_SHA384, "abc", 3,
     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
     "8086072ba1e7cc2358baeca134c825a7"},
    {"sha384-fips180-896bit", TC_HASH_SHA384, MSG_896, 2,
     "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712"
     "fcc7c71a557e2db966c3e9fa91746039"},
    {"sha384-fips180-million-a", TC_HASH_SHA384, NULL, 0,
     "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b"
     "07b8b3dc38ecc4ebae97ddd87f3d8985"},
    {"sha512-fips180-abc", TC_HASH_SHA512, "abc", 1,
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
    {"sha512-fips180-896bit", TC_HASH_SHA512, MSG_896, 4,
     "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
     "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"},
    {"sha512-fips180-million-a", TC_HASH_SHA512, NULL, 0,
     "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
     "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"},
};

/* RFC 4231 section 4: keys and data, then the three MACs of each case. */
struct hmac_case {
	unsigned tc;
	const char *key;  /* hex */
	const char *data; /* hex, or text when data_is_text */
	int data_is_text;
	const char *mac[3]; /* SHA-256, SHA-384, SHA-512 */
};

#define AA131                                                              \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaa"
#define DD50                                                               \
	"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" \
	"dddddddddddddddddddddddddddddddddddd"
#define CD50                                                               \
	"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" \
	"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"

static const struct hmac_case hmac_cases[] = {
    {1,
     "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
     "Hi There",
     1,
     {"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
      "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
      "faea9ea9076ede7f4af152e8b2fa9cb6",
      "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
      "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"}},
    {2,
     "4a656665",
     "what do ya want for nothing?",
     1,
     {"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
      "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
      "8e2240ca5e69e2c78b3239ecfab21649",
      "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
      "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"}},
    {3,
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     DD50,
     0,
     {"773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
      "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
      "2a5ab39dc13814b94e3ab6e101a34f27",
      "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
      "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"}},
    {4,
     "0102030405060708090a0b0c0d0e0f10111213141516171819",
     CD50,
     0,
     {"82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
      "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
      "6801dd23c4a7d679ccf8a386c674cffb",
      "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
      "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"}},
    {6,
     AA131,
     "Test Using Larger Than Block-Size Key - Hash Key First",
     1,
     {"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
      "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
      "0c2ef6ab4030fe8296248df163f44952",
      "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
      "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"}},
    {7,
     AA131,
     "This is a test using a larger than block-size key and a larger "
     "than block-size data. The key needs to be hashed before being "
     "used by the HMAC algorithm.",
     1,
     {"9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
      "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
      "a678cc31e799176d3860e6110c46523e",
      "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
      "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"}},
};

/*
 * Run one DIGEST job over msg split into nsplit segments of host memory
 * (hmac_slot: key slot, or UINT32_MAX for a plain hash).  The card result
 * goes to out.  Returns false after reporting a failure.
 */
static bool card_digest(struct kat_card *c, const char *op, uint8_t hash,
                        uint32_t hmac_slot, const uint8_t *msg, size_t len,
                        unsigned nsplit, uint8_t *out)
{
	size_t dlen = ctl_hash_len(hash), seg_max = c->info->max_input;
	struct tc_sg_entry *sg;
	uint64_t msg_iova, sg_iova, out_iova;
	struct tc_job job = {0};
	uint8_t *dev_out;
	unsigned nseg;

	/* one million 'a' needs several maximum-size segments */
	if (!nsplit)
		nsplit = (unsigned)((len + seg_max - 1) / seg_max);
	nseg = nsplit;
	if (!kat_dma_copy(c, msg, len, &msg_iova) ||
	    !(sg = kat_dma(c, nseg * sizeof(*sg), &sg_iova)) ||
	    !(dev_out = kat_dma(c, TC_DIGEST_MAX_LEN, &out_iova))) {
		kat_fail(c, op, "DMA arena exhausted");
		return false;
	}
	for (unsigned i = 0; i < nseg; i++) {
		size_t from = len * i / nseg, to = len * (i + 1) / nseg;

		ctl_sg_fill(&sg[i], msg_iova + from, (uint32_t)(to - from));
	}
	tc_job_prep_digest(&job, hash, sg_iova, nseg, NULL, 0, out_iova,
	                   TC_DIGEST_MAX_LEN);
	if (hmac_slot != UINT32_MAX)
		ctl_prep_digest_hmac(&job, hmac_slot);
	if (!kat_run_ok(c, op, &job))
		return false;
	if (job.result != dlen) {
		kat_fail(c, op, "result %u, expected %zu digest bytes",
		         job.result, dlen);
		return false;
	}
	memcpy(out, dev_out, dlen);
	return true;
}

/* Compare the card's digest with the vector and with libcrypto. */
static void judge(struct kat_card *c, const char *op, const uint8_t *card,
                  const char *vector_hex, const uint8_t *ref, size_t dlen)
{
	uint8_t want[TC_DIGEST_MAX_LEN];

	if (ctl_unhex(vector_hex, want, sizeof(want)) != (int)dlen) {
		kat_fail(c, op, "vector has the wrong length");
		return;
	}
	if (memcmp(want, ref, dlen)) {
		kat_fail(c, op, "published vector disagrees with libcrypto");
		return;
	}
	kat_check_bytes(c, op, card, want, dlen);
}

static void run_sha_vectors(struct kat_card *c)
{
	enum { MILLION = 1000000 };
	static uint8_t million_a[MILLION];
	uint8_t card[TC_DIGEST_MAX_LEN], ref[TC_DIGEST_MAX_LEN];

	memset(million_a, 'a', sizeof(million_a));
	for (size_t i = 0; i < sizeof(sha_vectors) / sizeof(sha_vectors[0]);
	     i++) {
		const struct sha_vector *v = &sha_vectors[i];
		const uint8_t *msg =
		    v->msg ? (const uint8_t *)v->msg : million_a;
		size_t len = v->msg ? strlen(v->msg) : MILLION;
		struct iovec iov = {(void *)msg, len};

		kat_reset_arena(c);
		if (ctl_ref_digest(v->hash, NULL, 0, &iov, 1, NULL, 0, ref)) {
			kat_fail(c, v->name, "libcrypto failed");
			continue;
		}
		if (card_digest(c, v->name, v->hash, UINT32_MAX, msg, len,
		                v->nsplit, card))
			judge(c, v->name, card, v->digest, ref,
			      ctl_hash_len(v->hash));
	}
}

/* Longest HMAC key KEY_LOAD takes (card-spec: TC_KEY_HMAC, 1..128 bytes). */
#define KAT_HMAC_KEY_MAX 128u

/*
 * RFC 2104 section 2: a key longer than the hash's block is replaced by its
 * hash.  The card does that itself for keys up to 128 bytes; test cases 6
 * and 7 use 131-byte keys, so there the host does that step first, as a
 * TLS stack would.  The MAC is the same either way.
 */
static size_t hmac_card_key(uint8_t hash, const uint8_t *key, size_t len,
                            uint8_t *out)
{
	unsigned dlen;

	if (len <= KAT_HMAC_KEY_MAX) {
		memcpy(out, key, len);
		return len;
	}
	if (!EVP_Digest(key, len, out, &dlen, ctl_ref_md(hash), NULL))
		return 0;
	return dlen;
}

static void run_hmac_vectors(struct kat_card *c)
{
	static const uint8_t hashes[3] = {TC_HASH_SHA256, TC_HASH_SHA384,
	                                  TC_HASH_SHA512};
	uint8_t key[160], card_key[160], data[256];
	uint8_t card[TC_DIGEST_MAX_LEN], ref[TC_DIGEST_MAX_LEN];
	char op[64];

	for (size_t i = 0; i < sizeof(hmac_cases) / sizeof(hmac_cases[0]);
	     i++) {
		const struct hmac_case *t = &hmac_cases[i];
		int klen = ctl_unhex(t->key, key, sizeof(key));
		int dlen = t->data_is_text
		               ? (int)strlen(t->data)
		               : ctl_unhex(t->data, data, sizeof(data));

		if (t->data_is_text)
			memcpy(data, t->data, (size_t)dlen);
		for (unsigned h = 0; h < 3; h++) {
			struct iovec iov = {data, (size_t)dlen};
			size_t cklen;

			snprintf(op, sizeof(op), "hmac-%s-rfc4231-tc%u",
			         ctl_hash_name(hashes[h]), t->tc);
			kat_reset_arena(c);
			if (klen <= 0 || dlen <= 0) {
				kat_fail(c, op, "bad vector encoding");
				continue;
			}
			if (ctl_ref_digest(hashes[h], key, (size_t)klen, &iov,
			                   1, NULL, 0, ref)) {
				kat_fail(c, op, "libcrypto failed");
				continue;
			}
			cklen = hmac_card_key(hashes[h], key, (size_t)klen,
			                      card_key);
			if (!cklen) {
				kat_fail(c, op, "key pre-hash failed");
				continue;
			}
			if (!kat_load_key(c, op, KAT_SLOT_HMAC, TC_KEY_HMAC,
			                  card_key, cklen))
				continue;
			if (card_digest(c, op, hashes[h], KAT_SLOT_HMAC, data,
			                (size_t)dlen, 1 + h, card))
				judge(c, op, card, t->mac[h], ref,
				      ctl_hash_len(hashes[h]));
		}
	}
}

void kat_run_digest(struct kat_card *c)
{
	run_sha_vectors(c);
	run_hmac_vectors(c);
}
