// SPDX-License-Identifier: MIT
/* Session tickets and the ticket key ring; see tls_ticket.h. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tls_proto.h"
#include "tls_ticket.h"

#define TLS_TICKET_FORMAT 2

tls_result tls_ticket_keys_rotate(struct tls_config *cfg, time_t now)
{
	struct tls_offload *o = cfg->off;
	struct tls_ticket_key *cur = &cfg->tickets[0];
	struct tls_ticket_key *old = &cfg->tickets[TLS_TICKET_KEYS - 1];
	uint8_t key[TLS_TICKET_SECRET_LEN];
	tls_result r;

	if (cfg->ticket_keys_external ||
	    (cur->valid &&
	     now - cur->created < (time_t)cfg->ticket_rotate_secs))
		return TLS_OK;
	o->ops->aead_key_clear(o, &old->seal);
	o->ops->aead_key_clear(o, &old->open);
	memmove(&cfg->tickets[1], &cfg->tickets[0],
	        (TLS_TICKET_KEYS - 1) * sizeof(cfg->tickets[0]));
	memset(cur, 0, sizeof(*cur));
	TLS_ENSURE(RAND_bytes(cur->name, sizeof(cur->name)) == 1 &&
	               RAND_bytes(key, sizeof(key)) == 1,
	           TLS_ERR_CRYPTO);
	r = o->ops->aead_key_set(o, &cur->seal, TLS_AEAD_AES_256_GCM, true,
	                         key);
	if (tls_is_ok(r))
		r = o->ops->aead_key_set(o, &cur->open, TLS_AEAD_AES_256_GCM,
		                         false, key);
	if (tls_is_ok(r))
		memcpy(cur->secret, key, sizeof(key));
	OPENSSL_cleanse(key, sizeof(key));
	TLS_GUARD(r);
	cur->created = now;
	cur->valid = true;
	return TLS_OK;
}

tls_result tls_ticket_keys_set(struct tls_config *cfg,
                               const uint8_t (*names)[TLS_TICKET_NAME_LEN],
                               const uint8_t (*secrets)[TLS_TICKET_SECRET_LEN],
                               const time_t *created, unsigned n, bool external)
{
	struct tls_offload *o = cfg->off;

	TLS_ENSURE(n >= 1 && n <= TLS_TICKET_KEYS, TLS_ERR_CONFIG);
	for (unsigned i = 0; i < TLS_TICKET_KEYS; i++) {
		struct tls_ticket_key *k = &cfg->tickets[i];

		if (k->valid) {
			o->ops->aead_key_clear(o, &k->seal);
			o->ops->aead_key_clear(o, &k->open);
		}
		OPENSSL_cleanse(k, sizeof(*k));
	}
	for (unsigned i = 0; i < n; i++) {
		struct tls_ticket_key *k = &cfg->tickets[i];

		memcpy(k->name, names[i], TLS_TICKET_NAME_LEN);
		memcpy(k->secret, secrets[i], TLS_TICKET_SECRET_LEN);
		TLS_GUARD(o->ops->aead_key_set(
		    o, &k->seal, TLS_AEAD_AES_256_GCM, true, k->secret));
		TLS_GUARD(o->ops->aead_key_set(
		    o, &k->open, TLS_AEAD_AES_256_GCM, false, k->secret));
		k->created = created[i];
		k->valid = true;
	}
	cfg->ticket_keys_external = external;
	return TLS_OK;
}

tls_result tls_ticket_keys_copy(struct tls_config *dst,
                                const struct tls_config *src)
{
	uint8_t names[TLS_TICKET_KEYS][TLS_TICKET_NAME_LEN];
	uint8_t secrets[TLS_TICKET_KEYS][TLS_TICKET_SECRET_LEN];
	time_t created[TLS_TICKET_KEYS];
	unsigned n = 0;
	tls_result r;

	for (unsigned i = 0; i < TLS_TICKET_KEYS; i++) {
		const struct tls_ticket_key *k = &src->tickets[i];

		if (!k->valid)
			continue;
		memcpy(names[n], k->name, TLS_TICKET_NAME_LEN);
		memcpy(secrets[n], k->secret, TLS_TICKET_SECRET_LEN);
		created[n++] = k->created;
	}
	if (!n)
		return TLS_OK;
	r = tls_ticket_keys_set(
	    dst, (const uint8_t(*)[TLS_TICKET_NAME_LEN])names,
	    (const uint8_t(*)[TLS_TICKET_SECRET_LEN])secrets, created, n,
	    src->ticket_keys_external);
	OPENSSL_cleanse(secrets, sizeof(secrets));
	return r;
}

tls_result tls_ticket_seal(struct tls_config *cfg, const struct tls_session *s,
                           uint8_t *out, size_t cap, size_t *len)
{
	struct tls_offload *o = cfg->off;
	struct tls_ticket_key *k = &cfg->tickets[0];
	uint8_t state[TLS_TICKET_MAX];
	struct tls_writer w;
	struct tls_aead_job job = {0};
	struct tls_iov in;
	size_t hdr = TLS_TICKET_NAME_LEN + TLS_AEAD_NONCE_LEN;

	TLS_GUARD(tls_ticket_keys_rotate(cfg, time(NULL)));
	tls_writer_init(&w, state, sizeof(state));
	TLS_GUARD(tls_write_u8(&w, TLS_TICKET_FORMAT));
	TLS_GUARD(tls_write_u16(&w, s->version));
	TLS_GUARD(tls_write_u16(&w, s->suite));
	TLS_GUARD(tls_write_u64(&w, s->issued));
	TLS_GUARD(tls_write_u32(&w, s->age_add));
	TLS_GUARD(tls_write_u8(&w, s->secret_len));
	TLS_GUARD(tls_write_bytes(&w, s->secret, s->secret_len));
	TLS_GUARD(tls_write_u8(&w, s->ems));
	TLS_GUARD(tls_write_u8(&w, s->alpn_len));
	TLS_GUARD(tls_write_bytes(&w, s->alpn, s->alpn_len));
	TLS_GUARD(tls_write_u8(&w, s->sni_len));
	TLS_GUARD(tls_write_bytes(&w, s->sni, s->sni_len));
	TLS_ENSURE(cap >= hdr + w.len + TLS_AEAD_TAG_LEN, TLS_ERR_SPACE);
	memcpy(out, k->name, TLS_TICKET_NAME_LEN);
	TLS_ENSURE(RAND_bytes(out + TLS_TICKET_NAME_LEN, TLS_AEAD_NONCE_LEN) ==
	               1,
	           TLS_ERR_CRYPTO);
	memcpy(job.nonce, out + TLS_TICKET_NAME_LEN, TLS_AEAD_NONCE_LEN);
	in = (struct tls_iov){state, w.len};
	job.key = &k->seal;
	job.aad = out;
	job.aad_len = TLS_TICKET_NAME_LEN;
	job.in = &in;
	job.nin = 1;
	job.out = out + hdr;
	job.len = w.len;
	TLS_GUARD(o->ops->aead_seal(o, &job));
	OPENSSL_cleanse(state, sizeof(state));
	*len = hdr + w.len + TLS_AEAD_TAG_LEN;
	return TLS_OK;
}

static TLS_RESULT tls_ticket_parse(const uint8_t *p, size_t n,
                                   struct tls_session *s)
{
	struct tls_reader r;
	uint8_t fmt, ems;

	tls_reader_init(&r, p, n);
	TLS_GUARD(tls_read_u8(&r, &fmt));
	TLS_ENSURE(fmt == TLS_TICKET_FORMAT, TLS_ERR_DECODE);
	TLS_GUARD(tls_read_u16(&r, &s->version));
	TLS_GUARD(tls_read_u16(&r, &s->suite));
	TLS_GUARD(tls_read_u64(&r, &s->issued));
	TLS_GUARD(tls_read_u32(&r, &s->age_add));
	TLS_GUARD(tls_read_u8(&r, &s->secret_len));
	TLS_ENSURE(s->secret_len && s->secret_len <= TLS_MAX_HASH_LEN,
	           TLS_ERR_DECODE);
	TLS_GUARD(tls_read_copy(&r, s->secret, s->secret_len));
	TLS_GUARD(tls_read_u8(&r, &ems));
	s->ems = ems != 0;
	TLS_GUARD(tls_read_u8(&r, &s->alpn_len));
	TLS_GUARD(tls_read_copy(&r, s->alpn, s->alpn_len));
	TLS_GUARD(tls_read_u8(&r, &s->sni_len));
	TLS_GUARD(tls_read_copy(&r, s->sni, s->sni_len));
	return tls_reader_done(&r);
}

tls_result tls_ticket_open(struct tls_config *cfg, const uint8_t *ticket,
                           size_t len, time_t now, struct tls_session *s)
{
	struct tls_offload *o = cfg->off;
	size_t hdr = TLS_TICKET_NAME_LEN + TLS_AEAD_NONCE_LEN;
	uint8_t buf[TLS_TICKET_MAX];
	struct tls_aead_job job = {0};
	struct tls_iov in;
	struct tls_ticket_key *k = NULL;
	tls_result r;

	TLS_ENSURE(len > hdr + TLS_AEAD_TAG_LEN && len <= sizeof(buf),
	           TLS_ERR_DECODE);
	for (unsigned i = 0; i < TLS_TICKET_KEYS && !k; i++)
		if (cfg->tickets[i].valid &&
		    CRYPTO_memcmp(cfg->tickets[i].name, ticket,
		                  TLS_TICKET_NAME_LEN) == 0)
			k = &cfg->tickets[i];
	TLS_ENSURE(k, TLS_ERR_DECODE);
	memcpy(buf, ticket + hdr, len - hdr);
	memcpy(job.nonce, ticket + TLS_TICKET_NAME_LEN, TLS_AEAD_NONCE_LEN);
	in = (struct tls_iov){buf, len - hdr};
	job.key = &k->open;
	job.aad = ticket;
	job.aad_len = TLS_TICKET_NAME_LEN;
	job.in = &in;
	job.nin = 1;
	job.out = buf;
	job.len = len - hdr;
	TLS_ENSURE(tls_is_ok(o->ops->aead_open(o, &job)), TLS_ERR_DECODE);
	r = tls_ticket_parse(buf, len - hdr - TLS_AEAD_TAG_LEN, s);
	OPENSSL_cleanse(buf, sizeof(buf));
	TLS_GUARD(r);
	TLS_ENSURE((uint64_t)now >= s->issued &&
	               (uint64_t)now - s->issued <= TLS_TICKET_LIFETIME,
	           TLS_ERR_DECODE);
	return TLS_OK;
}
