// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the TLS ClientHello parser and every ClientHello
 * extension parser it dispatches to.
 *
 * Reaches: tls_client_hello_parse, tls_ext_versions_parse,
 * tls_ext_groups_parse, tls_ext_key_share_parse, tls_ext_sigalgs_parse,
 * tls_ext_sni_parse, tls_ext_alpn_parse, tls_ext_rsl_parse,
 * tls_ext_psk_modes_parse, tls_ext_psk_parse, tls_ext_ems_parse,
 * tls_ext_reneg_parse, tls_ext_point_formats_parse, tls_ext_ticket_parse,
 * tls_ext_alpn_select, tls_read_* (tls_buf.c).
 *
 * fuzz-sources: daemon/tls/*.c
 * fuzz-libs: -lcrypto
 * fuzz-exclude: daemon/tls/tlsd_*.c daemon/tls/tls_offload_card*.c daemon/tls/tls_card_thresh.c
 */
#include <stddef.h>
#include <stdint.h>

#include "tls_client_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_client_hello ch;
	char *ours[] = {(char *)"http/1.1", (char *)"h2"};
	const char *chosen;

	if (tls_is_ok(tls_client_hello_parse(data, size, &ch))) {
		/* Every view must lie inside the input. */
		if (ch.sni &&
		    (ch.sni < data || ch.sni + ch.sni_len > data + size))
			__builtin_trap();
		if (ch.binders_offset > size)
			__builtin_trap();
		(void)tls_ext_alpn_select(&ch, ours, 2, &chosen);
	}
	return 0;
}
