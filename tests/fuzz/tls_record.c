// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the record layer's header checks and AEAD open path
 * (TLS 1.3 and 1.2 framing, inner content type and padding scan), with
 * fixed keys; the first input byte picks the AEAD and the version.
 *
 * Reaches: tls_record_header, tls_record_open, tls_record_set_secret13,
 * tls_record_set_keys12, the CPU offload's aead_open.
 *
 * fuzz-sources: daemon/tls/*.c
 * fuzz-libs: -lcrypto
 * fuzz-exclude: daemon/tls/tlsd_*.c daemon/tls/tls_offload_card*.c daemon/tls/tls_card_thresh.c
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tls_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tls_offload *off;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[TLS_MAX_RECORD + 64];
	struct tls_record_dir d = {0};
	uint8_t secret[48], iv[12], type, *pt;
	struct tls_record_hdr h;
	enum tls_aead a;
	size_t n;

	if (!off)
		off = tls_offload_cpu_create();
	if (!off || size < 1 || size - 1 > sizeof(buf))
		return 0;
	memset(secret, 0x42, sizeof(secret));
	memset(iv, 0x24, sizeof(iv));
	a = (enum tls_aead)(data[0] % TLS_AEAD_COUNT);
	if (data[0] & 0x80)
		(void)tls_record_set_keys12(off, &d, a, secret, iv, false);
	else
		(void)tls_record_set_secret13(off, &d, a, TLS_HASH_SHA256,
		                              secret, false);
	memcpy(buf, data + 1, size - 1);
	if (tls_is_ok(tls_record_header(buf, size - 1, &d, &h)) &&
	    size - 1 >= (size_t)5 + h.len) {
		if (tls_is_ok(tls_record_open(off, &d, buf, 5 + h.len, &type,
		                              &pt, &n)) &&
		    (pt < buf || pt + n > buf + 5 + h.len))
			__builtin_trap();
	}
	tls_record_dir_clear(off, &d);
	return 0;
}
