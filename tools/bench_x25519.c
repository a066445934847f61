// SPDX-License-Identifier: MIT
/*
 * The X25519 part of the crypto floor in `make bench-tls`: CPU time of
 * one key generation (EVP_PKEY_generate, what a server does per
 * handshake) and of one shared-secret derivation on a context made once
 * (what `openssl speed ecdhx25519` times), with this machine's libcrypto.
 * `openssl speed` has no keygen figure, and in OpenSSL 3.0 the keygen's
 * base-point multiplication does not use the derive's assembly, so the
 * two differ.
 *
 *   bench_x25519 [N]    prints "keygen_us=K derive_us=D"
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/evp.h>

static double cpu_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	EVP_PKEY_CTX *gen = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
	EVP_PKEY *mine = NULL, *peer = NULL;
	EVP_PKEY_CTX *dctx = NULL;
	uint8_t secret[32];
	double t0, keygen, derive;

	if (n <= 0 || !gen || EVP_PKEY_keygen_init(gen) != 1 ||
	    EVP_PKEY_generate(gen, &mine) != 1 ||
	    EVP_PKEY_generate(gen, &peer) != 1)
		return 1;
	t0 = cpu_us();
	for (int i = 0; i < n; i++) {
		EVP_PKEY *k = NULL;

		if (EVP_PKEY_generate(gen, &k) != 1)
			return 1;
		EVP_PKEY_free(k);
	}
	keygen = (cpu_us() - t0) / n;
	dctx = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
	if (!dctx || EVP_PKEY_derive_init(dctx) != 1 ||
	    EVP_PKEY_derive_set_peer_ex(dctx, peer, 1) != 1)
		return 1;
	t0 = cpu_us();
	for (int i = 0; i < n; i++) {
		size_t len = sizeof(secret);

		if (EVP_PKEY_derive(dctx, secret, &len) != 1)
			return 1;
	}
	derive = (cpu_us() - t0) / n;
	printf("keygen_us=%.1f derive_us=%.1f\n", keygen, derive);
	EVP_PKEY_CTX_free(dctx);
	EVP_PKEY_free(mine);
	EVP_PKEY_free(peer);
	EVP_PKEY_CTX_free(gen);
	return 0;
}
