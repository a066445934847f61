"""`make run` (scripts/run.sh), as the README tells a newcomer to use it:
it starts, curl gets 200 through tlscardd and its sim cards, and Ctrl-C
(SIGINT to the whole foreground process group: make, the script, the daemon
and the backend) stops every process and frees the ports.

Free ports come in through PORT and BACKEND_PORT, so a `make run` someone
left running on 8443 does not interfere."""

import json
import os
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import BIN, ROOT
from tls_fixtures import free_port

RUN_DIR = ROOT / "build" / "run"
# make may have to build first; after that everything is quick.
START_TIMEOUT = 600
STOP_TIMEOUT = 60


def connectable(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def sigint_default():
    # A shell cannot trap a signal ignored on entry, and a pytest started
    # in the background has SIGINT ignored: give `make run` a terminal's
    # default, as a user's Ctrl-C would find it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def make_run():
    port, backend_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(PORT=str(port), BACKEND_PORT=str(backend_port))
    proc = subprocess.Popen(
        ["make", "-s", "run"], cwd=str(ROOT), env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=sigint_default)
    out = []
    reader = threading.Thread(
        target=lambda: out.extend(proc.stdout), daemon=True)
    reader.start()
    run = {"proc": proc, "port": port, "backend_port": backend_port,
           "out": out}
    yield run
    if group_alive(proc.pid):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=STOP_TIMEOUT)


def text(run):
    return b"".join(run["out"]).decode(errors="replace")


def curl(run):
    return subprocess.run(
        ["curl", "-sS", "--max-time", "20",
         "--cacert", str(RUN_DIR / "cert.pem"),
         "--resolve", f"localhost:{run['port']}:127.0.0.1",
         "-o", "-", "-w", "\n%{http_code}",
         f"https://localhost:{run['port']}/"],
        capture_output=True, timeout=60)


def test_make_run_serves_and_stops_on_ctrl_c(make_run):
    proc = make_run["proc"]
    # Started: the banner printed and the daemon answers (bounded).
    deadline = time.monotonic() + START_TIMEOUT
    got = None
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"make run exited early:\n{text(make_run)}"
        if "Ctrl-C stops it" in text(make_run):
            got = curl(make_run)
            if got.returncode == 0:
                break
        time.sleep(0.3)
    assert got is not None and got.returncode == 0, \
        f"no answer on {make_run['port']}:\n{text(make_run)}\n{got}"
    body, _, status = got.stdout.rpartition(b"\n")
    assert status == b"200", got
    assert b"Hello through tlscardd" in body, body
    assert f"curl --cacert build/run/cert.pem https://localhost:{make_run['port']}/" \
        in text(make_run)

    # The sim cards did the work the banner says they do.
    stats = subprocess.run(
        [str(BIN / "tlscardctl"), "stats", "--json",
         "--control", str(RUN_DIR / "tlscardd.sock")],
        capture_output=True, text=True, timeout=30)
    assert stats.returncode == 0, stats.stderr
    cards = json.loads(stats.stdout)["cards"]
    assert len(cards) == 2 and all(c["backend"] == "sim" for c in cards)
    assert sum(c["completed"] for c in cards) > 0, cards

    # Ctrl-C: SIGINT to the process group, as a terminal sends it.
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"make run still runs after SIGINT:\n{text(make_run)}")
    # make is reaped; what is left of its group (the backend it stopped
    # last, say) must be gone too.
    deadline = time.monotonic() + 10
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not group_alive(proc.pid), \
        f"processes left after SIGINT:\n{text(make_run)}"
    assert not connectable(make_run["port"])
    assert not connectable(make_run["backend_port"])
    assert not (RUN_DIR / "tlscardd.sock").exists(), "control socket left"
    log = text(make_run)
    assert "Traceback" not in log and "Terminated" not in log, log
