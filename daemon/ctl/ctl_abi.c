/* SPDX-License-Identifier: MIT */
/*
 * tlscardctl abi --json: the card ABI as the C compiler sees it.
 *
 * The Python tests build their constants and struct layouts from the
 * headers (tools/gen_abi_py.py); this dump is the other side of that
 * cross-check.  Sizes and offsets come from sizeof/offsetof and values from
 * the headers themselves, so nothing here can drift silently: a constant
 * added to firmware-iface/ but not listed below makes test_abi.py fail
 * until it is added.
 */
#include <jansson.h>
#include <stddef.h>

#include "ctl.h"

static const char abi_usage[] =
    "usage: tlscardctl abi --json\n"
    "\n"
    "Print the card ABI (firmware-iface/*.h) as compiled into this binary:\n"
    "every constant and enum value, and the size and field offsets of\n"
    "every wire struct, from sizeof/offsetof.  The Python tests compare it\n"
    "with the constants they generate from the headers.\n"
    "\n"
    "options:\n"
    "  --json      JSON output (the only format)\n"
    "  -h, --help  show this help\n";

struct abi_const {
	const char *name;
	uint64_t value;
};

/* Braced initialisers in macros: clang-format would split them. */
/* clang-format off */
#define CONST(n) { #n, (uint64_t)(n) }
/* clang-format on */

