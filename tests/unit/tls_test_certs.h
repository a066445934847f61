/* SPDX-License-Identifier: MIT */
/*
 * Certificates and keys made with libcrypto for the TLS unit tests
 * (header-only): keys, self-signed or issued certificates with DNS
 * SANs, and PEM files in a temporary directory.
 */
#ifndef TLS_TEST_CERTS_H
#define TLS_TEST_CERTS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

static inline void tls_test_add_ext(X509 *x, X509 *issuer, int nid,
                                    const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (e)
		X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/*
 * A certificate for key with subject CN=cn, signed by issuer/issuer_key
 * (self-signed when issuer is NULL; a CA when ca).  san, if not NULL, is
 * an X509v3 subjectAltName value such as "DNS:a.test,DNS:*.b.test".
 */
static inline X509 *tls_test_cert(EVP_PKEY *key, const char *cn,
                                  const char *san, X509 *issuer,
                                  EVP_PKEY *issuer_key, int ca)
{
	static long serial = 1000;
	X509 *x = X509_new();
	X509_NAME *n;

	if (!x)
		return NULL;
	n = X509_get_subject_name(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	                           (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	if (ca) {
		tls_test_add_ext(x, issuer ? issuer : x, NID_basic_constraints,
		                 "critical,CA:TRUE");
		tls_test_add_ext(x, issuer ? issuer : x, NID_key_usage,
		                 "critical,keyCertSign");
	}
	if (san)
		tls_test_add_ext(x, issuer ? issuer : x, NID_subject_alt_name,
		                 san);
	if (X509_sign(x, issuer ? issuer_key : key, EVP_sha256()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Write the certificates (NULL-terminated) then the key, if any. */
static inline int tls_test_write_pem(const char *path, X509 *const *certs,
                                     EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");
	int ok = f != NULL;

	for (size_t i = 0; ok && certs && certs[i]; i++)
		ok = PEM_write_X509(f, certs[i]) == 1;
	if (ok && key)
		ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) ==
		     1;
	if (f)
		fclose(f);
	return ok;
}

static inline int tls_test_write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok = f && fputs(text, f) >= 0;

	if (f)
		fclose(f);
	return ok;
}

#endif /* TLS_TEST_CERTS_H */
