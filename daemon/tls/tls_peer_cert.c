// SPDX-License-Identifier: MIT
/*
 * Certificate messages from the peer (RFC 8446 §4.4.2, RFC 5246 §7.4.2)
 * and their verification with libcrypto's X509 machinery.
 */
#include <openssl/x509v3.h>

#include "tls_peer_cert.h"
#include "tls_proto.h"

tls_result tls_peer_cert_parse(struct tls_reader *r, uint16_t version,
                               X509 **leaf, STACK_OF(X509) * *chain)
{
	struct tls_reader list;

	*leaf = NULL;
	*chain = sk_X509_new_null();
	TLS_ENSURE(*chain, TLS_ERR_NOMEM);
	TLS_GUARD(tls_read_vector(r, 3, 0, 0xffffff, &list));
	while (tls_reader_left(&list)) {
		struct tls_reader der, ext;
		const unsigned char *p;
		X509 *x;

		/* cert_data<1..2^24-1> */
		TLS_GUARD(tls_read_vector(&list, 3, 1, 0xffffff, &der));
		if (version == TLS_VERSION_13)
			TLS_GUARD(tls_read_vector(&list, 2, 0, 0xffff, &ext));
		p = der.data;
		x = d2i_X509(NULL, &p, (long)der.len);
		/* The DER must be exactly one certificate. */
		if (!x || p != der.data + der.len) {
			X509_free(x);
			TLS_BAIL(TLS_ERR_BAD_CERT);
		}
		if (!*leaf) {
			*leaf = x;
		} else if (!sk_X509_push(*chain, x)) {
			X509_free(x);
			TLS_BAIL(TLS_ERR_NOMEM);
		}
	}
	return TLS_OK;
}

static enum tls_error tls_x509_error(int e)
{
	switch (e) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_UNTRUSTED: return TLS_ERR_UNKNOWN_CA;
	default: return TLS_ERR_BAD_CERT;
	}
}

tls_result tls_peer_cert_verify(X509_STORE *store, X509 *leaf,
                                STACK_OF(X509) * chain, bool peer_is_client,
                                const char *host)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok, err;

	TLS_ENSURE(ctx, TLS_ERR_NOMEM);
	if (X509_STORE_CTX_init(ctx, store, leaf, chain) != 1) {
		X509_STORE_CTX_free(ctx);
		TLS_BAIL(TLS_ERR_CRYPTO);
	}
	X509_STORE_CTX_set_purpose(ctx, peer_is_client
	                                    ? X509_PURPOSE_SSL_CLIENT
	                                    : X509_PURPOSE_SSL_SERVER);
	if (host)
		X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx),
		                            host, 0);
	ok = X509_verify_cert(ctx);
	err = X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	TLS_ENSURE(ok == 1, tls_x509_error(err));
	return TLS_OK;
}
