// SPDX-License-Identifier: MIT
/*
 * Configuration loading: certificates, keys and CA files, and the M2
 * precomputed messages built from them once at load.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls_config.h"
#include "tls_proto.h"
#include "tls_sigalgs.h"

static __thread char tls_config_msg[512];

static void tls_config_fail(const char *fmt, ...)
{
	va_list ap;
	unsigned long e = ERR_peek_last_error();
	size_t n;

	va_start(ap, fmt);
	vsnprintf(tls_config_msg, sizeof(tls_config_msg), fmt, ap);
	va_end(ap);
	n = strlen(tls_config_msg);
	if (e && n < sizeof(tls_config_msg) - 4) {
		snprintf(tls_config_msg + n, sizeof(tls_config_msg) - n,
		         " (%s)", ERR_reason_error_string(e));
	}
	ERR_clear_error();
}

const char *tls_config_error(void)
{
	return tls_config_msg;
}

tls_result tls_config_init(struct tls_config *cfg, struct tls_offload *off)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->off = off;
	cfg->enable_tls13 = true;
	cfg->enable_tls12 = true;
	cfg->tickets_enabled = true;
	cfg->ticket_rotate_secs = TLS_TICKET_LIFETIME / 2;
	TLS_GUARD(tls_ticket_keys_rotate(cfg, time(NULL)));
	return TLS_OK;
}

static void tls_cert_free(struct tls_cert *c)
{
	X509_free(c->leaf);
	sk_X509_pop_free(c->chain, X509_free);
	EVP_PKEY_free(c->key);
	for (unsigned i = 0; i < c->nnames; i++)
		free(c->names[i]);
	free(c->cert13);
	free(c->cert12);
	memset(c, 0, sizeof(*c));
}

void tls_config_free(struct tls_config *cfg)
{
	for (unsigned i = 0; i < cfg->ncerts; i++)
		tls_cert_free(&cfg->certs[i]);
	X509_STORE_free(cfg->client_ca);
	X509_STORE_free(cfg->server_ca);
	free(cfg->cert_req13);
	free(cfg->cert_req12);
	for (unsigned i = 0; i < cfg->nalpn; i++)
		free(cfg->alpn[i]);
	for (unsigned i = 0; i < TLS_TICKET_KEYS; i++) {
		cfg->off->ops->aead_key_clear(cfg->off, &cfg->tickets[i].seal);
		cfg->off->ops->aead_key_clear(cfg->off, &cfg->tickets[i].open);
	}
	memset(cfg, 0, sizeof(*cfg));
}

static TLS_RESULT tls_cert_der(X509 *x, uint8_t **der, size_t *len)
{
	int n = i2d_X509(x, NULL);

	TLS_ENSURE(n > 0 && n < (1 << 24), TLS_ERR_CONFIG);
	*der = NULL;
	TLS_ENSURE(i2d_X509(x, der) == n, TLS_ERR_CRYPTO);
	*len = (size_t)n;
	return TLS_OK;
}

/*
 * M2: Certificate messages for both versions, once per certificate.
 * RFC 8446 §4.4.2: context<0..255> (empty) and CertificateEntry
 * { cert_data<1..2^24-1>; extensions<0..2^16-1> }; RFC 5246 §7.4.2:
 * certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>.
 */
static TLS_RESULT tls_cert_build_msgs(struct tls_cert *c)
{
	int nchain = sk_X509_num(c->chain);
	size_t total = 0, cap;
	struct tls_writer w13, w12;
	size_t m13, l13, m12, l12;

	for (int i = -1; i < nchain; i++) {
		X509 *x = i < 0 ? c->leaf : sk_X509_value(c->chain, i);

		total += (size_t)i2d_X509(x, NULL) + 5;
	}
	cap = total + 16;
	c->cert13 = malloc(cap);
	c->cert12 = malloc(cap);
	TLS_ENSURE(c->cert13 && c->cert12, TLS_ERR_NOMEM);
	tls_writer_init(&w13, c->cert13, cap);
	tls_writer_init(&w12, c->cert12, cap);
	TLS_GUARD(tls_write_u8(&w13, TLS_HS_CERTIFICATE));
	TLS_GUARD(tls_write_vector_begin(&w13, 3, &m13));
	TLS_GUARD(tls_write_u8(&w13, 0));
	TLS_GUARD(tls_write_vector_begin(&w13, 3, &l13));
	TLS_GUARD(tls_write_u8(&w12, TLS_HS_CERTIFICATE));
	TLS_GUARD(tls_write_vector_begin(&w12, 3, &m12));
	TLS_GUARD(tls_write_vector_begin(&w12, 3, &l12));
	for (int i = -1; i < nchain; i++) {
		X509 *x = i < 0 ? c->leaf : sk_X509_value(c->chain, i);
		uint8_t *der;
		size_t len;
		tls_result r;

		TLS_GUARD(tls_cert_der(x, &der, &len));
		r = tls_write_u24(&w13, (uint32_t)len);
		if (tls_is_ok(r))
			r = tls_write_bytes(&w13, der, len);
		if (tls_is_ok(r))
			r = tls_write_u16(&w13, 0);
		if (tls_is_ok(r))
			r = tls_write_u24(&w12, (uint32_t)len);
		if (tls_is_ok(r))
			r = tls_write_bytes(&w12, der, len);
		OPENSSL_free(der);
		TLS_GUARD(r);
	}
	TLS_GUARD(tls_write_vector_end(&w13, 3, l13));
	TLS_GUARD(tls_write_vector_end(&w13, 3, m13));
	TLS_GUARD(tls_write_vector_end(&w12, 3, l12));
	TLS_GUARD(tls_write_vector_end(&w12, 3, m12));
	c->cert13_len = w13.len;
	c->cert12_len = w12.len;
	return TLS_OK;
}

