/* SPDX-License-Identifier: MIT */
/*
 * Stateless session tickets (RFC 8446 §4.6.1, RFC 5077 §4) sealed with a
 * rotating ring of AES-256-GCM ticket keys: the newest key seals, the
 * older ones still open until they age out.
 *
 *   ticket = key_name[16] || nonce[12] || AEAD(state) || tag[16]
 *   state  = format(1) version(2) suite(2) issued(8) age_add(4)
 *            secret<1..48> ems(1) alpn<0..255> sni<0..255>
 * (format 2 added sni: a TLS 1.2 session resumes only for the name it
 * was made for, RFC 6066 §3.)
 */
#ifndef TLS_TICKET_H
#define TLS_TICKET_H

#include "tls_config.h"

#define TLS_TICKET_MAX 768

struct tls_session {
	uint16_t version;
	uint16_t suite;
	uint64_t issued;
	uint32_t age_add;
	uint8_t secret[TLS_MAX_HASH_LEN];
	uint8_t secret_len;
	bool ems;
	uint8_t alpn[256];
	uint8_t alpn_len;
	uint8_t sni[255];
	uint8_t sni_len;
};

TLS_RESULT tls_ticket_seal(struct tls_config *cfg, const struct tls_session *s,
                           uint8_t *out, size_t cap, size_t *len);
/* TLS_ERR_BAD_BINDER-free: any ticket we cannot use is TLS_ERR_DECODE. */
TLS_RESULT tls_ticket_open(struct tls_config *cfg, const uint8_t *ticket,
                           size_t len, time_t now, struct tls_session *s);

#endif /* TLS_TICKET_H */
