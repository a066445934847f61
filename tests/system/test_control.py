# SPDX-License-Identifier: MIT
"""tlscardd's control socket, tlscardctl's daemon commands and /metrics.

The JSON schema below is the one docs/operations.md documents ("JSON
schema"); every reply is checked against it, key for key, so a field added,
renamed or retyped fails here until the doc and this copy are updated.
Every wait is bounded; all traffic is on loopback.
"""
import json
import os
import re
import socket
import ssl
import stat
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from tls_fixtures import *  # noqa: F401,F403
from tls_fixtures import TLSCARDD, free_port

CARDS = "sim:3"

# ---- the documented schema (docs/operations.md) ---------------------------

INT, FLOAT, STR, BOOL = "int", "float", "str", "bool"
FRACTION = ("range", 0.0, 1.0)
STATE = ("enum", {"up", "draining", "quarantined"})
MODE = ("enum", {"none", "sim", "vfio"})
PER_VERSION = {"tls1.2": INT, "tls1.3": INT}
CLASS = {"jobs": INT, "ewma_ns": INT, "p50_ns": INT, "p99_ns": INT}
CARD = {
    "index": INT, "name": STR, "backend": ("enum", {"sim", "vfio"}),
    "state": STATE, "inflight": INT, "max_inflight": INT,
    "submitted": INT, "completed": INT,
    "errors": INT, "resets": INT, "quarantines": INT, "doorbells": INT,
    "interrupts": INT, "engines": INT, "busy_ns": INT,
    "utilization": FRACTION,
    "fault": {"supported": BOOL, "stall": BOOL, "error_rate": FRACTION,
              "latency_us": INT},
}
CARD_WITH_CLASSES = dict(CARD, classes={
    k: CLASS for k in ("nop", "digest", "aead", "pke", "admin")})
BACKEND = {
    "name": STR, "address": STR, "tls": BOOL,
    "state": ("enum", {"up", "down"}),
    "active": INT, "total": INT, "failures": INT, "tls_failures": INT,
    "retried": INT,
    "health": {"ok": INT, "failed": INT,
               "last": ("enum", {"ok", "failed", "none"}),
               "last_error": STR},
    "pool": {"new": INT, "reused": INT, "idle": INT, "idle_closed": INT},
}
COALESCE_DIR = {
    "flushes": {k: INT for k in ("quantum", "http_end", "fin", "push",
                                 "timer")},
    "records_in": INT, "records_out": INT, "bytes": INT,
    "latency": {"count": INT, "sum_ns": INT, "p50_ns": INT, "p99_ns": INT,
                "max_ns": INT},
}
STATS = {
    "schema": ("const", 1), "uptime_s": FLOAT, "mode": MODE,
    "connections": {"active": INT, "total": INT},
    "handshakes": {"total": INT, "full": PER_VERSION,
                   "resumed": PER_VERSION, "hrr": INT},
    "failures": {"total": INT, "by_alert_sent": ("map", INT),
                 "by_alert_received": ("map", INT)},
    "digest_calls": INT, "digest_calls_per_handshake": FLOAT,
    "jobs": {"card": INT, "cpu": INT, "card_fraction": FRACTION,
             "cpu_fallbacks": INT,
             "by_op": {k: {"card": INT, "cpu": INT}
                       for k in ("ecdh", "sign", "digest", "aead")}},
    "key_moves": INT,
    "parked": {"total": INT, "now": INT, "max": INT},
    "bytes": {"in": INT, "out": INT},
    "records": {"in": INT, "out": INT},
    "coalesce": {"enabled": BOOL, "to_client": COALESCE_DIR,
                 "to_backend": COALESCE_DIR},
    "cards": ("list", CARD_WITH_CLASSES),
    "backends": ("list", BACKEND),
}
CARDS_REPLY = {"schema": ("const", 1), "mode": MODE,
               "cards": ("list", CARD)}
HEALTH = {"schema": ("const", 1), "status": ("enum", {"ok", "degraded"}),
          "mode": MODE,
          "cards": {"total": INT, "up": INT, "draining": INT,
                    "quarantined": INT},
          "problems": ("list", STR)}
