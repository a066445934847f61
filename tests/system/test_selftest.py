# SPDX-License-Identifier: MIT
"""tlscardctl selftest: every op on every card against published vectors
and libcrypto."""
import re

import pytest

LINE = re.compile(r"^(PASS|FAIL) (\S+) (\S+)(: .*)?$")
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$")

# Checks every card must report (a selftest that silently skips one of the
# op families would otherwise still end in "0 failed").
REQUIRED = [
    "nop", "nop-batch64",
    "sha256-fips180-abc", "sha256-fips180-448bit",
    "sha384-fips180-abc", "sha512-fips180-896bit",
    "hmac-sha256-rfc4231-tc1", "hmac-sha512-rfc4231-tc7",
    "digest-sg64-cp8-sha256", "digest-sg64-cp8-hmac-sha256",
    "digest-blob-segments", "digest-evicted-blob",
    "aes128gcm-mcgrew-tc4-encrypt", "aes128gcm-mcgrew-tc4-decrypt",
    "aes256gcm-mcgrew-tc16-encrypt", "aes128gcm-cavp-extiv128-0-encrypt",
    "chacha20poly1305-rfc8439-2.8.2-encrypt",
    "chacha20poly1305-rfc8439-2.8.2-decrypt",
    "aead-batch64-mixed", "aead-tampered-tag-auth-fail",
    "key-load-rsa2048", "rsa2048-sign-pkcs1-sha256",
    "rsa2048-sign-pss-sha256", "rsa2048-decrypt-pkcs1",
    "ecdsa-p256-sign-sha256", "ecdsa-p384-sign-sha384",
    "x25519-rfc7748-alice", "x25519-rfc7748-bob", "p256-ecdh-derive",
    "bad-key-slot-out-of-range", "bad-desc-reserved-field",
    "dma-fault-unmapped-address", "card-healthy-after-bad-input",
]


def parse(res):
    lines = res.lines
    assert lines, res
    m = SUMMARY.match(lines[-1])
    assert m, "last line is not 'N passed, M failed': %r" % lines[-1]
    checks = [LINE.match(l) for l in lines[:-1]]
    checks = [c for c in checks if c]
    return int(m.group(1)), int(m.group(2)), checks


@pytest.mark.parametrize("ncards", [1, 3])
def test_selftest_sim_cards(ctl, ncards):
    device = "sim" if ncards == 1 else "sim:%d" % ncards
    res = ctl("selftest", "--device", device, timeout=180)
    passed, failed, checks = parse(res)
    fails = [c.group(0) for c in checks if c.group(1) == "FAIL"]
    assert fails == [] and failed == 0, res
    assert res.returncode == 0, res
    assert passed == len(checks)
    cards = sorted({c.group(2) for c in checks})
    assert len(cards) == ncards, cards
    for card in cards:
        names = {c.group(3) for c in checks if c.group(2) == card}
        missing = [r for r in REQUIRED if r not in names]
        assert missing == [], (card, missing)
    # each card runs the same checks
    per_card = {card: sum(1 for c in checks if c.group(2) == card)
                for card in cards}
    assert len(set(per_card.values())) == 1, per_card


def test_selftest_fails_on_a_failing_card(ctl):
    # A card that cannot do what the checks need must fail the selftest
    # (exit 1), not pass it: with 2 key slots every key load into the
    # selftest's slots (100 and up) fails with BAD_KEY_SLOT.
    res = ctl("selftest", "--device", "sim", "--sim-spec", "key_slots=2",
              timeout=180)
    passed, failed, _ = parse(res)
    assert failed > 0, res
    assert res.returncode == 1, res
    assert any(l.startswith("FAIL sim0 key-load-rsa2048: ")
               for l in res.lines), res


def test_selftest_verbose_describes_the_card(ctl):
    res = ctl("selftest", "--device", "sim", "-v", timeout=180)
    assert res.returncode == 0, res
    assert any(re.match(r"^  sim0: backend sim, ABI 1\.\d+, ", l)
               for l in res.lines), res
    assert SUMMARY.match(res.lines[-1])


@pytest.mark.parametrize("device,msg", [
    ("foo", "tlscardctl selftest: bad device 'foo': expected sim, sim:N, "
            "vfio:BDF or vfio:all"),
    ("sim:0", "tlscardctl selftest: bad device 'sim:0': sim:N needs N in "
              "1..16"),
    ("sim:17", "tlscardctl selftest: bad device 'sim:17': sim:N needs N "
               "in 1..16"),
    ("sim:x", "tlscardctl selftest: bad device 'sim:x': sim:N needs N in "
              "1..16"),
    ("vfio:zz", "tlscardctl selftest: bad device 'vfio:zz': vfio:BDF "
                "needs a PCI address like 0000:00:03.0"),
])
def test_bad_device_spec(ctl, device, msg):
    res = ctl("selftest", "--device", device, timeout=30)
    assert res.returncode == 2, res
    assert res.stderr.splitlines()[0] == msg
    assert res.stdout == ""


def test_missing_device(ctl):
    res = ctl("selftest", timeout=30)
    assert res.returncode == 2
    assert res.stderr.splitlines()[0] == \
        "tlscardctl selftest: --device is required"


def test_bad_sim_spec(ctl):
    res = ctl("selftest", "--device", "sim", "--sim-spec", "bogus=1",
              timeout=30)
    assert res.returncode == 2, res
    assert res.stderr.startswith("tlscardctl selftest: --sim-spec: ")


def test_vfio_card_that_cannot_open_fails_clearly(ctl):
    # No such PCI function here: the open fails, the selftest reports it
    # as a failed check and exits 1 (not 0, not a crash).
    res = ctl("selftest", "--device", "vfio:0000:7f:1f.7", timeout=60)
    assert res.returncode == 1, res
    assert res.lines[-1] == "0 passed, 1 failed"
    assert re.match(r"^FAIL 0000:7f:1f\.7 open: .+", res.lines[-2]), res


def test_vfio_all_without_cards(ctl, tcabi):
    cards = ctl("list", "--json", timeout=30).json()["cards"]
    if any(c["kind"] == "pci" for c in cards):
        pytest.skip("this host has tlscard PCI functions; the QEMU tier "
                    "tests vfio:all")
    res = ctl("selftest", "--device", "vfio:all", timeout=60)
    assert res.returncode == 1, res
    assert res.stderr.splitlines()[0] == (
        "tlscardctl selftest: vfio:all: no tlscard PCI devices found "
        "(vendor %04x device %04x)" % (tcabi.TC_PCI_VENDOR_ID,
                                       tcabi.TC_PCI_DEVICE_ID))
    assert res.lines[-1] == "0 passed, 1 failed"


def test_card_that_stops_completing_fails_fast(ctl):
    # Every job takes 2 s, the selftest waits 200 ms: the first two jobs
    # time out, then the card counts as hung and every remaining check
    # fails at once (one line each) instead of waiting out its timeout.
    res = ctl("selftest", "--device", "sim", "--sim-spec",
              "latency_us=2000000", "--timeout-ms", "200", timeout=60)
    passed, failed, checks = parse(res)
    assert res.returncode == 1, res
    assert failed == len([c for c in checks if c.group(1) == "FAIL"])
    timeouts = [c for c in checks
                if c.group(4) == ": no completion within 200 ms"]
    assert len(timeouts) == 2, res
    skipped = [c for c in checks if c.group(4) ==
               ": not run: the card stopped completing jobs"]
    assert len(skipped) > 50, res
