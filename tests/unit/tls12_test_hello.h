/* SPDX-License-Identifier: MIT */
/*
 * Build ClientHello messages for the TLS 1.2 unit tests (header-only):
 * a struct says what to offer, tls12_test_hello() writes the message and
 * parses it with the engine's own parser.
 */
#ifndef TLS12_TEST_HELLO_H
#define TLS12_TEST_HELLO_H

#include <string.h>

#include "tls_client_hello.h"

struct tls12_test_offer {
	uint16_t legacy_version;  /* 0: 0x0303 */
	const uint16_t *versions; /* supported_versions, NULL: none */
	size_t nversions;
	const uint16_t *suites;
	size_t nsuites;
	const uint16_t *groups; /* NULL: no supported_groups */
	size_t ngroups;
	const uint16_t *sigalgs; /* NULL: no signature_algorithms */
	size_t nsigalgs;
	const char *sni;
	bool no_ems;
	const uint8_t *ticket; /* session_ticket extension data */
	size_t ticket_len;
	bool ticket_ext; /* send session_ticket even when empty */
};

static inline void tls12_test_put16(uint8_t *p, size_t *n, uint16_t v)
{
	p[(*n)++] = (uint8_t)(v >> 8);
	p[(*n)++] = (uint8_t)v;
}

static inline void tls12_test_ext(uint8_t *p, size_t *n, uint16_t type,
                                  const uint8_t *data, size_t len)
{
	tls12_test_put16(p, n, type);
	tls12_test_put16(p, n, (uint16_t)len);
	if (len)
		memcpy(p + *n, data, len);
	*n += len;
}

/* A u16 list with a 1- or 2-byte length prefix, as extension data. */
static inline size_t tls12_test_list(uint8_t *out, unsigned lenbytes,
                                     const uint16_t *v, size_t nv)
{
	size_t n = 0;

	if (lenbytes == 1)
		out[n++] = (uint8_t)(2 * nv);
	else
		tls12_test_put16(out, &n, (uint16_t)(2 * nv));
	for (size_t i = 0; i < nv; i++)
		tls12_test_put16(out, &n, v[i]);
	return n;
}

/* Write the hello into buf (cap >= 1024 + ticket) and parse it into ch. */
static inline tls_result tls12_test_hello(const struct tls12_test_offer *o,
                                          uint8_t *buf,
                                          struct tls_client_hello *ch)
{
	uint8_t ext[1024], data[512];
	size_t n = 4, e = 0, d;

	tls12_test_put16(
	    buf, &n, o->legacy_version ? o->legacy_version : TLS_VERSION_12);
	memset(buf + n, 0x77, 32); /* random */
	n += 32;
	buf[n++] = 0; /* session_id */
	tls12_test_put16(buf, &n, (uint16_t)(2 * o->nsuites));
	for (size_t i = 0; i < o->nsuites; i++)
		tls12_test_put16(buf, &n, o->suites[i]);
	buf[n++] = 1;
	buf[n++] = 0; /* null compression */
	if (o->versions) {
		d = tls12_test_list(data, 1, o->versions, o->nversions);
		tls12_test_ext(ext, &e, TLS_EXT_SUPPORTED_VERSIONS, data, d);
	}
	if (o->groups) {
		d = tls12_test_list(data, 2, o->groups, o->ngroups);
		tls12_test_ext(ext, &e, TLS_EXT_SUPPORTED_GROUPS, data, d);
	}
	if (o->sigalgs) {
		d = tls12_test_list(data, 2, o->sigalgs, o->nsigalgs);
		tls12_test_ext(ext, &e, TLS_EXT_SIGNATURE_ALGORITHMS, data, d);
	}
	if (o->sni) {
		size_t l = strlen(o->sni);

		d = 0;
		tls12_test_put16(data, &d, (uint16_t)(l + 3));
		data[d++] = 0; /* host_name */
		tls12_test_put16(data, &d, (uint16_t)l);
		memcpy(data + d, o->sni, l);
		d += l;
		tls12_test_ext(ext, &e, TLS_EXT_SERVER_NAME, data, d);
	}
	if (!o->no_ems)
		tls12_test_ext(ext, &e, TLS_EXT_EXTENDED_MASTER_SECRET, NULL,
		               0);
	if (o->ticket || o->ticket_ext)
		tls12_test_ext(ext, &e, TLS_EXT_SESSION_TICKET, o->ticket,
		               o->ticket_len);
	tls12_test_put16(buf, &n, (uint16_t)e);
	memcpy(buf + n, ext, e);
	n += e;
	buf[0] = TLS_HS_CLIENT_HELLO;
	buf[1] = 0;
	buf[2] = (uint8_t)((n - 4) >> 8);
	buf[3] = (uint8_t)(n - 4);
	return tls_client_hello_parse(buf, n, ch);
}

#endif /* TLS12_TEST_HELLO_H */
