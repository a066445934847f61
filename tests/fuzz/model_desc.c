// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the card model's descriptor decoding, every op the
 * engines run, over a bounds-checked fake bus.
 *
 * Input: one harness byte (bit 0: the bus refuses dma_map, so every access
 * bounces; bit 1: run on engine 1), one 64-byte struct tc_sqe, then the
 * bytes of fake host memory at MD_BASE (SG lists, AEAD record tables,
 * tags, key material, PKE inputs).  Before each input the ops state holds
 * the keys below in slots 0..7 and blob 0, so the AEAD, HMAC, blob and PKE
 * paths go past the slot checks.
 *
 * Reaches: tc_op_execute, tc_op_digest, tc_op_aead_batch, tc_op_key_load,
 * tc_op_key_evict, tc_op_rsa_sign, tc_op_rsa_decrypt, tc_op_ecdsa_sign,
 * tc_op_ecdh_keygen, tc_op_ecdh_derive, tc_op_blob_load, tc_op_blob_evict,
 * tc_keystore_*, tc_blobstore_*, tc_dma_* (bounce and zero-copy).
 *
 * Checks: a status below TC_STS_COUNT for anything, every zero-copy map
 * paired with an unmap, no access outside the fake memory.
 *
 * fuzz-sources: hwmodel/*.c
 * fuzz-libs: -lcrypto -lpthread
 */
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tc_dma.h"
#include "tc_ops.h"

/* Seeds (tests/fuzz/corpus/model_desc/) assume these two values. */
#define MD_BASE      0x10000ull
#define MD_SIZE      0x10000u
/* Key material is staged here before the reload; fuzz data then
 * overwrites the whole region. */
#define MD_KEY_STAGE 0x8000u

enum md_slot {
	MD_SLOT_AES128,
	MD_SLOT_AES256,
	MD_SLOT_CHACHA,
	MD_SLOT_HMAC,
	MD_SLOT_RSA,
	MD_SLOT_P256,
	MD_SLOT_P384,
	MD_SLOT_X25519,
	MD_NSLOTS,
};

struct md_key {
	uint8_t type;
	uint8_t *der; /* NULL: raw pattern of len bytes */
	uint32_t len;
};

static struct {
	uint8_t mem[MD_SIZE];
	bool map_ok;
	unsigned long maps, unmaps;
	struct tc_model_bus bus;
	struct tc_dma dma;
	struct tc_model_config cfg;
	struct tc_ops_state *st;
	struct md_key keys[MD_NSLOTS];
} md;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool md_in_range(uint64_t addr, size_t len)
{
	return addr >= MD_BASE && addr - MD_BASE <= MD_SIZE &&
	       len <= MD_SIZE - (addr - MD_BASE);
}

static int md_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
	(void)opaque;
	if (!md_in_range(addr, len))
		return -EFAULT;
	memcpy(buf, md.mem + (addr - MD_BASE), len);
	return 0;
}

static int md_dma_write(void *opaque, uint64_t addr, const void *buf,
                        size_t len)
{
	(void)opaque;
	if (!md_in_range(addr, len))
		return -EFAULT;
	memcpy(md.mem + (addr - MD_BASE), buf, len);
	return 0;
}

static void *md_dma_map(void *opaque, uint64_t addr, size_t len, bool is_write)
{
	(void)opaque;
	(void)is_write;
	if (!md.map_ok || !md_in_range(addr, len))
		return NULL;
	md.maps++;
	return md.mem + (addr - MD_BASE);
}

static void md_dma_unmap(void *opaque, void *ptr, size_t len, bool is_write)
{
	(void)opaque;
	(void)is_write;
	/* The window handed back must be one the bus gave out. */
	if ((uint8_t *)ptr < md.mem || len > MD_SIZE ||
	    (size_t)((uint8_t *)ptr - md.mem) > MD_SIZE - len)
		__builtin_trap();
	md.unmaps++;
}

/* PKCS#8 DER of a fresh key, or abort: the harness cannot run without. */
static void md_gen_pkcs8(struct md_key *k, uint8_t type, EVP_PKEY *pkey)
{
	PKCS8_PRIV_KEY_INFO *p8 = pkey ? EVP_PKEY2PKCS8(pkey) : NULL;
	unsigned char *der = NULL;
	int len = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8, &der) : -1;

	if (len <= 0 || (uint32_t)len > TC_KEY_MAX_LEN)
		abort();
	k->type = type;
	k->der = der;
	k->len = len;
	PKCS8_PRIV_KEY_INFO_free(p8);
	EVP_PKEY_free(pkey);
}

static uint16_t md_exec(const struct tc_sqe *sqe, unsigned engine)
{
	struct tc_op_ctx ctx = {.st = md.st, .dma = &md.dma, .engine = engine};
	uint16_t sts = tc_op_execute(&ctx, sqe);

	if (sts >= TC_STS_COUNT || md.maps != md.unmaps)
		__builtin_trap();
	return sts;
}

