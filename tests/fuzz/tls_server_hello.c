// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the client's ServerHello / HelloRetryRequest parser
 * with its strictness checks against our offer, and the server
 * extension-block walker as EncryptedExtensions uses it.  The first
 * input byte picks the offer: which versions we offered, whether a PSK
 * went out, whether an HRR was already seen; the rest is the message.
 *
 * Reaches: tls_server_hello_parse, tls_server_exts_parse,
 * tls_server_alpn_parse, and through them tls_sh_version,
 * tls_sh_check13, tls_sh_check12, tls_sh_key_share, tls_read_*
 * (tls_buf.c).
 *
 * fuzz-sources: daemon/tls/*.c
 * fuzz-libs: -lcrypto
 * fuzz-exclude: daemon/tls/tlsd_*.c daemon/tls/tls_offload_card*.c daemon/tls/tls_card_thresh.c
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tls_server_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char alpn_h2[] = "h2", alpn_http11[] = "http/1.1";
static char *const fuzz_alpn[] = {alpn_h2, alpn_http11};

static void fuzz_offer(uint8_t sel, struct tls_client_offer *o)
{
	static const uint16_t suites[] = {
	    TLS_AES_128_GCM_SHA256,       TLS_AES_256_GCM_SHA384,
	    TLS_CHACHA20_POLY1305_SHA256, TLS_ECDHE_ECDSA_AES128_GCM,
	    TLS_ECDHE_RSA_AES128_GCM,     TLS_ECDHE_ECDSA_CHACHA20};

	memset(o, 0, sizeof(*o));
	o->v13 = (sel & 3) != 2;
	o->v12 = (sel & 3) != 1;
	memcpy(o->suites, suites, sizeof(suites));
	o->nsuites = 6;
	o->groups[0] = TLS_GROUP_X25519;
	o->groups[1] = TLS_GROUP_SECP256R1;
	o->ngroups = 2;
	o->share_group = TLS_GROUP_X25519;
	o->sent = 0x7fffu & ~(1u << TLS_EXTID_COOKIE) &
	          ~(1u << TLS_EXTID_PRE_SHARED_KEY);
	if (sel & 4) {
		o->sent |= 1u << TLS_EXTID_PRE_SHARED_KEY;
		o->npsks = 1;
	}
	if (sel & 8) {
		o->after_hrr = true;
		o->hrr_suite = TLS_AES_128_GCM_SHA256;
		o->share_group = TLS_GROUP_SECP256R1;
	}
	if (sel & 16) {
		memset(o->session_id, 0x5a, 32);
		o->session_id_len = 32;
	}
	o->alpn = fuzz_alpn;
	o->nalpn = 2;
}

static void fuzz_check_view(const uint8_t *p, size_t n, const uint8_t *base,
                            size_t size)
{
	if (p && (p < base || p + n > base + size))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_client_offer o;
	struct tls_server_hello sh;
	struct tls_server_exts x;
	struct tls_reader r;

	if (size < 1)
		return 0;
	fuzz_offer(data[0], &o);
	if (tls_is_ok(tls_server_hello_parse(data + 1, size - 1, &o, &sh))) {
		/* Every view must lie inside the message. */
		fuzz_check_view(sh.share, sh.share_len, data + 1, size - 1);
		fuzz_check_view(sh.cookie, sh.cookie_len, data + 1, size - 1);
		if (sh.version != TLS_VERSION_13 &&
		    sh.version != TLS_VERSION_12)
			__builtin_trap();
		if (sh.version == TLS_VERSION_13 && !sh.hrr &&
		    sh.group != o.share_group)
			__builtin_trap();
	}
	/* The same bytes as an EncryptedExtensions extension block. */
	tls_reader_init(&r, data + 1, size - 1);
	if (tls_is_ok(tls_server_exts_parse(
	        &r, o.sent, 1u << TLS_EXTID_ALPN | 1u << TLS_EXTID_SERVER_NAME,
	        &x)) &&
	    tls_sx_has(&x, TLS_EXTID_ALPN)) {
		const char *chosen = NULL;

		if (tls_is_ok(tls_server_alpn_parse(&x.data[TLS_EXTID_ALPN], &o,
		                                    &chosen)) &&
		    chosen != alpn_h2 && chosen != alpn_http11)
			__builtin_trap();
	}
	return 0;
}