/* Every numeric #define TC_* and enum member, in header order. */
static const struct abi_const abi_consts[] = {
    CONST(TC_PCI_VENDOR_ID),
    CONST(TC_PCI_DEVICE_ID),
    CONST(TC_PCI_CLASS),
    CONST(TC_PCI_REVISION),
    CONST(TC_BAR0_SIZE),
    CONST(TC_ID_MAGIC),
    CONST(TC_VERSION_MAJOR),
    CONST(TC_VERSION_MINOR),
    CONST(TC_REG_ID),
    CONST(TC_REG_VERSION),
    CONST(TC_REG_CAP_OPS),
    CONST(TC_REG_CAP_ALGS),
    CONST(TC_REG_CAP_QUEUES),
    CONST(TC_REG_CAP_LIMITS),
    CONST(TC_REG_CAP_SLOTS),
    CONST(TC_REG_CAP_FEATURES),
    CONST(TC_REG_CAP_MAX_INPUT),
    CONST(TC_REG_CAP_BLOB_BYTES),
    CONST(TC_REG_CTRL),
    CONST(TC_REG_STATUS),
    CONST(TC_REG_ERR_VECTOR),
    CONST(TC_REG_RESET_COUNT),
    CONST(TC_REG_BAD_DOORBELLS),
    CONST(TC_REG_BAD_DESCS),
    CONST(TC_REG_DMA_FAULTS),
    CONST(TC_REG_BAD_MMIO),
    CONST(TC_REG_TIME_NS_LO),
    CONST(TC_REG_TIME_NS_HI),
    CONST(TC_CAP_QUEUES_NQ_SHIFT),
    CONST(TC_CAP_QUEUES_NQ_MASK),
    CONST(TC_CAP_QUEUES_MAXLOG2_SHIFT),
    CONST(TC_CAP_QUEUES_MAXLOG2_MASK),
    CONST(TC_CAP_QUEUES_ENGINES_SHIFT),
    CONST(TC_CAP_QUEUES_ENGINES_MASK),
    CONST(TC_CAP_LIMITS_MAX_SG_SHIFT),
    CONST(TC_CAP_LIMITS_MAX_SG_MASK),
    CONST(TC_CAP_LIMITS_MAX_REC_SHIFT),
    CONST(TC_CAP_LIMITS_MAX_REC_MASK),
    CONST(TC_CAP_LIMITS_MAX_CP_SHIFT),
    CONST(TC_CAP_LIMITS_MAX_CP_MASK),
    CONST(TC_CAP_SLOTS_KEYS_SHIFT),
    CONST(TC_CAP_SLOTS_KEYS_MASK),
    CONST(TC_CAP_SLOTS_BLOBS_SHIFT),
    CONST(TC_CAP_SLOTS_BLOBS_MASK),
    CONST(TC_CAP_ALG_SHA256),
    CONST(TC_CAP_ALG_SHA384),
    CONST(TC_CAP_ALG_SHA512),
    CONST(TC_CAP_ALG_HMAC),
    CONST(TC_CAP_ALG_AES128GCM),
    CONST(TC_CAP_ALG_AES256GCM),
    CONST(TC_CAP_ALG_CHACHA20POLY1305),
    CONST(TC_CAP_ALG_RSA),
    CONST(TC_CAP_ALG_RSA_PSS),
    CONST(TC_CAP_ALG_P256),
    CONST(TC_CAP_ALG_P384),
    CONST(TC_CAP_ALG_X25519),
    CONST(TC_CAP_F_FAULT_INJECT),
    CONST(TC_CAP_F_STATS),
    CONST(TC_CAP_F_IRQ_COALESCE),
    CONST(TC_CAP_F_BLOB_STORE),
    CONST(TC_CAP_F_TIMING_MODEL),
    CONST(TC_CTRL_ENABLE),
    CONST(TC_CTRL_RESET),
    CONST(TC_CTRL_CLEAR_FATAL),
    CONST(TC_STATUS_READY),
    CONST(TC_STATUS_FATAL),
    CONST(TC_STATUS_RESETTING),
    CONST(TC_STATUS_STALLED),
    CONST(TC_STATUS_FATAL_CODE_SHIFT),
    CONST(TC_STATUS_FATAL_CODE_MASK),
    CONST(TC_FATAL_NONE),
    CONST(TC_FATAL_CQ_DMA),
    CONST(TC_FATAL_SQ_DMA),
    CONST(TC_FATAL_INJECTED),
    CONST(TC_REG_FI_CTRL),
    CONST(TC_REG_FI_ERROR_PPM),
    CONST(TC_REG_FI_LATENCY_US),
    CONST(TC_REG_FI_SEED),
    CONST(TC_REG_FI_RESET_AFTER),
    CONST(TC_REG_FI_INJECTED),
    CONST(TC_FI_CTRL_STALL),
    CONST(TC_FI_CTRL_RESET_NOW),
    CONST(TC_FI_CTRL_FATAL_NOW),
    CONST(TC_MAX_QUEUES),
    CONST(TC_QP_BASE),
    CONST(TC_QP_STRIDE),
    CONST(TC_QP_SQ_BASE_LO),
    CONST(TC_QP_SQ_BASE_HI),
    CONST(TC_QP_CQ_BASE_LO),
    CONST(TC_QP_CQ_BASE_HI),
    CONST(TC_QP_SIZE),
    CONST(TC_QP_CTRL),
    CONST(TC_QP_COALESCE),
    CONST(TC_QP_STATUS),
    CONST(TC_QP_STAT_JOBS_LO),
    CONST(TC_QP_STAT_JOBS_HI),
    CONST(TC_QP_STAT_BYTES_LO),
    CONST(TC_QP_STAT_BYTES_HI),
    CONST(TC_QP_STAT_ERRORS),
    CONST(TC_QP_STAT_DOORBELLS),
    CONST(TC_QP_STAT_IRQS),
    CONST(TC_QP_STAT_COMPLETED),
    CONST(TC_QP_SIZE_SQ_SHIFT),
    CONST(TC_QP_SIZE_SQ_MASK),
    CONST(TC_QP_SIZE_CQ_SHIFT),
    CONST(TC_QP_SIZE_CQ_MASK),
    CONST(TC_QP_CTRL_ENABLE),
    CONST(TC_QP_CTRL_IRQ_ENABLE),
    CONST(TC_QP_CTRL_VECTOR_SHIFT),
    CONST(TC_QP_CTRL_VECTOR_MASK),
    CONST(TC_QP_COALESCE_COUNT_SHIFT),
    CONST(TC_QP_COALESCE_COUNT_MASK),
    CONST(TC_QP_COALESCE_TIME_SHIFT),
    CONST(TC_QP_COALESCE_TIME_MASK),
    CONST(TC_QP_STATUS_ENABLED),
    CONST(TC_QP_STATUS_ERROR),
    CONST(TC_QP_STATUS_CQ_FULL),
    CONST(TC_MAX_ENGINES),
    CONST(TC_ENG_BASE),
    CONST(TC_ENG_STRIDE),
    CONST(TC_ENG_STAT_JOBS_LO),
    CONST(TC_ENG_STAT_JOBS_HI),
    CONST(TC_ENG_STAT_BYTES_LO),
    CONST(TC_ENG_STAT_BYTES_HI),
    CONST(TC_ENG_STAT_BUSY_NS_LO),
    CONST(TC_ENG_STAT_BUSY_NS_HI),
    CONST(TC_ENG_STAT_ERRORS),
    CONST(TC_ENG_STAT_CLASS),
    CONST(TC_DB_BASE),
    CONST(TC_DB_STRIDE),
    CONST(TC_MSIX_VECTORS),
    CONST(TC_MSIX_BAR),
    CONST(TC_SQE_SIZE),
    CONST(TC_SQE_F_IRQ_NOW),
    CONST(TC_HASH_SHA256),
    CONST(TC_HASH_SHA384),
    CONST(TC_HASH_SHA512),
    CONST(TC_DIGEST_F_HMAC),
    CONST(TC_DIGEST_MAX_CP),
    CONST(TC_DIGEST_MAX_LEN),
    CONST(TC_AEAD_MAX_RECORDS),
    CONST(TC_KEY_AES128GCM),
    CONST(TC_KEY_AES256GCM),
    CONST(TC_KEY_CHACHA20POLY1305),
    CONST(TC_KEY_HMAC),
    CONST(TC_KEY_RSA),
    CONST(TC_KEY_EC_P256),
    CONST(TC_KEY_EC_P384),
    CONST(TC_KEY_X25519),
    CONST(TC_KEY_TYPE_COUNT),
    CONST(TC_KEY_MAX_LEN),
    CONST(TC_RSA_PAD_PKCS1),
    CONST(TC_RSA_PAD_PSS),
    CONST(TC_RSA_PAD_NONE),
    CONST(TC_GROUP_X25519),
    CONST(TC_GROUP_P256),
    CONST(TC_PKE_F_EVICT_AFTER),
    CONST(TC_PKE_F_EXPORT_PRIV),
    CONST(TC_BLOB_MAX_LEN),
    CONST(TC_CQE_SIZE),
    CONST(TC_CQE_PHASE),
    CONST(TC_CQE_STATUS_SHIFT),
    CONST(TC_CQE_STATUS_MASK),
    CONST(TC_SG_F_BLOB),
    CONST(TC_AEAD_DIR_ENCRYPT),
    CONST(TC_AEAD_DIR_DECRYPT),
    CONST(TC_AEAD_F_IN_CONTIG),
    CONST(TC_AEAD_F_OUT_CONTIG),
    CONST(TC_AEAD_NONCE_LEN),
    CONST(TC_AEAD_TAG_LEN),
    CONST(TC_AEAD_MAX_AAD),
    CONST(TC_OP_NOP),
    CONST(TC_OP_DIGEST),
    CONST(TC_OP_AEAD_BATCH),
    CONST(TC_OP_KEY_LOAD),
    CONST(TC_OP_KEY_EVICT),
    CONST(TC_OP_RSA_SIGN),
    CONST(TC_OP_RSA_DECRYPT),
    CONST(TC_OP_ECDSA_SIGN),
    CONST(TC_OP_ECDH_KEYGEN),
    CONST(TC_OP_ECDH_DERIVE),
    CONST(TC_OP_BLOB_LOAD),
    CONST(TC_OP_BLOB_EVICT),
    CONST(TC_OP_COUNT),
    CONST(TC_CLASS_NOP),
    CONST(TC_CLASS_DIGEST),
    CONST(TC_CLASS_AEAD),
    CONST(TC_CLASS_PKE),
    CONST(TC_CLASS_ADMIN),
    CONST(TC_CLASS_COUNT),
    CONST(TC_STS_OK),
    CONST(TC_STS_INVALID_DESC),
    CONST(TC_STS_UNSUPPORTED),
    CONST(TC_STS_DMA_FAULT),
    CONST(TC_STS_AUTH_FAIL),
    CONST(TC_STS_BAD_KEY_SLOT),
    CONST(TC_STS_INTERNAL),
    CONST(TC_STS_ABORTED_RESET),
    CONST(TC_STS_BAD_BLOB),
    CONST(TC_STS_BUF_TOO_SMALL),
    CONST(TC_STS_BAD_KEY),
    CONST(TC_STS_COUNT),
};

