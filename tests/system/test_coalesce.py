# SPDX-License-Identifier: MIT
"""The M4 coalescer in tlscardd (--coalesce): one test per transmittal
condition, each shaping the backend's byte stream (write timing, FIN) so
that only that condition can flush, and asserting its flush counter; then
byte-exact streams: pipelined requests, half-close, large bodies.

Stats come from the control socket.  Every wait is bounded (socket
timeouts, joins); nothing asserts on wall-clock speed.  All traffic is on
loopback.
"""
import hashlib
import json
import os
import random
import socket
import ssl
import threading
import time

import pytest

from tls_fixtures import *  # noqa: F401,F403
from tls_fixtures import TLSCARDD, Daemon, run

TIMEOUT = 20
# A timer no test waits for: only the condition under test can flush.
NEVER_MS = "10000"


class ScriptedBackend:
    """Accepts connections and runs script(conn, rig) on each in a thread;
    the script writes the bytes it wants when it wants.  sent[] holds
    what each connection's script sent, in order."""

    def __init__(self, script, ctx=None):
        self.script = script
        self.ctx = ctx
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.sent = []
        self.errors = []
        self.threads = []
        self.ack = threading.Event()
        self.t = threading.Thread(target=self._serve, daemon=True)
        self.t.start()

    def _serve(self):
        self.sock.settimeout(0.2)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c.settimeout(TIMEOUT)
            out = bytearray()
            self.sent.append(out)
            th = threading.Thread(target=self._run, args=(c, out),
                                  daemon=True)
            th.start()
            self.threads.append(th)

    def _run(self, c, out):
        def send(b):
            c.sendall(b)
            out.extend(b)
        try:
            if self.ctx:
                try:
                    c = self.ctx.wrap_socket(c, server_side=True)
                except (OSError, ssl.SSLError):
                    return  # a probe that gave up
                self.script(c, send, self)
                return
            # Clients speak first; a connection closed without a word is
            # a health probe of tlscardd's backend pool, not a client.
            if not c.recv(1, socket.MSG_PEEK):
                return
            self.script(c, send, self)
        except Exception as e:  # reported by the test, not lost
            self.errors.append(repr(e))
        finally:
            c.close()

    def close(self):
        self.sock.close()
        for th in self.threads:
            th.join(TIMEOUT)


@pytest.fixture
def coalescing(tls_certs, tmp_path):
    """Factory: coalescing(script, *flags, tls=False) -> (daemon, backend);
    tls: the backend speaks TLS (ec.test certificate) and tlscardd
    verifies it against the test CA."""
    made = []

    def start(script, *flags, tls=False):
        ctx = None
        backend_args = []
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls_certs["ec.crt"], tls_certs["ec.key"])
        be = ScriptedBackend(script, ctx)
        if tls:
            backend_args = ["--backend", "tls:127.0.0.1:%d" % be.port,
                            "--backend-ca", tls_certs["ca.crt"],
                            "--backend-sni", "ec.test"]
        else:
            backend_args = ["--backend", "127.0.0.1:%d" % be.port]
        sock = "/tmp/tlsco-%d-%d.sock" % (os.getpid(), time.monotonic_ns())
        d = Daemon(["--cert", tls_certs["ec.crt"], "--key",
                    tls_certs["ec.key"], *backend_args, "--control", sock,
                    "--coalesce", *flags])
        d.sock = sock
        made.append((d, be))
        return d, be

    yield start
    for d, be in made:
        d.close()
        be.close()
        if os.path.lexists(d.sock):
            os.unlink(d.sock)


def stats(d):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(d.sock)
        s.sendall(b'{"cmd":"stats"}\n')
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            buf += chunk
    return json.loads(buf)["coalesce"]


def flushes(d):
    return stats(d)["to_client"]["flushes"]


def connect(d):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = socket.create_connection(("127.0.0.1", d.port), timeout=TIMEOUT)
    return ctx.wrap_socket(s, server_hostname="localhost")


