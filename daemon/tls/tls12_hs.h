/* SPDX-License-Identifier: MIT */
/*
 * TLS 1.2 handshake state kept in struct tls_hs (tls_conn.h) while a
 * 1.2 handshake runs, and wiped with it.  The secrets (RFC 5246 §8.1,
 * RFC 7627 §4) and the peer's record keys, which wait for its
 * ChangeCipherSpec (RFC 5246 §7.1), live here.
 */
#ifndef TLS12_HS_H
#define TLS12_HS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls_offload.h"
#include "tls_proto.h"

#define TLS12_MASTER_LEN      48 /* RFC 5246 §8.1 */
#define TLS12_VERIFY_DATA_LEN 12 /* RFC 5246 §7.4.9 */

/* The AEAD key block, RFC 5246 §6.3 (no MAC keys for AEAD suites). */
struct tls12_keys {
	uint8_t c_key[TLS_AEAD_MAX_KEY], s_key[TLS_AEAD_MAX_KEY];
	uint8_t c_iv[TLS_AEAD_NONCE_LEN], s_iv[TLS_AEAD_NONCE_LEN];
};

struct tls12_hs {
	uint8_t client_random[TLS_RANDOM_LEN];
	uint8_t server_random[TLS_RANDOM_LEN];
	uint8_t master[TLS12_MASTER_LEN];
	struct tls12_keys keys;
	bool issue_ticket; /* we promised a NewSessionTicket (RFC 5077 §3.2) */
	bool reneg_ext;    /* echo renegotiation_info (RFC 5746 §3.6) */
};

#endif /* TLS12_HS_H */
