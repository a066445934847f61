/* SPDX-License-Identifier: MIT */
/*
 * Stable lower-case names for statuses, opcodes and op classes: logs, the
 * ctl tool's tables and --json all use these, so they never change.
 */
#include "tc_driver_internal.h"

static const char *const tc_status_names[TC_STS_COUNT] = {
    [TC_STS_OK] = "ok",
    [TC_STS_INVALID_DESC] = "invalid_desc",
    [TC_STS_UNSUPPORTED] = "unsupported",
    [TC_STS_DMA_FAULT] = "dma_fault",
    [TC_STS_AUTH_FAIL] = "auth_fail",
    [TC_STS_BAD_KEY_SLOT] = "bad_key_slot",
    [TC_STS_INTERNAL] = "internal",
    [TC_STS_ABORTED_RESET] = "aborted_reset",
    [TC_STS_BAD_BLOB] = "bad_blob",
    [TC_STS_BUF_TOO_SMALL] = "buf_too_small",
    [TC_STS_BAD_KEY] = "bad_key",
};

static const char *const tc_opcode_names[TC_OP_COUNT] = {
    [TC_OP_NOP] = "nop",
    [TC_OP_DIGEST] = "digest",
    [TC_OP_AEAD_BATCH] = "aead_batch",
    [TC_OP_KEY_LOAD] = "key_load",
    [TC_OP_KEY_EVICT] = "key_evict",
    [TC_OP_RSA_SIGN] = "rsa_sign",
    [TC_OP_RSA_DECRYPT] = "rsa_decrypt",
    [TC_OP_ECDSA_SIGN] = "ecdsa_sign",
    [TC_OP_ECDH_KEYGEN] = "ecdh_keygen",
    [TC_OP_ECDH_DERIVE] = "ecdh_derive",
    [TC_OP_BLOB_LOAD] = "blob_load",
    [TC_OP_BLOB_EVICT] = "blob_evict",
};

static const char *const tc_class_names[TC_CLASS_COUNT] = {
    [TC_CLASS_NOP] = "nop",     [TC_CLASS_DIGEST] = "digest",
    [TC_CLASS_AEAD] = "aead",   [TC_CLASS_PKE] = "pke",
    [TC_CLASS_ADMIN] = "admin",
};

const char *tc_status_name(uint16_t status)
{
	return status < TC_STS_COUNT ? tc_status_names[status] : "unknown";
}

const char *tc_opcode_name(uint8_t opcode)
{
	return opcode < TC_OP_COUNT ? tc_opcode_names[opcode] : "unknown";
}

const char *tc_class_name(unsigned op_class)
{
	return op_class < TC_CLASS_COUNT ? tc_class_names[op_class] : "unknown";
}
