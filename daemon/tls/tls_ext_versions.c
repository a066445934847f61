// SPDX-License-Identifier: MIT
/* supported_versions in ClientHello, RFC 8446 §4.2.1. */
#include "tls_client_hello.h"

tls_result tls_ext_versions_parse(struct tls_client_hello *ch,
                                  struct tls_reader *r)
{
	struct tls_reader list;

	/* ProtocolVersion versions<2..254> */
	TLS_GUARD(tls_read_vector(r, 1, 2, 254, &list));
	TLS_ENSURE(list.len % 2 == 0, TLS_ERR_DECODE);
	while (tls_reader_left(&list)) {
		uint16_t v;

		TLS_GUARD(tls_read_u16(&list, &v));
		ch->offers13 |= v == TLS_VERSION_13;
		ch->offers12 |= v == TLS_VERSION_12;
	}
	return TLS_OK;
}
