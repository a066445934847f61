// SPDX-License-Identifier: MIT
/* server_name, RFC 6066 §3. */
#include <string.h>

#include "tls_client_hello.h"

tls_result tls_ext_sni_parse(struct tls_client_hello *ch, struct tls_reader *r)
{
	struct tls_reader list;

	/* ServerName server_name_list<1..2^16-1> */
	TLS_GUARD(tls_read_vector(r, 2, 1, 0xffff, &list));
	while (tls_reader_left(&list)) {
		struct tls_reader name;
		uint8_t type;

		TLS_GUARD(tls_read_u8(&list, &type));
		/* HostName<1..2^16-1> */
		TLS_GUARD(tls_read_vector(&list, 2, 1, 0xffff, &name));
		if (type != 0)
			continue;
		/* "MUST NOT contain more than one name of the same type" */
		TLS_ENSURE(!ch->sni, TLS_ERR_ILLEGAL_PARAM);
		/* A DNS name: no NULs, no trailing dot, at most 255 bytes. */
		TLS_ENSURE(name.len <= 255 && !memchr(name.data, 0, name.len) &&
		               name.data[name.len - 1] != '.',
		           TLS_ERR_ILLEGAL_PARAM);
		ch->sni = name.data;
		ch->sni_len = name.len;
	}
	return TLS_OK;
}
