// SPDX-License-Identifier: MIT
/*
 * The one error table: each error's name, message and the alert the peer
 * is sent for it (RFC 8446 §6.2: "implementations SHOULD use the most
 * specific alert"; decode failures are decode_error, §4.1-§4.6 name the
 * rest).
 */
#include <stddef.h>

#include "tls_errors.h"

struct tls_error_info {
	const char *name;
	const char *message;
	enum tls_alert alert;
};

#define E(code, msg, al) [code] = {#code, msg, al}

static const struct tls_error_info tls_error_table[TLS_ERR_COUNT] = {
    E(TLS_ERR_OK, "no error", TLS_ALERT_NONE),
    E(TLS_ERR_DECODE, "malformed message", TLS_ALERT_DECODE_ERROR),
    E(TLS_ERR_TRAILING, "trailing bytes after a message",
      TLS_ALERT_DECODE_ERROR),
    E(TLS_ERR_ILLEGAL_PARAM, "illegal parameter", TLS_ALERT_ILLEGAL_PARAMETER),
    E(TLS_ERR_DUP_EXTENSION, "duplicate extension",
      TLS_ALERT_ILLEGAL_PARAMETER),
    E(TLS_ERR_BAD_EXTENSION, "extension not allowed here",
      TLS_ALERT_UNSUPPORTED_EXTENSION),
    E(TLS_ERR_MISSING_EXTENSION, "required extension missing",
      TLS_ALERT_MISSING_EXTENSION),
    E(TLS_ERR_PSK_NOT_LAST, "pre_shared_key is not the last extension",
      TLS_ALERT_ILLEGAL_PARAMETER),
    E(TLS_ERR_RECORD_TYPE, "unknown record content type",
      TLS_ALERT_UNEXPECTED_MESSAGE),
    E(TLS_ERR_RECORD_VERSION, "bad record version", TLS_ALERT_PROTOCOL_VERSION),
    E(TLS_ERR_RECORD_OVERFLOW, "record too long", TLS_ALERT_RECORD_OVERFLOW),
    E(TLS_ERR_RECORD_EMPTY, "empty handshake or alert record",
      TLS_ALERT_UNEXPECTED_MESSAGE),
    E(TLS_ERR_BAD_RECORD_MAC, "record authentication failed",
      TLS_ALERT_BAD_RECORD_MAC),
    E(TLS_ERR_NO_INNER_TYPE, "inner plaintext has no content type",
      TLS_ALERT_UNEXPECTED_MESSAGE),
    E(TLS_ERR_SEQ_EXHAUSTED, "record sequence number exhausted",
      TLS_ALERT_INTERNAL_ERROR),
    E(TLS_ERR_BAD_CCS, "bad change_cipher_spec", TLS_ALERT_UNEXPECTED_MESSAGE),
    E(TLS_ERR_INTERLEAVED, "handshake message spans a key change",
      TLS_ALERT_UNEXPECTED_MESSAGE),
    E(TLS_ERR_UNEXPECTED_MSG, "unexpected message",
      TLS_ALERT_UNEXPECTED_MESSAGE),
    E(TLS_ERR_PROTOCOL_VERSION, "no supported protocol version",
      TLS_ALERT_PROTOCOL_VERSION),
    E(TLS_ERR_NO_SHARED_CIPHER, "no shared cipher suite",
      TLS_ALERT_HANDSHAKE_FAILURE),
    E(TLS_ERR_NO_SHARED_GROUP, "no shared group", TLS_ALERT_HANDSHAKE_FAILURE),
    E(TLS_ERR_NO_SHARED_SIGALG, "no shared signature algorithm",
      TLS_ALERT_HANDSHAKE_FAILURE),
    E(TLS_ERR_BAD_KEY_SHARE, "bad key share", TLS_ALERT_ILLEGAL_PARAMETER),
    E(TLS_ERR_HRR_AGAIN, "second ClientHello does not follow the retry",
      TLS_ALERT_ILLEGAL_PARAMETER),
    E(TLS_ERR_BAD_FINISHED, "Finished verify_data mismatch",
      TLS_ALERT_DECRYPT_ERROR),
    E(TLS_ERR_BAD_BINDER, "PSK binder mismatch", TLS_ALERT_DECRYPT_ERROR),
    E(TLS_ERR_BAD_SIGNATURE, "signature verification failed",
      TLS_ALERT_DECRYPT_ERROR),
    E(TLS_ERR_NO_ALPN, "no common application protocol",
      TLS_ALERT_NO_APPLICATION_PROTOCOL),
    E(TLS_ERR_UNRECOGNIZED_NAME, "unrecognized server name",
      TLS_ALERT_UNRECOGNIZED_NAME),
    E(TLS_ERR_CERT_REQUIRED, "client certificate required",
      TLS_ALERT_CERTIFICATE_REQUIRED),
    E(TLS_ERR_BAD_CERT, "bad certificate", TLS_ALERT_BAD_CERTIFICATE),
    E(TLS_ERR_UNKNOWN_CA, "certificate not issued by a trusted CA",
      TLS_ALERT_UNKNOWN_CA),
    E(TLS_ERR_NO_RENEGOTIATION, "renegotiation refused",
      TLS_ALERT_HANDSHAKE_FAILURE),
    E(TLS_ERR_MISSING_EMS, "extended master secret required",
      TLS_ALERT_HANDSHAKE_FAILURE),
    E(TLS_ERR_DOWNGRADE, "downgrade sentinel seen",
      TLS_ALERT_ILLEGAL_PARAMETER),
    E(TLS_ERR_INAPPROPRIATE_FALLBACK, "fallback to a lower version refused",
      TLS_ALERT_INAPPROPRIATE_FALLBACK),
    E(TLS_ERR_NO_CLIENT_CERT, "client certificate required",
      TLS_ALERT_HANDSHAKE_FAILURE),
    E(TLS_ERR_PEER_ALERT, "peer sent a fatal alert", TLS_ALERT_NONE),
    E(TLS_ERR_CLOSED, "peer closed the connection", TLS_ALERT_NONE),
    E(TLS_ERR_NULL, "null argument", TLS_ALERT_INTERNAL_ERROR),
    E(TLS_ERR_NOMEM, "out of memory", TLS_ALERT_INTERNAL_ERROR),
    E(TLS_ERR_CRYPTO, "libcrypto operation failed", TLS_ALERT_INTERNAL_ERROR),
    E(TLS_ERR_INTERNAL, "internal error", TLS_ALERT_INTERNAL_ERROR),
    E(TLS_ERR_SPACE, "buffer too small", TLS_ALERT_INTERNAL_ERROR),
    E(TLS_ERR_CONFIG, "bad configuration", TLS_ALERT_NONE),
    E(TLS_ERR_BLOCKED, "more input needed", TLS_ALERT_NONE),
};

