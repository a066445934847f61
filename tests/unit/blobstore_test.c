/* SPDX-License-Identifier: MIT */
/*
 * Blob store (hwmodel/tc_blobstore.c): byte accounting, replacement counted
 * as freed, references outliving eviction, range checks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tc_blobstore.h"

static struct tc_blob *blob_of(uint32_t len, int fill)
{
	struct tc_blob *b = tc_blob_alloc(len);

	assert_non_null(b);
	memset(b->data, fill, len);
	return b;
}

static void test_accounting(void **state)
{
	struct tc_blobstore *bs;
	struct tc_blob *b;

	(void)state;
	assert_int_equal(tc_blobstore_create(4, 1000, &bs), 0);
	assert_int_equal(tc_blobstore_nslots(bs), 4);
	assert_int_equal(tc_blobstore_install(bs, 0, blob_of(600, 1)), 0);
	assert_int_equal(tc_blobstore_used(bs), 600);
	assert_int_equal(tc_blobstore_check(bs, 1, 401), -ENOSPC);
	assert_int_equal(tc_blobstore_check(bs, 1, 400), 0);
	/* Replacing blob 0 frees its 600 bytes first. */
	assert_int_equal(tc_blobstore_check(bs, 0, 1000), 0);
	b = blob_of(401, 2);
	assert_int_equal(tc_blobstore_install(bs, 1, b), -ENOSPC);
	tc_blob_put(b); /* not consumed on failure */
	assert_int_equal(tc_blobstore_install(bs, 1, blob_of(400, 2)), 0);
	assert_int_equal(tc_blobstore_used(bs), 1000);
	assert_int_equal(tc_blobstore_install(bs, 0, blob_of(100, 3)), 0);
	assert_int_equal(tc_blobstore_used(bs), 500);
	assert_int_equal(tc_blobstore_evict(bs, 1), 0);
	assert_int_equal(tc_blobstore_used(bs), 100);
	assert_int_equal(tc_blobstore_evict(bs, 1), 0);
	assert_int_equal(tc_blobstore_used(bs), 100);
	tc_blobstore_clear(bs);
	assert_int_equal(tc_blobstore_used(bs), 0);
	tc_blobstore_destroy(bs);
}

static void test_ranges_and_refs(void **state)
{
	struct tc_blobstore *bs;
	struct tc_blob *b, *ref;

	(void)state;
	assert_int_equal(tc_blobstore_create(2, 1 << 20, &bs), 0);
	assert_int_equal(tc_blobstore_check(bs, 2, 1), -ERANGE);
	b = blob_of(10, 7);
	assert_int_equal(tc_blobstore_install(bs, 2, b), -ERANGE);
	assert_int_equal(tc_blobstore_install(bs, 1, b), 0);
	assert_null(tc_blobstore_get(bs, 0));
	assert_null(tc_blobstore_get(bs, 2));
	ref = tc_blobstore_get(bs, 1);
	assert_ptr_equal(ref, b);
	assert_int_equal(tc_blobstore_evict(bs, 1), 0);
	assert_int_equal(tc_blobstore_evict(bs, 2), -ERANGE);
	/* The reference keeps the data alive. */
	assert_int_equal(ref->len, 10);
	assert_int_equal(ref->data[9], 7);
	tc_blob_put(ref);
	tc_blobstore_destroy(bs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accounting),
	    cmocka_unit_test(test_ranges_and_refs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
