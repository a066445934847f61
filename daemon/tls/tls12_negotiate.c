// SPDX-License-Identifier: MIT
/* ClientHello negotiation decisions; see tls12_negotiate.h. */
#include "tls12_negotiate.h"
#include "tls12_schedule.h"
#include "tls_sigalgs.h"

/* Server preference: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305. */
static const uint16_t tls12_suites[] = {
    TLS_ECDHE_ECDSA_AES128_GCM, TLS_ECDHE_RSA_AES128_GCM,
    TLS_ECDHE_ECDSA_AES256_GCM, TLS_ECDHE_RSA_AES256_GCM,
    TLS_ECDHE_ECDSA_CHACHA20,   TLS_ECDHE_RSA_CHACHA20,
};

static const uint16_t tls12_groups[] = {TLS_GROUP_X25519, TLS_GROUP_SECP256R1};

tls_result tls_negotiate_version(const struct tls_config *cfg,
                                 const struct tls_client_hello *ch,
                                 uint16_t *version)
{
	bool can12;

	if (ch->offers13 && cfg->enable_tls13) {
		*version = TLS_VERSION_13;
		return TLS_OK;
	}
	if (tls_ch_has(ch, TLS_EXTID_SUPPORTED_VERSIONS))
		can12 = ch->offers12;
	else
		can12 = ch->legacy_version >= TLS_VERSION_12;
	TLS_ENSURE(can12 && cfg->enable_tls12, TLS_ERR_PROTOCOL_VERSION);
	*version = TLS_VERSION_12;
	return TLS_OK;
}

tls_result tls12_check_client_hello(const struct tls_config *cfg,
                                    const struct tls_client_hello *ch)
{
	/* RFC 7507 §3: the client fell back from a version we support. */
	TLS_ENSURE(!(ch->fallback_scsv && cfg->enable_tls13),
	           TLS_ERR_INAPPROPRIATE_FALLBACK);
	/*
	 * RFC 7627 §5.2: without the extension a server "SHOULD abort the
	 * handshake" ("abort" = a fatal handshake_failure) unless it must
	 * serve legacy clients; we never derive a non-EMS master secret.
	 */
	TLS_ENSURE(tls_ch_has(ch, TLS_EXTID_EMS), TLS_ERR_MISSING_EMS);
	return TLS_OK;
}

tls_result tls12_pick_group(const struct tls_client_hello *ch, uint16_t *group)
{
	if (!tls_ch_has(ch, TLS_EXTID_SUPPORTED_GROUPS)) {
		*group = TLS_GROUP_SECP256R1;
		return TLS_OK;
	}
	for (size_t i = 0; i < sizeof(tls12_groups) / sizeof(tls12_groups[0]);
	     i++) {
		if (tls_client_hello_has_group(ch, tls12_groups[i])) {
			*group = tls12_groups[i];
			return TLS_OK;
		}
	}
	/* RFC 8422 §4: no ECC suite unless the client's curves allow it. */
	TLS_BAIL(TLS_ERR_NO_SHARED_GROUP);
}

static bool tls12_pick_suite(const struct tls_client_hello *ch,
                             enum tls_key_type type, uint16_t *suite)
{
	for (size_t i = 0; i < sizeof(tls12_suites) / sizeof(tls12_suites[0]);
	     i++) {
		if (tls12_suite_auth(tls12_suites[i]) == type &&
		    tls_client_hello_has_suite(ch, tls12_suites[i])) {
			*suite = tls12_suites[i];
			return true;
		}
	}
	return false;
}

tls_result tls12_pick_cert_suite(const struct tls_config *cfg,
                                 const struct tls_client_hello *ch,
                                 struct tls12_choice *out)
{
	bool sig_ok = false;

	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < cfg->ncerts; i++) {
			const struct tls_cert *crt = &cfg->certs[i];
			uint16_t scheme, suite;

			if (pass == 0 &&
			    !(ch->sni &&
			      tls_cert_matches(crt, ch->sni, ch->sni_len)))
				continue;
			/*
			 * RFC 8422 §5.1: "respecting the choice of curves"
			 * covers the ECDSA key too: a P-256 certificate
			 * only for a client that lists secp256r1.
			 */
			if (crt->type == TLS_KEY_ECDSA_P256 &&
			    tls_ch_has(ch, TLS_EXTID_SUPPORTED_GROUPS) &&
			    !tls_client_hello_has_group(ch,
			                                TLS_GROUP_SECP256R1))
				continue;
			/*
			 * RFC 5246 §7.4.1.4.1: without the extension only
			 * SHA-1 would be allowed, which we never sign with.
			 */
			if (tls_is_err(tls_sigalg_pick(
			        crt->type, TLS_VERSION_12, ch->sigalgs,
			        ch->sigalgs_len, &scheme)))
				continue;
			sig_ok = true;
			if (!tls12_pick_suite(ch, crt->type, &suite))
				continue;
			*out = (struct tls12_choice){crt, suite, scheme};
			return TLS_OK;
		}
	}
	TLS_BAIL(sig_ok ? TLS_ERR_NO_SHARED_CIPHER : TLS_ERR_NO_SHARED_SIGALG);
}
