/* SPDX-License-Identifier: MIT */
/*
 * tlscardctl list: the cards this host can use.  The sim backend is always
 * there; PCI cards come from libpci (tc_pci_scan), with what VFIO needs to
 * know: the IOMMU group and the bound kernel driver.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define SIM_NOTE "in-process model, always available"

static const char list_usage[] =
    "usage: tlscardctl list [--json]\n"
    "\n"
    "List the cards this host can use: the in-process sim card, and PCI\n"
    "cards found through libpci (address, vendor:device, IOMMU group,\n"
    "bound kernel driver).  A PCI card is usable by tlscard once it is\n"
    "bound to vfio-pci.\n"
    "\n"
    "options:\n"
    "  --json      print one JSON object instead of a table\n"
    "  -h, --help  show this help\n";

/* Scan with a buffer that grows to what tc_pci_scan reports. */
static int scan_pci(struct tc_pci_card **out)
{
	unsigned max = 32;

	for (int tries = 0; tries < 4; tries++) {
		struct tc_pci_card *cards = calloc(max, sizeof(*cards));
		int n;

		if (!cards)
			return -ENOMEM;
		n = tc_pci_scan(cards, max);
		if (n < 0 || (unsigned)n <= max) {
			*out = cards;
			return n;
		}
		free(cards);
		max = (unsigned)n;
	}
	return -EAGAIN;
}

static void pci_note(const struct tc_pci_card *c, char *buf, size_t len)
{
	if (c->vendor != TC_PCI_VENDOR_ID || c->device != TC_PCI_DEVICE_ID)
		snprintf(buf, len, "not a tlscard");
	else if (!strcmp(c->driver, "vfio-pci"))
		snprintf(buf, len, "usable as vfio:%s%s", c->bdf,
		         c->iommu_group >= 0 ? "" : " (no-IOMMU)");
	else if (!c->driver[0])
		snprintf(buf, len, "no driver: bind it to vfio-pci");
	else
		snprintf(buf, len, "bind it to vfio-pci to use it");
}

static int print_json(const struct tc_pci_card *cards, int n)
{
	json_t *root = json_object();
	json_t *arr = json_array();
	json_t *sim = json_object();

	json_object_set_new(sim, "device", json_string("sim"));
	json_object_set_new(sim, "kind", json_string("sim"));
	json_object_set_new(sim, "note", json_string(SIM_NOTE));
	json_array_append_new(arr, sim);
	for (int i = 0; i < n; i++) {
		json_t *c = json_object();
		char id[16], note[96];

		snprintf(id, sizeof(id), "%04x:%04x", cards[i].vendor,
		         cards[i].device);
		json_object_set_new(c, "device", json_string(cards[i].bdf));
		json_object_set_new(c, "kind", json_string("pci"));
		json_object_set_new(c, "id", json_string(id));
		json_object_set_new(c, "vendor", json_integer(cards[i].vendor));
		json_object_set_new(c, "device_id",
		                    json_integer(cards[i].device));
		json_object_set_new(c, "iommu_group",
		                    cards[i].iommu_group >= 0
		                        ? json_integer(cards[i].iommu_group)
		                        : json_null());
		json_object_set_new(c, "driver",
		                    cards[i].driver[0]
		                        ? json_string(cards[i].driver)
		                        : json_null());
		pci_note(&cards[i], note, sizeof(note));
		json_object_set_new(c, "note", json_string(note));
		json_array_append_new(arr, c);
	}
	json_object_set_new(root, "cards", arr);
	json_object_set_new(root, "pci_error",
	                    n < 0 ? json_string(strerror(-n)) : json_null());
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
	return CTL_EXIT_OK;
}

static int print_table(const struct tc_pci_card *cards, int n)
{
	const char *fmt = "%-14s %-5s %-10s %-6s %-12s %s\n";

	printf(fmt, "DEVICE", "KIND", "ID", "IOMMU", "DRIVER", "NOTE");
	printf(fmt, "sim", "sim", "-", "-", "-", SIM_NOTE);
	for (int i = 0; i < n; i++) {
		char id[16], group[16], note[96];

		snprintf(id, sizeof(id), "%04x:%04x", cards[i].vendor,
		         cards[i].device);
		if (cards[i].iommu_group >= 0)
			snprintf(group, sizeof(group), "%d",
			         cards[i].iommu_group);
		else
			snprintf(group, sizeof(group), "-");
		pci_note(&cards[i], note, sizeof(note));
		printf(fmt, cards[i].bdf, "pci", id, group,
		       cards[i].driver[0] ? cards[i].driver : "-", note);
	}
	if (n < 0)
		fprintf(stderr, "tlscardctl list: PCI scan failed: %s\n",
		        strerror(-n));
	return CTL_EXIT_OK;
}

static int list_run(const struct ctl_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct tc_pci_card *cards = NULL;
	bool json = false;
	int c, n, ret;

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

	/* A failed scan still lists sim: the host is usable without PCI. */
	n = scan_pci(&cards);
	ret = json ? print_json(cards, n) : print_table(cards, n);
	free(cards);
	return ret;
}

const struct ctl_cmd ctl_cmd_list = {
    .name = "list",
    .summary = "list sim and PCI cards",
    .usage = list_usage,
    .run = list_run,
};
