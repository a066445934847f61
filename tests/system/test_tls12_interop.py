# SPDX-License-Identifier: MIT
"""tlscardd's TLS 1.2 server against real clients: openssl s_client
(every suite, both groups, ECDSA and RSA certificates, PSS and PKCS#1
v1.5), resumption with tickets, mTLS, curl, gnutls-cli, Python's ssl;
version negotiation with the 1.3 path and the downgrade sentinel; EMS
required.  Each case checks the daemon's per-handshake line: at most 2
digest calls (M1) and the first flight in one write (M2)."""
import os
import re
import shutil
import socket
import ssl
import subprocess
import time

import pytest

from tls_fixtures import *  # noqa: F401,F403
import tls12_raw

# (openssl suite name, which certificate serves it)
SUITES = [
    ("ECDHE-ECDSA-AES128-GCM-SHA256", "ec"),
    ("ECDHE-ECDSA-AES256-GCM-SHA384", "ec"),
    ("ECDHE-ECDSA-CHACHA20-POLY1305", "ec"),
    ("ECDHE-RSA-AES128-GCM-SHA256", "rsa"),
    ("ECDHE-RSA-AES256-GCM-SHA384", "rsa"),
    ("ECDHE-RSA-CHACHA20-POLY1305", "rsa"),
]


def field(line, name):
    m = re.search(r"\b%s=(\S+)" % name, line)
    assert m, line
    return m.group(1)


def check_line(line, digest_calls_max=2):
    assert field(line, "version") == "TLSv1.2", line
    assert int(field(line, "digest_calls")) <= digest_calls_max, line
    assert field(line, "flight_writes") == "1", line


@pytest.fixture
def daemon(tls_daemon):
    return tls_daemon("--alpn", "http/1.1")


@pytest.mark.parametrize("suite,cert", SUITES)
def test_openssl_suites(daemon, tls_certs, suite, cert):
    n = len(daemon.lines)
    rc, out = openssl_client(daemon.port, "-tls1_2", "-cipher", suite,
                             "-servername", cert + ".test",
                             "-CAfile", tls_certs["ca.crt"],
                             "-verify_return_error")
    assert "ping" in out, out
    assert f"Cipher is {suite}" in out
    assert "Verify return code: 0 (ok)" in out
    assert "Extended master secret: yes" in out
    assert f"subject=CN = {cert}.test" in out
    sig = "ECDSA" if cert == "ec" else "RSA-PSS"
    assert f"Peer signature type: {sig}" in out
    line = daemon.wait_line("handshake version=", n)
    check_line(line)
    assert field(line, "suite") == suite
    assert field(line, "digest_calls") == "2"


@pytest.mark.parametrize("group,name", [("X25519", "x25519"),
                                        ("P-256", "secp256r1")])
def test_openssl_groups(daemon, group, name):
    n = len(daemon.lines)
    rc, out = openssl_client(daemon.port, "-tls1_2", "-groups", group)
    assert "ping" in out, out
    line = daemon.wait_line("handshake version=", n)
    check_line(line)
    assert field(line, "group") == name


def test_rsa_pkcs1_signature(daemon):
    """RFC 5246 §7.4.1.4.1: a client listing only PKCS#1 v1.5 gets it."""
    rc, out = openssl_client(daemon.port, "-tls1_2", "-servername",
                             "rsa.test", "-sigalgs", "RSA+SHA384")
    assert "ping" in out, out
    assert "Peer signature type: RSA\n" in out
    assert "Peer signing digest: SHA384" in out


def test_resumption_with_ticket(daemon, tmp_path):
    sess = str(tmp_path / "sess.pem")
    n = len(daemon.lines)
    rc, out = openssl_client(daemon.port, "-tls1_2", "-servername",
                             "ec.test", "-sess_out", sess)
    assert "ping" in out and "TLS session ticket:" in out, out
    rc, out = openssl_client(daemon.port, "-tls1_2", "-servername",
                             "ec.test", "-sess_in", sess)
    assert "Reused, TLSv1.2" in out, out
    assert "ping" in out
    lines = daemon.handshakes(n)
    assert [field(l, "resumed") for l in lines] == ["0", "1"]
    for line in lines:
        check_line(line)
    # RFC 6066 §3: the ticket is not good for another name.
    rc, out = openssl_client(daemon.port, "-tls1_2", "-servername",
                             "rsa.test", "-sess_in", sess)
    assert "New, TLSv1.2" in out and "ping" in out, out


def test_no_tickets_flag(tls_daemon, tmp_path):
    d = tls_daemon("--no-tickets")
    rc, out = openssl_client(d.port, "-tls1_2")
    assert "ping" in out, out
    assert "TLS session ticket:" not in out


