# SPDX-License-Identifier: MIT
"""Malformed, truncated, oversized and out-of-order input: tlscardd
answers with the alert the RFC names, closes that connection, and keeps
serving everybody else."""
import os
import socket
import struct

import pytest

from tls_fixtures import *  # noqa: F401,F403

# AlertDescription values (RFC 8446 §6)
UNEXPECTED_MESSAGE = 10
RECORD_OVERFLOW = 22
HANDSHAKE_FAILURE = 40
ILLEGAL_PARAMETER = 47
DECODE_ERROR = 50
PROTOCOL_VERSION = 70
MISSING_EXTENSION = 109


def ext(etype, body):
    return struct.pack(">HH", etype, len(body)) + body


def vec(n, body):
    return len(body).to_bytes(n, "big") + body


def client_hello(exts=None, suites=b"\x13\x01", versions=b"\x03\x04",
                 drop=()):
    """A TLS 1.3 ClientHello with an X25519 share (random bytes)."""
    if exts is None:
        exts = {
            43: vec(1, versions),                        # supported_versions
            10: vec(2, b"\x00\x1d"),                     # supported_groups
            13: vec(2, b"\x04\x03\x08\x04"),             # signature_algs
            51: vec(2, b"\x00\x1d" + vec(2, os.urandom(32))),  # key_share
        }
    body = b"\x03\x03" + os.urandom(32) + vec(1, os.urandom(32)) + \
        vec(2, suites) + b"\x01\x00"
    e = b"".join(ext(t, b) for t, b in exts.items() if t not in drop)
    body += vec(2, e)
    return b"\x01" + vec(3, body)


def exchange(port, data, close_write=False):
    """Send data; return everything the server sent until it closed."""
    with socket.create_connection(("127.0.0.1", port), 5) as s:
        s.settimeout(5)
        s.sendall(data)
        if close_write:
            s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            got += chunk
        return got


@pytest.fixture(scope="module")
def daemon(tls_certs, tls_backend):
    d = Daemon(["--cert", tls_certs["ec.crt"], "--key", tls_certs["ec.key"],
                "--backend", f"127.0.0.1:{tls_backend.port}"])
    yield d
    d.close()


def still_serving(d):
    rc, out = openssl_client(d.port, "-tls1_3")
    assert "ping" in out, out
    assert d.alive()


def trailing_hello():
    ch = client_hello()
    body = ch[4:] + b"\x00"  # one byte after the extensions block
    return b"\x01" + vec(3, body)


