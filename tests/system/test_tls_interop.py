# SPDX-License-Identifier: MIT
"""tlscardd's TLS 1.3 server against real clients: openssl s_client
(every suite, every group, both certificate types, HRR, resumption),
curl, gnutls-cli and Python's ssl; SNI; ALPN.  Each case also checks the
daemon's per-handshake line: M1 digest calls and M2 flight writes."""
import re
import shutil
import socket
import ssl

import pytest

from tls_fixtures import *  # noqa: F401,F403

SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256"]


def field(line, name):
    m = re.search(r"\b%s=(\S+)" % name, line)
    assert m, line
    return m.group(1)


@pytest.fixture
def daemon(tls_daemon):
    return tls_daemon("--alpn", "http/1.1")


@pytest.mark.parametrize("cert", ["ec", "rsa"])
@pytest.mark.parametrize("suite", SUITES)
def test_openssl_suites(daemon, tls_certs, suite, cert):
    n = len(daemon.lines)
    rc, out = openssl_client(daemon.port, "-tls1_3", "-ciphersuites", suite,
                             "-servername", cert + ".test",
                             "-CAfile", tls_certs["ca.crt"],
                             "-verify_return_error")
    assert "ping" in out, out
    assert f"Cipher is {suite}" in out
    assert "Verify return code: 0 (ok)" in out
    assert f"subject=CN = {cert}.test" in out
    sig = "ECDSA" if cert == "ec" else "RSA-PSS"
    assert f"Peer signature type: {sig}" in out
    line = daemon.wait_line("handshake version=TLSv1.3", n)
    assert field(line, "suite") == suite
    # M1: at most 3 digest calls; M2: the server flight in one write.
    assert int(field(line, "digest_calls")) <= 3
    assert field(line, "flight_writes") == "1"


@pytest.mark.parametrize("group,name", [("X25519", "x25519"),
                                        ("P-256", "secp256r1")])
def test_openssl_groups(daemon, group, name):
    n = len(daemon.lines)
    rc, out = openssl_client(daemon.port, "-tls1_3", "-groups", group)
    assert "ping" in out, out
    line = daemon.wait_line("handshake version", n)
    assert field(line, "group") == name


def test_hello_retry_request(daemon):
    """X448 is not ours: the client's only share is useless -> HRR."""
    n = len(daemon.lines)
    rc, out = openssl_client(daemon.port, "-tls1_3", "-groups", "X448:P-256",
                             "-msg")
    assert "ping" in out, out
    line = daemon.wait_line("handshake version", n)
    assert field(line, "group") == "secp256r1"
    # HRR and the real flight: two flights, one write each.
    assert field(line, "flight_writes") == "2"
    assert int(field(line, "digest_calls")) <= 4
    # One HRR counted (tlsd_stats.hrr), in the exit totals.
    daemon.close()
    assert field(daemon.wait_line("stats: accepted=", n), "hrr") == "1"


def test_rsa4096(tls_daemon, tls_certs):
    d = tls_daemon(certs=("rsa4096",))
    rc, out = openssl_client(d.port, "-tls1_3", "-CAfile",
                             tls_certs["ca.crt"], "-verify_return_error")
    assert "ping" in out and "Verify return code: 0 (ok)" in out, out


def test_resumption(daemon, tmp_path):
    sess = str(tmp_path / "sess.pem")
    n = len(daemon.lines)
    rc, out = openssl_client(daemon.port, "-tls1_3", "-sess_out", sess)
    assert "ping" in out
    rc, out = openssl_client(daemon.port, "-tls1_3", "-sess_in", sess)
    assert "Reused, TLSv1.3" in out, out
    assert "ping" in out
    lines = daemon.handshakes(n)
    assert [field(l, "resumed") for l in lines] == ["0", "1"]


def test_incremental_transcript_baseline(tls_daemon):
    """The M1 baseline mode hashes message by message: 7 calls."""
    d = tls_daemon("--incremental-transcript")
    rc, out = openssl_client(d.port, "-tls1_3")
    assert "ping" in out
    assert field(d.wait_line("handshake version"), "digest_calls") == "7"


