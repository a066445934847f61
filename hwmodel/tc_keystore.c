/* SPDX-License-Identifier: MIT */
/*
 * Key slots: an array of key pointers guarded by striped mutexes.  The locks
 * are held only to swap a pointer or take a reference, never across crypto,
 * so an engine running a 4096-bit RSA signature does not stall KEY_LOAD on
 * another slot, and a lookup per AEAD record stays cheap.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tlscard_abi.h"
#include "tc_keystore.h"

#define TC_KEYSTORE_STRIPES 64u

struct tc_keystore {
	unsigned nslots;
	struct tc_key **slots;
	pthread_mutex_t locks[TC_KEYSTORE_STRIPES];
	atomic_uint_fast64_t wipe_gen;
};

/* Tags key objects so per-engine caches can tell a reloaded slot from the
 * key they hold, even if the allocator reuses the address. */
static atomic_uint_fast64_t tc_key_next_id = 1;

static pthread_mutex_t *tc_keystore_lock_of(struct tc_keystore *ks,
                                            uint32_t slot)
{
	return &ks->locks[slot % TC_KEYSTORE_STRIPES];
}

int tc_keystore_create(unsigned nslots, struct tc_keystore **out)
{
	struct tc_keystore *ks = calloc(1, sizeof(*ks));
	unsigned i;

	if (!ks)
		return -ENOMEM;
	ks->nslots = nslots;
	ks->slots = calloc(nslots ? nslots : 1, sizeof(*ks->slots));
	if (!ks->slots) {
		free(ks);
		return -ENOMEM;
	}
	for (i = 0; i < TC_KEYSTORE_STRIPES; i++)
		pthread_mutex_init(&ks->locks[i], NULL);
	*out = ks;
	return 0;
}

void tc_keystore_clear(struct tc_keystore *ks)
{
	unsigned i;

	for (i = 0; i < ks->nslots; i++)
		tc_keystore_evict(ks, i);
}

void tc_keystore_destroy(struct tc_keystore *ks)
{
	unsigned i;

	if (!ks)
		return;
	tc_keystore_clear(ks);
	for (i = 0; i < TC_KEYSTORE_STRIPES; i++)
		pthread_mutex_destroy(&ks->locks[i]);
	free(ks->slots);
	free(ks);
}

unsigned tc_keystore_nslots(const struct tc_keystore *ks)
{
	return ks->nslots;
}

static struct tc_key *tc_key_alloc(uint8_t type)
{
	struct tc_key *key = calloc(1, sizeof(*key));

	if (!key)
		return NULL;
	atomic_init(&key->refs, 1);
	key->type = type;
	key->id = atomic_fetch_add(&tc_key_next_id, 1);
	return key;
}

struct tc_key *tc_key_new_raw(uint8_t type, const void *raw, size_t len)
{
	struct tc_key *key;

	if (len > TC_KEY_RAW_MAX)
		return NULL;
	key = tc_key_alloc(type);
	if (!key)
		return NULL;
	memcpy(key->raw, raw, len);
	key->raw_len = len;
	return key;
}

struct tc_key *tc_key_new_pkey(uint8_t type, EVP_PKEY *pkey)
{
	struct tc_key *key = tc_key_alloc(type);

	if (!key) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	key->pkey = pkey;
	return key;
}

void tc_key_put(struct tc_key *key)
{
	if (!key || atomic_fetch_sub(&key->refs, 1) != 1)
		return;
	/* EVP_PKEY_free clears the private components it owns. */
	EVP_PKEY_free(key->pkey);
	OPENSSL_cleanse(key->raw, sizeof(key->raw));
	free(key);
}

uint64_t tc_keystore_wipe_gen(struct tc_keystore *ks)
{
	return atomic_load_explicit(&ks->wipe_gen, memory_order_acquire);
}

/* Drop the slot's reference to a key it no longer holds. */
static void tc_keystore_drop(struct tc_keystore *ks, struct tc_key *old)
{
	if (!old)
		return;
	if (old->type >= TC_KEY_AES128GCM &&
	    old->type <= TC_KEY_CHACHA20POLY1305)
		atomic_fetch_add_explicit(&ks->wipe_gen, 1,
		                          memory_order_release);
	tc_key_put(old);
}

int tc_keystore_install(struct tc_keystore *ks, uint32_t slot,
                        struct tc_key *key)
{
	pthread_mutex_t *lock;
	struct tc_key *old;

	if (slot >= ks->nslots) {
		tc_key_put(key);
		return -ERANGE;
	}
	lock = tc_keystore_lock_of(ks, slot);
	pthread_mutex_lock(lock);
	old = ks->slots[slot];
	ks->slots[slot] = key;
	pthread_mutex_unlock(lock);
	tc_keystore_drop(ks, old);
	return 0;
}

struct tc_key *tc_keystore_get(struct tc_keystore *ks, uint32_t slot)
{
	pthread_mutex_t *lock;
	struct tc_key *key;

	if (slot >= ks->nslots)
		return NULL;
	lock = tc_keystore_lock_of(ks, slot);
	pthread_mutex_lock(lock);
	key = ks->slots[slot];
	if (key)
		atomic_fetch_add(&key->refs, 1);
	pthread_mutex_unlock(lock);
	return key;
}

static int tc_keystore_remove(struct tc_keystore *ks, uint32_t slot,
                              const struct tc_key *only)
{
	pthread_mutex_t *lock;
	struct tc_key *old;

	if (slot >= ks->nslots)
		return -ERANGE;
	lock = tc_keystore_lock_of(ks, slot);
	pthread_mutex_lock(lock);
	old = ks->slots[slot];
	if (only && old != only)
		old = NULL;
	else
		ks->slots[slot] = NULL;
	pthread_mutex_unlock(lock);
	tc_keystore_drop(ks, old);
	return 0;
}

int tc_keystore_evict(struct tc_keystore *ks, uint32_t slot)
{
	return tc_keystore_remove(ks, slot, NULL);
}

int tc_keystore_evict_if(struct tc_keystore *ks, uint32_t slot,
                         const struct tc_key *key)
{
	return tc_keystore_remove(ks, slot, key);
}
