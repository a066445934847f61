"""`make qemu-run` (scripts/qemu-run.sh) end to end: it boots its own
guest, prints the curl line, serves that page through tlscardd on the
guest's cards, answers scripts/qemu-guest-cmd.sh, and Ctrl-C (SIGINT to its
process group) stops tlscardd and powers the guest off: no QEMU is left.

This is the tier's second boot (the session guest is the first); the
daemon itself is tested in test_daemon.py on the session guest."""

import os
import re
import signal
import subprocess
import threading
import time

import pytest

from conftest import why_not_runnable
from guest import ROOT, free_port

SCRIPT = ROOT / "scripts" / "qemu-run.sh"
GUEST_CMD = ROOT / "scripts" / "qemu-guest-cmd.sh"
START_TIMEOUT = 240
STOP_TIMEOUT = 90


def sigint_default():
    # A shell cannot trap a signal ignored on entry (pytest may run in the
    # background): give the script a terminal's default SIGINT.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def qemu_pids(port):
    """QEMUs forwarding this host port (qemu-run's own, in its session)."""
    out = subprocess.run(["pgrep", "-f", f"hostfwd=tcp:127.0.0.1:{port}-"],
                         capture_output=True, text=True, timeout=10)
    return out.stdout.split()


@pytest.fixture
def qemu_run():
    reason = why_not_runnable()
    if reason:
        pytest.skip(reason)
    port, cmd_port = free_port(), free_port()
    proc = subprocess.Popen(
        [str(SCRIPT)], cwd=str(ROOT),
        env=dict(os.environ, PORT=str(port), CMD_PORT=str(cmd_port)),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=sigint_default)
    out = []
    threading.Thread(target=lambda: out.extend(proc.stdout),
                     daemon=True).start()
    run = {"proc": proc, "port": port, "cmd_port": cmd_port, "out": out}
    yield run
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    for pid in qemu_pids(port):
        os.kill(int(pid), signal.SIGKILL)


def text(run):
    return b"".join(run["out"]).decode(errors="replace")


def test_qemu_run_serves_and_stops_on_ctrl_c(qemu_run):
    proc = qemu_run["proc"]
    deadline = time.monotonic() + START_TIMEOUT
    while "Ctrl-C stops" not in text(qemu_run):
        assert proc.poll() is None, f"qemu-run exited:\n{text(qemu_run)}"
        assert time.monotonic() < deadline, f"not up:\n{text(qemu_run)}"
        time.sleep(0.3)
    log = text(qemu_run)
    assert len(re.findall(r"TC-GUEST: card \S+ driver=vfio-pci", log)) == 3, log

    # The curl line it prints works as printed.
    line = re.search(r"try it:\s+(curl [^\n]+)", log).group(1)
    got = subprocess.run(line.split() + ["-sS", "--max-time", "60",
                                         "-w", "\n%{http_code}"],
                         cwd=str(ROOT), capture_output=True, timeout=90)
    assert got.returncode == 0, got.stderr
    body, _, status = got.stdout.rpartition(b"\n")
    assert status == b"200" and b"Hello from the QEMU guest" in body, got

    # The stats line it prints reaches tlscardctl in the guest.
    stats = re.search(r"stats:\s+(scripts/qemu-guest-cmd\.sh [^\n]+)", log)
    res = subprocess.run(stats.group(1).split() + ["--json"], cwd=str(ROOT),
                         capture_output=True, text=True, timeout=90)
    assert res.returncode == 0, res.stderr
    assert '"backend":"vfio"' in res.stdout.replace(" ", ""), res.stdout

    # Ctrl-C: tlscardd drains and reports, the guest powers off.
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"qemu-run still runs after SIGINT:\n{text(qemu_run)}")
    deadline = time.monotonic() + 10
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    log = text(qemu_run)
    assert proc.returncode == 0, log
    assert "tlscardd stopped" in log and "guest powered off" in log, log
    assert "did not power off" not in log, log
    # --stats-on-exit: the daemon's counters, one line per card.
    assert len(re.findall(r"tlscardd: card \d: name=", log)) == 3, log
    assert not qemu_pids(qemu_run["port"]), "QEMU still runs"
