# SPDX-License-Identifier: MIT
"""Malformed and out-of-order TLS 1.2 input, from a scripted client
(tls12_raw.py): each gets the alert RFC 5246 (or the RFC of the rule)
names, the connection closes, and the daemon keeps serving."""
import os

import pytest

from tls_fixtures import *  # noqa: F401,F403
import tls12_raw as t
from tls12_raw import Client12, client_hello, hs, record, vec


@pytest.fixture(scope="module")
def daemon(tls_certs, tls_backend):
    d = Daemon(["--cert", tls_certs["ec.crt"], "--key", tls_certs["ec.key"],
                "--backend", f"127.0.0.1:{tls_backend.port}"])
    yield d
    d.close()


def still_serving(d):
    rc, out = openssl_client(d.port, "-tls1_2")
    assert "ping" in out, out
    assert d.alive()


# name: (what the client does after connecting, expected alert)
def hello_only(msg):
    def run_case(c):
        c.send(record(22, msg))
    return run_case


def after_key_exchange(then):
    def run_case(c):
        c.hello()
        c.key_exchange()
        then(c)
    return run_case


def bad_cke(**kw):
    def run_case(c):
        c.hello()
        c.key_exchange(**kw)
    return run_case


def ccs_before_cke(c):
    c.hello()
    c.ccs()  # RFC 5246 §7.3: the CCS comes after ClientKeyExchange


def sealed_finished_of_length(n):
    def then(c):
        c.ccs()
        c.send(c.seal(22, hs(20, bytes(n))))
    return after_key_exchange(then)


CASES = {
    # RFC 7627 §5.2: EMS is required ("abort" = handshake_failure)
    "hello_without_ems": (hello_only(client_hello(ems=False)),
                          t.HANDSHAKE_FAILURE),
    # RFC 7507 §3: a fallback to 1.2 while we do 1.3
    "fallback_scsv": (hello_only(client_hello(suites=(t.SUITE, 0x5600))),
                      t.INAPPROPRIATE_FALLBACK),
    # RFC 5746 §3.6: renegotiated_connection must be empty at first
    "reneg_info_not_empty": (hello_only(client_hello(
        reneg=vec(1, bytes(12)))), t.HANDSHAKE_FAILURE),
    # RFC 5246 §7.4.1.3: no common suite (TLS_RSA_* is not ours)
    "no_common_suite": (hello_only(client_hello(suites=(0x009c,))),
                        t.HANDSHAKE_FAILURE),
    # RFC 8422 §5.1.1: no common curve (x448 only)
    "no_common_group": (hello_only(client_hello(groups=(0x001e,))),
                        t.HANDSHAKE_FAILURE),
    # a client whose best is TLS 1.1
    "tls11_only": (hello_only(client_hello(versions=[0x0302])),
                   t.PROTOCOL_VERSION),
    "ccs_before_key_exchange": (ccs_before_cke, t.UNEXPECTED_MESSAGE),
    # RFC 8422 §5.7: ecdh_Yc<1..255> must be the whole message
    "cke_trailing_byte": (bad_cke(body=vec(1, os.urandom(32)) + b"\x00"),
                          t.DECODE_ERROR),
    "cke_length_too_long": (bad_cke(body=b"\x40" + os.urandom(32)),
                            t.DECODE_ERROR),
    "cke_empty": (bad_cke(body=b""), t.DECODE_ERROR),
    # a well-formed vector holding a bad point
    "cke_short_point": (bad_cke(point=os.urandom(31)), t.ILLEGAL_PARAMETER),
    "cke_zero_point": (bad_cke(point=bytes(32)), t.ILLEGAL_PARAMETER),
    # a handshake message where the CCS is due
    "finished_without_ccs": (after_key_exchange(
        lambda c: c.send(record(22, hs(20, bytes(12))))),
        t.UNEXPECTED_MESSAGE),
    # RFC 5246 §7.1: the CCS is one byte of value 1
    "ccs_wrong_value": (after_key_exchange(lambda c: c.ccs(b"\x02")),
                        t.UNEXPECTED_MESSAGE),
    "ccs_two_bytes": (after_key_exchange(lambda c: c.ccs(b"\x01\x01")),
                      t.UNEXPECTED_MESSAGE),
    # RFC 5246 §7.4.9 / §7.2.2: a wrong verify_data is decrypt_error
    "finished_mismatch": (after_key_exchange(
        lambda c: (c.ccs(), c.finished(corrupt=True))), t.DECRYPT_ERROR),
    # RFC 5246 §6.2.3.3: a record that does not authenticate
    "finished_bad_record_mac": (after_key_exchange(
        lambda c: (c.ccs(), c.finished(tamper=True))), t.BAD_RECORD_MAC),
    "finished_too_long": (sealed_finished_of_length(13), t.DECODE_ERROR),
    # application data before the handshake is done
    "appdata_before_finished": (after_key_exchange(
        lambda c: (c.ccs(), c.send(c.seal(23, b"GET /")))),
        t.UNEXPECTED_MESSAGE),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_alert_and_close(daemon, name):
    action, want = CASES[name]
    n = len(daemon.lines)
    c = Client12(daemon.port)
    try:
        action(c)
        recs = c.read_until_close()
    finally:
        c.close()
    # Our CCS never went out, so the alert is plaintext; then the close.
    assert t.alert_in(recs) == (2, want), (name, recs)
    assert recs[-1][0] == 21
    daemon.wait_line("handshake failed", n)
    still_serving(daemon)


def test_fragmented_client_key_exchange(daemon):
    """RFC 5246 §6.2.1: a handshake message may span records."""
    c = Client12(daemon.port)
    try:
        c.hello()
        real_send = c.send

        def split_send(data):
            if data[0] == 22 and data[5] == 16:  # the CKE record
                body = data[5:]
                real_send(record(22, body[:10]) + record(22, body[10:]))
            else:
                real_send(data)
        c.send = split_send
        c.key_exchange()
        c.send = real_send
        c.ccs()
        c.finished()
        recs = c.read_server_finished()
        assert [r[0] for r in recs] == [20, 22], recs
    finally:
        c.close()
    still_serving(daemon)