ACTION = {"ok": ("const", True),
          "cmd": ("enum", {"reset", "drain", "undrain", "fault"}),
          "card": CARD}
ERROR = {"error": STR}


def check(value, schema, where="$"):
    """Raise AssertionError naming the path where value breaks schema."""
    if isinstance(schema, dict):
        assert isinstance(value, dict), "%s: not an object" % where
        assert set(value) == set(schema), "%s: keys %s, documented %s" % (
            where, sorted(value), sorted(schema))
        for k, sub in schema.items():
            check(value[k], sub, "%s.%s" % (where, k))
    elif schema == INT:
        assert isinstance(value, int) and not isinstance(value, bool) \
            and value >= 0, "%s: %r is not a count" % (where, value)
    elif schema == FLOAT:
        assert isinstance(value, (int, float)) and \
            not isinstance(value, bool), "%s: %r not a number" % (where,
                                                                  value)
    elif schema == STR:
        assert isinstance(value, str), "%s: %r not a string" % (where, value)
    elif schema == BOOL:
        assert isinstance(value, bool), "%s: %r not a bool" % (where, value)
    elif schema[0] == "range":
        check(value, FLOAT, where)
        assert schema[1] <= value <= schema[2], "%s: %r out of range" % (
            where, value)
    elif schema[0] == "enum":
        assert value in schema[1], "%s: %r not in %s" % (where, value,
                                                         schema[1])
    elif schema[0] == "const":
        assert value == schema[1], "%s: %r != %r" % (where, value,
                                                     schema[1])
    elif schema[0] == "map":
        assert isinstance(value, dict), "%s: not an object" % where
        for k, v in value.items():
            check(v, schema[1], "%s.%s" % (where, k))
    elif schema[0] == "list":
        assert isinstance(value, list), "%s: not an array" % where
        for i, v in enumerate(value):
            check(v, schema[1], "%s[%d]" % (where, i))
    else:
        raise AssertionError("bad schema at %s" % where)


# ---- helpers --------------------------------------------------------------

def cards_supported():
    """Whether this tlscardd takes --cards sim:N (the offload backend)."""
    out = subprocess.run([TLSCARDD, "--help"], capture_output=True,
                         text=True, timeout=10).stdout
    return "sim:N" in out


@pytest.fixture
def sock_path(tmp_path):
    # sun_path is 108 bytes: pytest's tmp_path can be longer
    short = "/tmp/tlsctl-%d-%d.sock" % (os.getpid(), time.monotonic_ns())
    yield short
    if os.path.lexists(short):
        os.unlink(short)


@pytest.fixture
def daemon(tls_daemon, sock_path):
    """tlscardd with 3 sim cards (or none, skipping card checks), a
    control socket and /metrics."""
    def start(*extra, cards=True):
        if cards and not cards_supported():
            pytest.skip("tlscardd has no --cards sim:N yet (card offload "
                        "backend missing)")
        mport = free_port()
        d = tls_daemon("--cards", CARDS if cards else "none",
                       "--control", sock_path,
                       "--metrics", "127.0.0.1:%d" % mport, *extra)
        d.sock = sock_path
        d.metrics_port = mport
        return d
    return start


def request(path, line, timeout=5):
    """Raw protocol: one request line, the reply line parsed."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(line if isinstance(line, bytes) else line.encode())
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    assert buf.endswith(b"\n") and buf.count(b"\n") == 1, buf
    return json.loads(buf)


def ctl_d(ctl, d, *args, timeout=30):
    return ctl(*args, "--control", d.sock, timeout=timeout)


def handshakes(port, n, payload=b"ping\n"):
    """n TLS connections through the daemon; returns how many echoed."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ok = 0
    for _ in range(n):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname="localhost") as t:
                t.sendall(payload)
                got = b""
                while len(got) < len(payload):
                    chunk = t.recv(65536)
                    if not chunk:
                        break
                    got += chunk
                ok += got == payload
    return ok


def card_state(ctl, d, idx):
    res = ctl_d(ctl, d, "cards", "--json")
    assert res.returncode == 0, res
    return res.json()["cards"][idx]


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


