# SPDX-License-Identifier: MIT
"""The engine's client side (build/bin/tlscard-client) against real
servers: openssl s_server in TLS 1.3 and 1.2 (every suite, both groups,
RSA and ECDSA certificates, HRR, resumption, mTLS, ALPN, KeyUpdate),
tlscardd itself, and a raw Python server that sends crafted ServerHellos
(downgrade sentinel, unsolicited extensions, a second HRR ...) so each
refusal is checked for its exact alert.

The client's --verbose line gives the per-handshake M1 digest calls and
the M2 flight writes, which are asserted too."""
import os
import re
import socket
import struct
import subprocess
import threading
import time

import pytest

from tls_fixtures import *  # noqa: F401,F403

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# TLSCARD_CLIENT may name another build (e.g. build/asan/bin/...).
CLIENT = os.environ.get("TLSCARD_CLIENT") or os.path.join(
    ROOT, "build", "bin", "tlscard-client")
GET = b"GET / HTTP/1.0\r\n\r\n"

SUITES13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256"]
SUITES12 = {
    "ec": ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
           "ECDHE-ECDSA-CHACHA20-POLY1305"],
    "rsa": ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-RSA-CHACHA20-POLY1305"],
}
HRR_RANDOM = bytes.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


@pytest.fixture(autouse=True)
def _need_client():
    if not os.access(CLIENT, os.X_OK):
        pytest.skip("build/bin/tlscard-client is not built (run make)")


