// SPDX-License-Identifier: MIT
/*
 * CPU offload backend: AEAD records (AES-128/256-GCM, ChaCha20-Poly1305).
 * Each key handle owns one EVP_CIPHER_CTX set up with the cipher and key
 * once; a record only supplies its nonce (RFC 8446 §5.3), so sealing or
 * opening a record allocates nothing.
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include "tls_offload_cpu.h"

size_t tls_aead_key_len(enum tls_aead a)
{
	return a == TLS_AEAD_AES_128_GCM ? 16 : 32;
}

tls_result tls_cpu_aead_key_set(struct tls_offload *o, struct tls_aead_key *k,
                                enum tls_aead alg, bool seal,
                                const uint8_t *key)
{
	struct tls_offload_cpu *c = tls_cpu(o);
	EVP_CIPHER_CTX *ctx = k->impl;

	TLS_ENSURE((unsigned)alg < TLS_AEAD_COUNT, TLS_ERR_INTERNAL);
	if (!ctx) {
		ctx = EVP_CIPHER_CTX_new();
		TLS_ENSURE(ctx, TLS_ERR_NOMEM);
		k->impl = ctx;
	}
	TLS_GUARD_OSSL(EVP_CipherInit_ex2(ctx, c->cipher[alg], key, NULL,
	                                  seal ? 1 : 0, NULL),
	               TLS_ERR_CRYPTO);
	k->alg = alg;
	k->seal = seal;
	return TLS_OK;
}

void tls_cpu_aead_key_clear(struct tls_offload *o, struct tls_aead_key *k)
{
	(void)o;
	/* EVP_CIPHER_CTX_free cleanses the key schedule. */
	EVP_CIPHER_CTX_free(k->impl);
	k->impl = NULL;
}

tls_result tls_cpu_aead_seal(struct tls_offload *o, struct tls_aead_job *j)
{
	EVP_CIPHER_CTX *ctx = j->key->impl;
	size_t done = 0;
	int n;

	TLS_ENSURE(ctx && j->key->seal, TLS_ERR_INTERNAL);
	o->stats.records_sealed++;
	TLS_GUARD_OSSL(EVP_CipherInit_ex2(ctx, NULL, NULL, j->nonce, 1, NULL),
	               TLS_ERR_CRYPTO);
	if (j->aad_len)
		TLS_GUARD_OSSL(
		    EVP_CipherUpdate(ctx, NULL, &n, j->aad, (int)j->aad_len),
		    TLS_ERR_CRYPTO);
	/* Gather: each plaintext segment is read where it lives. */
	for (size_t i = 0; i < j->nin; i++) {
		if (!j->in[i].len)
			continue;
		TLS_GUARD_OSSL(EVP_CipherUpdate(ctx, j->out + done, &n,
		                                j->in[i].base,
		                                (int)j->in[i].len),
		               TLS_ERR_CRYPTO);
		done += (size_t)n;
	}
	TLS_GUARD_OSSL(EVP_CipherFinal_ex(ctx, j->out + done, &n),
	               TLS_ERR_CRYPTO);
	done += (size_t)n;
	TLS_ENSURE(done == j->len, TLS_ERR_INTERNAL);
	TLS_ENSURE(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
	                               TLS_AEAD_TAG_LEN, j->out + done) == 1,
	           TLS_ERR_CRYPTO);
	return TLS_OK;
}

tls_result tls_cpu_aead_open(struct tls_offload *o, struct tls_aead_job *j)
{
	EVP_CIPHER_CTX *ctx = j->key->impl;
	const uint8_t *in;
	size_t plen;
	int n, m;

	TLS_ENSURE(ctx && !j->key->seal && j->nin == 1, TLS_ERR_INTERNAL);
	TLS_ENSURE(j->len >= TLS_AEAD_TAG_LEN, TLS_ERR_BAD_RECORD_MAC);
	o->stats.records_opened++;
	in = j->in[0].base;
	plen = j->len - TLS_AEAD_TAG_LEN;
	TLS_GUARD_OSSL(EVP_CipherInit_ex2(ctx, NULL, NULL, j->nonce, 0, NULL),
	               TLS_ERR_CRYPTO);
	TLS_ENSURE(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
	                               TLS_AEAD_TAG_LEN,
	                               (void *)(in + plen)) == 1,
	           TLS_ERR_CRYPTO);
	if (j->aad_len)
		TLS_GUARD_OSSL(
		    EVP_CipherUpdate(ctx, NULL, &n, j->aad, (int)j->aad_len),
		    TLS_ERR_CRYPTO);
	n = 0;
	if (plen)
		TLS_GUARD_OSSL(EVP_CipherUpdate(ctx, j->out, &n, in, (int)plen),
		               TLS_ERR_CRYPTO);
	/* The tag check happens here; a mismatch is bad_record_mac. */
	TLS_ENSURE(EVP_CipherFinal_ex(ctx, j->out + n, &m) == 1,
	           TLS_ERR_BAD_RECORD_MAC);
	return TLS_OK;
}

size_t tls_cpu_aead_batch(struct tls_offload *o, struct tls_aead_job *jobs,
                          size_t n)
{
	size_t ok = 0;

	o->stats.batches++;
	for (size_t i = 0; i < n; i++) {
		tls_result r = jobs[i].key && jobs[i].key->seal
		                   ? tls_cpu_aead_seal(o, &jobs[i])
		                   : tls_cpu_aead_open(o, &jobs[i]);

		if (tls_is_ok(r)) {
			jobs[i].status = 0;
			ok++;
		} else {
			jobs[i].status = (int)tls_error_last();
			o->stats.errors++;
		}
	}
	return ok;
}