#undef E

static __thread enum tls_error tls_last_error;
static __thread const char *tls_last_where;

void tls_error_raise(enum tls_error err, const char *where)
{
	tls_last_error = err;
	tls_last_where = where;
}

void tls_error_clear(void)
{
	tls_last_error = TLS_ERR_OK;
	tls_last_where = NULL;
}

enum tls_error tls_error_last(void)
{
	return tls_last_error;
}

const char *tls_error_where(void)
{
	return tls_last_where ? tls_last_where : "-";
}

static const struct tls_error_info *tls_error_info(enum tls_error err)
{
	if ((unsigned)err >= TLS_ERR_COUNT || !tls_error_table[err].name)
		return &tls_error_table[TLS_ERR_INTERNAL];
	return &tls_error_table[err];
}

const char *tls_error_name(enum tls_error err)
{
	return tls_error_info(err)->name;
}

const char *tls_error_message(enum tls_error err)
{
	return tls_error_info(err)->message;
}

enum tls_alert tls_error_alert(enum tls_error err)
{
	return tls_error_info(err)->alert;
}

const char *tls_alert_name(uint8_t alert)
{
	switch (alert) {
	case TLS_ALERT_CLOSE_NOTIFY: return "close_notify";
	case TLS_ALERT_UNEXPECTED_MESSAGE: return "unexpected_message";
	case TLS_ALERT_BAD_RECORD_MAC: return "bad_record_mac";
	case TLS_ALERT_RECORD_OVERFLOW: return "record_overflow";
	case TLS_ALERT_HANDSHAKE_FAILURE: return "handshake_failure";
	case TLS_ALERT_BAD_CERTIFICATE: return "bad_certificate";
	case TLS_ALERT_UNSUPPORTED_CERTIFICATE:
		return "unsupported_certificate";
	case TLS_ALERT_CERTIFICATE_EXPIRED: return "certificate_expired";
	case TLS_ALERT_CERTIFICATE_UNKNOWN: return "certificate_unknown";
	case TLS_ALERT_ILLEGAL_PARAMETER: return "illegal_parameter";
	case TLS_ALERT_UNKNOWN_CA: return "unknown_ca";
	case TLS_ALERT_DECODE_ERROR: return "decode_error";
	case TLS_ALERT_DECRYPT_ERROR: return "decrypt_error";
	case TLS_ALERT_PROTOCOL_VERSION: return "protocol_version";
	case TLS_ALERT_INSUFFICIENT_SECURITY: return "insufficient_security";
	case TLS_ALERT_INTERNAL_ERROR: return "internal_error";
	case TLS_ALERT_INAPPROPRIATE_FALLBACK: return "inappropriate_fallback";
	case TLS_ALERT_USER_CANCELED: return "user_canceled";
	case TLS_ALERT_NO_RENEGOTIATION: return "no_renegotiation";
	case TLS_ALERT_MISSING_EXTENSION: return "missing_extension";
	case TLS_ALERT_UNSUPPORTED_EXTENSION: return "unsupported_extension";
	case TLS_ALERT_UNRECOGNIZED_NAME: return "unrecognized_name";
	case TLS_ALERT_UNKNOWN_PSK_IDENTITY: return "unknown_psk_identity";
	case TLS_ALERT_CERTIFICATE_REQUIRED: return "certificate_required";
	case TLS_ALERT_NO_APPLICATION_PROTOCOL:
		return "no_application_protocol";
	default: return "unknown_alert";
	}
}