/* Key slot i back to its preloaded key; a slot past the set is emptied. */
static void md_restore_slot(uint32_t i)
{
	struct tc_sqe sqe;
	struct md_key *k;

	memset(&sqe, 0, sizeof(sqe));
	sqe.u.key.slot = htole32(i);
	if (i >= MD_NSLOTS) {
		sqe.opcode = TC_OP_KEY_EVICT;
		(void)md_exec(&sqe, 0); /* out of range: BAD_KEY_SLOT, fine */
		return;
	}
	k = &md.keys[i];
	if (k->der)
		memcpy(md.mem + MD_KEY_STAGE, k->der, k->len);
	else
		memset(md.mem + MD_KEY_STAGE, 0x40 + i, k->len);
	sqe.opcode = TC_OP_KEY_LOAD;
	sqe.u.key.key_type = k->type;
	sqe.u.key.key_addr = htole64(MD_BASE + MD_KEY_STAGE);
	sqe.u.key.key_len = htole32(k->len);
	if (md_exec(&sqe, 0) != TC_STS_OK)
		abort();
}

/* Blob id back to its preloaded contents: 256 counting bytes in blob 0,
 * every other blob empty. */
static void md_restore_blob(uint32_t id)
{
	struct tc_sqe sqe;
	unsigned i;

	memset(&sqe, 0, sizeof(sqe));
	sqe.u.blob.blob_id = htole32(id);
	if (id) {
		sqe.opcode = TC_OP_BLOB_EVICT;
		(void)md_exec(&sqe, 0);
		return;
	}
	for (i = 0; i < 256; i++)
		md.mem[MD_KEY_STAGE + i] = i;
	sqe.opcode = TC_OP_BLOB_LOAD;
	sqe.u.blob.len = htole32(256);
	sqe.u.blob.addr = htole64(MD_BASE + MD_KEY_STAGE);
	if (md_exec(&sqe, 0) != TC_STS_OK)
		abort();
}

/*
 * Undo what the op in sqe may have changed, so the next input starts from
 * the preload.  Only the slot or blob the descriptor names can change;
 * reloading just that one keeps the fuzzer fast (a full reload parses and
 * checks three private keys).
 */
static void md_restore(const struct tc_sqe *sqe)
{
	md.map_ok = true;
	switch (sqe->opcode) {
	case TC_OP_KEY_LOAD:
	case TC_OP_KEY_EVICT: md_restore_slot(le32toh(sqe->u.key.slot)); break;
	case TC_OP_ECDH_KEYGEN:
	case TC_OP_ECDH_DERIVE:
		md_restore_slot(le32toh(sqe->u.pke.slot));
		break;
	case TC_OP_BLOB_LOAD:
	case TC_OP_BLOB_EVICT:
		md_restore_blob(le32toh(sqe->u.blob.blob_id));
		break;
	default: break;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t raw_types[] = {TC_KEY_AES128GCM, TC_KEY_AES256GCM,
	                                    TC_KEY_CHACHA20POLY1305,
	                                    TC_KEY_HMAC};
	static const uint32_t raw_lens[] = {16, 32, 32, 48};
	unsigned i;

	(void)argc;
	(void)argv;
	md.bus.dma_read = md_dma_read;
	md.bus.dma_write = md_dma_write;
	md.bus.dma_map = md_dma_map;
	md.bus.dma_unmap = md_dma_unmap;
	md.dma.bus = &md.bus;
	atomic_init(&md.dma.faults, 0);

	tc_model_config_default(&md.cfg);
	md.cfg.nengines = 2;
	md.cfg.key_slots = 16;
	md.cfg.blob_slots = 4;
	md.cfg.blob_bytes = 1u << 16;
	/* Small limits keep one input fast; the checks are the same. */
	md.cfg.max_input = 16384;
	md.cfg.max_sg = 64;
	if (tc_ops_state_create(&md.cfg, &md.st))
		abort();

	for (i = 0; i < 4; i++) {
		md.keys[i].type = raw_types[i];
		md.keys[i].len = raw_lens[i];
	}
	md_gen_pkcs8(&md.keys[MD_SLOT_RSA], TC_KEY_RSA,
	             EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048));
	md_gen_pkcs8(&md.keys[MD_SLOT_P256], TC_KEY_EC_P256,
	             EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
	md_gen_pkcs8(&md.keys[MD_SLOT_P384], TC_KEY_EC_P384,
	             EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"));
	md_gen_pkcs8(&md.keys[MD_SLOT_X25519], TC_KEY_X25519,
	             EVP_PKEY_Q_keygen(NULL, NULL, "X25519"));
	for (i = 0; i < MD_NSLOTS; i++)
		md_restore_slot(i);
	md_restore_blob(0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tc_sqe sqe;
	size_t n;

	if (size < 1 + sizeof(sqe))
		return 0;
	memcpy(&sqe, data + 1, sizeof(sqe));
	n = size - 1 - sizeof(sqe);
	if (n > MD_SIZE)
		n = MD_SIZE;
	memcpy(md.mem, data + 1 + sizeof(sqe), n);
	memset(md.mem + n, 0, MD_SIZE - n);
	md.map_ok = !(data[0] & 1);

	(void)md_exec(&sqe, (data[0] >> 1) & 1);
	md_restore(&sqe);
	return 0;
}
