/* SPDX-License-Identifier: MIT */
/*
 * --device specs and opening the cards they name.
 *
 *   sim        one in-process card
 *   sim:N      N in-process cards (1..16), sharing one DMA context
 *   vfio:BDF   the card at PCI address [DDDD:]BB:DD.F, through VFIO
 *   vfio:all   every tlscard PCI function libpci finds
 *
 * All cards of one command share one context, so a job built for one can be
 * re-run on another (the pool relies on that).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "tc_model.h"

#define DEVICE_FORMS "expected sim, sim:N, vfio:BDF or vfio:all"

/* Accept DDDD:BB:DD.F or BB:DD.F in hex; write the long form. */
static int parse_bdf(const char *s, char *out, size_t len)
{
	unsigned dom = 0, bus, dev, fn;
	char tail;

	if (sscanf(s, "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &tail) != 4) {
		dom = 0;
		if (sscanf(s, "%2x:%2x.%1x%c", &bus, &dev, &fn, &tail) != 3)
			return -EINVAL;
	}
	for (const char *p = s; *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
			return -EINVAL;
	if (dev > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(out, len, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

static int expand_vfio_all(char out[][48], unsigned max, unsigned *n, char *err,
                           size_t errlen)
{
	struct tc_pci_card cards[64];
	int found = tc_pci_scan(cards, 64);

	if (found < 0) {
		snprintf(err, errlen, "vfio:all: PCI scan failed: %s",
		         strerror(-found));
		return found;
	}
	*n = 0;
	for (int i = 0; i < found && i < 64; i++) {
		if (cards[i].vendor != TC_PCI_VENDOR_ID ||
		    cards[i].device != TC_PCI_DEVICE_ID)
			continue;
		if (*n == max) {
			snprintf(err, errlen, "vfio:all: more than %u cards",
			         max);
			return -E2BIG;
		}
		snprintf(out[(*n)++], 48, "vfio:%.15s", cards[i].bdf);
	}
	if (!*n) {
		snprintf(err, errlen,
		         "vfio:all: no tlscard PCI devices found "
		         "(vendor %04x device %04x)",
		         TC_PCI_VENDOR_ID, TC_PCI_DEVICE_ID);
		return -ENODEV;
	}
	return 0;
}

int ctl_device_expand(const char *device, char out[][48], unsigned max,
                      unsigned *n, char *err, size_t errlen)
{
	char bdf[32];

	if (!strcmp(device, "sim")) {
		snprintf(out[0], 48, "sim");
		*n = 1;
		return 0;
	}
	if (!strncmp(device, "sim:", 4)) {
		const char *num = device + 4;
		char *end;
		unsigned long v;

		errno = 0;
		v = (*num >= '0' && *num <= '9') ? strtoul(num, &end, 10) : 0;
		if (!v || errno || *end || v > max) {
			snprintf(err, errlen,
			         "bad device '%s': sim:N needs N in 1..%u",
			         device, max);
			return -EINVAL;
		}
		for (unsigned i = 0; i < v; i++)
			snprintf(out[i], 48, "sim");
		*n = (unsigned)v;
		return 0;
	}
	if (!strcmp(device, "vfio:all"))
		return expand_vfio_all(out, max, n, err, errlen);
	if (!strncmp(device, "vfio:", 5)) {
		if (parse_bdf(device + 5, bdf, sizeof(bdf))) {
			snprintf(err, errlen,
			         "bad device '%s': vfio:BDF needs a PCI "
			         "address like 0000:00:03.0",
			         device);
			return -EINVAL;
		}
		snprintf(out[0], 48, "vfio:%s", bdf);
		*n = 1;
		return 0;
	}
	snprintf(err, errlen, "bad device '%s': %s", device, DEVICE_FORMS);
	return -EINVAL;
}

int ctl_knobs_check(const char *knobs, char *err, size_t errlen)
{
	struct tc_model_config cfg;

	tc_model_config_default(&cfg);
	return tc_model_config_parse(&cfg, knobs, err, errlen);
}

int ctl_parse_indexed(const char *arg, unsigned max, unsigned *idx,
                      const char **rest)
{
	unsigned long v;
	char *end;

	if (*arg < '0' || *arg > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end != ':' || v >= max)
		return -EINVAL;
	*idx = (unsigned)v;
	*rest = end + 1;
	return 0;
}

/* The sim configuration of card i: defaults, then --sim-spec, then its own
 * --card-spec, so a per-card knob overrides the common one. */
static int build_sim_config(struct ctl_cards *cards, unsigned i,
                            const struct ctl_knobs *knobs, char *err,
                            size_t errlen)
{
	struct tc_model_config *cfg = calloc(1, sizeof(*cfg));
	char msg[192];
	int ret;

	if (!cfg)
		return -ENOMEM;
	cards->cfg[i] = cfg;
	tc_model_config_default(cfg);
	snprintf(cards->label[i], sizeof(cards->label[i]), "sim%u", i);
	cfg->name = cards->label[i];
	if (knobs && knobs->all) {
		ret = tc_model_config_parse(cfg, knobs->all, msg, sizeof(msg));
		if (ret) {
			snprintf(err, errlen, "--sim-spec: %s", msg);
			return ret;
		}
	}
	if (knobs && knobs->card[i]) {
		ret = tc_model_config_parse(cfg, knobs->card[i], msg,
		                            sizeof(msg));
		if (ret) {
			snprintf(err, errlen, "--card-spec %u: %s", i, msg);
			return ret;
		}
	}
	return 0;
}

static int open_one(struct ctl_cards *cards, unsigned i,
                    const struct ctl_knobs *knobs, char *err, size_t errlen)
{
	struct tc_dev_opts opts = {0};
	bool sim = !strcmp(cards->spec[i], "sim");
	int ret;

	cards->is_sim[i] = sim;
	/* Through a local: gcc -O1 otherwise suspects label and spec, two
	 * arrays of one struct, overlap (-Wrestrict). */
	{
		char label[sizeof(cards->label[i])];

		snprintf(label, sizeof(label), "%s",
		         sim ? "sim" : cards->spec[i] + 5);
		memcpy(cards->label[i], label, sizeof(label));
	}
	if (sim) {
		ret = build_sim_config(cards, i, knobs, err, errlen);
		if (ret)
			return ret;
		opts.sim = cards->cfg[i];
	}
	ret = tc_dev_open(cards->ctx, cards->spec[i], &opts, &cards->dev[i]);
	if (ret) {
		cards->dev[i] = NULL;
		snprintf(err, errlen, "%s: open failed: %s", cards->label[i],
		         strerror(-ret));
		return ret;
	}
	snprintf(cards->label[i], sizeof(cards->label[i]), "%s",
	         tc_dev_info(cards->dev[i])->name);
	return 0;
}

int ctl_cards_open(struct ctl_cards *cards, const char *device,
                   const struct ctl_knobs *knobs, bool keep_going, int *failed,
                   char *err, size_t errlen)
{
	int ret;

	memset(cards, 0, sizeof(*cards));
	ret = ctl_device_expand(device, cards->spec, CTL_MAX_CARDS, &cards->n,
	                        err, errlen);
	if (ret)
		return ret;
	ret = tc_ctx_create(&cards->ctx);
	if (ret) {
		snprintf(err, errlen, "cannot create a DMA context: %s",
		         strerror(-ret));
		cards->n = 0;
		return ret;
	}
	for (unsigned i = 0; i < cards->n; i++) {
		ret = open_one(cards, i, knobs, err, errlen);
		if (failed)
			failed[i] = ret;
		if (ret && !keep_going) {
			ctl_cards_close(cards);
			return ret;
		}
	}
	return 0;
}

void ctl_cards_close(struct ctl_cards *cards)
{
	for (unsigned i = 0; i < cards->n; i++) {
		if (cards->dev[i])
			tc_dev_close(cards->dev[i]);
		cards->dev[i] = NULL;
		free(cards->cfg[i]);
		cards->cfg[i] = NULL;
	}
	if (cards->ctx)
		tc_ctx_destroy(cards->ctx);
	cards->ctx = NULL;
	cards->n = 0;
}
