/* SPDX-License-Identifier: MIT */
/*
 * PCI discovery (tc_pci.c).  The host running the tests usually has no
 * tlscard; the scan must then return 0, never fail or exit, and any card
 * it does find must be described consistently.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tlscard.h"

static void test_scan_counts_consistent(void **state)
{
	struct tc_pci_card cards[8];
	int n, m, i;

	(void)state;
	n = tc_pci_scan(NULL, 0);
	assert_true(n >= 0);
	memset(cards, 0xff, sizeof(cards));
	m = tc_pci_scan(cards, 8);
	assert_int_equal(m, n);
	printf("tlscard functions on this host: %d\n", n);
	for (i = 0; i < n && i < 8; i++) {
		unsigned dom, bus, dev, fn;

		assert_int_equal(cards[i].vendor, TC_PCI_VENDOR_ID);
		assert_int_equal(cards[i].device, TC_PCI_DEVICE_ID);
		assert_int_equal(
		    sscanf(cards[i].bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn),
		    4);
		assert_true(cards[i].iommu_group >= -1);
		assert_true(strlen(cards[i].driver) < sizeof(cards[i].driver));
	}
	/* Entries past the count are untouched. */
	if (n < 8)
		assert_int_equal(cards[n].vendor, 0xffff);
}

static void test_scan_small_array(void **state)
{
	struct tc_pci_card one[1];
	int n;

	(void)state;
	memset(one, 0, sizeof(one));
	n = tc_pci_scan(one, 1);
	assert_true(n >= 0);
	assert_int_equal(n, tc_pci_scan(NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scan_counts_consistent),
	    cmocka_unit_test(test_scan_small_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
