// SPDX-License-Identifier: MIT
/*
 * The coalescer's due bytes into application-data records of a TLS
 * connection, one record per tlsd_coalesce_next() cut, as far as the
 * connection's send buffer has room; the rest stays due for the next
 * call (the socket drains the buffer in between).
 */
#include "tls_conn.h"
#include "tlsd_coalesce.h"

tls_result tlsd_coalesce_seal(struct tlsd_coalesce *c, struct tls_conn *t,
                              uint64_t now_ns, bool *moved)
{
	const uint8_t *p;
	size_t n;

	while ((n = tlsd_coalesce_next(c, now_ns, &p))) {
		size_t room = tls_conn_send_room(t);

		/* tls_conn_send splits at the peer's record size limit
		 * (RFC 8449); below it, one cut is one record. */
		if (n > room)
			n = room;
		if (!n)
			break;
		TLS_GUARD(tls_conn_send(t, p, n));
		tlsd_coalesce_sealed(c, n, now_ns);
		*moved = true;
	}
	return TLS_OK;
}