def test_incremental_transcript_baseline(tls_daemon):
    """M1 baseline: one hash call per message (CH SH Cert SKE SHD CKE CF
    NST); the buffered transcript needs 2."""
    d = tls_daemon("--incremental-transcript")
    rc, out = openssl_client(d.port, "-tls1_2")
    assert "ping" in out
    assert field(d.wait_line("handshake version"), "digest_calls") == "8"


def test_mtls(tls_daemon, tls_certs):
    d = tls_daemon("--client-ca", tls_certs["ca.crt"])
    n = len(d.lines)
    rc, out = openssl_client(d.port, "-tls1_2", "-cert",
                             tls_certs["client.crt"], "-key",
                             tls_certs["client.key"])
    assert "ping" in out, out
    line = d.wait_line("handshake version", n)
    check_line(line)
    assert field(line, "client_cert") == "1"
    # The CertificateVerify reuses the session hash: still 2 calls.
    assert field(line, "digest_calls") == "2"
    # A SHA-384 suite with an ECDSA-SHA256 CertificateVerify: one more.
    n = len(d.lines)
    rc, out = openssl_client(d.port, "-tls1_2", "-cipher",
                             "ECDHE-ECDSA-AES256-GCM-SHA384", "-cert",
                             tls_certs["client.crt"], "-key",
                             tls_certs["client.key"])
    assert "ping" in out, out
    line = d.wait_line("handshake version", n)
    assert field(line, "digest_calls") == "3"
    # RFC 5246 §7.4.6: no certificate -> handshake_failure (1.2 has no
    # certificate_required).
    n = len(d.lines)
    rc, out = openssl_client(d.port, "-tls1_2")
    assert "ping" not in out
    d.wait_line("sent alert handshake_failure", n)
    n = len(d.lines)
    rc, out = openssl_client(d.port, "-tls1_2", "-cert",
                             tls_certs["rogue.crt"], "-key",
                             tls_certs["rogue.key"])
    assert "ping" not in out
    d.wait_line("sent alert unknown_ca", n)


