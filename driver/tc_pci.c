/* SPDX-License-Identifier: MIT */
/*
 * Finding tlscard functions on the PCI bus with libpci.
 *
 * A host with no cards, no /sys/bus/pci or no PCI access at all has zero
 * cards: libpci's default error handler would exit the process, so ours
 * jumps back and the scan reports what it found so far.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pci/pci.h>

#include "tc_driver_internal.h"

static __thread sigjmp_buf *tc_pci_jmp;

static void tc_pci_error(char *msg, ...) __attribute__((noreturn));

static void tc_pci_error(char *msg, ...)
{
	(void)msg;
	if (tc_pci_jmp)
		siglongjmp(*tc_pci_jmp, 1);
	abort(); /* unreachable: the handler is installed only in a scan */
}

static void tc_pci_quiet(char *msg, ...)
{
	(void)msg;
}

/* Last path element of the symlink /sys/bus/pci/devices/<bdf>/<name>. */
static bool tc_pci_link_name(const char *bdf, const char *name, char *out,
                             size_t outlen)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= outlen)
		return false;
	memcpy(out, base, strlen(base) + 1);
	return true;
}

static void tc_pci_describe(struct pci_dev *d, struct tc_pci_card *c)
{
	char group[32];

	memset(c, 0, sizeof(*c));
	snprintf(c->bdf, sizeof(c->bdf), "%04x:%02x:%02x.%x",
	         (unsigned)d->domain & 0xffff, d->bus, d->dev, d->func);
	c->vendor = d->vendor_id;
	c->device = d->device_id;
	c->iommu_group = -1;
	if (tc_pci_link_name(c->bdf, "iommu_group", group, sizeof(group)))
		c->iommu_group = atoi(group);
	if (!tc_pci_link_name(c->bdf, "driver", c->driver, sizeof(c->driver)))
		c->driver[0] = '\0';
}

int tc_pci_scan(struct tc_pci_card *cards, unsigned max)
{
	struct pci_access *volatile pacc = NULL;
	volatile unsigned found = 0;
	sigjmp_buf jmp;
	struct pci_dev *d;

	tc_pci_jmp = &jmp;
	if (sigsetjmp(jmp, 0))
		goto out; /* libpci failed: report what we have */
	pacc = pci_alloc();
	pacc->error = tc_pci_error;
	pacc->warning = tc_pci_quiet;
	pacc->debug = tc_pci_quiet;
	pci_init(pacc);
	pci_scan_bus(pacc);
	for (d = pacc->devices; d; d = d->next) {
		pci_fill_info(d, PCI_FILL_IDENT);
		if (d->vendor_id != TC_PCI_VENDOR_ID ||
		    d->device_id != TC_PCI_DEVICE_ID)
			continue;
		if (cards && found < max)
			tc_pci_describe(d, &cards[found]);
		found++;
	}
out:
	tc_pci_jmp = NULL;
	if (pacc)
		pci_cleanup(pacc);
	return (int)found;
}
