// SPDX-License-Identifier: MIT
/*
 * The names a certificate answers to and SNI matching (RFC 6066 §3,
 * RFC 6125 §6.4): DNS subjectAltNames, else the subject CN; a leading
 * "*." label matches exactly one label; case does not matter.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/x509v3.h>

#include "tls_config.h"

static TLS_RESULT tls_cert_add_name(struct tls_cert *c, const char *name,
                                    size_t len)
{
	TLS_ENSURE(c->nnames < TLS_MAX_CERT_NAMES, TLS_ERR_CONFIG);
	c->names[c->nnames] = strndup(name, len);
	TLS_ENSURE(c->names[c->nnames], TLS_ERR_NOMEM);
	c->nnames++;
	return TLS_OK;
}

tls_result tls_cert_names(struct tls_cert *c)
{
	GENERAL_NAMES *gens =
	    X509_get_ext_d2i(c->leaf, NID_subject_alt_name, NULL, NULL);
	char cn[256];
	int n;

	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const char *dns;
		int len;

		if (g->type != GEN_DNS || c->nnames >= TLS_MAX_CERT_NAMES)
			continue;
		dns = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
		len = ASN1_STRING_length(g->d.dNSName);
		/*
		 * An empty name or one with a NUL inside would match a
		 * name the certificate does not carry once cut at the NUL.
		 */
		if (len <= 0 || memchr(dns, 0, (size_t)len))
			continue;
		if (tls_is_err(tls_cert_add_name(c, dns, (size_t)len))) {
			GENERAL_NAMES_free(gens);
			TLS_BAIL(TLS_ERR_NOMEM);
		}
	}
	GENERAL_NAMES_free(gens);
	if (c->nnames)
		return TLS_OK;
	n = X509_NAME_get_text_by_NID(X509_get_subject_name(c->leaf),
	                              NID_commonName, cn, sizeof(cn));
	if (n > 0)
		TLS_GUARD(tls_cert_add_name(c, cn, (size_t)n));
	return TLS_OK;
}

/* RFC 6125 §6.4.3: a leading "*." matches exactly one label. */
static bool tls_name_matches(const char *pattern, const uint8_t *name,
                             size_t len)
{
	size_t plen = strlen(pattern);

	if (plen == len && strncasecmp(pattern, (const char *)name, len) == 0)
		return true;
	if (plen > 2 && pattern[0] == '*' && pattern[1] == '.') {
		const uint8_t *dot = memchr(name, '.', len);

		if (!dot || dot == name)
			return false;
		len -= (size_t)(dot - name);
		return plen - 1 == len &&
		       strncasecmp(pattern + 1, (const char *)dot, len) == 0;
	}
	return false;
}

bool tls_cert_matches(const struct tls_cert *c, const uint8_t *name, size_t len)
{
	for (unsigned k = 0; k < c->nnames; k++)
		if (tls_name_matches(c->names[k], name, len))
			return true;
	return false;
}