def recv_exactly(t, n):
    got = bytearray()
    while len(got) < n:
        chunk = t.recv(min(1 << 16, n - len(got)))
        if not chunk:
            break
        got.extend(chunk)
    return bytes(got)


def recv_all(t):
    got = bytearray()
    while True:
        try:
            chunk = t.recv(1 << 16)
        except ssl.SSLEOFError:
            break
        if not chunk:
            break
        got.extend(chunk)
    return bytes(got)


def head(status="200 OK", length=None, extra=""):
    h = "HTTP/1.1 %s\r\n%s" % (status, extra)
    if length is not None:
        h += "Content-Length: %d\r\n" % length
    return (h + "\r\n").encode()


def wait_ack(c):
    """The client's word that it has what it expected (bounded)."""
    c.recv(16)


# ---- one test per transmittal condition -----------------------------------

def test_quantum(coalescing):
    blob = bytes(random.Random(1).getrandbits(8) for _ in range(50000))

    def script(c, send, be):
        assert c.recv(16) == b"go"
        send(blob)
        wait_ack(c)

    d, be = coalescing(script, "--coalesce-timer-ms", NEVER_MS)
    with connect(d) as t:
        t.sendall(b"go")
        assert recv_exactly(t, len(blob)) == blob
        t.sendall(b"ack")
    st = stats(d)["to_client"]
    assert st["flushes"]["quantum"] >= 1, st
    assert st["flushes"]["timer"] == 0, st
    assert not be.errors


def test_http_end(coalescing):
    """A response whose head is written in pieces, drains between them: a
    partial head is held (the client cannot use it), so nothing flushes
    until the message's end, and it leaves as one record."""
    body = b"x" * 3000
    rsp = head(length=len(body)) + body

    def script(c, send, be):
        req = c.recv(4096)
        assert req.startswith(b"GET /"), req
        for piece in (rsp[:10], rsp[10:30], rsp[30:]):
            send(piece)
            time.sleep(0.03)
        wait_ack(c)

    d, be = coalescing(script, "--coalesce-timer-ms", NEVER_MS)
    with connect(d) as t:
        t.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert recv_exactly(t, len(rsp)) == rsp
        t.sendall(b"ack")
    st = stats(d)["to_client"]
    assert st["flushes"]["http_end"] == 1, st
    assert st["flushes"]["push"] == 0, st
    assert st["records_in"] >= 2 and st["records_out"] == 1, st
    assert not be.errors


def test_fin(coalescing):
    """A head cut short: only the backend's FIN ends the wait."""
    part = b"HTTP/1.1 200 OK\r\nContent-Le"

    def script(c, send, be):
        c.recv(4096)
        send(part)
        time.sleep(0.1)
        c.shutdown(socket.SHUT_WR)
        wait_ack(c)

    d, be = coalescing(script, "--coalesce-timer-ms", NEVER_MS)
    with connect(d) as t:
        t.sendall(b"GET / HTTP/1.1\r\n\r\n")
        assert recv_exactly(t, len(part)) == part
        assert recv_all(t) == b""  # then close_notify
    st = stats(d)["to_client"]
    assert st["flushes"]["fin"] == 1, st
    assert st["flushes"]["push"] == 0 and st["flushes"]["timer"] == 0, st


def test_push(coalescing):
    """Not HTTP, then an HTTP body: when the read side drains, what is
    buffered goes."""
    line = b"220 smtp-like greeting\r\n"

    def script(c, send, be):
        assert c.recv(16) == b"go"
        send(line)
        wait_ack(c)  # no FIN, no quantum, the timer far away

    d, be = coalescing(script, "--coalesce-timer-ms", NEVER_MS)
    with connect(d) as t:
        t.sendall(b"go")
        t.settimeout(8)  # < NEVER_MS: only PUSH can deliver in time
        assert recv_exactly(t, len(line)) == line
        t.sendall(b"ack")
    f = flushes(d)
    assert f["push"] == 1, f
    assert f["timer"] == 0 and f["fin"] == 0, f


