"""Selftest through VFIO: every card op on every card, checked against
published vectors and libcrypto, completing by MSI-X interrupts."""

import re

# Per card, with -v: "  <card>: interrupts: N raised, eventfd yes|none".
IRQ_LINE = re.compile(r"^\s+(\S+): interrupts: (\d+) raised, eventfd (\S+)", re.M)


def test_selftest_vfio_all(guest, cards):
    r = guest.run("tlscardctl selftest --device vfio:all -v", timeout=600)
    lines = r.out.strip().splitlines()
    assert lines, r.err
    m = re.fullmatch(r"(\d+) passed, (\d+) failed", lines[-1])
    assert m, f"last line {lines[-1]!r}\n{r.err}"
    fails = [ln for ln in lines if ln.startswith("FAIL")]
    assert int(m[2]) == 0 and not fails and r.rc == 0, "\n".join(fails) + r.err
    passed = int(m[1])
    bdfs = [bdf for bdf, _ in cards]
    per_card = {bdf: sum(1 for ln in lines if ln.startswith(f"PASS {bdf} "))
                for bdf in bdfs}
    # Every card ran the same checks, through the vfio backend.
    assert all(n > 0 for n in per_card.values()), per_card
    assert len(set(per_card.values())) == 1, per_card
    assert sum(per_card.values()) == passed
    assert "backend vfio" in r.out

    # Completions came by MSI-X: the card raised interrupts on every card's
    # queue and the driver waited on their eventfds, never polling blind.
    irqs = {card: (int(n), efd) for card, n, efd in IRQ_LINE.findall(r.out)}
    assert set(irqs) == set(bdfs), r.out[-2000:]
    for bdf, (n, efd) in irqs.items():
        assert efd == "yes", (bdf, efd)
        assert n > 0, (bdf, n)


def test_selftest_one_card_by_bdf(guest, cards):
    bdf = cards[-1][0]
    r = guest.run(f"tlscardctl selftest --device vfio:{bdf}", timeout=600)
    last = r.out.strip().splitlines()[-1]
    assert re.fullmatch(r"[1-9]\d* passed, 0 failed", last), r.out[-2000:] + r.err
    assert r.rc == 0
    assert all(ln.split()[1] == bdf for ln in r.out.splitlines()
               if ln.startswith(("PASS", "FAIL")))


def test_vfio_kernel_view(guest, cards):
    """After the programs exit, vfio-pci has the cards back, idle: no IRQs
    left enabled (the kernel lists vfio-msix lines only while enabled)."""
    out = guest.run("cat /proc/interrupts").check().out
    assert "vfio-msix" not in out, out
