/* SPDX-License-Identifier: MIT */
/*
 * The TLS engine's one error convention (after s2n-tls utils/s2n_result.h).
 *
 * Every fallible function returns a tls_result, which the compiler refuses
 * to let a caller ignore.  A failure records one tls_error (tls_errors.h)
 * and the source location that raised it in thread-local state; the error
 * table maps that code to the alert the peer is sent.  Callers propagate
 * with TLS_GUARD and raise with TLS_ENSURE/TLS_BAIL, so no error path is
 * silent and none is invented twice.
 */
#ifndef TLS_RESULT_H
#define TLS_RESULT_H

#include <stdbool.h>

#include "tls_errors.h"

typedef struct {
	int signal;
} tls_result;

#define TLS_RESULT tls_result __attribute__((warn_unused_result))

#define TLS_OK  ((tls_result){.signal = 0})
#define TLS_ERR ((tls_result){.signal = -1})

static inline bool tls_is_ok(tls_result r)
{
	return r.signal == 0;
}

static inline bool tls_is_err(tls_result r)
{
	return r.signal != 0;
}

#define TLS_STR_(x) #x
#define TLS_STR(x)  TLS_STR_(x)
#define TLS_HERE    __FILE__ ":" TLS_STR(__LINE__)

/* Record err as the cause and fail the current function. */
#define TLS_BAIL(err)                             \
	do {                                      \
		tls_error_raise((err), TLS_HERE); \
		return TLS_ERR;                   \
	} while (0)

/* Fail with err unless cond holds. */
#define TLS_ENSURE(cond, err)          \
	do {                           \
		if (!(cond))           \
			TLS_BAIL(err); \
	} while (0)

#define TLS_ENSURE_REF(p) TLS_ENSURE((p) != NULL, TLS_ERR_NULL)

/* Propagate a failure unchanged (the callee already recorded its cause). */
#define TLS_GUARD(expr)                 \
	do {                            \
		if (tls_is_err(expr))   \
			return TLS_ERR; \
	} while (0)

/* libcrypto calls return 1 on success. */
#define TLS_GUARD_OSSL(expr, err) TLS_ENSURE((expr) == 1, err)

#endif /* TLS_RESULT_H */
