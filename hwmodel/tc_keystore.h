/* SPDX-License-Identifier: MIT */
/*
 * The card's key slots.  A slot holds a reference-counted key object: an op
 * takes a reference for as long as it uses the key, so KEY_EVICT or a
 * replacing KEY_LOAD on another engine never frees a key under a running
 * op.  The last reference wipes the material.
 */
#ifndef TC_KEYSTORE_H
#define TC_KEYSTORE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define TC_KEY_RAW_MAX 128u /* largest symmetric key: HMAC */

struct tc_key {
	atomic_uint refs;
	uint8_t type;   /* TC_KEY_* */
	uint64_t id;    /* unique for the process lifetime: cache tag */
	EVP_PKEY *pkey; /* asymmetric types */
	uint32_t raw_len;
	uint8_t raw[TC_KEY_RAW_MAX]; /* symmetric types */
};

struct tc_keystore;

int tc_keystore_create(unsigned nslots, struct tc_keystore **out);
void tc_keystore_destroy(struct tc_keystore *ks);
/* Empty every slot (reset). */
void tc_keystore_clear(struct tc_keystore *ks);
unsigned tc_keystore_nslots(const struct tc_keystore *ks);

/* New key objects with one reference, or NULL (out of memory).  A pkey key
 * takes over the caller's reference to pkey, also on failure. */
struct tc_key *tc_key_new_raw(uint8_t type, const void *raw, size_t len);
struct tc_key *tc_key_new_pkey(uint8_t type, EVP_PKEY *pkey);
/* Drop one reference; the last one wipes and frees the key. */
void tc_key_put(struct tc_key *key);

/* Put key in slot, replacing what was there; consumes the caller's
 * reference.  -ERANGE (and the reference is dropped) if out of range. */
int tc_keystore_install(struct tc_keystore *ks, uint32_t slot,
                        struct tc_key *key);
/* A new reference to the key in slot, or NULL if out of range or empty. */
struct tc_key *tc_keystore_get(struct tc_keystore *ks, uint32_t slot);
/* Empty slot.  0 (also if it was empty) or -ERANGE. */
int tc_keystore_evict(struct tc_keystore *ks, uint32_t slot);
/* Empty slot only if it still holds key: a concurrent KEY_LOAD that
 * replaced it wins.  0 or -ERANGE. */
int tc_keystore_evict_if(struct tc_keystore *ks, uint32_t slot,
                         const struct tc_key *key);

/*
 * Bumped whenever a slot lets go of an AEAD key (evict, replace, clear).
 * Engines that cache AEAD key schedules compare it before each job and
 * wipe their caches when it moved, so an evicted key's schedule does not
 * outlive the next job on any engine.
 */
uint64_t tc_keystore_wipe_gen(struct tc_keystore *ks);

#endif