struct abi_field {
	const char *name;
	size_t offset, size;
};

/* clang-format off */
#define MEMBER_SIZE(s, f) sizeof(((struct s *)0)->f)
#define FIELD(s, f) { #f, offsetof(struct s, f), MEMBER_SIZE(s, f) }
/* clang-format on */

static const struct abi_field digest_cmd_fields[] = {
    FIELD(tc_digest_cmd, hash),     FIELD(tc_digest_cmd, dflags),
    FIELD(tc_digest_cmd, nseg),     FIELD(tc_digest_cmd, ncp),
    FIELD(tc_digest_cmd, rsvd5),    FIELD(tc_digest_cmd, rsvd6),
    FIELD(tc_digest_cmd, key_slot), FIELD(tc_digest_cmd, out_len),
    FIELD(tc_digest_cmd, sgl_addr), FIELD(tc_digest_cmd, out_addr),
    FIELD(tc_digest_cmd, cp),       FIELD(tc_digest_cmd, rsvd48),
};
static const struct abi_field aead_cmd_fields[] = {
    FIELD(tc_aead_cmd, nrec),        FIELD(tc_aead_cmd, rsvd2),
    FIELD(tc_aead_cmd, rsvd4),       FIELD(tc_aead_cmd, rec_addr),
    FIELD(tc_aead_cmd, status_addr), FIELD(tc_aead_cmd, rsvd24),
};
static const struct abi_field key_cmd_fields[] = {
    FIELD(tc_key_cmd, slot),     FIELD(tc_key_cmd, key_type),
    FIELD(tc_key_cmd, rsvd5),    FIELD(tc_key_cmd, rsvd6),
    FIELD(tc_key_cmd, key_addr), FIELD(tc_key_cmd, key_len),
    FIELD(tc_key_cmd, rsvd20),
};
static const struct abi_field pke_cmd_fields[] = {
    FIELD(tc_pke_cmd, slot),     FIELD(tc_pke_cmd, hash),
    FIELD(tc_pke_cmd, pad),      FIELD(tc_pke_cmd, group),
    FIELD(tc_pke_cmd, pflags),   FIELD(tc_pke_cmd, in_addr),
    FIELD(tc_pke_cmd, out_addr), FIELD(tc_pke_cmd, in_len),
    FIELD(tc_pke_cmd, out_len),  FIELD(tc_pke_cmd, aux_addr),
    FIELD(tc_pke_cmd, aux_len),  FIELD(tc_pke_cmd, rsvd44),
};
static const struct abi_field blob_cmd_fields[] = {
    FIELD(tc_blob_cmd, blob_id),
    FIELD(tc_blob_cmd, len),
    FIELD(tc_blob_cmd, addr),
    FIELD(tc_blob_cmd, rsvd16),
};
static const struct abi_field sqe_fields[] = {
    FIELD(tc_sqe, opcode), FIELD(tc_sqe, flags), FIELD(tc_sqe, cid),
    FIELD(tc_sqe, rsvd4),  FIELD(tc_sqe, u),
};
static const struct abi_field cqe_fields[] = {
    FIELD(tc_cqe, result), FIELD(tc_cqe, aux), FIELD(tc_cqe, sq_head),
    FIELD(tc_cqe, sq_id),  FIELD(tc_cqe, cid), FIELD(tc_cqe, status),
};
static const struct abi_field sg_entry_fields[] = {
    FIELD(tc_sg_entry, addr),
    FIELD(tc_sg_entry, len),
    FIELD(tc_sg_entry, flags),
    FIELD(tc_sg_entry, blob_id),
};
static const struct abi_field aead_record_fields[] = {
    FIELD(tc_aead_record, key_slot), FIELD(tc_aead_record, dir),
    FIELD(tc_aead_record, aad_len),  FIELD(tc_aead_record, rflags),
    FIELD(tc_aead_record, rsvd7),    FIELD(tc_aead_record, in_nseg),
    FIELD(tc_aead_record, out_nseg), FIELD(tc_aead_record, in_len),
    FIELD(tc_aead_record, nonce),    FIELD(tc_aead_record, rsvd28),
    FIELD(tc_aead_record, aad),      FIELD(tc_aead_record, in_addr),
    FIELD(tc_aead_record, out_addr), FIELD(tc_aead_record, tag_addr),
    FIELD(tc_aead_record, rsvd88),
};