# ---- the socket ------------------------------------------------------------

def test_socket_is_private(daemon):
    d = daemon(cards=False)
    st = os.lstat(d.sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert any(("control socket " + d.sock) in l for l in d.lines)


def test_socket_removed_on_exit(daemon):
    d = daemon(cards=False)
    d.close()
    assert not os.path.lexists(d.sock)


def start_raw(sock, tls_certs, tls_backend):
    return subprocess.run(
        [TLSCARDD, "--listen", "127.0.0.1:%d" % free_port(),
         "--backend", "127.0.0.1:%d" % tls_backend.port,
         "--cert", tls_certs["ec.crt"], "--key", tls_certs["ec.key"],
         "--control", sock],
        capture_output=True, text=True, timeout=10)


def test_refuses_to_replace_a_file(sock_path, tls_certs, tls_backend):
    with open(sock_path, "w") as f:
        f.write("precious\n")
    r = start_raw(sock_path, tls_certs, tls_backend)
    assert r.returncode == 1, r
    assert "exists and is not a socket; not replacing it" in r.stderr
    assert open(sock_path).read() == "precious\n"


def test_refuses_a_live_daemons_socket(daemon, tls_certs, tls_backend):
    d = daemon(cards=False)
    r = start_raw(d.sock, tls_certs, tls_backend)
    assert r.returncode == 1, r
    assert "another tlscardd is listening there" in r.stderr
    assert request(d.sock, '{"cmd":"health"}\n')["status"] == "ok"


def test_replaces_a_stale_socket(daemon, sock_path):
    s = socket.socket(socket.AF_UNIX)
    s.bind(sock_path)
    s.close()  # the file stays, nobody listens: what a crash leaves
    d = daemon(cards=False)
    assert request(d.sock, '{"cmd":"health"}\n')["status"] == "ok"


# ---- the protocol ----------------------------------------------------------

BAD_REQUESTS = [
    ("nonsense\n", "request is not valid JSON: "),
    ("[]\n", "request must be a JSON object"),
    ('{"cmd":"launch"}\n', "unknown command 'launch'"),
    ('{"cmd":"drain"}\n', "'drain' needs \"card\""),
    ('{"cmd":"stats","verbose":true}\n',
     "unknown field 'verbose' for 'stats'"),
    ('{"cmd":"fault","card":0}\n', "'fault' needs exactly one of"),
    ('{"cmd":"fault","card":0,"error_rate":2}\n',
     '"error_rate" must be a number in 0..1'),
]


@pytest.mark.parametrize("line,error", BAD_REQUESTS)
def test_bad_requests_get_json_errors(daemon, line, error):
    d = daemon(cards=False)
    reply = request(d.sock, line)
    check(reply, ERROR)
    assert reply["error"].startswith(error), reply


def test_actions_without_cards(daemon):
    d = daemon(cards=False)
    reply = request(d.sock, '{"cmd":"drain","card":0}\n')
    assert reply == {"error": "no cards: tlscardd runs with --cards none"}


def test_pipelined_and_unterminated_requests(daemon):
    d = daemon(cards=False)
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(d.sock)
        # two requests in one write, the last without its newline
        s.sendall(b'{"cmd":"health"}\n{"cmd":"cards"}')
        s.shutdown(socket.SHUT_WR)
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    lines = buf.decode().splitlines()
    assert len(lines) == 2, buf
    check(json.loads(lines[0]), HEALTH)
    check(json.loads(lines[1]), CARDS_REPLY)


def test_oversized_request_is_refused_and_closed(daemon):
    d = daemon(cards=False)
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(d.sock)
        s.sendall(b'{"cmd":"stats",' + b" " * 5000)
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    assert json.loads(buf) == {"error": "request longer than 4095 bytes"}
    # the daemon is fine afterwards
    assert request(d.sock, '{"cmd":"health"}\n')["status"] == "ok"


def test_cpu_only_daemon_reports(daemon, ctl):
    d = daemon(cards=False)
    assert handshakes(d.port, 3) == 3
    stats = ctl_d(ctl, d, "stats", "--json")
    assert stats.returncode == 0, stats
    s = stats.json()
    check(s, STATS)
    assert s["mode"] == "none" and s["cards"] == []
    assert s["handshakes"]["total"] >= 3
    assert s["jobs"]["card"] == 0 and s["jobs"]["cpu"] > 0
    health = ctl_d(ctl, d, "health")
    assert health.returncode == 0 and health.stdout.startswith("ok:"), health


# ---- tlscardctl against a daemon with cards --------------------------------

def test_every_reply_matches_the_schema(daemon, ctl):
    d = daemon()
    assert handshakes(d.port, 5) == 5
    s = ctl_d(ctl, d, "stats", "--json")
    assert s.returncode == 0, s
    check(s.json(), STATS)
    st = s.json()
    assert st["mode"] == "sim" and len(st["cards"]) == 3
    assert [c["name"] for c in st["cards"]] == ["sim0", "sim1", "sim2"]
    assert st["handshakes"]["total"] >= 5
    assert st["records"]["in"] > 0 and st["bytes"]["out"] > 0
    c = ctl_d(ctl, d, "cards", "--json")
    check(c.json(), CARDS_REPLY)
    h = ctl_d(ctl, d, "health", "--json")
    check(h.json(), HEALTH)
    assert h.returncode == 0 and h.json()["status"] == "ok"
    for cmd in ("drain", "undrain", "reset"):
        r = ctl_d(ctl, d, cmd, "--card", "1", "--json")
        assert r.returncode == 0, r
        check(r.json(), ACTION)
    r = ctl_d(ctl, d, "fault", "--card", "2", "--latency-us", "10",
              "--json")
    check(r.json(), ACTION)
    assert r.json()["card"]["fault"]["latency_us"] == 10
    r = ctl_d(ctl, d, "fault", "--card", "2", "--clear", "--json")
    assert r.json()["card"]["fault"]["latency_us"] == 0


def test_counters_add_up_when_idle(daemon, ctl):
    d = daemon()
    assert handshakes(d.port, 6) == 6
    # The last connection's close (a card job on a parked connection) may
    # still be in flight when the client is done: wait, bounded, for idle.
    deadline = time.time() + 5
    while True:
        s = ctl_d(ctl, d, "stats", "--json").json()
        if (all(c["inflight"] == 0 for c in s["cards"]) and
                s["connections"]["active"] == 0) or time.time() > deadline:
            break
        time.sleep(0.05)
    for c in s["cards"]:
        assert c["submitted"] == c["completed"] + c["inflight"], c
        assert c["inflight"] == 0, c
    assert sum(c["submitted"] for c in s["cards"]) > 0
    assert s["connections"]["active"] == 0
    assert s["connections"]["total"] >= 6
    # engine busy time is sampled once a second
    time.sleep(1.2)
    s = ctl_d(ctl, d, "stats", "--json").json()
    assert sum(c["busy_ns"] for c in s["cards"]) > 0, s["cards"]


def table_block(text, header_start):
    lines = text.splitlines()
    i = next(i for i, l in enumerate(lines) if l.startswith(header_start))
    block = []
    for l in lines[i:]:
        if not l.strip():
            break
        block.append(l)
    return block


def assert_aligned(block, right_cols):
    """Left columns start under their header, right ones end under it."""
    head = block[0]
    spans = [(m.start(), m.end(), m.group()) for m in
             re.finditer(r"\S+", head)]
    for row in block[1:]:
        for start, end, name in spans:
            if name in right_cols:
                assert row[end - 1] != " " and (
                    end == len(row) or row[end] == " "), (name, row)
            else:
                assert row[start] != " " and (
                    start == 0 or row[start - 1] == " "), (name, row)


def test_tables(daemon, ctl):
    d = daemon()
    assert handshakes(d.port, 3) == 3
    s = ctl_d(ctl, d, "stats")
    assert s.returncode == 0, s
    assert s.stdout.startswith("tlscardd: mode sim, up ")
    for label in ("connections", "handshakes", "failures", "digests",
                  "jobs", "bytes", "records", "coalesce"):
        assert re.search(r"^%s +\S" % label, s.stdout, re.M), label
    cards = table_block(s.stdout, "CARD  NAME")
    assert len(cards) == 4
    assert_aligned(cards, {"CARD", "INFLIGHT", "MAXINFL", "SUBMITTED",
                           "COMPLETED",
                           "ERRORS", "RESETS", "DOORBELLS", "IRQS",
                           "JOBS/S", "UTIL"})
    ops = table_block(s.stdout, "OP ")
    assert [l.split()[0] for l in ops[1:]] == ["ecdh", "sign", "digest",
                                               "aead"]
    assert_aligned(ops, {"CARD", "CPU", "CARD%"})
    c = ctl_d(ctl, d, "cards")
    block = table_block(c.stdout, "CARD")
    assert len(block) == 4
    assert_aligned(block, {"CARD", "INFLIGHT", "ENGINES", "UTIL", "RESETS",
                           "QUARANTINES"})
    assert [l.split()[1] for l in block[1:]] == ["sim0", "sim1", "sim2"]


def test_drain_and_undrain(daemon, ctl):
    d = daemon()
    r = ctl_d(ctl, d, "drain", "--card", "1")
    assert r.returncode == 0, r
    assert "drain card 1 (sim1): done" in r.stdout
    assert card_state(ctl, d, 1)["state"] == "draining"
    h = ctl_d(ctl, d, "health")
    assert h.returncode == 1, h
    assert "card 1 (sim1) is draining" in h.stdout
    # a drained card takes no new jobs
    before = card_state(ctl, d, 1)["submitted"]
    assert handshakes(d.port, 5) == 5
    assert card_state(ctl, d, 1)["submitted"] == before
    r = ctl_d(ctl, d, "undrain", "--card", "1")
    assert r.returncode == 0, r
    assert card_state(ctl, d, 1)["state"] == "up"
    assert ctl_d(ctl, d, "health").returncode == 0


def test_reset_through_ctl(daemon, ctl):
    d = daemon()
    assert handshakes(d.port, 2) == 2
    before = card_state(ctl, d, 0)["resets"]
    r = ctl_d(ctl, d, "reset", "--card", "0", "--json")
    assert r.returncode == 0, r
    assert r.json()["card"]["resets"] == before + 1
    assert r.json()["card"]["state"] == "up"
    assert handshakes(d.port, 3) == 3


def test_fault_quarantines_the_card(daemon, ctl):
    d = daemon("--offload-always")
    r = ctl_d(ctl, d, "fault", "--card", "0", "--error-rate", "1.0")
    assert r.returncode == 0, r
    assert "error_rate=1" in r.stdout
    # clients never notice: the pool re-runs the failed jobs elsewhere
    ok = 0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ok += handshakes(d.port, 4)
        if card_state(ctl, d, 0)["state"] == "quarantined":
            break
    c = card_state(ctl, d, 0)
    assert c["state"] == "quarantined", c
    assert c["quarantines"] >= 1 and c["errors"] > 0, c
    assert ok % 4 == 0 and ok > 0
    h = ctl_d(ctl, d, "health", "--json")
    assert h.returncode == 1 and h.json()["cards"]["quarantined"] == 1
    # clear the fault: the pool's probe brings the card back
    assert ctl_d(ctl, d, "fault", "--card", "0", "--clear").returncode == 0
    wait_for(lambda: card_state(ctl, d, 0)["state"] == "up", 15,
             "the card to be probed back up")
    assert ctl_d(ctl, d, "health").returncode == 0


def test_stalled_card_is_quarantined(daemon, ctl):
    d = daemon("--offload-always")
    assert ctl_d(ctl, d, "fault", "--card", "1", "--stall").returncode == 0
    assert card_state(ctl, d, 1)["fault"]["stall"] is True
    deadline = time.monotonic() + 25
    ok = n = 0
    while time.monotonic() < deadline:
        ok += handshakes(d.port, 3)
        n += 3
        if card_state(ctl, d, 1)["state"] == "quarantined":
            break
    assert card_state(ctl, d, 1)["state"] == "quarantined"
    assert ok == n
    assert ctl_d(ctl, d, "fault", "--card", "1", "--clear").returncode == 0


# ---- ctl errors and help ---------------------------------------------------

DAEMON_COMMANDS = ["stats", "top", "cards", "health", "reset", "drain",
                   "undrain", "fault"]


@pytest.mark.parametrize("cmd", DAEMON_COMMANDS)
def test_help(ctl, cmd):
    r = ctl(cmd, "--help")
    assert r.returncode == 0, r
    assert r.stdout.startswith("usage: tlscardctl " + cmd)
    assert "--control PATH" in r.stdout


def test_unreachable_daemon(ctl, tmp_path):
    path = "/tmp/tlsctl-absent-%d.sock" % os.getpid()
    r = ctl("stats", "--control", path)
    assert r.returncode == 1, r
    assert r.stderr.startswith(
        "tlscardctl stats: cannot reach tlscardd at %s: " % path), r
    h = ctl("health", "--control", path)
    assert h.returncode == 2, h


@pytest.mark.parametrize("args,msg", [
    (["drain"], "--card N is required"),
    (["drain", "--card", "x"], "--card: invalid value 'x'"),
    (["fault", "--card", "0"], "give exactly one of"),
    (["fault", "--card", "0", "--stall", "--clear"], "give exactly one of"),
    (["fault", "--card", "0", "--error-rate", "1.5"],
     "--error-rate: invalid value '1.5'"),
    (["reset", "--card", "0", "--stall"], "fault options belong to"),
    (["stats", "extra"], "unexpected argument 'extra'"),
    (["top", "--interval", "0"], "--interval: invalid value '0'"),
])
def test_usage_errors(ctl, args, msg):
    r = ctl(*args)
    assert r.returncode == 2, r
    assert msg in r.stderr, r


def test_daemon_refusal_is_an_error(daemon, ctl):
    d = daemon()
    r = ctl_d(ctl, d, "drain", "--card", "7")
    assert r.returncode == 1, r
    assert "tlscardd: no card 7: tlscardd drives 3 card(s), 0..2" \
        in r.stderr


# ---- top -------------------------------------------------------------------

def test_top_once(daemon, ctl):
    d = daemon()
    assert handshakes(d.port, 2) == 2
    r = ctl_d(ctl, d, "top", "--once")
    assert r.returncode == 0, r
    assert r.stdout.startswith("tlscardctl top ")
    assert "\033[" not in r.stdout  # not a terminal: no escape codes
    assert "JOBS/S" in r.stdout and "sim2" in r.stdout
    r = ctl_d(ctl, d, "top", "--iterations", "2", "--interval", "0.2")
    assert r.returncode == 0, r
    assert r.stdout.count("tlscardctl top ") == 2


def test_top_ends_on_sigint(daemon, ctl_path):
    d = daemon(cards=False)
    p = subprocess.Popen([str(ctl_path), "top", "--control", d.sock,
                          "--interval", "0.2"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    time.sleep(0.6)
    p.send_signal(2)
    out, err = p.communicate(timeout=5)
    assert p.returncode == 0, err
    assert out.count("tlscardctl top ") >= 2


def test_top_on_a_terminal_quits_on_q(daemon, ctl_path):
    """On a terminal: clear-and-home before each frame, q ends it."""
    import pty
    import select
    d = daemon(cards=False)
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(str(ctl_path), ["tlscardctl", "top", "--control", d.sock,
                                 "--interval", "0.2"])
    out = b""

    def read_for(seconds):
        nonlocal out
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                out += chunk
    try:
        read_for(0.8)
        os.write(fd, b"q")
        read_for(2.0)
    finally:
        deadline = time.monotonic() + 3
        done, status = os.waitpid(pid, os.WNOHANG)
        while not done and time.monotonic() < deadline:
            time.sleep(0.05)
            done, status = os.waitpid(pid, os.WNOHANG)
        if not done:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
    assert done == pid, "top did not quit on q"
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert out.count(b"\x1b[H\x1b[2J") >= 2, out[:200]
    assert b"(q quits)" in out


# ---- /metrics --------------------------------------------------------------

SAMPLE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)'
    r'(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\[\\"n])*"'
    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\[\\"n])*")*)\})?'
    r' ([-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|NaN|[-+]?Inf))$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\[\\"n])*)"')