class SServer:
    """openssl s_server on a free port; .lines holds its output."""

    def __init__(self, args):
        self.port = free_port()
        self.lines = []
        self.proc = subprocess.Popen(
            ["openssl", "s_server", "-accept", str(self.port), *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.time() + 10
        while time.time() < deadline:
            if any(l.startswith("ACCEPT") for l in self.lines):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.close()
        raise AssertionError("s_server did not start: %s" % self.lines)

    def _read(self):
        for raw in self.proc.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip())

    def text(self):
        return "\n".join(self.lines)

    def wait_text(self, *needles, timeout=20.0):
        """s_server prints the peer's details after the handshake, from its
        own process: on a loaded machine the client can be done first."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(n in self.text() for n in needles):
                return True
            time.sleep(0.05)
        return False

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)


@pytest.fixture
def s_server(tls_certs):
    """Factory: s_server(cert, *args) with -www unless told otherwise."""
    started = []

    def start(cert="ec", *args, www=True):
        a = ["-cert", tls_certs[cert + ".crt"], "-key",
             tls_certs[cert + ".key"], *(["-www"] if www else []), *args]
        s = SServer(a)
        started.append(s)
        return s

    yield start
    for s in started:
        s.close()


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout.decode(errors="replace")
        self.err = proc.stderr.decode(errors="replace")

    def hs(self, name):
        m = re.search(r"handshake .*\b%s=(\S+)" % name, self.err)
        assert m, self.err
        return m.group(1)

    def __repr__(self):
        return "rc=%d\n--- stdout\n%s\n--- stderr\n%s" % (
            self.rc, self.out[-2000:], self.err[-2000:])


def client(port, ca, *args, data=GET, name="ec.test", timeout=20):
    cmd = [CLIENT, f"127.0.0.1:{port}", "--ca", ca, "--verbose",
           "--timeout", "8000", "--wait", "500"]
    if name:
        cmd += ["--servername", name]
    p = subprocess.run(cmd + list(args), input=data, capture_output=True,
                       timeout=timeout)
    return Result(p)


# ---- interop with openssl s_server ------------------------------------------

@pytest.mark.parametrize("cert", ["ec", "rsa"])
@pytest.mark.parametrize("suite", SUITES13)
def test_tls13_suites(s_server, tls_certs, cert, suite):
    srv = s_server(cert, "-tls1_3", "-ciphersuites", suite)
    r = client(srv.port, tls_certs["ca.crt"], name=cert + ".test")
    assert r.rc == 0, r
    assert f"New, TLSv1.3, Cipher is {suite}" in r.out
    assert r.hs("version") == "TLSv1.3" and r.hs("suite") == suite
    assert r.hs("peer_verified") == "1"
    # M1: ClientHello..ServerHello, then one call for the whole server
    # flight (CertificateVerify is checked with the Finished).
    assert int(r.hs("digest_calls")) <= 3, r
    # M2: ClientHello, then our Certificate.. Finished flight: 2 sends.
    assert r.hs("flight_writes") == "2"


@pytest.mark.parametrize("cert", ["ec", "rsa"])
@pytest.mark.parametrize("idx", [0, 1, 2])
def test_tls12_suites(s_server, tls_certs, cert, idx):
    suite = SUITES12[cert][idx]
    srv = s_server(cert, "-tls1_2", "-cipher", suite)
    r = client(srv.port, tls_certs["ca.crt"], name=cert + ".test")
    assert r.rc == 0, r
    assert f"New, TLSv1.2, Cipher is {suite}" in r.out
    assert r.hs("version") == "TLSv1.2" and r.hs("suite") == suite
    # M1 with EMS: session hash (= our Finished's) and the server's.
    assert int(r.hs("digest_calls")) <= 2, r
    assert r.hs("flight_writes") == "2"


@pytest.mark.parametrize("version", ["-tls1_3", "-tls1_2"])
def test_x25519(s_server, tls_certs, version):
    srv = s_server("ec", version, "-groups", "X25519")
    r = client(srv.port, tls_certs["ca.crt"])
    assert r.rc == 0, r
    assert r.hs("group") == "x25519" and r.hs("hrr") == "0"


def test_tls13_hrr_p256(s_server, tls_certs):
    """Our only share is X25519: a P-256-only server must retry."""
    srv = s_server("ec", "-tls1_3", "-groups", "P-256")
    r = client(srv.port, tls_certs["ca.crt"])
    assert r.rc == 0, r
    assert "New, TLSv1.3" in r.out
    assert r.hs("group") == "secp256r1" and r.hs("hrr") == "1"
    # ClientHello, ClientHello 2, our Finished flight.
    assert r.hs("flight_writes") == "3"
    assert int(r.hs("digest_calls")) <= 4


def test_tls12_p256(s_server, tls_certs):
    srv = s_server("ec", "-tls1_2", "-groups", "P-256")
    r = client(srv.port, tls_certs["ca.crt"])
    assert r.rc == 0, r
    assert r.hs("group") == "secp256r1" and r.hs("hrr") == "0"


def test_rsa4096(s_server, tls_certs):
    srv = s_server("rsa4096")
    r = client(srv.port, tls_certs["ca.crt"], name="big.test")
    assert r.rc == 0 and "New, TLSv1.3" in r.out, r


@pytest.mark.parametrize("version", ["--tls1_3", "--tls1_2"])
def test_wrong_ca(s_server, tls_certs, version):
    """A chain that does not lead to our CA: unknown_ca, exit 1."""
    srv = s_server("ec")
    r = client(srv.port, tls_certs["rogue.crt"], version)
    assert r.rc == 1, r
    assert "TLS_ERR_UNKNOWN_CA" in r.err and "sent alert unknown_ca" in r.err
    assert r.out == ""
    deadline = time.time() + 5
    while "alert unknown ca" not in srv.text() and time.time() < deadline:
        time.sleep(0.05)
    assert "alert unknown ca" in srv.text()


@pytest.mark.parametrize("version", ["--tls1_3", "--tls1_2"])
def test_name_mismatch(s_server, tls_certs, version):
    srv = s_server("ec")
    r = client(srv.port, tls_certs["ca.crt"], version, name="rsa.test")
    assert r.rc == 1, r
    assert "sent alert bad_certificate" in r.err
    # The right name, and a SAN wildcard-free second name, both pass.
    assert client(srv.port, tls_certs["ca.crt"], version,
                  name="localhost").rc == 0


def test_no_sni_checks_chain_only(s_server, tls_certs):
    srv = s_server("ec")
    r = client(srv.port, tls_certs["ca.crt"], "--no-sni", name=None)
    assert r.rc == 0 and r.hs("peer_verified") == "1", r


@pytest.mark.parametrize("version,label", [("--tls1_3", "TLSv1.3"),
                                           ("--tls1_2", "TLSv1.2")])
def test_resumption(s_server, tls_certs, tmp_path, version, label):
    srv = s_server("ec")
    sess = str(tmp_path / "sess")
    r1 = client(srv.port, tls_certs["ca.crt"], version, "--sess-out", sess)
    assert r1.rc == 0 and f"New, {label}" in r1.out, r1
    assert r1.hs("resumed") == "0"
    assert os.path.getsize(sess) > 0
    r2 = client(srv.port, tls_certs["ca.crt"], version, "--sess-in", sess,
                "--sess-out", sess)
    assert r2.rc == 0 and f"Reused, {label}" in r2.out, r2
    assert r2.hs("resumed") == "1"
    # No certificate in a resumed handshake: nothing to verify.
    assert r2.hs("peer_verified") == "0"
    if label == "TLSv1.2":
        # Abbreviated: one call for both Finished messages.
        assert int(r2.hs("digest_calls")) == 1
    # The refreshed session resumes again.
    r3 = client(srv.port, tls_certs["ca.crt"], version, "--sess-in", sess)
    assert r3.rc == 0 and f"Reused, {label}" in r3.out, r3


def test_resumption_only_for_its_name(s_server, tls_certs, tmp_path):
    """RFC 6066 §3: a session is offered only to the name it was for."""
    srv = s_server("ec")
    sess = str(tmp_path / "sess")
    assert client(srv.port, tls_certs["ca.crt"], "--sess-out", sess).rc == 0
    r = client(srv.port, tls_certs["ca.crt"], "--sess-in", sess,
               name="localhost")
    assert r.rc == 0 and "New, TLSv1.3" in r.out, r
    assert "not usable here" in r.err


def test_resumption_across_versions(s_server, tls_certs, tmp_path):
    """A TLS 1.2 session offered to a 1.3 server: a full 1.3 handshake."""
    srv12 = s_server("ec", "-tls1_2")
    sess = str(tmp_path / "sess")
    assert client(srv12.port, tls_certs["ca.crt"], "--sess-out",
                  sess).rc == 0
    srv13 = s_server("ec", "-tls1_3")
    r = client(srv13.port, tls_certs["ca.crt"], "--sess-in", sess)
    assert r.rc == 0 and "New, TLSv1.3" in r.out, r


def test_bad_session_file(s_server, tls_certs, tmp_path):
    srv = s_server("ec")
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01\x03\x04garbage")
    r = client(srv.port, tls_certs["ca.crt"], "--sess-in", str(bad))
    assert r.rc == 2 and "not a tlscard-client session file" in r.err, r


@pytest.mark.parametrize("version", ["--tls1_3", "--tls1_2"])
def test_mtls(s_server, tls_certs, version):
    srv = s_server("rsa", "-Verify", "1", "-CAfile", tls_certs["ca.crt"])
    r = client(srv.port, tls_certs["ca.crt"], version, "--cert",
               tls_certs["client.crt"], "--key", tls_certs["client.key"],
               name="rsa.test")
    assert r.rc == 0 and "New, TLSv1." in r.out, r
    assert r.hs("cert_requested") == "1" and r.hs("client_cert") == "1"
    assert srv.wait_text("CN = client", "CN=client"), srv.text()


@pytest.mark.parametrize("version,alert", [
    ("--tls1_3", "certificate_required"), ("--tls1_2", "handshake_failure")])
def test_mtls_without_cert(s_server, tls_certs, version, alert):
    """We answer with an empty Certificate; the server refuses."""
    srv = s_server("ec", "-Verify", "1", "-CAfile", tls_certs["ca.crt"])
    r = client(srv.port, tls_certs["ca.crt"], version)
    assert r.rc == 1, r
    assert f"received alert {alert}" in r.err


def test_mtls_cert_not_requested(s_server, tls_certs):
    """A configured client certificate is not sent unless asked for."""
    srv = s_server("ec")
    r = client(srv.port, tls_certs["ca.crt"], "--cert",
               tls_certs["client.crt"], "--key", tls_certs["client.key"])
    assert r.rc == 0, r
    assert r.hs("cert_requested") == "0" and r.hs("client_cert") == "0"


@pytest.mark.parametrize("version", ["--tls1_3", "--tls1_2"])
def test_alpn(s_server, tls_certs, version):
    srv = s_server("ec", "-alpn", "h2,http/1.1")
    r = client(srv.port, tls_certs["ca.crt"], version, "--alpn", "spdy/1",
               "--alpn", "http/1.1")
    assert r.rc == 0, r
    assert r.hs("alpn") == "http/1.1"


def test_echo_and_key_update(s_server, tls_certs):
    """Data both ways, then a KeyUpdate asking for the server's: both
    directions switch keys and close_notify still decrypts."""
    srv = s_server("ec", "-tls1_3", "-rev", www=False)
    r = client(srv.port, tls_certs["ca.crt"], "--key-update",
               data=b"hello world\n")
    assert r.rc == 0, r
    assert "dlrow olleh" in r.out


def test_incremental_baseline(s_server, tls_certs):
    """M1 vs the per-message baseline over the same handshake."""
    srv = s_server("ec", "-tls1_3")
    m1 = client(srv.port, tls_certs["ca.crt"], "--sess-out", "/dev/null")
    inc = client(srv.port, tls_certs["ca.crt"], "--sess-out", "/dev/null",
                 "--incremental-transcript")
    assert m1.rc == 0 and inc.rc == 0, (m1, inc)
    assert int(m1.hs("digest_calls")) == 3
    # one hash_update per message: CH SH EE Cert CV SF CF
    assert int(inc.hs("digest_calls")) == 7


def test_usage_errors(tls_certs):
    r = subprocess.run([CLIENT, "127.0.0.1:1"], capture_output=True,
                       timeout=10)
    assert r.returncode == 2 and b"--ca FILE is required" in r.stderr
    r = subprocess.run([CLIENT, "nohostport", "--ca", tls_certs["ca.crt"]],
                       capture_output=True, timeout=10)
    assert r.returncode == 2 and b"HOST:PORT" in r.stderr
    r = subprocess.run([CLIENT, "127.0.0.1:1", "--ca", "/nonexistent"],
                       capture_output=True, timeout=10)
    assert r.returncode == 2 and b"cannot load CA file" in r.stderr
    port = free_port()  # nobody listens
    r = subprocess.run([CLIENT, f"127.0.0.1:{port}", "--ca",
                        tls_certs["ca.crt"]], capture_output=True, timeout=10)
    assert r.returncode == 3 and b"connect" in r.stderr


# ---- against tlscardd (the same engine's server side) ----------------------

@pytest.mark.parametrize("version", ["--tls1_3", "--tls1_2"])
def test_against_tlscardd(tls_daemon, tls_certs, tmp_path, version):
    d = tls_daemon("--alpn", "http/1.1")
    sess = str(tmp_path / "sess")
    r = client(d.port, tls_certs["ca.crt"], version, "--alpn", "http/1.1",
               "--sess-out", sess, data=b"ping\n")
    assert r.rc == 0 and "ping" in r.out, r
    assert r.hs("alpn") == "http/1.1"
    r2 = client(d.port, tls_certs["ca.crt"], version, "--sess-in", sess,
                data=b"pong\n")
    assert r2.rc == 0 and "pong" in r2.out, r2
    assert r2.hs("resumed") == "1"
    line = d.wait_line("resumed=1")
    assert ("TLSv1.3" if version == "--tls1_3" else "TLSv1.2") in line


# ---- crafted ServerHellos from a raw server ----------------------------------

def _ext(t, d=b""):
    return struct.pack(">HH", t, len(d)) + d


def _server_hello(sid, suite, exts, random=None, legacy=0x0303, comp=0):
    random = random or os.urandom(32)
    e = b"".join(exts)
    body = (struct.pack(">H", legacy) + random + bytes([len(sid)]) + sid +
            struct.pack(">HB", suite, comp) + struct.pack(">H", len(e)) + e)
    return record(22, bytes([2]) + len(body).to_bytes(3, "big") + body)


def _read_record(c):
    hdr = b""
    while len(hdr) < 5:
        more = c.recv(5 - len(hdr))
        if not more:
            return None
        hdr += more
    n = int.from_bytes(hdr[3:5], "big")
    body = b""
    while len(body) < n:
        more = c.recv(n - len(body))
        if not more:
            return None
        body += more
    return hdr + body


def _client_hello(c):
    """Next handshake record (skipping a CCS); (session_id, record)."""
    while True:
        rec = _read_record(c)
        assert rec is not None, "client closed before its hello"
        if rec[0] != 20:
            break
    assert rec[0] == 22 and rec[5] == 1, rec[:8]
    sid_len = rec[5 + 4 + 2 + 32]
    return rec[5 + 4 + 2 + 32 + 1:][:sid_len], rec


class RawServer:
    """Accepts one connection and runs script(conn) on it."""

    def __init__(self, script):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.received = []
        self.error = None
        self.thread = threading.Thread(target=self._run, args=(script,),
                                       daemon=True)
        self.thread.start()

    def _run(self, script):
        self.sock.settimeout(10)
        try:
            c, _ = self.sock.accept()
            c.settimeout(10)
            with c:
                script(c)
                while True:  # what the client answers: alerts
                    rec = _read_record(c)
                    if rec is None:
                        break
                    self.received.append(rec)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e
        finally:
            self.sock.close()

    def alerts(self):
        self.thread.join(10)
        assert self.error is None, self.error
        return [alert_of(r) for r in self.received if r[0] == 21]


def _sv13():
    return _ext(43, b"\x03\x04")


def _x25519_share():
    return _ext(51, struct.pack(">HH", 0x1d, 32) + os.urandom(32))


def _run_raw(tls_certs, reply, *args, hang_up=False):
    """reply(session_id) -> bytes the server sends after the hello;
    hang_up: then close our side, so a client still waiting sees EOF."""
    def script(c):
        sid, _ = _client_hello(c)
        c.sendall(reply(sid))
        if hang_up:
            c.shutdown(socket.SHUT_WR)

    srv = RawServer(script)
    r = client(srv.port, tls_certs["ca.crt"], *args)
    return r, srv.alerts()


def test_downgrade_sentinel(tls_certs):
    """RFC 8446 §4.1.3: a 1.3-capable client refuses a 1.2 ServerHello
    whose random ends in DOWNGRD\\x01, with illegal_parameter."""
    rnd = os.urandom(24) + b"DOWNGRD\x01"
    sh = lambda sid: _server_hello(  # noqa: E731
        b"\x11" * 32, 0xc02b, [_ext(23), _ext(0xff01, b"\x00")], rnd)
    r, alerts = _run_raw(tls_certs, sh)
    assert r.rc == 1, r
    assert "TLS_ERR_DOWNGRADE" in r.err
    assert "sent alert illegal_parameter" in r.err
    assert alerts == [47]
    # Offering 1.2 only, the same hello is fine (the server then hangs
    # up, so the handshake fails later, for another reason).
    r, alerts = _run_raw(tls_certs, sh, "--tls1_2", hang_up=True)
    assert "TLS_ERR_DOWNGRADE" not in r.err, r
    assert 47 not in alerts


@pytest.mark.parametrize("case,error,alert", [
    ("unsolicited_ext", "TLS_ERR_BAD_EXTENSION", "unsupported_extension"),
    ("alpn_in_sh13", "TLS_ERR_ILLEGAL_PARAM", "illegal_parameter"),
    ("suite_not_offered", "TLS_ERR_ILLEGAL_PARAM", "illegal_parameter"),
    ("versions_1_2", "TLS_ERR_ILLEGAL_PARAM", "illegal_parameter"),
    ("share_p256", "TLS_ERR_ILLEGAL_PARAM", "illegal_parameter"),
    ("no_key_share", "TLS_ERR_MISSING_EXTENSION", "missing_extension"),
    ("session_id_changed", "TLS_ERR_ILLEGAL_PARAM", "illegal_parameter"),
    ("compression", "TLS_ERR_ILLEGAL_PARAM", "illegal_parameter"),
    ("tls11", "TLS_ERR_PROTOCOL_VERSION", "protocol_version"),
    ("no_ems12", "TLS_ERR_MISSING_EMS", "handshake_failure"),
])
def test_bad_server_hello(tls_certs, case, error, alert):
    def reply(sid):
        sv, ks = _sv13(), _x25519_share()
        if case == "unsolicited_ext":
            return _server_hello(sid, 0x1301, [sv, ks, _ext(0x1234)])
        if case == "alpn_in_sh13":
            return _server_hello(sid, 0x1301,
                                 [sv, ks, _ext(16, b"\x00\x03\x02h2")])
        if case == "suite_not_offered":
            return _server_hello(sid, 0x1304, [sv, ks])
        if case == "versions_1_2":
            return _server_hello(sid, 0x1301, [_ext(43, b"\x03\x03"), ks])
        if case == "share_p256":
            return _server_hello(sid, 0x1301, [sv, _ext(
                51, struct.pack(">HH", 0x17, 65) + b"\x04" + bytes(64))])
        if case == "no_key_share":
            return _server_hello(sid, 0x1301, [sv])
        if case == "session_id_changed":
            return _server_hello(bytes(32), 0x1301, [sv, ks])
        if case == "compression":
            return _server_hello(sid, 0x1301, [sv, ks], comp=1)
        if case == "tls11":
            return _server_hello(b"", 0xc02b, [_ext(23)], legacy=0x0302)
        assert case == "no_ems12"
        return _server_hello(b"\x22" * 32, 0xc02b, [_ext(0xff01, b"\x00")])

    args = ["--alpn", "h2"] if case == "alpn_in_sh13" else []
    r, alerts = _run_raw(tls_certs, reply, *args)
    assert r.rc == 1, r
    assert error in r.err and f"sent alert {alert}" in r.err, r
    # Before any keys: the alert goes in plaintext, and only it.
    assert alerts == [{"unsupported_extension": 110,
                       "illegal_parameter": 47,
                       "missing_extension": 109,
                       "protocol_version": 70,
                       "handshake_failure": 40}[alert]]


def test_second_hrr(tls_certs):
    """RFC 8446 §4.1.4: a second HelloRetryRequest is unexpected_message;
    the first one makes the client resend with a P-256 share."""
    seen = {}

    def script(c):
        sid, _ = _client_hello(c)
        hrr = _server_hello(sid, 0x1301, [_sv13(), _ext(51, b"\x00\x17")],
                            HRR_RANDOM)
        c.sendall(hrr)
        sid2, ch2 = _client_hello(c)
        seen["sid"] = sid == sid2
        seen["p256"] = b"\x00\x33" in ch2 and b"\x00\x17\x00\x41\x04" in ch2
        c.sendall(_server_hello(sid, 0x1301, [_sv13(), _ext(44, b"\x00\x01x")],
                                HRR_RANDOM))

    srv = RawServer(script)
    r = client(srv.port, tls_certs["ca.crt"])
    alerts = srv.alerts()
    assert r.rc == 1, r
    assert "sent alert unexpected_message" in r.err
    assert seen == {"sid": True, "p256": True}
    assert alerts == [10]


def test_hrr_for_the_group_we_sent(tls_certs):
    """§4.1.4: an HRR asking for the share we already gave."""
    r, alerts = _run_raw(tls_certs, lambda sid: _server_hello(
        sid, 0x1301, [_sv13(), _ext(51, b"\x00\x1d")], HRR_RANDOM))
    assert r.rc == 1 and "sent alert illegal_parameter" in r.err, r
    assert alerts == [47]


def test_server_alert_is_named(tls_certs):
    r, _ = _run_raw(tls_certs, lambda sid: record(21, b"\x02\x28"))
    assert r.rc == 1
    assert "received alert handshake_failure" in r.err, r


def test_server_hangs_up(tls_certs):
    r, _ = _run_raw(tls_certs, lambda sid: b"", hang_up=True)
    assert r.rc == 1
    assert "connection closed during the handshake" in r.err, r
