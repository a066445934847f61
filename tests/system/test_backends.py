# SPDX-License-Identifier: MIT
"""tlscardd's backend pool: failover, least connections, TLS backends,
pooled backend connections and health checks (docs/backends.md).

Backends are tests/system/backend_server.py processes, so a test can kill
one like a crashing server.  Clients are Python ssl sockets through the
daemon.  Every wait is bounded; everything is on loopback.
"""
import hashlib
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

import pytest

from tls_fixtures import *  # noqa: F401,F403
from tls_fixtures import ROOT, Daemon

SERVER = os.path.join(os.path.dirname(__file__), "backend_server.py")
CTL = os.path.join(ROOT, "build", "bin", "tlscardctl")
sys.path.insert(0, os.path.dirname(__file__))
from backend_server import body  # noqa: E402


class Backend:
    """One backend_server.py process; .reqs counts requests per conn."""

    def __init__(self, name, port=0, tls=None, tls12=False):
        self.name = name
        args = [sys.executable, SERVER, "--port", str(port), "--name", name]
        if tls:
            args += ["--tls", *tls] + (["--tls12"] if tls12 else [])
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        first = self.proc.stdout.readline()
        assert first.startswith("port "), first
        self.port = int(first.split()[1])
        self.reqs = {}
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()

    def _read(self):
        for line in self.proc.stdout:
            w = line.split()
            if len(w) == 2 and w[0] == "req":
                self.reqs[w[1]] = self.reqs.get(w[1], 0) + 1

    def requests(self):
        return sum(self.reqs.values())

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def backends():
    started = []

    def start(name, port=0, tls=None, tls12=False):
        b = Backend(name, port, tls, tls12)
        started.append(b)
        return b

    yield start
    for b in started:
        b.kill()


@pytest.fixture
def proxy(tls_certs):
    started = []

    def start(*args):
        sock = "/tmp/tlsbk-%d-%d.sock" % (os.getpid(), time.monotonic_ns())
        d = Daemon(["--cert", tls_certs["ec.crt"], "--key",
                    tls_certs["ec.key"], "--control", sock, *args])
        d.sock = sock
        started.append(d)
        return d

    yield start
    for d in started:
        d.close()
        if os.path.lexists(d.sock):
            os.unlink(d.sock)