def parse_exposition(text):
    """{family: {"type", "help", "samples": [(labels, value)]}}; asserts
    the text exposition format 0.0.4 line by line."""
    fams, current = {}, None
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, help_text = line[7:].split(" ", 1)
            assert name not in fams, "family %s twice" % name
            fams[name] = {"help": help_text, "type": None, "samples": []}
            current = name
        elif line.startswith("# TYPE "):
            name, typ = line[7:].split(" ")
            assert name == current, line
            assert typ in ("counter", "gauge", "summary", "histogram",
                           "untyped"), line
            fams[name]["type"] = typ
        else:
            m = SAMPLE.match(line)
            assert m, "not a sample line: %r" % line
            assert m.group(1) == current, "%r outside its family" % line
            assert fams[current]["type"], "sample before TYPE: %r" % line
            labels = dict(LABEL.findall(m.group(3) or ""))
            fams[current]["samples"].append((labels, float(m.group(4))))
    for name, f in fams.items():
        assert f["type"], name
        assert (f["type"] == "counter") == name.endswith("_total"), name
    return fams


def scrape(d, path="/metrics"):
    url = "http://127.0.0.1:%d%s" % (d.metrics_port, path)
    with urllib.request.urlopen(url, timeout=5) as r:
        assert r.headers["Content-Type"].startswith(
            "text/plain; version=0.0.4"), r.headers
        return r.read().decode()


