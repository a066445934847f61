# SPDX-License-Identifier: MIT
"""tlscardctl list: the sim card is always there; PCI cards come from
libpci.  (The QEMU tier checks real PCI entries inside the guest.)"""

SIM_NOTE = "in-process model, always available"


def test_table_lists_sim(ctl):
    res = ctl("list", timeout=30)
    assert res.returncode == 0, res
    header, sim = res.lines[0], res.lines[1]
    assert header.split() == ["DEVICE", "KIND", "ID", "IOMMU", "DRIVER",
                              "NOTE"]
    assert sim.split()[:5] == ["sim", "sim", "-", "-", "-"]
    assert sim.endswith(SIM_NOTE)
    # an aligned table: every column starts where its header does
    for col in ("KIND", "ID", "IOMMU", "DRIVER", "NOTE"):
        start = header.index(col)
        for row in res.lines[1:]:
            assert row[start - 1] == " " and row[start] != " ", (col, row)


def test_json_lists_sim_and_wellformed_pci(ctl, tcabi):
    res = ctl("list", "--json", timeout=30)
    assert res.returncode == 0, res
    doc = res.json()
    assert doc["cards"][0] == {"device": "sim", "kind": "sim",
                               "note": SIM_NOTE}
    for card in doc["cards"][1:]:
        assert card["kind"] == "pci"
        assert card["vendor"] == tcabi.TC_PCI_VENDOR_ID
        assert card["device_id"] == tcabi.TC_PCI_DEVICE_ID
        assert card["id"] == "%04x:%04x" % (card["vendor"],
                                            card["device_id"])
        assert card["iommu_group"] is None or card["iommu_group"] >= 0
    assert "pci_error" in doc


def test_table_and_json_agree(ctl):
    table = ctl("list", timeout=30)
    doc = ctl("list", "--json", timeout=30).json()
    devices = [row.split()[0] for row in table.lines[1:]]
    assert devices == [c["device"] for c in doc["cards"]]