static TLS_RESULT tls_cert_key_type(struct tls_cert *c, const char *key_file)
{
	if (EVP_PKEY_is_a(c->key, "EC")) {
		char group[32];
		size_t n;

		if (EVP_PKEY_get_group_name(c->key, group, sizeof(group), &n) !=
		        1 ||
		    strcmp(group, "prime256v1") != 0) {
			tls_config_fail("%s: only P-256 ECDSA keys are "
			                "supported",
			                key_file);
			TLS_BAIL(TLS_ERR_CONFIG);
		}
		c->type = TLS_KEY_ECDSA_P256;
		return TLS_OK;
	}
	if (EVP_PKEY_is_a(c->key, "RSA")) {
		int bits = EVP_PKEY_get_bits(c->key);

		if (bits < 2048 || bits > 4096) {
			tls_config_fail("%s: RSA keys must have 2048 to 4096 "
			                "bits, not %d",
			                key_file, bits);
			TLS_BAIL(TLS_ERR_CONFIG);
		}
		c->type = TLS_KEY_RSA;
		return TLS_OK;
	}
	tls_config_fail("%s: unsupported key type (use ECDSA P-256 or RSA)",
	                key_file);
	TLS_BAIL(TLS_ERR_CONFIG);
}

/* PEM passphrase callback: note that the key is encrypted, give none. */
static int tls_config_no_passphrase(char *buf, int size, int rwflag,
                                    void *encrypted)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(bool *)encrypted = true;
	return -1;
}