def test_push_delay_small_writes(coalescing):
    """Small writes a little apart, each of which drains the read side:
    with a push delay longer than the gaps they share records, and the
    quiet after the last one flushes with reason push."""
    n, size = 200, 100
    chunk = b"\x17" * size  # not HTTP: only the drain and quiet matter

    def script(c, send, be):
        assert c.recv(16) == b"go"
        for _ in range(n):
            send(chunk)
            time.sleep(0.001)
        wait_ack(c)

    d, be = coalescing(script, "--coalesce-timer-ms", NEVER_MS,
                       "--coalesce-push-delay-us", "50000")
    with connect(d) as t:
        t.sendall(b"go")
        t.settimeout(8)  # < NEVER_MS: only quantum and push can deliver
        assert recv_exactly(t, n * size) == chunk * n
        t.sendall(b"ack")
    st = stats(d)["to_client"]
    assert st["bytes"] == n * size, st
    # 20000 bytes: one full quantum and the rest; a loaded machine may
    # pause the sender past the delay now and then, adding a few
    assert st["records_out"] <= n // 10, st
    assert st["flushes"]["push"] >= 1, st
    assert st["flushes"]["timer"] == 0 and st["flushes"]["fin"] == 0, st
    assert not be.errors


def test_push_inside_body(coalescing):
    """An HTTP body in progress is usable: a drain sends it."""
    part = head(length=1000) + b"b" * 100

    def script(c, send, be):
        c.recv(4096)
        send(part)
        wait_ack(c)

    d, be = coalescing(script, "--coalesce-timer-ms", NEVER_MS)
    with connect(d) as t:
        t.sendall(b"GET / HTTP/1.1\r\n\r\n")
        t.settimeout(8)
        assert recv_exactly(t, len(part)) == part
        t.sendall(b"ack")
    f = flushes(d)
    assert f["push"] == 1 and f["timer"] == 0 and f["http_end"] == 0, f


def test_timer(coalescing):
    """A partial head and the backend pauses: the timer flushes."""
    part = b"HTTP/1.1 200 OK\r\nContent-Le"

    def script(c, send, be):
        c.recv(4096)
        send(part)
        wait_ack(c)

    d, be = coalescing(script, "--coalesce-timer-ms", "30")
    with connect(d) as t:
        t.sendall(b"GET / HTTP/1.1\r\n\r\n")
        assert recv_exactly(t, len(part)) == part
        t.sendall(b"ack")
    st = stats(d)["to_client"]
    assert st["flushes"]["timer"] == 1, st
    assert st["flushes"]["push"] == 0, st
    # the byte waited at least the timer (a lower bound, not a speed)
    assert st["latency"]["max_ns"] >= 30_000_000, st


# ---- byte-exact streams -----------------------------------------------------

def responses_for(methods):
    """Responses of every framing, one per request method."""
    rng = random.Random(7)
    out = []
    for i, m in enumerate(methods):
        body = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0,
                                                                      3000)))
        if m == "HEAD":
            out.append(head(length=4242))
        elif i % 5 == 1:
            out.append(head("304 Not Modified"))
        elif i % 3 == 0:
            chunks = b"".join(b"%x;e=1\r\n%s\r\n" % (len(body[j:j + 700]),
                                                     body[j:j + 700])
                              for j in range(0, len(body), 700))
            out.append(head(extra="Transfer-Encoding: chunked\r\n")
                       + chunks + b"0\r\nX-T: 1\r\n\r\n")
        else:
            out.append(head(length=len(body)) + body)
    return out


