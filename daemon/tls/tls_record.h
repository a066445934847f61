/* SPDX-License-Identifier: MIT */
/*
 * The record layer: header checks (RFC 8446 §5.1-§5.2, RFC 5246 §6.2),
 * per-direction AEAD state with sequence numbers and nonces (RFC 8446
 * §5.3, RFC 5288 §3, RFC 7905 §2), TLS 1.3 inner content type and
 * padding (§5.4).  Records are opened in place in the receive buffer and
 * sealed from a gather list into the send buffer.
 */
#ifndef TLS_RECORD_H
#define TLS_RECORD_H

#include "tls_buf.h"
#include "tls_offload.h"
#include "tls_proto.h"

struct tls_record_dir {
	struct tls_aead_key key;
	uint8_t iv[TLS_AEAD_NONCE_LEN];
	uint64_t seq;
	bool protected;
	uint16_t version; /* TLS_VERSION_13 or TLS_VERSION_12 */
	enum tls_aead alg;
};

struct tls_record_hdr {
	uint8_t type;
	uint16_t version;
	uint16_t len;
};

/*
 * Check the header at p.  TLS_ERR_BLOCKED while fewer than 5 bytes are
 * there; the caller then waits for 5 + h->len bytes.
 */
TLS_RESULT tls_record_header(const uint8_t *p, size_t avail,
                             const struct tls_record_dir *rd,
                             struct tls_record_hdr *h);

/* Install TLS 1.3 keys derived from a traffic secret (§7.3). */
TLS_RESULT tls_record_set_secret13(struct tls_offload *o,
                                   struct tls_record_dir *d, enum tls_aead a,
                                   enum tls_hash h, const uint8_t *secret,
                                   bool seal);
/* Install TLS 1.2 keys: key and the 4-byte (GCM) or 12-byte (ChaCha) IV. */
TLS_RESULT tls_record_set_keys12(struct tls_offload *o,
                                 struct tls_record_dir *d, enum tls_aead a,
                                 const uint8_t *key, const uint8_t *iv,
                                 bool seal);
void tls_record_dir_clear(struct tls_offload *o, struct tls_record_dir *d);

/*
 * Open the protected record rec (header included, 5 + len bytes) in
 * place.  On success *type is the true content type and the plaintext is
 * (*pt, *pt_len), inside rec.
 */
TLS_RESULT tls_record_open(struct tls_offload *o, struct tls_record_dir *d,
                           uint8_t *rec, size_t rec_len, uint8_t *type,
                           uint8_t **pt, size_t *pt_len);

/* Bytes a sealed record of pt_len plaintext bytes takes on the wire. */
size_t tls_record_sealed_len(const struct tls_record_dir *d, size_t pt_len);

/*
 * Append one record of type carrying the concatenation of in[0..nin),
 * pt_len bytes in all, protected if d is.
 */
TLS_RESULT tls_record_write(struct tls_offload *o, struct tls_record_dir *d,
                            uint8_t type, const struct tls_iov *in, size_t nin,
                            size_t pt_len, struct tls_writer *w);

/*
 * Append the concatenation of in[0..nin) as records of at most max_frag
 * plaintext bytes each, sealing all of them in one offload batch.
 */
TLS_RESULT tls_record_write_all(struct tls_offload *o, struct tls_record_dir *d,
                                uint8_t type, const struct tls_iov *in,
                                size_t nin, size_t max_frag,
                                struct tls_writer *w);

#endif /* TLS_RECORD_H */