/* Did the last PEM read stop only because the file had no more? */
static bool tls_config_pem_eof(void)
{
	unsigned long e = ERR_peek_last_error();

	return !e || (ERR_GET_LIB(e) == ERR_LIB_PEM &&
	              ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
}

static TLS_RESULT tls_cert_load(struct tls_cert *c, const char *cert_file,
                                const char *key_file)
{
	BIO *b = BIO_new_file(cert_file, "r");
	bool encrypted = false;
	X509 *x;

	if (!b) {
		tls_config_fail("cannot open certificate file %s", cert_file);
		TLS_BAIL(TLS_ERR_CONFIG);
	}
	c->leaf = PEM_read_bio_X509(b, NULL, NULL, NULL);
	c->chain = sk_X509_new_null();
	while (c->leaf && c->chain &&
	       (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(c->chain, x)) {
			X509_free(x);
			BIO_free(b);
			TLS_BAIL(TLS_ERR_NOMEM);
		}
	}
	BIO_free(b);
	if (!c->leaf) {
		tls_config_fail("%s: no PEM certificate found", cert_file);
		TLS_BAIL(TLS_ERR_CONFIG);
	}
	/*
	 * The chain ends at the end of the file ("no start line"); any
	 * other error is a certificate we could not read, which must not
	 * be dropped from the chain silently.
	 */
	if (!tls_config_pem_eof()) {
		tls_config_fail(
		    "%s: certificate %d of the chain cannot be read", cert_file,
		    sk_X509_num(c->chain) + 2);
		TLS_BAIL(TLS_ERR_CONFIG);
	}
	ERR_clear_error();
	b = BIO_new_file(key_file, "r");
	if (!b) {
		tls_config_fail("cannot open key file %s", key_file);
		TLS_BAIL(TLS_ERR_CONFIG);
	}
	/* Never a passphrase prompt on the daemon's terminal. */
	c->key = PEM_read_bio_PrivateKey(b, NULL, tls_config_no_passphrase,
	                                 &encrypted);
	BIO_free(b);
	if (!c->key && encrypted) {
		ERR_clear_error();
		tls_config_fail("%s: the private key is encrypted "
		                "(passphrases are not supported: decrypt it, "
		                "e.g. openssl pkey -in KEY -out PLAIN)",
		                key_file);
		TLS_BAIL(TLS_ERR_CONFIG);
	}
	if (!c->key) {
		tls_config_fail("%s: no PEM private key found", key_file);
		TLS_BAIL(TLS_ERR_CONFIG);
	}
	if (X509_check_private_key(c->leaf, c->key) != 1) {
		tls_config_fail("%s does not match the key in %s", cert_file,
		                key_file);
		TLS_BAIL(TLS_ERR_CONFIG);
	}
	TLS_GUARD(tls_cert_key_type(c, key_file));
	TLS_GUARD(tls_cert_names(c));
	return tls_cert_build_msgs(c);
}

tls_result tls_config_add_cert(struct tls_config *cfg, const char *cert_file,
                               const char *key_file)
{
	struct tls_cert *c;

	if (cfg->ncerts >= TLS_MAX_CERTS) {
		tls_config_fail("at most %d certificates", TLS_MAX_CERTS);
		TLS_BAIL(TLS_ERR_CONFIG);
	}
	c = &cfg->certs[cfg->ncerts];
	if (tls_is_err(tls_cert_load(c, cert_file, key_file))) {
		tls_cert_free(c);
		TLS_BAIL(tls_error_last());
	}
	cfg->ncerts++;
	return TLS_OK;
}

static TLS_RESULT tls_config_load_store(const char *ca_file, X509_STORE **out)
{
	X509_STORE *st = X509_STORE_new();

	TLS_ENSURE(st, TLS_ERR_NOMEM);
	if (X509_STORE_load_file(st, ca_file) != 1) {
		X509_STORE_free(st);
		tls_config_fail("cannot load CA file %s", ca_file);
		TLS_BAIL(TLS_ERR_CONFIG);
	}
	X509_STORE_free(*out);
	*out = st;
	return TLS_OK;
}

/* M2: CertificateRequest for both versions, built once. */
static TLS_RESULT tls_config_build_cert_req(struct tls_config *cfg)
{
	struct tls_writer w;
	size_t m, e, x, l;
	size_t cap = 128;

	cfg->cert_req13 = malloc(cap);
	cfg->cert_req12 = malloc(cap);
	TLS_ENSURE(cfg->cert_req13 && cfg->cert_req12, TLS_ERR_NOMEM);
	/* RFC 8446 §4.3.2: context<0..255>, extensions<2..2^16-1> */
	tls_writer_init(&w, cfg->cert_req13, cap);
	TLS_GUARD(tls_write_u8(&w, TLS_HS_CERTIFICATE_REQUEST));
	TLS_GUARD(tls_write_vector_begin(&w, 3, &m));
	TLS_GUARD(tls_write_u8(&w, 0));
	TLS_GUARD(tls_write_vector_begin(&w, 2, &e));
	TLS_GUARD(tls_write_u16(&w, TLS_EXT_SIGNATURE_ALGORITHMS));
	TLS_GUARD(tls_write_vector_begin(&w, 2, &x));
	TLS_GUARD(tls_write_vector_begin(&w, 2, &l));
	TLS_GUARD(tls_sigalgs_write(&w, TLS_VERSION_13));
	TLS_GUARD(tls_write_vector_end(&w, 2, l));
	TLS_GUARD(tls_write_vector_end(&w, 2, x));
	TLS_GUARD(tls_write_vector_end(&w, 2, e));
	TLS_GUARD(tls_write_vector_end(&w, 3, m));
	cfg->cert_req13_len = w.len;
	/*
	 * RFC 5246 §7.4.4: certificate_types<1..2^8-1>,
	 * supported_signature_algorithms<2..2^16-2>,
	 * certificate_authorities<0..2^16-1> (empty: any CA we trust).
	 */
	tls_writer_init(&w, cfg->cert_req12, cap);
	TLS_GUARD(tls_write_u8(&w, TLS_HS_CERTIFICATE_REQUEST));
	TLS_GUARD(tls_write_vector_begin(&w, 3, &m));
	TLS_GUARD(tls_write_u8(&w, 2));
	TLS_GUARD(tls_write_u8(&w, 1));  /* rsa_sign */
	TLS_GUARD(tls_write_u8(&w, 64)); /* ecdsa_sign */
	TLS_GUARD(tls_write_vector_begin(&w, 2, &l));
	TLS_GUARD(tls_sigalgs_write(&w, TLS_VERSION_12));
	TLS_GUARD(tls_write_vector_end(&w, 2, l));
	TLS_GUARD(tls_write_u16(&w, 0));
	TLS_GUARD(tls_write_vector_end(&w, 3, m));
	cfg->cert_req12_len = w.len;
	return TLS_OK;
}

tls_result tls_config_set_client_ca(struct tls_config *cfg, const char *ca_file)
{
	TLS_GUARD(tls_config_load_store(ca_file, &cfg->client_ca));
	if (!cfg->cert_req13)
		TLS_GUARD(tls_config_build_cert_req(cfg));
	return TLS_OK;
}

tls_result tls_config_set_server_ca(struct tls_config *cfg, const char *ca_file)
{
	return tls_config_load_store(ca_file, &cfg->server_ca);
}

tls_result tls_config_add_alpn(struct tls_config *cfg, const char *proto)
{
	size_t n = strlen(proto);

	if (n == 0 || n > 255 || cfg->nalpn >= TLS_MAX_ALPN) {
		tls_config_fail("bad ALPN protocol '%s'", proto);
		TLS_BAIL(TLS_ERR_CONFIG);
	}
	cfg->alpn[cfg->nalpn] = strdup(proto);
	TLS_ENSURE(cfg->alpn[cfg->nalpn], TLS_ERR_NOMEM);
	cfg->nalpn++;
	return TLS_OK;
}
