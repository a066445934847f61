"""DMA fault: descriptors pointing at an unmapped IOVA complete DMA_FAULT,
the vIOMMU blocks the access and the guest kernel logs a DMAR fault, and
the faulting card and the others go on working."""

import re

# 6.1: "DMAR: [DMA Read NO_PASID] Request device [00:04.0] fault addr 0x..."
DMAR = re.compile(r"DMAR: \[DMA (Read|Write)[^\]]*\] Request device "
                  r"\[([0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\] fault addr (?:0x)?([0-9a-f]+)")


def dmar_faults(dmesg):
    return [(kind, dev, int(addr, 16)) for kind, dev, addr in DMAR.findall(dmesg)]


def test_unmapped_iova_is_contained(guest, cards):
    target = cards[1][0]
    seen = len(dmar_faults(guest.dmesg()))
    r = guest.run("tlscardctl dmafault --device vfio:all --card 1", timeout=180)
    lines = r.out.strip().splitlines()
    assert lines and lines[-1] == f"{3 + len(cards)} passed, 0 failed", r.out + r.err
    assert r.rc == 0

    faults = [ln for ln in lines if ln.startswith(f"PASS {target} dma-fault")]
    assert len(faults) == 3, r.out
    hole = {int(m, 16) for m in re.findall(r"iova (0x[0-9a-f]+)", r.out)}
    assert len(hole) == 1, r.out
    hole = hole.pop()
    # The faulting card, then every other card, still computes correctly.
    assert f"PASS {target} digest-after-fault" in lines
    for bdf, _ in cards:
        if bdf != target:
            assert f"PASS {bdf} digest-other-card" in lines

    # The IOMMU, not the driver, stopped it: the guest kernel saw the
    # translation faults, from the target card, at the unmapped page.
    new = dmar_faults(guest.dmesg())[seen:]
    assert new, guest.run("dmesg | tail -30").out
    short = target.split(":", 1)[1]  # "00:04.0"
    assert {dev for _, dev, _ in new} == {short}, new
    assert all(addr & ~0xfff == hole for _, _, addr in new), (hex(hole), new)
    assert {"Read", "Write"} <= {kind for kind, _, _ in new}, new


def test_cards_work_after_fault(guest, cards):
    """A fresh process on every card after the faults: nothing is stuck."""
    r = guest.run("tlscardctl dmafault --device vfio:all --card 0", timeout=180)
    assert r.rc == 0, r.out + r.err
