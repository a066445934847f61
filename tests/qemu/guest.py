"""Drive the tlscard QEMU guest from pytest.

One Guest is one QEMU process booted by scripts/qemu-run-guest.sh.  The
guest's /init serves shell commands on a TCP port that QEMU forwards from
127.0.0.1 (see scripts/guest/tc-cmdd), so one boot runs every test.

Wire format (one request per connection):
  -> "<timeout-seconds> <base64 of a shell script>\\n"
  <- "TCRC <rc> <stdout bytes> <stderr bytes>\\n" + stdout + stderr
"""

import base64
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_SCRIPT = ROOT / "scripts" / "qemu-run-guest.sh"
QEMU = Path(os.environ.get("QEMU", ROOT / "build" / "qemu" / "qemu-system-x86_64"))
GUEST_DIR = ROOT / "build" / "guest"
READY_MARK = "TC-GUEST: READY"


class GuestError(Exception):
    pass


@dataclass
class Result:
    rc: int
    out: str
    err: str

    def check(self, what=""):
        if self.rc != 0:
            raise GuestError(
                f"{what or 'guest command'} exited {self.rc}\n"
                f"--- stdout\n{self.out}\n--- stderr\n{self.err}")
        return self


def free_port():
    """A loopback TCP port free right now (QEMU binds it moments later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Guest:
    def __init__(self, cards, workdir, boot_timeout=180, extra_fwds=()):
        self.cards = list(cards)
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.serial = self.workdir / "serial.log"
        self.qemu_log = self.workdir / "qemu.log"
        self.boot_timeout = boot_timeout
        self.port = None
        self.fwds = {}  # guest port -> host port
        self.extra_fwds = list(extra_fwds)
        self.proc = None
        self.boot_seconds = None

    # ---- lifecycle ---------------------------------------------------------

    def start(self):
        self.port = free_port()
        args = [str(RUN_SCRIPT), "-p", str(self.port), "-s", str(self.serial)]
        for gport in self.extra_fwds:
            hport = free_port()
            self.fwds[gport] = hport
            args += ["-f", f"{hport}:{gport}"]
        for props in self.cards:
            args += ["-c", props]
        if not self.cards:
            args += ["-n", "0"]
        if self.serial.exists():
            self.serial.unlink()
        t0 = time.monotonic()
        with open(self.qemu_log, "w") as log:
            self.proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=dict(os.environ, QEMU=str(QEMU)))
        deadline = t0 + self.boot_timeout
        while True:
            if READY_MARK in self.serial_text():
                break
            if self.proc.poll() is not None:
                raise GuestError(
                    f"QEMU exited ({self.proc.returncode}) before the guest "
                    f"was ready\n{self.tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise GuestError(
                    f"guest not ready after {self.boot_timeout}s\n{self.tail()}")
            time.sleep(0.2)
        # The listener starts right before the READY line: retry briefly.
        for _ in range(50):
            try:
                if self.run("true", timeout=10).rc == 0:
                    break
            except (OSError, GuestError):
                pass
            time.sleep(0.2)
        else:
            self.stop()
            raise GuestError(f"guest command server not answering\n{self.tail()}")
        self.boot_seconds = time.monotonic() - t0
        return self

    def stop(self):
        if not self.proc:
            return
        if self.proc.poll() is None:
            try:
                # Reply first, then power off (the connection would die).
                self.run("(sleep 0.3; poweroff -f) >/dev/null 2>&1 &", timeout=5)
            except (OSError, GuestError):
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    # ---- commands ----------------------------------------------------------

    def run(self, script, timeout=120):
        """Run a shell script in the guest; returns Result.  timeout bounds
        the guest side (everything the script started is killed) and the
        host side (a little longer)."""
        req = f"{int(timeout)} ".encode() + base64.b64encode(script.encode()) + b"\n"
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.settimeout(timeout + 20)
            s.sendall(req)
            data = bytearray()
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        head, sep, body = bytes(data).partition(b"\n")
        parts = head.decode(errors="replace").split()
        if not sep or len(parts) != 4 or parts[0] != "TCRC":
            raise GuestError(f"bad reply from the guest: {bytes(data[:200])!r}")
        rc, nout, nerr = (int(x) for x in parts[1:])
        if len(body) != nout + nerr:
            raise GuestError(f"short reply: {len(body)} of {nout + nerr} bytes")
        return Result(rc, body[:nout].decode(errors="replace"),
                      body[nout:].decode(errors="replace"))

    def put(self, path, data: bytes, mode=0o644):
        """Write a file in the guest (small files: it travels in a command)."""
        b64 = base64.b64encode(data).decode()
        self.run(f"echo {b64} | base64 -d > {path} && chmod {mode:o} {path}",
                 timeout=30).check(f"put {path}")

    def dmesg(self):
        return self.run("dmesg", timeout=30).check("dmesg").out

    # ---- diagnostics -------------------------------------------------------

    def serial_text(self):
        try:
            return self.serial.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines=40):
        qlog = self.qemu_log.read_text(errors="replace") if self.qemu_log.exists() else ""
        ser = "\n".join(self.serial_text().splitlines()[-lines:])
        return f"--- qemu\n{qlog[-3000:]}\n--- serial (last {lines} lines)\n{ser}"
