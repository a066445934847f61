// SPDX-License-Identifier: MIT
/* psk_key_exchange_modes (RFC 8446 §4.2.9) and pre_shared_key (§4.2.11). */
#include "tls_client_hello.h"

tls_result tls_ext_psk_modes_parse(struct tls_client_hello *ch,
                                   struct tls_reader *r)
{
	struct tls_reader list;

	/* PskKeyExchangeMode ke_modes<1..255> */
	TLS_GUARD(tls_read_vector(r, 1, 1, 255, &list));
	for (size_t i = 0; i < list.len; i++) {
		ch->psk_ke |= list.data[i] == 0;
		ch->psk_dhe_ke |= list.data[i] == 1;
	}
	list.pos = list.len;
	return TLS_OK;
}

tls_result tls_ext_psk_parse(struct tls_client_hello *ch, struct tls_reader *r)
{
	struct tls_reader ids, binders;
	unsigned nids = 0, nbinders = 0;

	/* PskIdentity identities<7..2^16-1> */
	TLS_GUARD(tls_read_vector(r, 2, 7, 0xffff, &ids));
	while (tls_reader_left(&ids)) {
		struct tls_reader id;
		uint32_t age;

		TLS_GUARD(tls_read_vector(&ids, 2, 1, 0xffff, &id));
		TLS_GUARD(tls_read_u32(&ids, &age));
		if (nids < TLS_CH_MAX_PSKS) {
			ch->psks[nids].identity = id.data;
			ch->psks[nids].len = id.len;
			ch->psks[nids].obfuscated_age = age;
		}
		nids++;
	}
	/* §4.2.11.2: binders are computed over the hello up to here. */
	ch->binders_offset = (size_t)(tls_reader_ptr(r) - ch->msg);
	/* PskBinderEntry binders<33..2^16-1>, each <32..255> */
	TLS_GUARD(tls_read_vector(r, 2, 33, 0xffff, &binders));
	while (tls_reader_left(&binders)) {
		struct tls_reader b;

		TLS_GUARD(tls_read_vector(&binders, 1, 32, 255, &b));
		if (nbinders < TLS_CH_MAX_PSKS) {
			ch->psks[nbinders].binder = b.data;
			ch->psks[nbinders].binder_len = b.len;
		}
		nbinders++;
	}
	/* One binder per identity, else illegal_parameter. */
	TLS_ENSURE(nids == nbinders, TLS_ERR_ILLEGAL_PARAM);
	ch->npsks = nids < TLS_CH_MAX_PSKS ? nids : TLS_CH_MAX_PSKS;
	return TLS_OK;
}
