// SPDX-License-Identifier: MIT
/* The record layer; see tls_record.h. */
#include <string.h>

#include <openssl/crypto.h>

#include "tls13_schedule.h"
#include "tls_record.h"

#define TLS12_EXPLICIT_NONCE 8
#define TLS_BATCH_MAX        64

tls_result tls_record_header(const uint8_t *p, size_t avail,
                             const struct tls_record_dir *rd,
                             struct tls_record_hdr *h)
{
	size_t max;

	TLS_ENSURE(avail >= TLS_RECORD_HEADER_LEN, TLS_ERR_BLOCKED);
	h->type = p[0];
	h->version = tls_get_u16(p + 1);
	h->len = tls_get_u16(p + 3);
	/* §5: unknown content types get unexpected_message. */
	TLS_ENSURE(h->type >= TLS_CT_CHANGE_CIPHER_SPEC &&
	               h->type <= TLS_CT_APPLICATION_DATA,
	           TLS_ERR_RECORD_TYPE);
	/*
	 * §5.1: legacy_record_version is 0x0303, or 0x0301 in an initial
	 * ClientHello; anything not TLS-shaped is refused.
	 */
	TLS_ENSURE(h->version >= TLS_VERSION_10 && h->version <= TLS_VERSION_12,
	           TLS_ERR_RECORD_VERSION);
	if (!rd->protected || h->type == TLS_CT_CHANGE_CIPHER_SPEC)
		max = TLS_MAX_PLAINTEXT; /* §5.1 */
	else if (rd->version == TLS_VERSION_13)
		max = TLS_MAX_CIPHERTEXT; /* §5.2 */
	else
		max = TLS12_MAX_CIPHERTEXT; /* RFC 5246 §6.2.3 */
	TLS_ENSURE(h->len <= max, TLS_ERR_RECORD_OVERFLOW);
	/* §5.1: no zero-length handshake or alert fragments. */
	TLS_ENSURE(h->len > 0 || h->type == TLS_CT_APPLICATION_DATA,
	           TLS_ERR_RECORD_EMPTY);
	/* §5.2: once protected, a 1.3 peer sends only application_data. */
	if (rd->protected && rd->version == TLS_VERSION_13)
		TLS_ENSURE(h->type == TLS_CT_APPLICATION_DATA ||
		               h->type == TLS_CT_CHANGE_CIPHER_SPEC,
		           TLS_ERR_UNEXPECTED_MSG);
	return TLS_OK;
}

static TLS_RESULT tls_record_set_key(struct tls_offload *o,
                                     struct tls_record_dir *d, enum tls_aead a,
                                     const uint8_t *key, bool seal)
{
	TLS_GUARD(o->ops->aead_key_set(o, &d->key, a, seal, key));
	d->alg = a;
	d->seq = 0;
	d->protected = true;
	return TLS_OK;
}

tls_result tls_record_set_secret13(struct tls_offload *o,
                                   struct tls_record_dir *d, enum tls_aead a,
                                   enum tls_hash h, const uint8_t *secret,
                                   bool seal)
{
	uint8_t key[TLS_AEAD_MAX_KEY];
	tls_result r;

	TLS_GUARD(tls13_traffic_key(o, h, a, secret, key, d->iv));
	d->version = TLS_VERSION_13;
	r = tls_record_set_key(o, d, a, key, seal);
	OPENSSL_cleanse(key, sizeof(key));
	return r;
}

tls_result tls_record_set_keys12(struct tls_offload *o,
                                 struct tls_record_dir *d, enum tls_aead a,
                                 const uint8_t *key, const uint8_t *iv,
                                 bool seal)
{
	memset(d->iv, 0, sizeof(d->iv));
	/* RFC 5288 §3: 4-byte salt; RFC 7905 §2: 12-byte IV for ChaCha. */
	memcpy(d->iv, iv, a == TLS_AEAD_CHACHA20_POLY1305 ? 12 : 4);
	d->version = TLS_VERSION_12;
	return tls_record_set_key(o, d, a, key, seal);
}

void tls_record_dir_clear(struct tls_offload *o, struct tls_record_dir *d)
{
	if (d->key.impl)
		o->ops->aead_key_clear(o, &d->key);
	OPENSSL_cleanse(d->iv, sizeof(d->iv));
	d->protected = false;
	d->seq = 0;
}

static bool tls_record_explicit_nonce(const struct tls_record_dir *d)
{
	return d->version == TLS_VERSION_12 &&
	       d->alg != TLS_AEAD_CHACHA20_POLY1305;
}

/* RFC 8446 §5.3 (and RFC 7905 §2): iv XOR the 64-bit sequence number. */
static void tls_record_nonce(const struct tls_record_dir *d, uint8_t *nonce)
{
	memcpy(nonce, d->iv, TLS_AEAD_NONCE_LEN);
	if (tls_record_explicit_nonce(d)) {
		/* RFC 5288 §3: salt || explicit nonce (we use the seq). */
		for (int i = 0; i < 8; i++)
			nonce[4 + i] = (uint8_t)(d->seq >> (56 - 8 * i));
		return;
	}
	for (int i = 0; i < 8; i++)
		nonce[4 + i] ^= (uint8_t)(d->seq >> (56 - 8 * i));
}

