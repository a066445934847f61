"""Hot-unplug of a tlscard: QEMU unrealizes the device only after the
guest has released the slot, and unrealize must join every model thread.

A minimal guest (the guest image's kernel and busybox, an /init that only
idles) runs with one card behind a PCIe root port; QMP device_del starts
the unplug and the guest's pciehp completes it.
"""

import gzip
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from guest import GUEST_DIR, QEMU  # noqa: E402

ENGINES = 3
INIT = """#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
echo TC-UNPLUG-GUEST-UP
/bin/busybox sleep 120
/bin/busybox poweroff -f
"""


def newc_entry(name, mode, data=b""):
    """One cpio "newc" record (the format the kernel's initramfs reads)."""
    head = "070701" + "".join(f"{v:08x}" for v in (
        0, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0))
    rec = head.encode() + name.encode() + b"\0"
    rec += b"\0" * (-len(rec) % 4) + data
    return rec + b"\0" * (-len(rec) % 4)


def idle_initramfs(path):
    busybox = (GUEST_DIR / "busybox").read_bytes()
    cpio = b"".join([
        newc_entry("bin", 0o40755), newc_entry("proc", 0o40755),
        newc_entry("sys", 0o40755),
        newc_entry("bin/busybox", 0o100755, busybox),
        newc_entry("init", 0o100755, INIT.encode()),
        newc_entry("TRAILER!!!", 0)])
    path.write_bytes(gzip.compress(cpio, compresslevel=1))


class Qmp:
    def __init__(self, path, deadline):
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(str(path))
                break
            except OSError:
                self.sock.close()
                assert time.monotonic() < deadline, "QMP socket never appeared"
                time.sleep(0.1)
        self.file = self.sock.makefile("rw")
        self.events = []
        self.read()  # greeting
        self.cmd("qmp_capabilities")

    def read(self):
        line = self.file.readline()
        assert line, "QEMU closed the QMP connection"
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name, **({"arguments": args} if args else {})}
        self.file.write(json.dumps(msg) + "\n")
        self.file.flush()
        while True:
            reply = self.read()
            if "event" in reply:
                self.events.append(reply)
                continue
            assert "return" in reply, reply
            return reply["return"]

    def wait_event(self, name, deadline):
        while not any(e["event"] == name for e in self.events):
            self.sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                reply = self.read()
            except socket.timeout:
                return None
            if "event" in reply:
                self.events.append(reply)
        return next(e for e in self.events if e["event"] == name)


def model_threads(pid):
    names = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            names.append((task / "comm").read_text().strip())
        except OSError:
            pass
    return [n for n in names if n.startswith("tc-")]


def test_unplug_joins_every_model_thread(tmp_path):
    kernel = next((k for k in (GUEST_DIR / "vmlinux", GUEST_DIR / "vmlinuz")
                   if k.exists()), None)
    if not QEMU.exists():
        pytest.skip(f"{QEMU} missing: run 'make qemu'")
    if kernel is None or not (GUEST_DIR / "busybox").exists():
        pytest.skip(f"no guest kernel/busybox in {GUEST_DIR}: run 'make guest'")
    idle_initramfs(tmp_path / "idle.gz")
    serial = tmp_path / "serial.log"
    qmp_path = tmp_path / "qmp.sock"
    proc = subprocess.Popen(
        [str(QEMU), "-machine", "q35", "-accel", "tcg", "-m", "512M",
         "-nodefaults", "-display", "none", "-no-reboot",
         "-serial", f"file:{serial}",
         "-qmp", f"unix:{qmp_path},server=on,wait=off",
         "-device", "pcie-root-port,id=rp0,chassis=1,slot=1",
         "-device", f"tlscard,bus=rp0,id=tc9,engines={ENGINES}",
         "-kernel", str(kernel), "-initrd", str(tmp_path / "idle.gz"),
         "-append", "console=ttyS0 quiet panic=-1"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        qmp = Qmp(qmp_path, deadline)
        while "TC-UNPLUG-GUEST-UP" not in serial.read_text(errors="replace"):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "guest did not boot"
            time.sleep(0.2)
        # ENGINES engine threads plus the model's timer thread.
        assert len(model_threads(proc.pid)) == ENGINES + 1

        qmp.cmd("device_del", id="tc9")
        event = qmp.wait_event("DEVICE_DELETED", time.monotonic() + 60)
        assert event and event["data"]["device"] == "tc9", qmp.events
        assert model_threads(proc.pid) == []
        ids = [d.get("qdev_id") for bus in qmp.cmd("query-pci")
               for d in bus["devices"]]
        assert "tc9" not in ids
        qmp.cmd("quit")
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        if os.path.exists(qmp_path):
            os.unlink(qmp_path)
