// SPDX-License-Identifier: MIT
/* application_layer_protocol_negotiation, RFC 7301 §3. */
#include <string.h>

#include "tls_client_hello.h"

tls_result tls_ext_alpn_parse(struct tls_client_hello *ch, struct tls_reader *r)
{
	struct tls_reader list;

	/* ProtocolName protocol_name_list<2..2^16-1>, names <1..2^8-1> */
	TLS_GUARD(tls_read_vector(r, 2, 2, 0xffff, &list));
	ch->alpn = list.data;
	ch->alpn_len = list.len;
	while (tls_reader_left(&list)) {
		struct tls_reader name;

		TLS_GUARD(tls_read_vector(&list, 1, 1, 0xff, &name));
	}
	return TLS_OK;
}

tls_result tls_ext_alpn_select(const struct tls_client_hello *ch,
                               char *const *ours, unsigned nours,
                               const char **chosen)
{
	*chosen = NULL;
	if (!tls_ch_has(ch, TLS_EXTID_ALPN) || !nours)
		return TLS_OK;
	for (unsigned i = 0; i < nours; i++) {
		size_t n = strlen(ours[i]);

		for (size_t p = 0; p < ch->alpn_len;) {
			size_t l = ch->alpn[p];

			if (l == n &&
			    memcmp(ch->alpn + p + 1, ours[i], n) == 0) {
				*chosen = ours[i];
				return TLS_OK;
			}
			p += 1 + l;
		}
	}
	/* §3.2: no overlap -> no_application_protocol. */
	TLS_BAIL(TLS_ERR_NO_ALPN);
}
