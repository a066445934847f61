// SPDX-License-Identifier: MIT
/*
 * The server's Certificate, as a client sees it (RFC 8446 §4.4.2, RFC
 * 5246 §7.4.2): parsed into the handshake state and verified with
 * libcrypto against the configured CA file and the server name
 * (X509_verify_cert with X509_VERIFY_PARAM_set1_host, RFC 6125).
 */
#include "tls_client.h"
#include "tls_peer_cert.h"

/*
 * §4.4.2: we sent neither status_request nor signed_certificate_timestamp,
 * so every CertificateEntry's extensions must be empty.
 */
static TLS_RESULT tls_client_cert_entry_exts(struct tls_reader list)
{
	struct tls_reader certs;

	TLS_GUARD(tls_read_vector(&list, 3, 0, 0xffffff, &certs));
	while (tls_reader_left(&certs)) {
		struct tls_reader der, ext;

		TLS_GUARD(tls_read_vector(&certs, 3, 1, 0xffffff, &der));
		TLS_GUARD(tls_read_vector(&certs, 2, 0, 0xffff, &ext));
		TLS_ENSURE(ext.len == 0, TLS_ERR_BAD_EXTENSION);
	}
	return TLS_OK;
}

tls_result tls_client_server_cert(struct tls_conn *c, struct tls_reader *r,
                                  uint16_t version)
{
	struct tls_hs *hs = c->hs;
	const char *name = c->client->server_name;

	if (version == TLS_VERSION_13)
		TLS_GUARD(tls_client_cert_entry_exts(*r));
	TLS_GUARD(
	    tls_peer_cert_parse(r, version, &hs->peer_leaf, &hs->peer_chain));
	TLS_GUARD(tls_reader_done(r));
	/* RFC 8446 §4.4.2.4: an empty server Certificate is decode_error. */
	TLS_ENSURE(hs->peer_leaf, TLS_ERR_DECODE);
	TLS_GUARD(tls_peer_cert_verify(c->cfg->server_ca, hs->peer_leaf,
	                               hs->peer_chain, false,
	                               name[0] ? name : NULL));
	c->peer_cert_verified = true;
	return TLS_OK;
}
