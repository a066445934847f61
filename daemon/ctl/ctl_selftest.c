/* SPDX-License-Identifier: MIT */
/*
 * tlscardctl selftest: every card op on every card, checked against
 * published vectors and libcrypto.  One line per check, and the last line
 * is always "N passed, M failed"; the exit status is 0 iff M is 0.
 *
 * Each card is tested through its own queue pair (not the pool), so a
 * broken card cannot hide behind a healthy one.
 */
#include <errno.h>
#include <string.h>

#include "ctl.h"
#include "ctl_kat.h"

static const char selftest_usage[] =
    "usage: tlscardctl selftest --device SPEC [--sim-spec KNOBS]\n"
    "                           [--timeout-ms N] [-v]\n"
    "\n"
    "Run every card operation on every card named by SPEC and check each\n"
    "result against published vectors (FIPS 180-2, RFC 4231, the GCM spec\n"
    "and NIST CAVP, RFC 8439, RFC 7748) and against libcrypto.  Prints\n"
    "'PASS card check' or 'FAIL card check: reason' per check; the last\n"
    "line is 'N passed, M failed'.  Exit status 0 iff nothing failed.\n"
    "\n"
    "options:\n"
    "  -d, --device SPEC     sim (one in-process card), sim:N (N cards),\n"
    "                        vfio:BDF (e.g. vfio:0000:00:03.0) or vfio:all\n"
    "  -s, --sim-spec KNOBS  sim card knobs, e.g. engines=2,pke_ops=2000\n"
    "                        (see tc_model_config_parse in tc_model.h)\n"
    "  -T, --timeout-ms N    wait this long for each job before counting the\n"
    "                        card as hung (default 10000)\n"
    "  -v, --verbose         print card details and extra diagnostics\n"
    "  -h, --help            show this help\n";

typedef void (*kat_family_fn)(struct kat_card *c);

static const kat_family_fn kat_families[] = {
    kat_run_basic,      kat_run_digest, kat_run_digest_sg, kat_run_aead,
    kat_run_aead_batch, kat_run_rsa,    kat_run_ec,        kat_run_bad_input,
};

static void describe_card(struct kat_card *c)
{
	const struct tc_dev_info *i = c->info;

	kat_note(c, "backend %s, ABI %u.%u, %u queues, %u engines, ring 2^%u",
	         i->backend, i->version >> 16, i->version & 0xffff, i->nqueues,
	         i->nengines, i->max_ring_log2);
	kat_note(c,
	         "max_sg %u, max_records %u, checkpoints %u, key slots %u, "
	         "blobs %u (%u bytes), max input %u",
	         i->max_sg, i->max_records, i->max_checkpoints, i->key_slots,
	         i->blob_slots, i->blob_bytes, i->max_input);
}

static void test_card(struct ctl_cards *cards, unsigned idx, bool verbose,
                      unsigned timeout_ms, unsigned *passed, unsigned *failed)
{
	struct kat_card card;
	int ret;

	ret = kat_card_setup(&card, cards->ctx, cards->dev[idx],
	                     cards->label[idx], verbose, timeout_ms);
	if (ret) {
		kat_fail(&card, "setup", "queue pair or DMA arena: %s",
		         strerror(-ret));
	} else {
		describe_card(&card);
		for (size_t f = 0;
		     f < sizeof(kat_families) / sizeof(kat_families[0]); f++) {
			kat_reset_arena(&card);
			kat_families[f](&card);
		}
	}
	kat_card_teardown(&card);
	*passed += card.passed;
	*failed += card.failed;
}

static int selftest_run(const struct ctl_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"device", required_argument, NULL, 'd'},
	    {"sim-spec", required_argument, NULL, 's'},
	    {"timeout-ms", required_argument, NULL, 'T'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct ctl_knobs knobs = {0};
	const char *device = NULL;
	char expanded[CTL_MAX_CARDS][48];
	int failed_open[CTL_MAX_CARDS];
	unsigned n, passed = 0, failed = 0;
	struct ctl_cards cards;
	unsigned timeout_ms = KAT_TIMEOUT_MS;
	bool verbose = false;
	char err[256];
	int c, ret;

	optind = 0;
	while ((c = ctl_getopt(cmd, argc, argv, "d:s:T:v", longopts)) != -1) {
		switch (c) {
		case 'd': device = optarg; break;
		case 's': knobs.all = optarg; break;
		case 'T':
			if (ctl_parse_unsigned(cmd, "--timeout-ms", optarg, 1,
			                       3600000, &timeout_ms))
				return CTL_EXIT_USAGE;
			break;
		case 'v': verbose = true; break;
		case CTL_OPT_HELP: ctl_print_usage(cmd, stdout); return 0;
		default: return CTL_EXIT_USAGE;
		}
	}
	if (ctl_no_positional(cmd, argc, argv))
		return CTL_EXIT_USAGE;
	if (!device)
		return ctl_usage_error(cmd, "--device is required");
	if (knobs.all && ctl_knobs_check(knobs.all, err, sizeof(err)))
		return ctl_usage_error(cmd, "--sim-spec: %s", err);
	/* A malformed spec is a usage error; vfio:all finding nothing is a
	 * failure of the run (exit 1), reported the same way. */
	ret = ctl_device_expand(device, expanded, CTL_MAX_CARDS, &n, err,
	                        sizeof(err));
	if (ret == -EINVAL)
		return ctl_usage_error(cmd, "%s", err);
	if (ret) {
		ctl_fail(cmd, "%s", err);
		printf("0 passed, 1 failed\n");
		return CTL_EXIT_FAIL;
	}
	if (knobs.all && strncmp(device, "sim", 3))
		return ctl_usage_error(cmd, "--sim-spec applies to sim cards");

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = ctl_cards_open(&cards, device, &knobs, true, failed_open, err,
	                     sizeof(err));
	if (ret) {
		ctl_fail(cmd, "%s", err);
		printf("0 passed, 1 failed\n");
		return CTL_EXIT_FAIL;
	}
	for (unsigned i = 0; i < cards.n; i++) {
		if (failed_open[i]) {
			printf("FAIL %s open: %s\n", cards.label[i],
			       strerror(-failed_open[i]));
			failed++;
			continue;
		}
		test_card(&cards, i, verbose, timeout_ms, &passed, &failed);
	}
	ctl_cards_close(&cards);
	kat_rsa_keys_free();
	kat_ec_keys_free();
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_selftest = {
    .name = "selftest",
    .summary = "check every card op against published vectors and libcrypto",
    .usage = selftest_usage,
    .run = selftest_run,
};