/* RFC 5246 §6.2.3.3: seq_num || type || version || length. */
static void tls_record_aad12(const struct tls_record_dir *d, uint8_t type,
                             size_t pt_len, uint8_t *aad)
{
	for (int i = 0; i < 8; i++)
		aad[i] = (uint8_t)(d->seq >> (56 - 8 * i));
	aad[8] = type;
	tls_put_u16(aad + 9, TLS_VERSION_12);
	tls_put_u16(aad + 11, (uint16_t)pt_len);
}

tls_result tls_record_open(struct tls_offload *o, struct tls_record_dir *d,
                           uint8_t *rec, size_t rec_len, uint8_t *type,
                           uint8_t **pt, size_t *pt_len)
{
	struct tls_aead_job job = {.key = &d->key, .nin = 1};
	uint8_t aad[13];
	uint8_t *ct = rec + TLS_RECORD_HEADER_LEN;
	size_t ct_len = rec_len - TLS_RECORD_HEADER_LEN, n;
	struct tls_iov in;

	TLS_ENSURE(d->protected, TLS_ERR_INTERNAL);
	/* §5.3: the sequence number must not wrap. */
	TLS_ENSURE(d->seq != UINT64_MAX, TLS_ERR_SEQ_EXHAUSTED);
	tls_record_nonce(d, job.nonce);
	if (d->version == TLS_VERSION_13) {
		/* §5.2: additional_data is the record header. */
		job.aad = rec;
		job.aad_len = TLS_RECORD_HEADER_LEN;
	} else {
		if (tls_record_explicit_nonce(d)) {
			TLS_ENSURE(ct_len >= TLS12_EXPLICIT_NONCE,
			           TLS_ERR_BAD_RECORD_MAC);
			memcpy(job.nonce + 4, ct, TLS12_EXPLICIT_NONCE);
			ct += TLS12_EXPLICIT_NONCE;
			ct_len -= TLS12_EXPLICIT_NONCE;
		}
		TLS_ENSURE(ct_len >= TLS_AEAD_TAG_LEN, TLS_ERR_BAD_RECORD_MAC);
		tls_record_aad12(d, rec[0], ct_len - TLS_AEAD_TAG_LEN, aad);
		job.aad = aad;
		job.aad_len = sizeof(aad);
	}
	TLS_ENSURE(ct_len >= TLS_AEAD_TAG_LEN, TLS_ERR_BAD_RECORD_MAC);
	in = (struct tls_iov){ct, ct_len};
	job.in = &in;
	job.out = ct;
	job.len = ct_len;
	TLS_GUARD(o->ops->aead_open(o, &job));
	d->seq++;
	n = ct_len - TLS_AEAD_TAG_LEN;
	if (d->version == TLS_VERSION_13) {
		/* §5.4: strip zero padding; the last non-zero byte is the type. */
		while (n > 0 && ct[n - 1] == 0)
			n--;
		TLS_ENSURE(n > 0, TLS_ERR_NO_INNER_TYPE);
		*type = ct[--n];
		TLS_ENSURE(n <= TLS_MAX_PLAINTEXT, TLS_ERR_RECORD_OVERFLOW);
		TLS_ENSURE(*type >= TLS_CT_CHANGE_CIPHER_SPEC &&
		               *type <= TLS_CT_APPLICATION_DATA &&
		               *type != TLS_CT_CHANGE_CIPHER_SPEC,
		           TLS_ERR_RECORD_TYPE);
		TLS_ENSURE(n > 0 || *type == TLS_CT_APPLICATION_DATA,
		           TLS_ERR_RECORD_EMPTY);
	} else {
		*type = rec[0];
		TLS_ENSURE(n <= TLS_MAX_PLAINTEXT, TLS_ERR_RECORD_OVERFLOW);
	}
	*pt = ct;
	*pt_len = n;
	return TLS_OK;
}

size_t tls_record_sealed_len(const struct tls_record_dir *d, size_t pt_len)
{
	size_t n = TLS_RECORD_HEADER_LEN + pt_len;

	if (!d->protected)
		return n;
	n += TLS_AEAD_TAG_LEN;
	if (d->version == TLS_VERSION_13)
		n += 1;
	else if (tls_record_explicit_nonce(d))
		n += TLS12_EXPLICIT_NONCE;
	return n;
}

/*
 * Prepare one record's header and job in w; the plaintext segments in
 * seg (room for nin + 1) must outlive the job.
 */