def test_curl(daemon, tls_certs):
    if not shutil.which("curl"):
        pytest.skip("curl is not installed")
    n = len(daemon.lines)
    r = run(["curl", "-sS", "--tlsv1.2", "--tls-max", "1.2", "--cacert",
             tls_certs["ca.crt"], "--resolve",
             f"ec.test:{daemon.port}:127.0.0.1",
             f"https://ec.test:{daemon.port}/"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == HTTP_BODY
    line = daemon.wait_line("handshake version", n)
    check_line(line)
    assert field(line, "alpn") == "http/1.1"


def test_gnutls_cli(daemon, tls_certs):
    if not shutil.which("gnutls-cli"):
        pytest.skip("gnutls-cli is not installed")
    for prio in ["NORMAL:-VERS-ALL:+VERS-TLS1.2",
                 "NORMAL:-VERS-ALL:+VERS-TLS1.2:-GROUP-ALL:+GROUP-SECP256R1",
                 "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305",
                 "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM"]:
        n = len(daemon.lines)
        rc, out = interact(["gnutls-cli", "--x509cafile", tls_certs["ca.crt"],
                            "--priority", prio, "-p", str(daemon.port),
                            "localhost"], b"GET / HTTP/1.0\r\n\r\n")
        assert "tlscard-ok" in out, (prio, out)
        check_line(daemon.wait_line("handshake version", n))


def test_gnutls_without_ems_is_refused(daemon, tls_certs):
    """RFC 7627 §5.2: the issue requires EMS; a client without it gets
    handshake_failure."""
    if not shutil.which("gnutls-cli"):
        pytest.skip("gnutls-cli is not installed")
    n = len(daemon.lines)
    rc, out = interact(["gnutls-cli", "--x509cafile", tls_certs["ca.crt"],
                        "--priority",
                        "NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_SESSION_HASH",
                        "-p", str(daemon.port), "localhost"],
                       b"GET / HTTP/1.0\r\n\r\n")
    assert "tlscard-ok" not in out
    assert "Handshake failed" in out, out
    daemon.wait_line("TLS_ERR_MISSING_EMS.*sent alert handshake_failure", n)


def test_openssl_without_ems_is_refused(daemon, tmp_path):
    """OpenSSL 3.0's s_client has no -no_ems: the option comes from a
    config file (SSL_OP_NO_EXTENDED_MASTER_SECRET)."""
    conf = tmp_path / "noems.cnf"
    conf.write_text("openssl_conf = c\n[c]\nssl_conf = s\n[s]\n"
                    "system_default = d\n[d]\n"
                    "Options = -ExtendedMasterSecret\n")
    env = dict(os.environ, OPENSSL_CONF=str(conf))
    n = len(daemon.lines)
    r = subprocess.run(["openssl", "s_client", "-connect",
                        f"127.0.0.1:{daemon.port}", "-tls1_2"],
                       input=b"", capture_output=True, timeout=10, env=env)
    out = (r.stdout + r.stderr).decode(errors="replace")
    assert "alert handshake failure" in out, out
    daemon.wait_line("TLS_ERR_MISSING_EMS.*sent alert handshake_failure", n)


def test_python_ssl_and_resumption(daemon, tls_certs):
    ctx = ssl.create_default_context(cafile=tls_certs["ca.crt"])
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    n = len(daemon.lines)
    with socket.create_connection(("127.0.0.1", daemon.port), 5) as raw:
        with ctx.wrap_socket(raw, server_hostname="rsa.test") as s:
            assert s.version() == "TLSv1.2"
            s.sendall(b"hello")
            assert s.recv(10) == b"hello"
            subj = dict(x[0] for x in s.getpeercert()["subject"])
            assert subj["commonName"] == "rsa.test"
            sess = s.session
    with socket.create_connection(("127.0.0.1", daemon.port), 5) as raw:
        with ctx.wrap_socket(raw, server_hostname="rsa.test",
                             session=sess) as s:
            s.sendall(b"again")
            assert s.recv(10) == b"again"
            assert s.session_reused
    lines = daemon.handshakes(n)
    assert [field(l, "resumed") for l in lines] == ["0", "1"]
    for line in lines:
        check_line(line)


def test_client_offering_13_gets_13(daemon):
    n = len(daemon.lines)
    rc, out = openssl_client(daemon.port)
    assert "ping" in out and "TLSv1.3" in out, out
    assert field(daemon.wait_line("handshake version", n),
                 "version") == "TLSv1.3"


def test_downgrade_sentinel(daemon):
    """RFC 8446 §4.1.3: a 1.3 server negotiating 1.2 ends ServerHello.random
    with DOWNGRD\\x01 (here for a hello with and one without
    supported_versions)."""
    for versions in ([0x0303], None):
        c = tls12_raw.Client12(daemon.port)
        try:
            c.hello(tls12_raw.client_hello(versions=versions))
            assert c.server_random[-8:] == tls12_raw.DOWNGRADE_12
            assert c.suite == tls12_raw.SUITE
        finally:
            c.close()


def test_tls13_only_refuses_tls12(tls_daemon):
    """--tls13-only: a client that cannot do 1.3 gets protocol_version."""
    d = tls_daemon("--tls13-only")
    n = len(d.lines)
    rc, out = openssl_client(d.port, "-tls1_2")
    assert "protocol version" in out, out
    d.wait_line("sent alert protocol_version", n)
    c = tls12_raw.Client12(d.port)
    try:
        c.send(tls12_raw.record(22, tls12_raw.client_hello()))
        assert tls12_raw.alert_in(c.read_until_close()) == \
            (2, tls12_raw.PROTOCOL_VERSION)
    finally:
        c.close()


def test_scripted_client_full_handshake(daemon):
    """The scripted client agrees with the server on every key: the
    server's Finished opens and verifies."""
    c = tls12_raw.Client12(daemon.port)
    try:
        recs = c.handshake()
        assert [t for t, _ in recs] == [20, 22], recs
        ext_types = []
        sh = c.server_hello
        body = sh[4:]
        pos = 2 + 32 + 1 + body[34] + 3
        exts = body[pos + 2:]
        while exts:
            ext_types.append(int.from_bytes(exts[:2], "big"))
            exts = exts[4 + int.from_bytes(exts[2:4], "big"):]
        # RFC 7627 EMS, RFC 5746 renegotiation_info, RFC 8422 point formats;
        # no supported_versions in a 1.2 ServerHello (RFC 8446 §4.2.1)
        assert 23 in ext_types and 0xff01 in ext_types and 11 in ext_types
        assert 43 not in ext_types
    finally:
        c.close()


def test_renegotiation_is_refused(daemon):
    """RFC 5246 §7.2.2: a ClientHello on an established connection gets a
    warning no_renegotiation; OpenSSL's client then gives up with
    handshake_failure; the daemon carries on."""
    p = subprocess.Popen(["openssl", "s_client", "-connect",
                          f"127.0.0.1:{daemon.port}", "-tls1_2", "-msg"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    try:
        # s_client renegotiates when a read of stdin starts with "R".
        for line in (b"ping\n", b"R\n"):
            p.stdin.write(line)
            p.stdin.flush()
            time.sleep(0.5)
        p.stdin.close()
        p.stdin = None
        out = p.communicate(timeout=10)[0].decode(errors="replace")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)
    assert "RENEGOTIATING" in out, out
    assert "warning no_renegotiation" in out, out
    rc, out = openssl_client(daemon.port, "-tls1_2")
    assert "ping" in out
    assert daemon.alive()
