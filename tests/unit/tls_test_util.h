/* SPDX-License-Identifier: MIT */
/* Helpers shared by the TLS engine's unit tests (header-only). */
#ifndef TLS_TEST_UTIL_H
#define TLS_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Decode hex (whitespace ignored) into a malloc'd buffer; *len = bytes. */
static inline uint8_t *tls_test_unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex), o = 0;
	uint8_t *out = malloc(n / 2 + 1);
	int hi = -1;

	for (size_t i = 0; i < n && out; i++) {
		char ch = hex[i];
		int v;

		if (ch >= '0' && ch <= '9')
			v = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			v = ch - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			out[o++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	*len = o;
	return out;
}

#endif /* TLS_TEST_UTIL_H */