static TLS_RESULT tls_record_prepare(struct tls_record_dir *d, uint8_t type,
                                     const struct tls_iov *in, size_t nin,
                                     size_t pt_len, struct tls_writer *w,
                                     struct tls_iov *seg, uint8_t *type_byte,
                                     uint8_t *aad12, struct tls_aead_job *job)
{
	size_t total = tls_record_sealed_len(d, pt_len);
	uint8_t *rec, *body;

	TLS_ENSURE(d->seq != UINT64_MAX, TLS_ERR_SEQ_EXHAUSTED);
	TLS_GUARD(tls_write_reserve(w, total, &rec));
	body = rec + TLS_RECORD_HEADER_LEN;
	/* §5.2: protected 1.3 records say application_data, version 1.2. */
	rec[0] = d->protected && d->version == TLS_VERSION_13
	             ? TLS_CT_APPLICATION_DATA
	             : type;
	tls_put_u16(rec + 1, TLS_VERSION_12);
	tls_put_u16(rec + 3, (uint16_t)(total - TLS_RECORD_HEADER_LEN));
	memcpy(seg, in, nin * sizeof(*in));
	memset(job, 0, sizeof(*job));
	job->key = &d->key;
	job->in = seg;
	job->nin = nin;
	job->len = pt_len;
	tls_record_nonce(d, job->nonce);
	if (d->version == TLS_VERSION_13) {
		*type_byte = type; /* §5.4: no padding is added */
		seg[nin] = (struct tls_iov){type_byte, 1};
		job->nin = nin + 1;
		job->len = pt_len + 1;
		job->aad = rec;
		job->aad_len = TLS_RECORD_HEADER_LEN;
	} else {
		if (tls_record_explicit_nonce(d)) {
			memcpy(body, job->nonce + 4, TLS12_EXPLICIT_NONCE);
			body += TLS12_EXPLICIT_NONCE;
		}
		tls_record_aad12(d, type, pt_len, aad12);
		job->aad = aad12;
		job->aad_len = 13;
	}
	job->out = body;
	d->seq++;
	return TLS_OK;
}

tls_result tls_record_write(struct tls_offload *o, struct tls_record_dir *d,
                            uint8_t type, const struct tls_iov *in, size_t nin,
                            size_t pt_len, struct tls_writer *w)
{
	struct tls_iov seg[8];
	struct tls_aead_job job;
	uint8_t type_byte, aad[13];
	uint8_t *rec;

	TLS_ENSURE(pt_len <= TLS_MAX_PLAINTEXT && nin < 8, TLS_ERR_INTERNAL);
	if (!d->protected) {
		TLS_GUARD(tls_write_reserve(w, TLS_RECORD_HEADER_LEN, &rec));
		rec[0] = type;
		tls_put_u16(rec + 1, TLS_VERSION_12);
		tls_put_u16(rec + 3, (uint16_t)pt_len);
		for (size_t i = 0; i < nin; i++)
			TLS_GUARD(tls_write_bytes(w, in[i].base, in[i].len));
		return TLS_OK;
	}
	TLS_GUARD(tls_record_prepare(d, type, in, nin, pt_len, w, seg,
	                             &type_byte, aad, &job));
	return o->ops->aead_seal(o, &job);
}

struct tls_record_batch {
	struct tls_aead_job job[TLS_BATCH_MAX];
	struct tls_iov seg[TLS_BATCH_MAX][9];
	uint8_t aad[TLS_BATCH_MAX][13];
	uint8_t type_byte;
	size_t n;
};

static TLS_RESULT tls_record_flush(struct tls_offload *o,
                                   struct tls_record_batch *b)
{
	size_t ok;

	if (!b->n)
		return TLS_OK;
	ok = o->ops->aead_batch(o, b->job, b->n);
	TLS_ENSURE(ok == b->n, TLS_ERR_CRYPTO);
	b->n = 0;
	return TLS_OK;
}

tls_result tls_record_write_all(struct tls_offload *o, struct tls_record_dir *d,
                                uint8_t type, const struct tls_iov *in,
                                size_t nin, size_t max_frag,
                                struct tls_writer *w)
{
	/* On the caller's stack: a connection may be parked inside the
	 * batch (card offload) while another one writes its own. */
	struct tls_record_batch batch;
	struct tls_record_batch *b = &batch;
	size_t idx = 0, off = 0;

	TLS_ENSURE(max_frag > 0 && max_frag <= TLS_MAX_PLAINTEXT,
	           TLS_ERR_INTERNAL);
	b->n = 0;
	b->type_byte = type;
	while (idx < nin) {
		struct tls_iov frag[8];
		size_t nf = 0, len = 0;

		/* Gather up to max_frag bytes from the segments. */
		while (idx < nin && len < max_frag && nf < 8) {
			size_t take = in[idx].len - off;

			if (take > max_frag - len)
				take = max_frag - len;
			frag[nf++] = (struct tls_iov){in[idx].base + off, take};
			len += take;
			off += take;
			if (off == in[idx].len) {
				idx++;
				off = 0;
			}
		}
		if (!len && idx < nin)
			continue;
		if (!d->protected) {
			TLS_GUARD(
			    tls_record_write(o, d, type, frag, nf, len, w));
			continue;
		}
		if (b->n == TLS_BATCH_MAX)
			TLS_GUARD(tls_record_flush(o, b));
		TLS_GUARD(tls_record_prepare(d, type, frag, nf, len, w,
		                             b->seg[b->n], &b->type_byte,
		                             b->aad[b->n], &b->job[b->n]));
		b->n++;
	}
	return tls_record_flush(o, b);
}
