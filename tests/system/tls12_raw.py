# SPDX-License-Identifier: MIT
"""A scripted TLS 1.2 client for tlscardd's 1.2 server tests.

Real clients cannot send a bad ClientKeyExchange, a CCS out of order or
a wrong Finished, so this one builds every message itself: X25519,
ECDHE-ECDSA-AES128-GCM-SHA256, the extended master secret (RFC 7627),
and hooks to break any step.  Bounded: every read has a timeout.
"""
import hashlib
import hmac
import os
import socket
import struct

from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives import serialization

SUITE = 0xc02b  # ECDHE-ECDSA-AES128-GCM-SHA256
DOWNGRADE_12 = b"DOWNGRD\x01"  # RFC 8446 §4.1.3

# AlertDescription values
UNEXPECTED_MESSAGE = 10
BAD_RECORD_MAC = 20
HANDSHAKE_FAILURE = 40
ILLEGAL_PARAMETER = 47
DECODE_ERROR = 50
DECRYPT_ERROR = 51
PROTOCOL_VERSION = 70
INAPPROPRIATE_FALLBACK = 86
NO_RENEGOTIATION = 100


def vec(n, body):
    return len(body).to_bytes(n, "big") + body


def ext(etype, body):
    return struct.pack(">HH", etype, len(body)) + body


def hs(mtype, body):
    return bytes([mtype]) + vec(3, body)


def record(ctype, payload):
    return bytes([ctype]) + b"\x03\x03" + vec(2, payload)


def client_hello(suites=(SUITE,), ems=True, versions=None,
                 groups=(0x001d, 0x0017), reneg=b"\x00", extra=()):
    """A TLS 1.2 ClientHello (versions: supported_versions list)."""
    exts = [ext(10, vec(2, b"".join(g.to_bytes(2, "big") for g in groups))),
            ext(11, b"\x01\x00"),                     # ec_point_formats
            ext(13, vec(2, b"\x04\x03\x08\x04\x04\x01"))]
    if ems:
        exts.append(ext(23, b""))
    if reneg is not None:
        exts.append(ext(0xff01, reneg))
    if versions:
        exts.append(ext(43, vec(1, b"".join(v.to_bytes(2, "big")
                                            for v in versions))))
    exts += list(extra)
    body = b"\x03\x03" + os.urandom(32) + b"\x00" + \
        vec(2, b"".join(s.to_bytes(2, "big") for s in suites)) + \
        b"\x01\x00" + vec(2, b"".join(exts))
    return hs(1, body)


def p_sha256(secret, label, seed, n):
    seed = label + seed
    out, a = b"", seed
    while len(out) < n:
        a = hmac.new(secret, a, hashlib.sha256).digest()
        out += hmac.new(secret, a + seed, hashlib.sha256).digest()
    return out[:n]


def split_records(data):
    """[(type, payload)] of the complete records in data."""
    out = []
    while len(data) >= 5:
        n = int.from_bytes(data[3:5], "big")
        if len(data) < 5 + n:
            break
        out.append((data[0], data[5:5 + n]))
        data = data[5 + n:]
    return out


def alert_in(records):
    """(level, description) of the first alert record, or None."""
    for t, p in records:
        if t == 21 and len(p) == 2:
            return p[0], p[1]
    return None


class Client12:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), 5)
        self.sock.settimeout(5)
        self.transcript = b""
        self.buf = b""
        self.wseq = 0

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def send_hs(self, msg, record_it=True):
        """Send a plaintext handshake message, adding it to the transcript."""
        self.transcript += msg
        self.send(record(22, msg) if record_it else msg)

    def read_until_close(self):
        """Every record the server sends until it closes (or times out)."""
        data = self.buf
        while True:
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            data += chunk
        return split_records(data)

    def _read_handshake(self, until_type):
        """Plaintext handshake messages up to and including until_type."""
        msgs, pending = [], b""
        for _ in range(64):
            recs = split_records(self.buf)
            used = sum(5 + len(p) for _, p in recs)
            self.buf = self.buf[used:]
            for t, p in recs:
                if t == 21:
                    raise ConnectionError("alert %r" % (p,))
                assert t == 22, t
                pending += p
                while len(pending) >= 4:
                    n = int.from_bytes(pending[1:4], "big")
                    if len(pending) < 4 + n:
                        break
                    msgs.append(pending[:4 + n])
                    pending = pending[4 + n:]
            if msgs and msgs[-1][0] == until_type:
                return msgs
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        raise AssertionError("no message %d" % until_type)

    def hello(self, msg=None):
        """Send a ClientHello, read ServerHello..ServerHelloDone."""
        msg = msg or client_hello()
        self.client_random = msg[6:38]
        self.send_hs(msg)
        msgs = self._read_handshake(14)
        for m in msgs:
            self.transcript += m
        sh = msgs[0]
        assert sh[0] == 2
        self.server_hello = sh
        self.server_random = sh[6:38]
        sid_len = sh[38]
        self.suite = int.from_bytes(sh[39 + sid_len:41 + sid_len], "big")
        ske = [m for m in msgs if m[0] == 12][0]
        assert ske[4] == 3  # named_curve
        self.group = int.from_bytes(ske[5:7], "big")
        self.server_pub = ske[8:8 + ske[7]]
        return msgs

    def key_exchange(self, point=None, body=None):
        """Send ClientKeyExchange; derive keys with EMS (RFC 7627 §4)."""
        assert self.group == 0x001d
        priv = X25519PrivateKey.generate()
        pub = priv.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if body is None:
            body = vec(1, point if point is not None else pub)
        self.send_hs(hs(16, body))
        pms = priv.exchange(X25519PublicKey.from_public_bytes(
            self.server_pub))
        session_hash = hashlib.sha256(self.transcript).digest()
        self.master = p_sha256(pms, b"extended master secret",
                               session_hash, 48)
        kb = p_sha256(self.master, b"key expansion",
                      self.server_random + self.client_random, 40)
        self.c_key, self.s_key = kb[:16], kb[16:32]
        self.c_salt, self.s_salt = kb[32:36], kb[36:40]

    def ccs(self, payload=b"\x01"):
        self.send(record(20, payload))

    def seal(self, ctype, plaintext, tamper=False):
        """An AES-128-GCM record (RFC 5288): explicit nonce = seq."""
        explicit = self.wseq.to_bytes(8, "big")
        aad = explicit + bytes([ctype]) + b"\x03\x03" + \
            len(plaintext).to_bytes(2, "big")
        ct = AESGCM(self.c_key).encrypt(self.c_salt + explicit, plaintext,
                                        aad)
        if tamper:
            ct = ct[:-1] + bytes([ct[-1] ^ 1])
        self.wseq += 1
        return record(ctype, explicit + ct)

    def finished(self, corrupt=False, tamper=False):
        vd = p_sha256(self.master, b"client finished",
                      hashlib.sha256(self.transcript).digest(), 12)
        if corrupt:
            vd = bytes([vd[0] ^ 1]) + vd[1:]
        msg = hs(20, vd)
        self.transcript += msg
        self.send(self.seal(22, msg, tamper))

    def handshake(self):
        """A complete, correct handshake; returns the server's records."""
        self.hello()
        self.key_exchange()
        self.ccs()
        self.finished()
        return self.read_server_finished()

    def read_server_finished(self):
        """Records up to the server's CCS and the Finished after it."""
        data = self.buf
        for _ in range(64):
            types = [t for t, _ in split_records(data)]
            if 20 in types and types.index(20) + 1 < len(types):
                break  # our CCS and the Finished after it
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            data += chunk
        self.buf = b""
        return split_records(data)
