/* SPDX-License-Identifier: MIT */
/*
 * The vfio backend (driver/tc_vfio.c, tc_vfio_container.c) on a host
 * without cards: every way an open can fail returns the right -errno and
 * leaves the context as it was (no domain attached, buffers usable), with
 * nothing leaked (the ASan build checks that).  The working path needs a
 * card behind an IOMMU: tests/qemu/ drives it in a guest.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tc_driver_internal.h"

/* The context holds no domain and still hands out mapped-later buffers. */
static void assert_ctx_clean(struct tc_ctx *ctx)
{
	struct tc_dma_buf buf;

	assert_null(ctx->dom);
	assert_int_equal(ctx->ncards, 0);
	assert_int_equal(tc_dma_alloc(ctx, 8192, &buf), 0);
	assert_int_equal(tc_dma_iova(ctx, buf.va), buf.iova);
	tc_dma_free(ctx, &buf);
}

static void test_bad_address(void **state)
{
	static const char *const bad[] = {
	    "vfio:",
	    "vfio:nonsense",
	    "vfio:0000:00:20.0",
	    "vfio:00:03.8",
	    "vfio:0000:00:03.0x",
	    "vfio:00000:00:03.0",
	    "vfio:0000:000:3.0",
	};
	struct tc_ctx *ctx;
	struct tc_dev *dev;

	(void)state;
	assert_int_equal(tc_ctx_create(&ctx), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dev = (struct tc_dev *)&dev;
		assert_int_equal(tc_dev_open(ctx, bad[i], NULL, &dev), -EINVAL);
		assert_null(dev);
	}
	assert_ctx_clean(ctx);
	tc_ctx_destroy(ctx);
}

static void test_no_such_device(void **state)
{
	struct tc_ctx *ctx;
	struct tc_dev *dev;

	(void)state;
	assert_int_equal(tc_ctx_create(&ctx), 0);
	/* Domain ffff, bus ff: not on any machine this runs on. */
	assert_int_equal(tc_dev_open(ctx, "vfio:ffff:ff:1f.7", NULL, &dev),
	                 -ENODEV);
	assert_ctx_clean(ctx);
	tc_ctx_destroy(ctx);
}

/* A PCI function bound to a driver other than vfio-pci, or 0. */
static int find_host_bound_device(char *bdf, size_t len)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		char path[PATH_MAX], target[PATH_MAX];
		ssize_t n;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= len)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver",
		         de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strstr(target, "/vfio-pci"))
			continue;
		memcpy(bdf, de->d_name, strlen(de->d_name) + 1);
		found = 1;
	}
	closedir(d);
	return found;
}

static void test_bound_to_another_driver(void **state)
{
	char bdf[32], spec[40];
	struct tc_ctx *ctx;
	struct tc_dev *dev;

	(void)state;
	if (!find_host_bound_device(bdf, sizeof(bdf))) {
		print_message("no PCI device bound to a host driver here\n");
		skip();
	}
	snprintf(spec, sizeof(spec), "vfio:%s", bdf);
	assert_int_equal(tc_ctx_create(&ctx), 0);
	/* Refused before any VFIO object is opened: the host driver
	 * keeps the device. */
	assert_int_equal(tc_dev_open(ctx, spec, NULL, &dev), -EBUSY);
	assert_ctx_clean(ctx);
	tc_ctx_destroy(ctx);
}

static void test_no_mixing_with_sim(void **state)
{
	struct tc_dev *sim, *dev;
	struct tc_ctx *ctx;

	(void)state;
	assert_int_equal(tc_ctx_create(&ctx), 0);
	assert_int_equal(tc_dev_open(ctx, "sim", NULL, &sim), 0);
	/* One IOVA domain per context: the sim table cannot be a VFIO
	 * container. */
	assert_int_equal(tc_dev_open(ctx, "vfio:0000:00:03.0", NULL, &dev),
	                 -EINVAL);
	assert_ptr_equal(ctx->dom_backend, &tc_sim_backend);
	tc_dev_close(sim);
	assert_ctx_clean(ctx);
	tc_ctx_destroy(ctx);
}

static void test_backend_table(void **state)
{
	(void)state;
	assert_string_equal(tc_vfio_backend.name, "vfio");
	assert_non_null(tc_vfio_backend.open);
	assert_non_null(tc_vfio_backend.close);
	assert_non_null(tc_vfio_backend.read32);
	assert_non_null(tc_vfio_backend.write32);
	assert_non_null(tc_vfio_backend.irq_eventfd);
	assert_non_null(tc_vfio_backend.reset);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_address),
	    cmocka_unit_test(test_no_such_device),
	    cmocka_unit_test(test_bound_to_another_driver),
	    cmocka_unit_test(test_no_mixing_with_sim),
	    cmocka_unit_test(test_backend_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
