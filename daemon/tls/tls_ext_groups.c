// SPDX-License-Identifier: MIT
/* supported_groups (RFC 8446 §4.2.7) and key_share (§4.2.8). */
#include "tls_client_hello.h"

tls_result tls_ext_groups_parse(struct tls_client_hello *ch,
                                struct tls_reader *r)
{
	struct tls_reader list;

	/* NamedGroup named_group_list<2..2^16-1> */
	TLS_GUARD(tls_read_vector(r, 2, 2, 0xffff, &list));
	TLS_ENSURE(list.len % 2 == 0, TLS_ERR_DECODE);
	while (tls_reader_left(&list)) {
		uint16_t g;

		TLS_GUARD(tls_read_u16(&list, &g));
		if (ch->ngroups < TLS_CH_MAX_GROUPS)
			ch->groups[ch->ngroups++] = g;
	}
	return TLS_OK;
}

tls_result tls_ext_key_share_parse(struct tls_client_hello *ch,
                                   struct tls_reader *r)
{
	struct tls_reader list;

	/* KeyShareEntry client_shares<0..2^16-1> */
	TLS_GUARD(tls_read_vector(r, 2, 0, 0xffff, &list));
	while (tls_reader_left(&list)) {
		struct tls_reader key;
		uint16_t g;

		TLS_GUARD(tls_read_u16(&list, &g));
		/* opaque key_exchange<1..2^16-1> */
		TLS_GUARD(tls_read_vector(&list, 2, 1, 0xffff, &key));
		/*
		 * "Clients MUST NOT offer multiple KeyShareEntry values for
		 * the same group ... or for groups not listed in the
		 * client's supported_groups" -> illegal_parameter.
		 */
		TLS_ENSURE(tls_client_hello_has_group(ch, g),
		           TLS_ERR_ILLEGAL_PARAM);
		for (unsigned i = 0; i < ch->nshares; i++)
			TLS_ENSURE(ch->shares[i].group != g,
			           TLS_ERR_ILLEGAL_PARAM);
		if (ch->nshares < TLS_CH_MAX_SHARES)
			ch->shares[ch->nshares++] =
			    (struct tls_key_share){g, key.data, key.len};
	}
	return TLS_OK;
}
