// SPDX-License-Identifier: MIT
/*
 * A client session as bytes, for a session file or a cache:
 *
 *   format(1) version(2) suite(2) secret<1..48> ems(1) received_ms(8)
 *   lifetime(4) age_add(4) ticket<1..TLS_CLIENT_TICKET_MAX>
 *   server_name<0..255>
 *
 * in the TLS presentation language's encoding (RFC 8446 §3), read back
 * with the same bounds-checked readers the handshake uses.  The secret
 * is in the clear: whoever holds the file can resume the session.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "tls12_schedule.h"
#include "tls13_server.h"
#include "tls_client.h"

#define TLS_CLIENT_SESSION_FORMAT 1

tls_result tls_client_session_encode(const struct tls_client_session *s,
                                     uint8_t *out, size_t cap, size_t *len)
{
	struct tls_writer w;
	size_t nlen = strnlen(s->server_name, sizeof(s->server_name));

	TLS_ENSURE(s->secret_len && s->secret_len <= TLS_MAX_HASH_LEN &&
	               s->ticket_len &&
	               s->ticket_len <= TLS_CLIENT_TICKET_MAX &&
	               nlen <= TLS_CLIENT_NAME_MAX,
	           TLS_ERR_INTERNAL);
	tls_writer_init(&w, out, cap);
	TLS_GUARD(tls_write_u8(&w, TLS_CLIENT_SESSION_FORMAT));
	TLS_GUARD(tls_write_u16(&w, s->version));
	TLS_GUARD(tls_write_u16(&w, s->suite));
	TLS_GUARD(tls_write_u8(&w, s->secret_len));
	TLS_GUARD(tls_write_bytes(&w, s->secret, s->secret_len));
	TLS_GUARD(tls_write_u8(&w, s->ems));
	TLS_GUARD(tls_write_u64(&w, s->received_ms));
	TLS_GUARD(tls_write_u32(&w, s->lifetime));
	TLS_GUARD(tls_write_u32(&w, s->age_add));
	TLS_GUARD(tls_write_u16(&w, s->ticket_len));
	TLS_GUARD(tls_write_bytes(&w, s->ticket, s->ticket_len));
	TLS_GUARD(tls_write_u8(&w, (uint8_t)nlen));
	TLS_GUARD(tls_write_bytes(&w, s->server_name, nlen));
	*len = w.len;
	return TLS_OK;
}

tls_result tls_client_session_decode(const uint8_t *p, size_t len,
                                     struct tls_client_session *s)
{
	struct tls_reader r, secret, ticket, name;
	uint8_t format, ems;

	memset(s, 0, sizeof(*s));
	tls_reader_init(&r, p, len);
	TLS_GUARD(tls_read_u8(&r, &format));
	TLS_ENSURE(format == TLS_CLIENT_SESSION_FORMAT, TLS_ERR_DECODE);
	TLS_GUARD(tls_read_u16(&r, &s->version));
	TLS_ENSURE(s->version == TLS_VERSION_13 || s->version == TLS_VERSION_12,
	           TLS_ERR_DECODE);
	TLS_GUARD(tls_read_u16(&r, &s->suite));
	TLS_GUARD(tls_read_vector(&r, 1, 1, TLS_MAX_HASH_LEN, &secret));
	TLS_GUARD(tls_read_u8(&r, &ems));
	TLS_GUARD(tls_read_u64(&r, &s->received_ms));
	TLS_GUARD(tls_read_u32(&r, &s->lifetime));
	TLS_GUARD(tls_read_u32(&r, &s->age_add));
	TLS_GUARD(tls_read_vector(&r, 2, 1, TLS_CLIENT_TICKET_MAX, &ticket));
	TLS_GUARD(tls_read_vector(&r, 1, 0, TLS_CLIENT_NAME_MAX, &name));
	TLS_GUARD(tls_reader_done(&r));
	/* Only what this engine could have made: our suites, and a secret
	 * of the suite's hash length (1.3) or a master secret (1.2). */
	if (s->version == TLS_VERSION_13) {
		enum tls_aead a;
		enum tls_hash h;

		TLS_ENSURE(s->suite >= TLS_AES_128_GCM_SHA256 &&
		               s->suite <= TLS_CHACHA20_POLY1305_SHA256,
		           TLS_ERR_DECODE);
		tls13_suite_params(s->suite, &a, &h);
		TLS_ENSURE(secret.len == tls_hash_len(h), TLS_ERR_DECODE);
	} else {
		TLS_ENSURE(tls12_suite_known(s->suite) &&
		               secret.len == TLS12_MASTER_LEN,
		           TLS_ERR_DECODE);
	}
	memcpy(s->secret, secret.data, secret.len);
	s->secret_len = (uint8_t)secret.len;
	s->ems = ems != 0;
	memcpy(s->ticket, ticket.data, ticket.len);
	s->ticket_len = (uint16_t)ticket.len;
	memcpy(s->server_name, name.data, name.len);
	s->server_name[name.len] = 0;
	/* A name with a NUL inside would match a different name. */
	TLS_ENSURE(strlen(s->server_name) == name.len, TLS_ERR_DECODE);
	return TLS_OK;
}
