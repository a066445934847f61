"""The QEMU build (`make qemu`) and the tlscard device, without a guest.

QEMU runs paused (-S) and is driven over QMP: the device's type and
properties, its PCI identity and BARs as firmware-iface defines them,
independent instances, clean realize errors and the migration blocker.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import tc_define  # noqa: E402
from guest import QEMU  # noqa: E402

PROPERTIES = ("queues", "engines", "ring-log2", "key-slots", "blob-slots",
              "max-input", "fault-injection", "spec", "pke-ops", "aead-bps",
              "digest-bps", "latency-us")
BASE = ["-machine", "q35", "-accel", "tcg", "-nodefaults", "-display", "none",
        "-S"]

pytestmark = pytest.mark.skipif(
    not QEMU.exists(), reason=f"{QEMU} missing: run 'make qemu'")


def qemu(*args, timeout=60):
    return subprocess.run([str(QEMU), *args], capture_output=True, text=True,
                          timeout=timeout)


def qmp(devices, commands, timeout=60):
    """Start a paused QEMU with devices, run QMP commands, return their
    answers (the "return" or "error" member of each, in order)."""
    lines = [{"execute": "qmp_capabilities"}, *commands, {"execute": "quit"}]
    proc = subprocess.run(
        [str(QEMU), *BASE, "-qmp", "stdio", *devices],
        input="".join(json.dumps(c) + "\n" for c in lines),
        capture_output=True, text=True, timeout=timeout)
    answers = []
    for line in proc.stdout.splitlines():
        msg = json.loads(line)
        if "return" in msg or "error" in msg:
            answers.append(msg)
    assert len(answers) == len(lines), \
        f"QEMU exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return answers[1:-1]


def tlscards(pci_answer):
    """The tlscard functions in a query-pci answer."""
    vendor = tc_define("TC_PCI_VENDOR_ID")
    device = tc_define("TC_PCI_DEVICE_ID")
    return [d for bus in pci_answer["return"] for d in bus["devices"]
            if d["id"]["vendor"] == vendor and d["id"]["device"] == device]


def test_device_help_lists_tlscard():
    out = qemu("-device", "help")
    assert out.returncode == 0, out.stderr
    assert re.search(r'^name "tlscard", bus PCI', out.stdout, re.M), out.stdout


def test_device_help_lists_every_property():
    out = qemu("-device", "tlscard,help")
    assert out.returncode == 0, out.stderr
    found = set(re.findall(r"^\s+([a-z0-9-]+)=", out.stdout, re.M))
    assert set(PROPERTIES) <= found, f"missing {set(PROPERTIES) - found}"


def test_pci_identity_and_bars_match_firmware_iface():
    [pci] = qmp(["-device", "tlscard,id=tc0"], [{"execute": "query-pci"}])
    [card] = tlscards(pci)
    assert card["class_info"]["class"] == tc_define("TC_PCI_CLASS") >> 8
    bars = {r["bar"]: r for r in card["regions"]}
    assert bars[0]["size"] == tc_define("TC_BAR0_SIZE")
    assert bars[0]["mem_type_64"] is True
    # MSI-X table + PBA live in their own BAR.
    assert tc_define("TC_MSIX_BAR") in bars
    assert card["qdev_id"] == "tc0"


def test_three_cards_are_independent_instances():
    devices = ["-device", "intel-iommu,intremap=on,caching-mode=on",
               "-device", "tlscard,id=tc0,engines=4",
               "-device", "tlscard,id=tc1,engines=2,pke-ops=500",
               "-device", "tlscard,id=tc2,spec=engines=1:aead_lat_us=50"]
    get = [{"execute": "qom-get",
            "arguments": {"path": f"/machine/peripheral/tc{i}",
                          "property": prop}}
           for i in range(3) for prop in ("engines", "pke-ops", "spec")]
    pci, *props = qmp(devices, [{"execute": "query-pci"}, *get])
    cards = tlscards(pci)
    assert sorted(c["qdev_id"] for c in cards) == ["tc0", "tc1", "tc2"]
    assert len({c["slot"] for c in cards}) == 3
    values = [p["return"] for p in props]
    assert values == [4, 0, "", 2, 500, "", 0, 0, "engines=1:aead_lat_us=50"]


@pytest.mark.parametrize("props, message", [
    ("queues=99", "tlscard: bad value '99' for sim option 'queues'"),
    ("spec=bogus=1", "tlscard: unknown sim option 'bogus'"),
    ("engines=17", "tlscard: bad value '17' for sim option 'engines'"),
])
def test_bad_properties_fail_realize_with_the_reason(props, message):
    out = qemu(*BASE, "-device", f"tlscard,{props}")
    assert out.returncode != 0
    assert f"-device tlscard,{props}: {message}" in out.stderr, out.stderr


def test_card_blocks_migration():
    [answer] = qmp(["-device", "tlscard,id=tc0"],
                   [{"execute": "migrate",
                     "arguments": {"uri": "exec:cat >/dev/null"}}])
    assert "error" in answer, answer
    assert "non-migratable device" in answer["error"]["desc"], answer
