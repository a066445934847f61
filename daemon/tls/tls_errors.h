/* SPDX-License-Identifier: MIT */
/*
 * The TLS engine's error codes and their alerts.  The table in
 * tls_errors.c is the only place an error is given a name, a message and
 * the alert (RFC 8446 §6.2) the peer receives for it.
 */
#ifndef TLS_ERRORS_H
#define TLS_ERRORS_H

#include <stdint.h>

/* AlertDescription, RFC 8446 §6 and RFC 5246 §7.2. */
enum tls_alert {
	TLS_ALERT_CLOSE_NOTIFY = 0,
	TLS_ALERT_UNEXPECTED_MESSAGE = 10,
	TLS_ALERT_BAD_RECORD_MAC = 20,
	TLS_ALERT_RECORD_OVERFLOW = 22,
	TLS_ALERT_HANDSHAKE_FAILURE = 40,
	TLS_ALERT_BAD_CERTIFICATE = 42,
	TLS_ALERT_UNSUPPORTED_CERTIFICATE = 43,
	TLS_ALERT_CERTIFICATE_EXPIRED = 45,
	TLS_ALERT_CERTIFICATE_UNKNOWN = 46,
	TLS_ALERT_ILLEGAL_PARAMETER = 47,
	TLS_ALERT_UNKNOWN_CA = 48,
	TLS_ALERT_DECODE_ERROR = 50,
	TLS_ALERT_DECRYPT_ERROR = 51,
	TLS_ALERT_PROTOCOL_VERSION = 70,
	TLS_ALERT_INSUFFICIENT_SECURITY = 71,
	TLS_ALERT_INTERNAL_ERROR = 80,
	TLS_ALERT_INAPPROPRIATE_FALLBACK = 86,
	TLS_ALERT_USER_CANCELED = 90,
	TLS_ALERT_NO_RENEGOTIATION = 100,
	TLS_ALERT_MISSING_EXTENSION = 109,
	TLS_ALERT_UNSUPPORTED_EXTENSION = 110,
	TLS_ALERT_UNRECOGNIZED_NAME = 112,
	TLS_ALERT_UNKNOWN_PSK_IDENTITY = 115,
	TLS_ALERT_CERTIFICATE_REQUIRED = 116,
	TLS_ALERT_NO_APPLICATION_PROTOCOL = 120,
	/* Not an alert: the error is local and the peer is sent nothing. */
	TLS_ALERT_NONE = 255,
};

enum tls_error {
	TLS_ERR_OK = 0,
	/* decoding */
	TLS_ERR_DECODE,        /* truncated or inconsistent lengths */
	TLS_ERR_TRAILING,      /* bytes left after a complete structure */
	TLS_ERR_ILLEGAL_PARAM, /* well-formed but forbidden value */
	TLS_ERR_DUP_EXTENSION, /* RFC 8446 §4.2: one of each type */
	TLS_ERR_BAD_EXTENSION, /* extension not allowed in this message */
	TLS_ERR_MISSING_EXTENSION,
	TLS_ERR_PSK_NOT_LAST, /* RFC 8446 §4.2.11 */
	/* record layer */
	TLS_ERR_RECORD_TYPE,    /* unknown ContentType */
	TLS_ERR_RECORD_VERSION, /* bad legacy_record_version */
	TLS_ERR_RECORD_OVERFLOW,
	TLS_ERR_RECORD_EMPTY,   /* zero-length handshake/alert record */
	TLS_ERR_BAD_RECORD_MAC, /* AEAD open failed */
	TLS_ERR_NO_INNER_TYPE,  /* TLSInnerPlaintext all zeros */
	TLS_ERR_SEQ_EXHAUSTED,  /* RFC 8446 §5.3: must rekey or close */
	TLS_ERR_BAD_CCS,
	TLS_ERR_INTERLEAVED, /* handshake data across a key change */
	/* handshake */
	TLS_ERR_UNEXPECTED_MSG,
	TLS_ERR_PROTOCOL_VERSION,
	TLS_ERR_NO_SHARED_CIPHER,
	TLS_ERR_NO_SHARED_GROUP,
	TLS_ERR_NO_SHARED_SIGALG,
	TLS_ERR_BAD_KEY_SHARE,
	TLS_ERR_HRR_AGAIN, /* second ClientHello still unusable */
	TLS_ERR_BAD_FINISHED,
	TLS_ERR_BAD_BINDER,
	TLS_ERR_BAD_SIGNATURE,
	TLS_ERR_NO_ALPN,
	TLS_ERR_UNRECOGNIZED_NAME,
	TLS_ERR_CERT_REQUIRED,
	TLS_ERR_BAD_CERT,
	TLS_ERR_UNKNOWN_CA,
	TLS_ERR_NO_RENEGOTIATION,
	TLS_ERR_MISSING_EMS,
	TLS_ERR_DOWNGRADE,
	TLS_ERR_INAPPROPRIATE_FALLBACK, /* RFC 7507 §3 */
	TLS_ERR_NO_CLIENT_CERT,         /* TLS 1.2 mTLS, RFC 5246 §7.4.6 */
	TLS_ERR_PEER_ALERT,             /* the peer sent a fatal alert */
	TLS_ERR_CLOSED,                 /* the peer sent close_notify */
	/* local */
	TLS_ERR_NULL,
	TLS_ERR_NOMEM,
	TLS_ERR_CRYPTO, /* libcrypto failed */
	TLS_ERR_INTERNAL,
	TLS_ERR_SPACE,   /* an output buffer is too small */
	TLS_ERR_CONFIG,  /* bad certificate/key/CA file */
	TLS_ERR_BLOCKED, /* need more input; not fatal */
	TLS_ERR_COUNT
};

/* The last error raised on this thread and where it was raised. */
enum tls_error tls_error_last(void);
const char *tls_error_where(void);
void tls_error_raise(enum tls_error err, const char *where);
void tls_error_clear(void);

const char *tls_error_name(enum tls_error err);
const char *tls_error_message(enum tls_error err);
/* The alert sent for err; TLS_ALERT_NONE for local errors. */
enum tls_alert tls_error_alert(enum tls_error err);
const char *tls_alert_name(uint8_t alert);

#endif /* TLS_ERRORS_H */