def test_python_ssl_and_sni(daemon, tls_certs):
    ctx = ssl.create_default_context(cafile=tls_certs["ca.crt"])
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    for name, cn in [("ec.test", "ec.test"), ("rsa.test", "rsa.test"),
                     ("www.rsa.test", "rsa.test")]:
        with socket.create_connection(("127.0.0.1", daemon.port), 5) as raw:
            with ctx.wrap_socket(raw, server_hostname=name) as s:
                s.sendall(b"hello " + name.encode())
                assert s.recv(100) == b"hello " + name.encode()
                subj = dict(x[0] for x in s.getpeercert()["subject"])
                assert subj["commonName"] == cn
                assert s.version() == "TLSv1.3"


def test_python_ssl_resumption(daemon, tls_certs):
    ctx = ssl.create_default_context(cafile=tls_certs["ca.crt"])
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    with socket.create_connection(("127.0.0.1", daemon.port), 5) as raw:
        with ctx.wrap_socket(raw, server_hostname="ec.test") as s:
            s.sendall(b"x")
            assert s.recv(10) == b"x"  # the ticket arrived before this
            sess = s.session
    with socket.create_connection(("127.0.0.1", daemon.port), 5) as raw:
        with ctx.wrap_socket(raw, server_hostname="ec.test",
                             session=sess) as s:
            s.sendall(b"y")
            assert s.recv(10) == b"y"
            assert s.session_reused


def test_curl(daemon, tls_certs):
    if not shutil.which("curl"):
        pytest.skip("curl is not installed")
    r = run(["curl", "-sS", "--tlsv1.3", "--cacert", tls_certs["ca.crt"],
             "--resolve", f"ec.test:{daemon.port}:127.0.0.1",
             f"https://ec.test:{daemon.port}/", "-w", "\n%{http_version}"])
    assert r.returncode == 0, r.stderr
    body, ver = r.stdout.rsplit(b"\n", 1)
    assert body == HTTP_BODY
    assert ver == b"1.1"
    line = daemon.wait_line("handshake version")
    assert field(line, "alpn") == "http/1.1"


def test_gnutls_cli(daemon, tls_certs):
    if not shutil.which("gnutls-cli"):
        pytest.skip("gnutls-cli is not installed")
    for prio in ["NORMAL:-VERS-ALL:+VERS-TLS1.3",
                 "NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-SECP256R1",
                 "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305"]:
        rc, out = interact(["gnutls-cli", "--x509cafile", tls_certs["ca.crt"],
                            "--priority", prio, "-p", str(daemon.port),
                            "localhost"], b"GET / HTTP/1.0\r\n\r\n")
        assert "tlscard-ok" in out, out


def test_alpn_mismatch_is_refused(daemon):
    n = len(daemon.lines)
    rc, out = openssl_client(daemon.port, "-tls1_3", "-alpn", "h2")
    assert "no application protocol" in out, out
    daemon.wait_line("no_application_protocol", n)


def test_tls12_is_refused_with_protocol_version(tls_daemon):
    """--tls13-only: a 1.2 client is refused cleanly (TLS 1.2 itself is
    tested in test_tls12_interop.py)."""
    d = tls_daemon("--tls13-only")
    n = len(d.lines)
    rc, out = openssl_client(d.port, "-tls1_2")
    assert "protocol version" in out, out
    d.wait_line("sent alert protocol_version", n)


def test_mtls(tls_daemon, tls_certs):
    d = tls_daemon("--client-ca", tls_certs["ca.crt"])
    n = len(d.lines)
    rc, out = openssl_client(d.port, "-tls1_3", "-cert",
                             tls_certs["client.crt"], "-key",
                             tls_certs["client.key"])
    assert "ping" in out, out
    assert field(d.wait_line("handshake version", n), "client_cert") == "1"
    n = len(d.lines)
    rc, out = openssl_client(d.port, "-tls1_3")
    assert "ping" not in out
    d.wait_line("sent alert certificate_required", n)
    # RFC 8446 §7.2 / App. A.2: after its Finished the server writes
    # under its application keys, which the client reads with once it
    # has sent its own Finished; under handshake keys it cannot.
    assert re.search(r"alert certificate required", out), out
    n = len(d.lines)
    rc, out = openssl_client(d.port, "-tls1_3", "-cert",
                             tls_certs["rogue.crt"], "-key",
                             tls_certs["rogue.key"])
    assert "ping" not in out
    d.wait_line("sent alert unknown_ca", n)
