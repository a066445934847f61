// SPDX-License-Identifier: MIT
/*
 * --cards and --sim-spec: open the driver context, the cards and the pool.
 *
 *   none               no cards (the CPU does every crypto step)
 *   sim:N              N in-process cards (1..16) sharing one DMA context
 *   vfio:all           every tlscard PCI function libpci finds
 *   vfio:BDF[,BDF...]  the named cards, [DDDD:]BB:DD.F
 *
 * Every card shares one context so a job built for one card can be re-run
 * on another unchanged: that is what lets the pool fail over.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_model.h"
#include "tlsd.h"
#include "tlsd_cards.h"

#define TLSD_KNOBS_MAX       512
#define TLSD_CARD_TIMEOUT_MS 300
#define TLSD_CARD_DEPTH_LOG2 10 /* 1024 entries per card ring */

/* Accept DDDD:BB:DD.F or BB:DD.F in hex; write the long form. */
static int tlsd_parse_bdf(const char *s, size_t n, char *out, size_t len)
{
	unsigned dom = 0, bus, dev, fn;
	char buf[32], tail;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	for (const char *p = buf; *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
			return -EINVAL;
	if (sscanf(buf, "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &tail) !=
	    4) {
		dom = 0;
		if (sscanf(buf, "%2x:%2x.%1x%c", &bus, &dev, &fn, &tail) != 3)
			return -EINVAL;
	}
	if (dev > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(out, len, "vfio:%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

static int tlsd_expand_vfio_all(char specs[][48], unsigned *n)
{
	struct tc_pci_card found[64];
	int nfound = tc_pci_scan(found, 64);

	if (nfound < 0) {
		tlsd_log("--cards vfio:all: PCI scan failed: %s",
		         strerror(-nfound));
		return nfound;
	}
	*n = 0;
	for (int i = 0; i < nfound && i < 64; i++) {
		if (found[i].vendor != TC_PCI_VENDOR_ID ||
		    found[i].device != TC_PCI_DEVICE_ID)
			continue;
		if (*n == TLSD_MAX_CARDS) {
			tlsd_log("--cards vfio:all: more than %d cards",
			         TLSD_MAX_CARDS);
			return -E2BIG;
		}
		snprintf(specs[(*n)++], 48, "vfio:%.15s", found[i].bdf);
	}
	if (!*n) {
		tlsd_log("--cards vfio:all: no tlscard PCI device found "
		         "(vendor %04x device %04x)",
		         TC_PCI_VENDOR_ID, TC_PCI_DEVICE_ID);
		return -ENODEV;
	}
	return 0;
}

/* Turn a --cards spec into tc_dev_open() specs. */
static int tlsd_cards_expand(const char *spec, char specs[][48], unsigned *n)
{
	if (!strncmp(spec, "sim:", 4)) {
		const char *num = spec + 4;
		char *end;
		unsigned long v;

		errno = 0;
		v = (*num >= '0' && *num <= '9') ? strtoul(num, &end, 10) : 0;
		if (!v || errno || *end || v > TLSD_MAX_CARDS) {
			tlsd_log("--cards %s: sim:N needs N in 1..%d", spec,
			         TLSD_MAX_CARDS);
			return -EINVAL;
		}
		for (unsigned i = 0; i < v; i++)
			snprintf(specs[i], 48, "sim");
		*n = (unsigned)v;
		return 0;
	}
	if (!strcmp(spec, "vfio:all"))
		return tlsd_expand_vfio_all(specs, n);
	if (!strncmp(spec, "vfio:", 5)) {
		const char *p = spec + 5;

		*n = 0;
		for (;;) {
			size_t len = strcspn(p, ",");

			if (*n == TLSD_MAX_CARDS ||
			    tlsd_parse_bdf(p, len, specs[*n], 48)) {
				tlsd_log("--cards %s: vfio:BDF[,BDF...] needs "
				         "up to %d PCI addresses like "
				         "0000:00:03.0",
				         spec, TLSD_MAX_CARDS);
				return -EINVAL;
			}
			(*n)++;
			if (!p[len])
				break;
			p += len + 1;
		}
		return 0;
	}
	tlsd_log("--cards %s: expected none, sim:N, vfio:all or "
	         "vfio:BDF[,BDF...]",
	         spec);
	return -EINVAL;
}

/*
 * The knobs of card idx out of "KNOBS" / "I:KNOBS" entries joined by ';':
 * the common entries first, then the card's own, so its own win.  Each
 * entry is checked with tc_model_config_parse() so a typo is an error at
 * start, not a silent default.
 */
static int tlsd_knobs_for(const char *sim_spec, unsigned idx, unsigned ncards,
                          char *out, size_t outlen)
{
	char common[TLSD_KNOBS_MAX] = "", own[TLSD_KNOBS_MAX] = "";
	const char *p = sim_spec;

	while (p && *p) {
		size_t len = strcspn(p, ";");
		char entry[TLSD_KNOBS_MAX], msg[192];
		const char *knobs = entry;
		struct tc_model_config cfg;
		char *dst = common;

		if (len >= sizeof(entry)) {
			tlsd_log("--sim-spec: entry too long");
			return -EINVAL;
		}
		memcpy(entry, p, len);
		entry[len] = 0;
		p += len + (p[len] == ';');
		if (isdigit((unsigned char)entry[0])) {
			char *end;
			unsigned long i = strtoul(entry, &end, 10);

			if (*end != ':' || i >= ncards) {
				tlsd_log("--sim-spec %s: I:KNOBS needs a card "
				         "index below %u",
				         entry, ncards);
				return -EINVAL;
			}
			if (i != idx)
				continue;
			knobs = end + 1;
			dst = own;
		}
		tc_model_config_default(&cfg);
		if (tc_model_config_parse(&cfg, knobs, msg, sizeof(msg))) {
			tlsd_log("--sim-spec %s: %s", entry, msg);
			return -EINVAL;
		}
		if (!*knobs)
			continue;
		if (strlen(dst) + strlen(knobs) + 2 > TLSD_KNOBS_MAX) {
			tlsd_log("--sim-spec: knobs of card %u too long", idx);
			return -EINVAL;
		}
		if (*dst)
			strcat(dst, ",");
		strcat(dst, knobs);
	}
	if (strlen(common) + strlen(own) + 2 > outlen) {
		tlsd_log("--sim-spec: knobs of card %u too long", idx);
		return -EINVAL;
	}
	strcpy(out, common);
	if (*common && *own)
		strcat(out, ",");
	strcat(out, own);
	return 0;
}

int tlsd_cards_open(const char *spec, const char *sim_spec,
                    struct tlsd_cards **out)
{
	char specs[TLSD_MAX_CARDS][48];
	struct tc_pool_opts popts;
	struct tlsd_cards *c;
	unsigned n = 0;
	int ret;

	*out = NULL;
	if (!spec || !strcmp(spec, "none")) {
		if (sim_spec && *sim_spec) {
			tlsd_log("--sim-spec needs --cards sim:N");
			return -EINVAL;
		}
		return 0;
	}
	ret = tlsd_cards_expand(spec, specs, &n);
	if (ret)
		return ret;
	if (sim_spec && *sim_spec && strncmp(spec, "sim:", 4)) {
		tlsd_log("--sim-spec needs --cards sim:N");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	ret = tc_ctx_create(&c->ctx);
	if (ret) {
		tlsd_log("driver context: %s", strerror(-ret));
		goto fail;
	}
	tc_pool_opts_default(&popts);
	/* A stalled card holds up the connections parked on it: give up on
	 * it sooner than the driver's default. */
	popts.timeout_ms = TLSD_CARD_TIMEOUT_MS;
	/* Hundreds of parked connections' jobs queue for one pass: a ring
	 * that fills forces an early doorbell (tls_card_submit). */
	popts.depth_log2 = TLSD_CARD_DEPTH_LOG2;
	/* One doorbell per card per pass (tlsd_async_pass), evictions and
	 * re-runs included. */
	popts.caller_flushes = true;
	ret = tc_pool_create(c->ctx, &popts, &c->pool);
	if (ret) {
		tlsd_log("card pool: %s", strerror(-ret));
		goto fail;
	}
	for (unsigned i = 0; i < n; i++) {
		char knobs[TLSD_KNOBS_MAX] = "";
		struct tc_dev_opts dopts = {0};

		if (!strcmp(specs[i], "sim")) {
			ret = tlsd_knobs_for(sim_spec, i, n, knobs,
			                     sizeof(knobs));
			if (ret)
				goto fail;
			dopts.sim_spec = knobs;
		}
		ret = tc_dev_open(c->ctx, specs[i], &dopts, &c->devs[i]);
		if (ret) {
			tlsd_log("card %u (%s): open failed: %s", i, specs[i],
			         strerror(-ret));
			goto fail;
		}
		c->ndevs++;
		ret = tc_pool_add(c->pool, c->devs[i]);
		if (ret < 0) {
			tlsd_log("card %u (%s): pool: %s", i, specs[i],
			         strerror(-ret));
			goto fail;
		}
	}
	*out = c;
	return 0;
fail:
	tlsd_cards_close(c);
	return ret;
}

void tlsd_cards_close(struct tlsd_cards *c)
{
	if (!c)
		return;
	/* The pool first: it tears down the queue pairs on the cards. */
	if (c->pool)
		tc_pool_destroy(c->pool);
	for (unsigned i = 0; i < c->ndevs; i++)
		tc_dev_close(c->devs[i]);
	if (c->ctx)
		tc_ctx_destroy(c->ctx);
	free(c);
}

unsigned tlsd_cards_count(const struct tlsd_cards *c)
{
	return c ? c->ndevs : 0;
}

size_t tlsd_cards_max_input(const struct tlsd_cards *c)
{
	size_t least = 0;

	for (unsigned i = 0; c && i < c->ndevs; i++) {
		size_t m = tc_dev_info(c->devs[i])->max_input;

		if (m && (!least || m < least))
			least = m;
	}
	return least;
}

struct tc_pool *tlsd_cards_pool(const struct tlsd_cards *c)
{
	return c ? c->pool : NULL;
}