def test_pipelined_requests(coalescing):
    methods = ["GET", "HEAD", "GET", "POST", "GET", "HEAD"] * 4
    reqs = b"".join(
        (b"%s /%d HTTP/1.1\r\nHost: x\r\n" % (m.encode(), i))
        + (b"Content-Length: 3\r\n\r\nabc" if m == "POST" else b"\r\n")
        for i, m in enumerate(methods))
    rsps = responses_for(methods)
    want = b"".join(rsps)

    def script(c, send, be):
        got = b""
        while got.count(b"\r\n\r\n") < len(methods):
            chunk = c.recv(1 << 16)
            assert chunk, got
            got += chunk
        assert got == reqs
        rng = random.Random(3)
        stream = want
        while stream:
            n = rng.randrange(1, 5000)
            send(stream[:n])
            stream = stream[n:]
            if rng.random() < 0.2:
                time.sleep(0.002)
        wait_ack(c)

    d, be = coalescing(script, "--coalesce-timer-ms", "20")
    with connect(d) as t:
        t.sendall(reqs)
        got = recv_exactly(t, len(want))
        assert hashlib.sha256(got).hexdigest() == \
            hashlib.sha256(want).hexdigest()
        t.sendall(b"ack")
    st = stats(d)["to_client"]
    assert st["flushes"]["http_end"] >= 1, st
    # coalesced: fewer records than responses
    assert st["records_out"] < len(rsps), st
    assert not be.errors


def test_half_close(coalescing):
    """The client closes its sending side (TCP FIN, no close_notify); the
    backend sees EOF, then answers; the answer still arrives whole."""
    upload = os.urandom(20000)
    reply = os.urandom(70000)

    def script(c, send, be):
        got = b""
        while True:
            chunk = c.recv(1 << 16)
            if not chunk:
                break
            got += chunk
        assert got == upload
        send(reply)

    d, be = coalescing(script, "--coalesce-timer-ms", "20")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, outg = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, outg, server_hostname="localhost")
    raw = socket.create_connection(("127.0.0.1", d.port), timeout=TIMEOUT)

    def pump_out():
        data = outg.read()
        if data:
            raw.sendall(data)

    def pump_in():
        data = raw.recv(1 << 16)
        if data:
            inc.write(data)
        else:
            inc.write_eof()
        return bool(data)

    for _ in range(50):
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            pump_out()
            pump_in()
    pump_out()
    obj.write(upload)
    pump_out()
    raw.shutdown(socket.SHUT_WR)
    got = bytearray()
    for _ in range(10000):
        try:
            got.extend(obj.read(1 << 16))
            continue
        except ssl.SSLWantReadError:
            pass
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            break
        if not pump_in():
            break
    raw.close()
    assert hashlib.sha256(got).digest() == hashlib.sha256(reply).digest()
    st = stats(d)["to_client"]
    assert st["bytes"] == len(reply), st
    assert not be.errors


@pytest.mark.parametrize("flags", [(), ("--coalesce-staged",),
                                   ("--cards", "sim:2")],
                         ids=["plain", "staged", "cards"])
def test_large_bodies(coalescing, flags):
    """A 4 MB Content-Length body and a 1 MB chunked one, written in odd
    sizes with pauses; both arrive whole (hash compared).  With cards the
    records are sealed by card jobs that park the connection's pump."""
    rng = random.Random(11)
    big = os.urandom(4 << 20)
    small = os.urandom(1 << 20)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(small[j:j + 9000]),
                                          small[j:j + 9000])
                       for j in range(0, len(small), 9000)) + b"0\r\n\r\n"
    want = (head(length=len(big)) + big
            + head(extra="Transfer-Encoding: chunked\r\n") + chunked)

    def script(c, send, be):
        got = b""
        while got.count(b"\r\n\r\n") < 2:
            chunk = c.recv(4096)
            assert chunk
            got += chunk
        stream = want
        while stream:
            n = rng.choice((1, 100, 1500, 16384, 65536, 200000))
            send(stream[:n])
            stream = stream[n:]
            if rng.random() < 0.02:
                time.sleep(0.005)
        wait_ack(c)

    d, be = coalescing(script, *flags)
    with connect(d) as t:
        t.sendall(b"GET /big HTTP/1.1\r\n\r\nGET /chunked HTTP/1.1\r\n\r\n")
        got = recv_exactly(t, len(want))
        assert hashlib.sha256(got).digest() == hashlib.sha256(want).digest()
        t.sendall(b"ack")
    st = stats(d)["to_client"]
    assert st["bytes"] == len(want), st
    # most records are full: at least 8 KB per record on average
    assert st["records_out"] <= len(want) // 8192 + 64, st
    assert not be.errors