struct abi_struct {
	const char *name;
	size_t size;
	const struct abi_field *fields;
	size_t nfields;
};

/* clang-format off */
#define STRUCT(s, f) { #s, sizeof(struct s), f, sizeof(f) / sizeof(f[0]) }
/* clang-format on */

static const struct abi_struct abi_structs[] = {
    STRUCT(tc_digest_cmd, digest_cmd_fields),
    STRUCT(tc_aead_cmd, aead_cmd_fields),
    STRUCT(tc_key_cmd, key_cmd_fields),
    STRUCT(tc_pke_cmd, pke_cmd_fields),
    STRUCT(tc_blob_cmd, blob_cmd_fields),
    STRUCT(tc_sqe, sqe_fields),
    STRUCT(tc_cqe, cqe_fields),
    STRUCT(tc_sg_entry, sg_entry_fields),
    STRUCT(tc_aead_record, aead_record_fields),
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static json_t *dump_structs(void)
{
	json_t *structs = json_object();

	for (size_t i = 0; i < NELEM(abi_structs); i++) {
		const struct abi_struct *s = &abi_structs[i];
		json_t *obj = json_object(), *fields = json_object();

		for (size_t f = 0; f < s->nfields; f++) {
			json_t *fo = json_object();

			json_object_set_new(fo, "offset",
			                    json_integer(s->fields[f].offset));
			json_object_set_new(fo, "size",
			                    json_integer(s->fields[f].size));
			json_object_set_new(fields, s->fields[f].name, fo);
		}
		json_object_set_new(obj, "size", json_integer(s->size));
		json_object_set_new(obj, "fields", fields);
		json_object_set_new(structs, s->name, obj);
	}
	return structs;
}

/* Sample values of the function-like register macros. */
static json_t *dump_functions(void)
{
	static const unsigned qs[] = {0, 1, 7, 15};
	json_t *fns = json_object();
	json_t *qp = json_array(), *eng = json_array();
	json_t *sq = json_array(), *cq = json_array();

	for (size_t i = 0; i < NELEM(qs); i++) {
		unsigned q = qs[i];

		json_array_append_new(qp, json_pack("{s:[i,i],s:i}", "args", q,
		                                    TC_QP_CTRL, "value",
		                                    TC_QP_REG(q, TC_QP_CTRL)));
		json_array_append_new(
		    eng,
		    json_pack("{s:[i,i],s:i}", "args", q, TC_ENG_STAT_ERRORS,
		              "value", TC_ENG_REG(q, TC_ENG_STAT_ERRORS)));
		json_array_append_new(sq, json_pack("{s:[i],s:i}", "args", q,
		                                    "value", TC_DB_SQ_TAIL(q)));
		json_array_append_new(cq, json_pack("{s:[i],s:i}", "args", q,
		                                    "value", TC_DB_CQ_HEAD(q)));
	}
	json_object_set_new(fns, "TC_QP_REG", qp);
	json_object_set_new(fns, "TC_ENG_REG", eng);
	json_object_set_new(fns, "TC_DB_SQ_TAIL", sq);
	json_object_set_new(fns, "TC_DB_CQ_HEAD", cq);
	return fns;
}

static int abi_run(const struct ctl_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	json_t *root, *consts;
	bool json = false;
	int c;

	optind = 0;
	while ((c = ctl_getopt(cmd, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case CTL_OPT_HELP: ctl_print_usage(cmd, stdout); return 0;
		default: return CTL_EXIT_USAGE;
		}
	}
	if (ctl_no_positional(cmd, argc, argv))
		return CTL_EXIT_USAGE;
	if (!json)
		return ctl_usage_error(cmd, "--json is required");

	consts = json_object();
	for (size_t i = 0; i < NELEM(abi_consts); i++)
		json_object_set_new(
		    consts, abi_consts[i].name,
		    json_integer((json_int_t)abi_consts[i].value));
	root = json_object();
	json_object_set_new(root, "version",
	                    json_pack("{s:i,s:i}", "major", TC_VERSION_MAJOR,
	                              "minor", TC_VERSION_MINOR));
	json_object_set_new(root, "constants", consts);
	json_object_set_new(root, "functions", dump_functions());
	json_object_set_new(root, "structs", dump_structs());
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_abi = {
    .name = "abi",
    .summary = "print the card ABI layout as JSON (for the Python tests)",
    .usage = abi_usage,
    .run = abi_run,
};