def stats(d):
    r = subprocess.run([CTL, "stats", "--json", "--control", d.sock],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def backend_stats(d):
    return {b["name"]: b for b in stats(d)["backends"]}


def wait_for(pred, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def client_ctx(tls_certs):
    ctx = ssl.create_default_context(cafile=tls_certs["ca.crt"])
    return ctx


def read_response(t):
    """(backend name, body) of one HTTP response on t."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = t.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response head")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    hdr = {}
    for line in head.split(b"\r\n")[1:]:
        k, v = line.split(b":", 1)
        hdr[k.strip().lower()] = v.strip()
    n = int(hdr[b"content-length"])
    while len(rest) < n:
        chunk = t.recv(65536)
        if not chunk:
            raise ConnectionError("closed in the body")
        rest += chunk
    return hdr[b"x-backend"].decode(), rest[:n]


def connect(port, ctx):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    return ctx.wrap_socket(s, server_hostname="ec.test")


def fetch(port, ctx, size, close=False):
    """One request on a new TLS connection; (backend, body)."""
    with connect(port, ctx) as t:
        t.sendall(b"GET /size/%d HTTP/1.1\r\nHost: t\r\n%s\r\n" %
                  (size, b"Connection: close\r\n" if close else b""))
        return read_response(t)


def sha(b):
    return hashlib.sha256(b).hexdigest()


# ---- failover under load ---------------------------------------------------

def test_backend_dies_mid_load(backends, proxy, tls_certs):
    """20 clients, 300 requests over 3 backends; one is killed after a
    third of them.  No client fails and every body checks by hash."""
    bs = [backends("b%d" % i) for i in range(3)]
    d = proxy(*sum((["--backend", "127.0.0.1:%d" % b.port] for b in bs),
                   []), "--health-interval-ms", "200")
    ctx = client_ctx(tls_certs)
    clients, per_client = 20, 15
    done, failures, lock = [0], [], threading.Lock()
    killed = threading.Event()

    def client(k):
        for j in range(per_client):
            size = 1000 + 97 * ((k * per_client + j) % 150)
            try:
                _, got = fetch(d.port, ctx, size, close=(j % 2 == 0))
                if sha(got) != sha(body(size)):
                    raise AssertionError("body mismatch, size %d" % size)
            except Exception as e:  # noqa: BLE001 - every failure counts
                with lock:
                    failures.append(repr(e))
            with lock:
                done[0] += 1
                if done[0] == clients * per_client // 3:
                    killed.set()

    threads = [threading.Thread(target=client, args=(k,))
               for k in range(clients)]
    for t in threads:
        t.start()
    assert killed.wait(120), "load did not get going"
    bs[1].kill()
    for t in threads:
        t.join(180)
    assert not any(t.is_alive() for t in threads), "clients hung"
    assert failures == [], failures[:5]
    assert done[0] == clients * per_client
    st = backend_stats(d)
    wait_for(lambda: backend_stats(d)["b1"]["state"] == "down", 20,
             "b1 down")
    # the survivors took the rest of the load
    assert bs[0].requests() > 0 and bs[2].requests() > 0
    assert sum(b.requests() for b in bs) >= clients * per_client
    # clients that met the dead one were moved, not failed
    assert st["b1"]["retried"] >= 1 and st["b1"]["failures"] >= 1


# ---- least connections ------------------------------------------------------

def test_least_connections(backends, proxy, tls_certs):
    """12 held connections spread 4/4/4; after the 4 on one backend close,
    the next 4 all go to it (round robin would spread them)."""
    bs = [backends("b%d" % i) for i in range(3)]
    d = proxy(*sum((["--backend", "127.0.0.1:%d" % b.port] for b in bs),
                   []))
    ctx = client_ctx(tls_certs)
    held = []
    try:
        for _ in range(12):
            t = connect(d.port, ctx)
            t.sendall(b"GET /size/10 HTTP/1.1\r\nHost: t\r\n\r\n")
            held.append((read_response(t)[0], t))
        names = [n for n, _ in held]
        assert sorted(names.count(b.name) for b in bs) == [4, 4, 4], names
        st = backend_stats(d)
        assert [st[b.name]["active"] for b in bs] == [4, 4, 4]
        for n, t in held:
            if n == "b0":
                t.close()
        held = [(n, t) for n, t in held if n != "b0"]
        wait_for(lambda: backend_stats(d)["b0"]["active"] == 0, 20,
                 "b0's connections to close")
        for _ in range(4):
            t = connect(d.port, ctx)
            t.sendall(b"GET /size/10 HTTP/1.1\r\nHost: t\r\n\r\n")
            held.append((read_response(t)[0], t))
        assert [n for n, _ in held[-4:]] == ["b0"] * 4
    finally:
        for _, t in held:
            t.close()


# ---- TLS backends -----------------------------------------------------------

def tls_backend_args(tls_certs, port, ca=None, sni="ec.test"):
    return ["--backend", "tls:127.0.0.1:%d" % port, "--backend-ca",
            ca or tls_certs["ca.crt"], "--backend-sni", sni]


@pytest.mark.parametrize("cards,tls12", [("none", False), ("sim:2", False),
                                         ("none", True)])
def test_tls_backend_verified(backends, proxy, tls_certs, cards, tls12):
    """Bodies of every size through a TLS 1.3 or 1.2 backend, with the
    backend leg's crypto on the CPU or on sim cards; pooled connections
    are reused either way."""
    b = backends("t0", tls=(tls_certs["ec.crt"], tls_certs["ec.key"]),
                 tls12=tls12)
    d = proxy(*tls_backend_args(tls_certs, b.port), "--cards", cards)
    ctx = client_ctx(tls_certs)
    for size in (0, 1, 5000, 16384, 40000):
        name, got = fetch(d.port, ctx, size)
        assert name == "t0" and sha(got) == sha(body(size))
        wait_for(lambda: backend_stats(d)["b0"]["active"] == 0, 20,
                 "the client to end")
    st = backend_stats(d)["b0"]
    assert st["tls"] is True and st["state"] == "up"
    assert st["tls_failures"] == 0 and st["pool"]["reused"] >= 1


@pytest.mark.parametrize("bad", ["ca", "name"])
def test_tls_backend_refused(backends, proxy, tls_certs, bad):
    """A backend whose chain does not verify, or whose certificate does
    not carry the name, is refused: no request reaches it, and the
    refusals are counted."""
    b = backends("t0", tls=(tls_certs["ec.crt"], tls_certs["ec.key"]))
    args = tls_backend_args(
        tls_certs, b.port,
        ca=tls_certs["rogue.crt"] if bad == "ca" else None,
        sni="wrong.test" if bad == "name" else "ec.test")
    d = proxy(*args, "--health-interval-ms", "100")
    ctx = client_ctx(tls_certs)
    for _ in range(3):
        with pytest.raises((ConnectionError, OSError)):
            fetch(d.port, ctx, 10)
    assert b.requests() == 0
    wait_for(lambda: backend_stats(d)["b0"]["state"] == "down", 20,
             "the refused backend to be down")
    st = backend_stats(d)["b0"]
    assert st["tls_failures"] >= 3
    assert st["health"]["last"] == "failed"
    assert st["health"]["last_error"] == {
        "ca": "tls: certificate not issued by a trusted CA",
        "name": "tls: bad certificate"}[bad]


def test_silent_tls_backend_times_out_to_another(backends, proxy,
                                                tls_certs):
    """A backend that takes the TCP connection but never answers the TLS
    handshake is cut off after --backend-connect-timeout-ms; the client
    is replayed on the other backend and never notices."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)  # the kernel accepts; nobody speaks
    good = backends("t1", tls=(tls_certs["ec.crt"], tls_certs["ec.key"]))
    try:
        d = proxy("--backend", "tls:127.0.0.1:%d" % silent.getsockname()[1],
                  "--backend", "tls:127.0.0.1:%d" % good.port,
                  "--backend-ca", tls_certs["ca.crt"], "--backend-sni",
                  "ec.test", "--backend-connect-timeout-ms", "500")
        ctx = client_ctx(tls_certs)
        for i in range(3):
            name, got = fetch(d.port, ctx, 300 + i)
            assert name == "t1" and got == body(300 + i)
        st = backend_stats(d)["b0"]
        assert st["retried"] >= 1 and st["failures"] >= 1
        assert st["state"] == "down"
        assert st["health"]["last_error"] == "Connection timed out"
    finally:
        silent.close()


# ---- pooled backend connections ---------------------------------------------

@pytest.mark.parametrize("pool", [True, False])
def test_pooled_tls_connections_reused(backends, proxy, tls_certs, pool):
    """Sequential clients reuse one backend TLS connection: one handshake
    with the backend, the rest reused, and the backend sees all requests
    on one connection.  --no-backend-pool is the baseline."""
    b = backends("t0", tls=(tls_certs["ec.crt"], tls_certs["ec.key"]))
    d = proxy(*tls_backend_args(tls_certs, b.port),
              *([] if pool else ["--no-backend-pool"]))
    ctx = client_ctx(tls_certs)
    n = 10
    for i in range(n):
        name, got = fetch(d.port, ctx, 100 + i)
        assert sha(got) == sha(body(100 + i))
        # the next client comes after this one has fully ended
        wait_for(lambda: backend_stats(d)["b0"]["active"] == 0, 20,
                 "the client to end")
    st = backend_stats(d)["b0"]
    assert st["pool"]["new"] + st["pool"]["reused"] == n
    assert b.requests() == n
    if pool:
        assert st["pool"]["new"] == 1 and st["pool"]["reused"] == n - 1
        assert len(b.reqs) == 1 and st["pool"]["idle"] == 1
    else:
        assert st["pool"]["new"] == n and st["pool"]["reused"] == 0
        assert len(b.reqs) == n and st["pool"]["idle"] == 0


def test_pooled_connection_closed_by_backend_is_not_reused(
        backends, proxy, tls_certs):
    """A backend that closes after its reply leaves nothing to pool; a
    pooled one that dies while idle is dropped, not handed to a client."""
    b = backends("t0", tls=(tls_certs["ec.crt"], tls_certs["ec.key"]))
    d = proxy(*tls_backend_args(tls_certs, b.port))
    ctx = client_ctx(tls_certs)
    for i in range(3):
        _, got = fetch(d.port, ctx, 50, close=True)
        assert got == body(50)
    wait_for(lambda: backend_stats(d)["b0"]["active"] == 0, 20, "idle")
    st = backend_stats(d)["b0"]
    assert st["pool"]["reused"] == 0 and st["pool"]["idle"] == 0
    # one pooled connection, then the backend restarts: the next client
    # must not notice the dead pooled connection
    fetch(d.port, ctx, 60)
    wait_for(lambda: backend_stats(d)["b0"]["pool"]["idle"] == 1, 20,
             "a pooled connection")
    port = b.port
    b.kill()
    b2 = backends("t1", port=port,
                  tls=(tls_certs["ec.crt"], tls_certs["ec.key"]))
    wait_for(lambda: backend_stats(d)["b0"]["pool"]["idle"] == 0, 20,
             "the dead pooled connection to be dropped")
    name, got = fetch(d.port, ctx, 70)
    assert name == "t1" and got == body(70)


def test_idle_pool_is_bounded_and_expires(backends, proxy, tls_certs):
    """--backend-pool-idle caps the idle connections kept; the rest are
    closed; --backend-pool-idle-ms closes idle ones."""
    b = backends("t0", tls=(tls_certs["ec.crt"], tls_certs["ec.key"]))
    d = proxy(*tls_backend_args(tls_certs, b.port), "--backend-pool-idle",
              "2", "--backend-pool-idle-ms", "5000")
    ctx = client_ctx(tls_certs)
    held = []
    try:
        for _ in range(4):
            t = connect(d.port, ctx)
            t.sendall(b"GET /size/10 HTTP/1.1\r\nHost: t\r\n\r\n")
            read_response(t)
            held.append(t)
        assert backend_stats(d)["b0"]["pool"]["new"] == 4
    finally:
        for t in held:
            t.close()
    wait_for(lambda: backend_stats(d)["b0"]["active"] == 0, 20, "the ends")
    st = backend_stats(d)["b0"]["pool"]
    assert st["idle"] == 2 and st["idle_closed"] == 2
    wait_for(lambda: backend_stats(d)["b0"]["pool"]["idle"] == 0, 20,
             "the idle timeout")
    assert backend_stats(d)["b0"]["pool"]["idle_closed"] == 4


# ---- health checks -----------------------------------------------------------

def test_health_check_takes_out_and_brings_back(backends, proxy, tls_certs):
    b0, b1 = backends("b0"), backends("b1")
    d = proxy("--backend", "127.0.0.1:%d" % b0.port, "--backend",
              "127.0.0.1:%d" % b1.port, "--health-interval-ms", "100",
              "--health-timeout-ms", "2000", "--health-fall", "2",
              "--health-rise", "2")
    ctx = client_ctx(tls_certs)
    wait_for(lambda: backend_stats(d)["b1"]["health"]["ok"] >= 2, 20,
             "first checks")
    port = b1.port
    b1.kill()
    # no client traffic: only the probes can find out
    wait_for(lambda: backend_stats(d)["b1"]["state"] == "down", 20,
             "b1 to be taken out")
    st = backend_stats(d)["b1"]
    assert st["health"]["failed"] >= 2 and st["failures"] == 0
    assert st["health"]["last_error"] == "Connection refused"
    d.wait_line(r"backend b1 .* down: health check")
    names = {fetch(d.port, ctx, 10, close=True)[0] for _ in range(6)}
    assert names == {"b0"}
    backends("b1", port=port)
    wait_for(lambda: backend_stats(d)["b1"]["state"] == "up", 20,
             "b1 to come back")
    d.wait_line(r"backend b1 .* up")
    names = [fetch(d.port, ctx, 10, close=True)[0] for _ in range(6)]
    assert set(names) == {"b0", "b1"}


def test_backend_flags_errors(tls_certs):
    def start(*args):
        return subprocess.run(
            [os.path.join(ROOT, "build", "bin", "tlscardd"), "--listen",
             "127.0.0.1:1", "--cert", tls_certs["ec.crt"], "--key",
             tls_certs["ec.key"], *args],
            capture_output=True, text=True, timeout=20)

    r = start("--backend", "tls:127.0.0.1:9")
    assert r.returncode == 2
    assert "--backend tls:127.0.0.1:9 needs --backend-ca FILE" in r.stderr
    r = start("--backend", "127.0.0.1:9", "--backend-ca",
              tls_certs["ca.crt"])
    assert r.returncode == 2 and "there is none" in r.stderr
    r = start("--backend", "127.0.0.1:9", "--health-fall", "0")
    assert r.returncode == 2
    assert "--health-fall 0: expected 1..100" in r.stderr
    r = start("--backend", "tls:nohost", "--backend-ca", tls_certs["ca.crt"])
    assert r.returncode == 2 and "expected HOST:PORT" in r.stderr
    r = start("--backend", "tls:127.0.0.1:9", "--backend-ca",
              "/nonexistent/ca.pem", "--control", "none")
    assert r.returncode == 1
    assert "backend b0: --backend-ca /nonexistent/ca.pem: " in r.stderr


def test_config_file_backends_section(backends, proxy, tls_certs, tmp_path):
    """[backends] in a -c file does what the pool flags do: pool = no makes
    every client's backend connection new (the pooled test above reuses
    them by default), and the health keys drive the probes."""
    b = backends("t0", tls=(tls_certs["ec.crt"], tls_certs["ec.key"]))
    conf = tmp_path / "pool.conf"
    conf.write_text("[backends]\nhealth_interval_ms = 100\n"
                    "health_timeout_ms = 2000\nhealth_fall = 2\n"
                    "health_rise = 2\npool = no\n")
    d = proxy("-c", str(conf), *tls_backend_args(tls_certs, b.port))
    ctx = client_ctx(tls_certs)
    n = 4
    for i in range(n):
        name, got = fetch(d.port, ctx, 100 + i)
        assert sha(got) == sha(body(100 + i))
        wait_for(lambda: backend_stats(d)["b0"]["active"] == 0, 20,
                 "the client to end")
    st = backend_stats(d)["b0"]
    assert st["pool"]["new"] == n and st["pool"]["reused"] == 0
    wait_for(lambda: backend_stats(d)["b0"]["health"]["ok"] >= 2, 20,
             "the file's health checks")
    b.kill()
    wait_for(lambda: backend_stats(d)["b0"]["state"] == "down", 20,
             "t0 to be taken out by the file's health checks")


def test_config_file_backends_section_errors(tls_certs, tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("[backends]\nhealth_fall = 0\n")
    r = subprocess.run(
        [os.path.join(ROOT, "build", "bin", "tlscardd"), "-c", str(conf),
         "--listen", "127.0.0.1:1", "--cert", tls_certs["ec.crt"], "--key",
         tls_certs["ec.key"], "--backend", "127.0.0.1:9"],
        capture_output=True, text=True, timeout=20)
    assert r.returncode == 2
    assert "%s:2: " % conf in r.stderr and "health_fall" in r.stderr
