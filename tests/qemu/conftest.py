"""One guest boot for the whole QEMU tier: a vIOMMU and three tlscard
devices of unequal capacity, bound to vfio-pci by the guest's /init.

Every test gets the session's Guest (tests/qemu/guest.py) and runs commands
in it.  What cannot run here is skipped with the reason; `make test-qemu`
builds QEMU and the guest image first, so on a prepared machine nothing
skips.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from guest import GUEST_DIR, QEMU, ROOT, Guest, GuestError  # noqa: E402

TC_REGS = ROOT / "firmware-iface" / "tc_regs.h"
WORKDIR = ROOT / "build" / "qemu-tests"
NCARDS = 3
# Guest ports forwarded from 127.0.0.1 (host ports chosen at boot).
DAEMON_PORT = 8443


def tc_define(name):
    """A #define from tc_regs.h: the tests never copy the card's ABI."""
    m = re.search(rf"^#define\s+{name}\s+(0x[0-9a-fA-F]+|\d+)u?\b",
                  TC_REGS.read_text(), re.M)
    assert m, f"{name} not in {TC_REGS}"
    return int(m.group(1), 0)


def device_properties():
    """Property names of QEMU's tlscard device, or None if it has none."""
    try:
        out = subprocess.run([str(QEMU), "-device", "tlscard,help"],
                             capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    if out.returncode != 0:
        return None
    return set(re.findall(r"^\s+([a-z0-9_-]+)=", out.stdout, re.M))


def unequal_cards(props):
    """-device properties for three cards of unequal capacity: 4, 2 and 1
    engines where the device has the knob."""
    for knob in ("engines", "nengines"):
        if knob in props:
            return [f"{knob}={n}" for n in (4, 2, 1)]
    return [""] * NCARDS


def why_not_runnable():
    if not QEMU.exists():
        return f"{QEMU} missing: run 'make qemu'"
    props = device_properties()
    if props is None:
        return f"{QEMU} has no tlscard device (-device tlscard,help fails): run 'make qemu'"
    if not (GUEST_DIR / "initramfs.cpio.gz").exists():
        return f"no guest image in {GUEST_DIR}: run 'make guest'"
    if not (ROOT / "build" / "bin" / "tlscardctl").exists():
        return "build/bin/tlscardctl missing: run 'make'"
    return None


@pytest.fixture(scope="session")
def guest():
    reason = why_not_runnable()
    if reason:
        pytest.skip(reason)
    g = Guest(unequal_cards(device_properties()), WORKDIR,
              extra_fwds=[DAEMON_PORT])
    try:
        g.start()
    except GuestError as e:
        pytest.fail(f"guest did not boot: {e}")
    print(f"\nguest booted in {g.boot_seconds:.1f}s "
          f"(QEMU start to first command answered)")
    (WORKDIR / "boot-seconds.txt").write_text(f"{g.boot_seconds:.2f}\n")
    yield g
    g.stop()


@pytest.fixture(scope="session")
def cards(guest):
    """The tlscards the guest's /init bound: [(bdf, iommu_group)]."""
    found = re.findall(r"TC-GUEST: card (\S+) driver=(\S*) iommu_group=(\S*)",
                       guest.serial_text())
    assert len(found) == NCARDS, f"init bound {found}\n{guest.tail()}"
    return [(bdf, grp) for bdf, _drv, grp in found]