def test_off_by_default(tls_certs):
    """Without --coalesce nothing is counted; bad knob values are
    refused."""
    be = ScriptedBackend(lambda c, send, b: None)
    sock = "/tmp/tlsco-off-%d.sock" % os.getpid()
    d = Daemon(["--cert", tls_certs["ec.crt"], "--key", tls_certs["ec.key"],
                "--backend", "127.0.0.1:%d" % be.port, "--control", sock])
    d.sock = sock
    try:
        co = stats(d)
        assert co["enabled"] is False
        assert co["to_client"]["records_out"] == 0
    finally:
        d.close()
        be.close()
    r = run([TLSCARDD, "--listen", "127.0.0.1:1", "--backend",
             "127.0.0.1:2", "--cert", "c", "--key", "k", "--coalesce",
             "--coalesce-quantum", "20000"])
    assert r.returncode == 2
    assert b"--coalesce-quantum 20000: expected 256..16384" in r.stderr


class SizeRelay:
    """client -> relay -> tlscardd; records the length of every record
    tlscardd sends back (TLS 1.3: all are application_data on the wire)."""

    def __init__(self, target):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(TIMEOUT)
        self.port = self.sock.getsockname()[1]
        self.target = target
        self.sizes = []
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        try:
            c, _ = self.sock.accept()
        except OSError:
            return
        b = socket.create_connection(("127.0.0.1", self.target), TIMEOUT)
        for s in (c, b):
            s.settimeout(TIMEOUT)
        threading.Thread(target=self._up, args=(c, b), daemon=True).start()
        buf = b""
        try:
            while True:
                data = b.recv(1 << 16)
                if not data:
                    break
                c.sendall(data)
                buf += data
                while len(buf) >= 5:
                    n = int.from_bytes(buf[3:5], "big")
                    if len(buf) < 5 + n:
                        break
                    self.sizes.append(n)
                    buf = buf[5 + n:]
        except OSError:
            pass

    @staticmethod
    def _up(c, b):
        try:
            while True:
                data = c.recv(1 << 16)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass


def test_staged_record_sizes(coalescing):
    """--coalesce-staged: records start small and double to 16 KB."""
    blob = os.urandom(60000)

    def script(c, send, be):
        assert c.recv(16) == b"go"
        send(blob)
        wait_ack(c)

    d, be = coalescing(script, "--coalesce-staged", "--coalesce-timer-ms",
                       NEVER_MS)
    relay = SizeRelay(d.port)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", relay.port), TIMEOUT)
    with ctx.wrap_socket(raw, server_hostname="localhost") as t:
        t.sendall(b"go")
        assert recv_exactly(t, len(blob)) == blob
        t.sendall(b"ack")
    # plaintext = record length - inner type byte - 16-byte tag; after
    # the handshake's records, the stream is a doubling run from 1 KB
    # (then close_notify)
    sizes = [n - 17 for n in relay.sizes]
    assert 1024 in sizes, sizes
    start = sizes.index(1024)
    run_, total = [], 0
    for n in sizes[start:]:
        if total == len(blob):
            break
        run_.append(n)
        total += n
    assert total == len(blob), sizes
    assert run_[:5] == [1024, 2048, 4096, 8192, 16384], sizes
    assert all(n <= 16384 for n in run_), sizes


def tls_backends_supported():
    out = run([TLSCARDD, "--help"]).stdout.decode()
    return "tls:" in out and "--backend-ca" in out