def test_metrics(daemon, ctl):
    d = daemon()
    assert handshakes(d.port, 4) == 4
    fams = parse_exposition(scrape(d))
    for name in ("tlscard_connections_total", "tlscard_handshakes_total",
                 "tlscard_jobs_total", "tlscard_card_submitted_total",
                 "tlscard_card_utilization", "tlscard_card_latency_seconds",
                 "tlscard_card_state", "tlscard_bytes_total",
                 "tlscard_records_total", "tlscard_key_moves_total"):
        assert name in fams, name
    cards = {l["card"] for l, _ in fams["tlscard_card_submitted_total"]
             ["samples"]}
    assert cards == {"sim0", "sim1", "sim2"}
    q = {(l["class"], l["quantile"]) for l, _ in
         fams["tlscard_card_latency_seconds"]["samples"]}
    assert ("aead", "0.99") in q and ("pke", "0.5") in q
    hs = sum(v for _, v in fams["tlscard_handshakes_total"]["samples"])
    assert hs >= 4
    # the same numbers as the control socket
    s = ctl_d(ctl, d, "stats", "--json").json()
    sub = {l["card"]: v for l, v in
           fams["tlscard_card_submitted_total"]["samples"]}
    for c in s["cards"]:
        assert sub[c["name"]] <= c["submitted"]
    up = [l["card"] for l, v in fams["tlscard_card_state"]["samples"]
          if l["state"] == "up" and v == 1]
    assert sorted(up) == ["sim0", "sim1", "sim2"]
    # the backend pool (docs/backends.md): one plain backend, in service
    [(labels, value)] = fams["tlscard_backend_up"]["samples"]
    assert labels["backend"] == "b0" and labels["tls"] == "false"
    assert value == 1
    [(_, total)] = fams["tlscard_backend_connections_total"]["samples"]
    assert 4 <= total <= s["backends"][0]["total"]


def test_metrics_http_errors(daemon):
    d = daemon(cards=False)
    with pytest.raises(urllib.error.HTTPError) as e:
        scrape(d, "/other")
    assert e.value.code == 404
    req = urllib.request.Request(
        "http://127.0.0.1:%d/metrics" % d.metrics_port, data=b"x",
        method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=5)
    assert e.value.code == 405
    # raw: an HTTP/1.0 request, answered and closed
    with socket.create_connection(("127.0.0.1", d.metrics_port),
                                  timeout=5) as s:
        s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    head, body = buf.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"Connection: close" in head
    n = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    assert n == len(body)
    parse_exposition(body.decode())
