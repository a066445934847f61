# SPDX-License-Identifier: MIT
"""Fixtures for the TLS engine's system tests (tlscardd + real clients).

Import with ``from tls_fixtures import *``.  Everything runs on loopback
with ports the kernel picked; every wait is bounded.
"""
import os
import re
import signal
import socket
import subprocess
import threading
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TLSCARDD = os.path.join(ROOT, "build", "bin", "tlscardd")
HTTP_BODY = b"tlscard-ok\n"

__all__ = ["tls_certs", "tls_backend", "tls_daemon", "free_port", "run",
           "TLSCARDD", "HTTP_BODY", "Daemon", "openssl_client", "interact",
           "record", "alert_of"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, inp=None, timeout=15):
    return subprocess.run(cmd, input=inp, capture_output=True,
                          timeout=timeout)


def _openssl(*args):
    # RSA-4096 key generation alone can take over 15 s on a loaded
    # 2-core machine: a generous bound, not a timing assertion.
    r = run(["openssl", *args], timeout=120)
    assert r.returncode == 0, r.stderr.decode()


@pytest.fixture(scope="session")
def tls_certs(tmp_path_factory):
    """A CA, ECDSA P-256 and RSA-2048 server certs, client certs."""
    d = tmp_path_factory.mktemp("tlscerts")
    p = {k: str(d / k) for k in (
        "ca.crt", "ca.key", "ec.crt", "ec.key", "rsa.crt", "rsa.key",
        "client.crt", "client.key", "rogue.crt", "rogue.key",
        "rsa4096.crt", "rsa4096.key")}
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    _openssl("req", "-x509", *ec, "-nodes", "-keyout", p["ca.key"],
             "-out", p["ca.crt"], "-subj", "/CN=tlscard test CA",
             "-days", "30")

    def issue(name, key_args, subj, ext):
        csr = str(d / (name + ".csr"))
        extf = str(d / (name + ".ext"))
        with open(extf, "w") as f:
            f.write(ext + "\n")
        _openssl("req", *key_args, "-nodes", "-keyout", p[name + ".key"],
                 "-out", csr, "-subj", subj)
        _openssl("x509", "-req", "-in", csr, "-CA", p["ca.crt"], "-CAkey",
                 p["ca.key"], "-CAcreateserial", "-out", p[name + ".crt"],
                 "-days", "30", "-extfile", extf)

    issue("ec", ec, "/CN=ec.test",
          "subjectAltName=DNS:ec.test,DNS:localhost\n"
          "extendedKeyUsage=serverAuth")
    issue("rsa", ["-newkey", "rsa:2048"], "/CN=rsa.test",
          "subjectAltName=DNS:rsa.test,DNS:*.rsa.test\n"
          "extendedKeyUsage=serverAuth")
    issue("rsa4096", ["-newkey", "rsa:4096"], "/CN=big.test",
          "subjectAltName=DNS:big.test\nextendedKeyUsage=serverAuth")
    issue("client", ec, "/CN=client", "extendedKeyUsage=clientAuth")
    # A client certificate from a CA the daemon does not trust.
    _openssl("req", "-x509", *ec, "-nodes", "-keyout", p["rogue.key"],
             "-out", p["rogue.crt"], "-subj", "/CN=rogue", "-days", "30")
    return p


class _Backend:
    """Echo server; a request starting with GET gets a tiny HTTP reply."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._conn, args=(c,),
                             daemon=True).start()

    @staticmethod
    def _conn(c):
        c.settimeout(10)
        try:
            first = True
            while True:
                data = c.recv(65536)
                if not data:
                    break
                if first and data.startswith(b"GET "):
                    while b"\r\n\r\n" not in data:
                        more = c.recv(65536)
                        if not more:
                            break
                        data += more
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
                              b"Connection: close\r\n\r\n" % len(HTTP_BODY)
                              + HTTP_BODY)
                    break
                first = False
                c.sendall(data)
        except OSError:
            pass
        finally:
            c.close()


@pytest.fixture(scope="session")
def tls_backend():
    b = _Backend()
    yield b
    b.stop = True
    b.sock.close()


class Daemon:
    """A running tlscardd; .lines holds its stderr lines."""

    def __init__(self, args):
        if not os.access(TLSCARDD, os.X_OK):
            pytest.skip("build/bin/tlscardd is not built (run make)")
        self.port = free_port()
        self.args = args
        self.lines = []
        self.proc = subprocess.Popen(
            [TLSCARDD, "--listen", f"127.0.0.1:{self.port}", "--verbose",
             "--stats-on-exit", *args],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.time() + 10
        while time.time() < deadline:
            if any("listening on" in l for l in self.lines):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.close()
        raise AssertionError("tlscardd did not start: %s" % self.lines)

    def _read(self):
        for raw in self.proc.stderr:
            self.lines.append(raw.decode(errors="replace").rstrip())

    def wait_line(self, pattern, start=0, timeout=5.0):
        """The first stderr line at index >= start matching pattern."""
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in self.lines[start:]:
                if rx.search(line):
                    return line
            time.sleep(0.02)
        raise AssertionError("no line /%s/ in %s" % (pattern,
                                                     self.lines[start:]))

    def handshakes(self, start=0):
        return [l for l in self.lines[start:] if ": handshake version=" in l]

    def alive(self):
        return self.proc.poll() is None

    def close(self):
        if self.proc.poll() is None:
            # SIGINT stops at once; SIGTERM would drain first.
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._reader.join(2)


@pytest.fixture
def tls_daemon(tls_certs, tls_backend):
    """Factory: tls_daemon(extra_args...) -> Daemon (ec + rsa certs)."""
    started = []

    def start(*extra, certs=("ec", "rsa")):
        args = []
        for c in certs:
            args += ["--cert", tls_certs[c + ".crt"],
                     "--key", tls_certs[c + ".key"]]
        args += ["--backend", f"127.0.0.1:{tls_backend.port}", *extra]
        d = Daemon(args)
        started.append(d)
        return d

    yield start
    for d in started:
        d.close()


def openssl_client(port, *args, data=b"ping\n", timeout=10):
    """openssl s_client; returns (returncode, stdout+stderr text)."""
    return interact(["openssl", "s_client", "-connect", f"127.0.0.1:{port}",
                     *args], data, timeout)


def interact(cmd, data, timeout=10):
    """Run a client, feed data, keep stdin open briefly so the reply
    arrives, then EOF (the client closes).  (returncode, output)."""
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    try:
        p.stdin.write(data)
        p.stdin.flush()
        time.sleep(0.5)
        p.stdin.close()
        p.stdin = None  # communicate() must not touch it again
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    return p.returncode, out.decode(errors="replace")


def record(ctype, payload, version=0x0303):
    return bytes([ctype]) + version.to_bytes(2, "big") + \
        len(payload).to_bytes(2, "big") + payload


def alert_of(data):
    """The description of a plaintext alert record at the start, or None."""
    if len(data) >= 7 and data[0] == 21 and data[3:5] == b"\x00\x02":
        return data[6]
    return None