CASES = {
    # name: (bytes sent, expected alert)
    "garbage": (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", UNEXPECTED_MESSAGE),
    "bad_record_version": (record(22, client_hello(), version=0x0200),
                           PROTOCOL_VERSION),
    "oversized_record": (b"\x16\x03\x03\x40\x01" + bytes(16385),
                         RECORD_OVERFLOW),
    "empty_handshake_record": (record(22, b""), UNEXPECTED_MESSAGE),
    "finished_first": (record(22, b"\x14\x00\x00\x20" + bytes(32)),
                       UNEXPECTED_MESSAGE),
    "appdata_first": (record(23, b"hello"), UNEXPECTED_MESSAGE),
    "ccs_first": (record(20, b"\x01"), UNEXPECTED_MESSAGE),
    # session_id length 200 inside a 48-byte hello
    "hello_length_lies": (record(22, b"\x01\x00\x00\x30\x03\x03" +
                                 bytes(32) + b"\xc8" + bytes(13)),
                          DECODE_ERROR),
    "hello_trailing_bytes": (record(22, trailing_hello()), DECODE_ERROR),
    # §5.1: a key change follows the hello, so nothing may share its record
    "data_after_hello": (record(22, client_hello() + b"\x14"),
                         UNEXPECTED_MESSAGE),
    # TLS 1.2 is chosen, but this hello has no 1.2 suite and no EMS
    # (test_tls12_negative.py has the 1.2 cases)
    "tls12_only": (record(22, client_hello(versions=b"\x03\x03")),
                   HANDSHAKE_FAILURE),
    "tls11_only": (record(22, client_hello(versions=b"\x03\x02")),
                   PROTOCOL_VERSION),
    "no_common_suite": (record(22, client_hello(suites=b"\x00\x9c")),
                        HANDSHAKE_FAILURE),
    "missing_key_share": (record(22, client_hello(drop=(51,))),
                          MISSING_EXTENSION),
    "missing_sigalgs": (record(22, client_hello(drop=(13,))),
                        MISSING_EXTENSION),
    "duplicate_extension": (record(22, client_hello(exts=None)[:0] +
                                   client_hello(exts={
                                       43: vec(1, b"\x03\x04"),
                                       10: vec(2, b"\x00\x1d"),
                                       13: vec(2, b"\x04\x03"),
                                       51: vec(2, b"\x00\x1d" +
                                               vec(2, os.urandom(32))),
                                   }) + b""), None),
    "share_for_unoffered_group": (record(22, client_hello(exts={
        43: vec(1, b"\x03\x04"), 10: vec(2, b"\x00\x17"),
        13: vec(2, b"\x04\x03"),
        51: vec(2, b"\x00\x1d" + vec(2, os.urandom(32)))})),
        ILLEGAL_PARAMETER),
    "bad_x25519_share_length": (record(22, client_hello(exts={
        43: vec(1, b"\x03\x04"), 10: vec(2, b"\x00\x1d"),
        13: vec(2, b"\x04\x03"),
        51: vec(2, b"\x00\x1d" + vec(2, os.urandom(31)))})),
        ILLEGAL_PARAMETER),
    "psk_not_last": (record(22, client_hello(exts={
        43: vec(1, b"\x03\x04"), 10: vec(2, b"\x00\x1d"),
        41: vec(2, vec(2, b"x") + bytes(4)) + vec(2, vec(1, bytes(32))),
        13: vec(2, b"\x04\x03"),
        51: vec(2, b"\x00\x1d" + vec(2, os.urandom(32)))})),
        ILLEGAL_PARAMETER),
}
# A real duplicate: supported_groups twice (dicts cannot hold that).
_dup = client_hello()
_body = _dup[4:]
CASES["duplicate_extension"] = (None, ILLEGAL_PARAMETER)


def dup_extension_hello():
    e = ext(43, vec(1, b"\x03\x04")) + ext(10, vec(2, b"\x00\x1d")) + \
        ext(10, vec(2, b"\x00\x1d")) + ext(13, vec(2, b"\x04\x03")) + \
        ext(51, vec(2, b"\x00\x1d" + vec(2, os.urandom(32))))
    body = b"\x03\x03" + os.urandom(32) + b"\x00" + vec(2, b"\x13\x01") + \
        b"\x01\x00" + vec(2, e)
    return record(22, b"\x01" + vec(3, body))


@pytest.mark.parametrize("name", sorted(CASES))
def test_alert_and_close(daemon, name):
    data, want = CASES[name]
    if name == "duplicate_extension":
        data = dup_extension_hello()
    n = len(daemon.lines)
    got = exchange(daemon.port, data)
    assert alert_of(got) == want, (name, got[:16])
    assert len(got) == 7  # the alert, then the close
    daemon.wait_line("handshake failed", n)
    still_serving(daemon)


def test_truncated_hello_then_close(daemon):
    """Half a ClientHello, then EOF: no reply, no crash."""
    got = exchange(daemon.port, record(22, client_hello())[:60],
                   close_write=True)
    assert got == b""
    still_serving(daemon)


def test_fragmented_hello_is_reassembled(daemon, tls_certs):
    """A ClientHello split over records is legal (RFC 8446 §5.1)."""
    import ssl
    ctx = ssl.create_default_context(cafile=tls_certs["ca.crt"])
    # Python's ssl cannot fragment; do it by hand and expect ServerHello.
    ch = client_hello()
    data = record(22, ch[:50]) + record(22, ch[50:])
    with socket.create_connection(("127.0.0.1", daemon.port), 5) as s:
        s.settimeout(5)
        s.sendall(data)
        got = s.recv(5)
    assert got[:1] == b"\x16", got  # a handshake record: ServerHello
    del ctx
    still_serving(daemon)


def test_many_bad_clients_do_not_hurt(daemon):
    for _ in range(30):
        exchange(daemon.port, os.urandom(64))
    still_serving(daemon)
