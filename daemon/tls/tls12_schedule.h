/* SPDX-License-Identifier: MIT */
/*
 * The TLS 1.2 key schedule on the offload's PRF (RFC 5246 §5): the
 * extended master secret (RFC 7627 §4), the AEAD key block (RFC 5246
 * §6.3, RFC 5288 §3, RFC 7905 §2) and Finished verify_data (§7.4.9),
 * plus what each of our cipher suites means.
 */
#ifndef TLS12_SCHEDULE_H
#define TLS12_SCHEDULE_H

#include "tls12_hs.h"
#include "tls_config.h"

/* Is suite one of our TLS 1.2 suites (ECDHE, AEAD)? */
bool tls12_suite_known(uint16_t suite);
/* Its record protection and PRF hash (RFC 5288 §3, RFC 7905 §2). */
void tls12_suite_params(uint16_t suite, enum tls_aead *a, enum tls_hash *h);
/* The certificate key type the suite authenticates with. */
enum tls_key_type tls12_suite_auth(uint16_t suite);

/*
 * RFC 7627 §4: master_secret = PRF(pre_master_secret,
 * "extended master secret", session_hash)[0..47].
 */
TLS_RESULT tls12_ems_master_secret(struct tls_offload *o, enum tls_hash h,
                                   const uint8_t *pms, size_t pms_len,
                                   const uint8_t *session_hash,
                                   uint8_t *master);

/*
 * RFC 5246 §6.3: key_block = PRF(master, "key expansion",
 * server_random + client_random), cut into client and server write keys
 * and IVs (4-byte salt for GCM, 12-byte IV for ChaCha20-Poly1305).
 */
TLS_RESULT tls12_key_block(struct tls_offload *o, enum tls_hash h,
                           enum tls_aead a, const uint8_t *master,
                           const uint8_t *client_random,
                           const uint8_t *server_random, struct tls12_keys *k);

/* RFC 5246 §7.4.9: PRF(master, finished_label, thash)[0..11]. */
TLS_RESULT tls12_finished(struct tls_offload *o, enum tls_hash h,
                          const uint8_t *master, bool server,
                          const uint8_t *thash, uint8_t *verify_data);

#endif /* TLS12_SCHEDULE_H */