class BioClient:
    """A TLS client over a raw socket through memory BIOs, so the test
    decides what goes out in one TCP write and when the socket is
    half-closed."""

    def __init__(self, port):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.inc, self.outg = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.outg,
                                server_hostname="localhost")
        self.raw = socket.create_connection(("127.0.0.1", port), TIMEOUT)
        for _ in range(50):
            try:
                self.obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                self.flush()
                self.pull()
        self.flush()

    def flush(self):
        data = self.outg.read()
        if data:
            self.raw.sendall(data)

    def pull(self):
        data = self.raw.recv(1 << 16)
        if data:
            self.inc.write(data)
        else:
            self.inc.write_eof()
        return bool(data)

    def read_exactly(self, n):
        got = bytearray()
        for _ in range(100000):
            if len(got) >= n:
                break
            try:
                got.extend(self.obj.read(n - len(got)))
                continue
            except ssl.SSLWantReadError:
                pass
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                break
            if not self.pull():
                break
        return bytes(got)

    def close(self):
        self.raw.close()


def test_to_backend_records(coalescing):
    """Client to a TLS backend: 2000 client records of 100 bytes, sent in
    one TCP write, reach the backend in a few full records."""
    if not tls_backends_supported():
        pytest.skip("this tlscardd has no TLS backends (--backend tls:)")
    n, size = 2000, 100
    data = os.urandom(n * size)

    def script(c, send, be):
        got = b""
        while len(got) < len(data):
            chunk = c.recv(1 << 16)
            if not chunk:
                return  # a health probe (handshake, then close)
            got += chunk
        assert got == data
        send(b"ok")
        wait_ack(c)

    d, be = coalescing(script, "--coalesce-timer-ms", NEVER_MS, tls=True)
    cl = BioClient(d.port)
    try:
        for i in range(n):
            cl.obj.write(data[i * size:(i + 1) * size])
        cl.flush()  # 2000 records, one write
        assert cl.read_exactly(2) == b"ok"
        cl.obj.write(b"ack")
        cl.flush()
    finally:
        cl.close()
    st = stats(d)["to_backend"]
    assert st["records_in"] == n + 1, st  # and the ack
    assert st["bytes"] == len(data) + 3, st
    # as few as possible: 200000 bytes fit in 13 full records; reads
    # that end between records add a few
    assert st["records_out"] <= n // 20, st
    assert st["flushes"]["quantum"] >= 1, st
    assert st["flushes"]["timer"] == 0, st
    assert not be.errors


def test_to_backend_http_end_and_fin(coalescing):
    """Client to a TLS backend: pipelined requests whose heads arrive in
    pieces go at their ends; the client's FIN flushes the rest."""
    if not tls_backends_supported():
        pytest.skip("this tlscardd has no TLS backends (--backend tls:)")
    reqs = (b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
            b"GET /b HTTP/1.1\r\n\r\n")
    tail = b"GET /c HTTP/1.1\r\nHo"  # a head the FIN cuts short

    def script(c, send, be):
        got = b""
        while True:
            chunk = c.recv(1 << 16)
            if not chunk:
                break
            got += chunk
        if got:
            assert got == reqs + tail, got
            send(b"seen")

    d, be = coalescing(script, "--coalesce-timer-ms", NEVER_MS, tls=True)
    cl = BioClient(d.port)
    try:
        for piece in (reqs[:10], reqs[10:30], reqs[30:]):
            cl.obj.write(piece)
            cl.flush()
            time.sleep(0.05)
        cl.obj.write(tail)
        cl.flush()
        time.sleep(0.05)
        cl.raw.shutdown(socket.SHUT_WR)
        assert cl.read_exactly(4) == b"seen"
    finally:
        cl.close()
    st = stats(d)["to_backend"]
    assert st["flushes"]["http_end"] >= 1, st
    assert st["flushes"]["fin"] == 1, st
    assert st["bytes"] == len(reqs + tail), st
    assert not be.errors
