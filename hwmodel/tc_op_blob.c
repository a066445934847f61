/* SPDX-License-Identifier: MIT */
/*
 * BLOB_LOAD and BLOB_EVICT (M2): the host stores precomputed handshake
 * messages on the card once; DIGEST scatter lists then refer to them by id.
 */
#include <endian.h>

#include "tc_op_internal.h"

static uint16_t tc_blob_check(const struct tc_blob_cmd *cmd)
{
	if (!tc_ops_is_zero(cmd->rsvd16, sizeof(cmd->rsvd16)))
		return TC_STS_INVALID_DESC;
	return TC_STS_OK;
}

uint16_t tc_op_blob_load(struct tc_op_ctx *ctx, const struct tc_blob_cmd *cmd)
{
	uint32_t id = le32toh(cmd->blob_id), len = le32toh(cmd->len);
	struct tc_blobstore *bs = ctx->st->blobs;
	struct tc_blob *blob;
	uint16_t sts;

	sts = tc_blob_check(cmd);
	if (sts)
		return sts;
	if (id >= tc_blobstore_nslots(bs))
		return TC_STS_BAD_BLOB;
	if (len < 1 || len > TC_BLOB_MAX_LEN)
		return TC_STS_INVALID_DESC;
	/* Fail early on capacity; install checks again, since another
	 * engine may load a blob while this one is read. */
	if (tc_blobstore_check(bs, id, len))
		return TC_STS_BAD_BLOB;
	blob = tc_blob_alloc(len);
	if (!blob)
		return TC_STS_INTERNAL;
	if (tc_dma_read(ctx->dma, le64toh(cmd->addr), blob->data, len)) {
		tc_blob_put(blob);
		return TC_STS_DMA_FAULT;
	}
	if (tc_blobstore_install(bs, id, blob)) {
		tc_blob_put(blob);
		return TC_STS_BAD_BLOB;
	}
	ctx->bytes = len;
	return TC_STS_OK;
}

uint16_t tc_op_blob_evict(struct tc_op_ctx *ctx, const struct tc_blob_cmd *cmd)
{
	uint16_t sts = tc_blob_check(cmd);

	if (sts)
		return sts;
	/* An empty id evicts fine: eviction is idempotent. */
	if (tc_blobstore_evict(ctx->st->blobs, le32toh(cmd->blob_id)))
		return TC_STS_BAD_BLOB;
	return TC_STS_OK;
}
