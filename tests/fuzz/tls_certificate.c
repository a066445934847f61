// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: a peer's Certificate message body in TLS 1.3 form
 * (context, CertificateEntry list with extensions) and TLS 1.2 form; the
 * first input byte picks the version.
 *
 * Reaches: tls_peer_cert_parse, tls_read_vector, d2i_X509 on every entry.
 *
 * fuzz-sources: daemon/tls/*.c
 * fuzz-libs: -lcrypto
 * fuzz-exclude: daemon/tls/tlsd_*.c daemon/tls/tls_offload_card*.c daemon/tls/tls_card_thresh.c
 */
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "tls_peer_cert.h"
#include "tls_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_reader r, ctx;
	X509 *leaf = NULL;
	STACK_OF(X509) *chain = NULL;
	uint16_t version;

	if (size < 1)
		return 0;
	version = data[0] & 1 ? TLS_VERSION_13 : TLS_VERSION_12;
	tls_reader_init(&r, data + 1, size - 1);
	if (version == TLS_VERSION_13 &&
	    tls_is_err(tls_read_vector(&r, 1, 0, 255, &ctx)))
		return 0;
	(void)tls_peer_cert_parse(&r, version, &leaf, &chain);
	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	return 0;
}
