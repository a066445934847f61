"""Discovery: the guest sees three tlscards bound to vfio-pci, each in its
own IOMMU group, and tlscardctl list (libpci) agrees with lspci and sysfs."""

import re

from conftest import NCARDS, tc_define


def card_id():
    return f"{tc_define('TC_PCI_VENDOR_ID'):04x}:{tc_define('TC_PCI_DEVICE_ID'):04x}"


def test_init_bound_every_card(guest, cards):
    assert len(cards) == NCARDS
    groups = [g for _bdf, g in cards]
    assert all(g.isdigit() for g in groups), cards
    # The vIOMMU isolates each endpoint: one group per card.
    assert len(set(groups)) == NCARDS, cards
    for bdf, grp in cards:
        r = guest.run(f"readlink /sys/bus/pci/devices/{bdf}/driver; "
                      f"ls /dev/vfio/{grp}").check()
        assert r.out.split()[0].endswith("/vfio-pci")


def test_lspci_shows_the_cards(guest, cards):
    out = guest.run("lspci -n -D").check().out
    listed = {line.split()[0] for line in out.splitlines()
              if card_id() in line}
    assert listed == {bdf for bdf, _ in cards}, out
    # lspci -k reads the bound driver from sysfs, as tlscardctl does.
    out = guest.run("lspci -k -D -d " + card_id()).check().out
    assert out.count("Kernel driver in use: vfio-pci") == NCARDS, out


def test_tlscardctl_list(guest, cards):
    out = guest.run("tlscardctl list").check("tlscardctl list").out
    rows = {}
    for line in out.splitlines():
        cols = line.split()
        if len(cols) >= 5 and re.fullmatch(r"[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]", cols[0]):
            rows[cols[0]] = cols
    assert set(rows) == {bdf for bdf, _ in cards}, out
    for bdf, grp in cards:
        cols = rows[bdf]
        assert card_id() in cols, cols
        assert grp in cols, (grp, cols)
        assert "vfio-pci" in cols, cols
        assert f"vfio:{bdf}" in " ".join(cols), cols


def test_tlscardctl_list_json(guest, cards):
    import json

    doc = json.loads(guest.run("tlscardctl list --json").check().out)
    pci = {c["device"]: c for c in doc["cards"] if c.get("kind") == "pci"}
    assert set(pci) == {bdf for bdf, _ in cards}, doc
    for bdf, grp in cards:
        c = pci[bdf]
        assert c["vendor"] == tc_define("TC_PCI_VENDOR_ID")
        assert c["device_id"] == tc_define("TC_PCI_DEVICE_ID")
        assert c["iommu_group"] == int(grp)
        assert c["driver"] == "vfio-pci"
