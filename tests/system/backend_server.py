#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A small HTTP/1.1 keep-alive backend for tlscardd's backend tests.

Run as its own process so a test can kill it (SIGKILL) like a crashing
server.  GET /size/N answers N bytes of body(N) with an X-Backend header
naming this server; the connection stays open for more requests unless
the request says "Connection: close".  With --tls CERT KEY it speaks TLS
(Python's ssl, OpenSSL; --tls12 caps it at TLS 1.2).  stdout carries one line per event, flushed:
"port P" once listening, "req CONN" per request (CONN numbers the TCP
connections this process accepted), so tests can count connections that
carried requests.
"""
import argparse
import hashlib
import socket
import ssl
import sys
import threading

_lock = threading.Lock()


def body(n):
    """The deterministic body of /size/N (tests check it by hash)."""
    seed = hashlib.sha256(b"%d" % n).hexdigest().encode()
    return (seed * (n // len(seed) + 1))[:n]


def say(line):
    with _lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def serve_conn(conn, cid, name, ctx):
    try:
        conn.settimeout(60)
        if ctx:
            conn = ctx.wrap_socket(conn, server_side=True)
        buf = b""
        while True:
            while b"\r\n\r\n" not in buf:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            head, buf = buf.split(b"\r\n\r\n", 1)
            line = head.split(b"\r\n", 1)[0].split()
            close = b"connection: close" in head.lower()
            n = 0
            if len(line) >= 2 and line[1].startswith(b"/size/"):
                n = int(line[1][6:])
            say("req %d" % cid)
            out = (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
                   b"X-Backend: %s\r\n%s\r\n" %
                   (n, name.encode(),
                    b"Connection: close\r\n" if close else b""))
            conn.sendall(out + body(n))
            if close:
                return
    except (OSError, ValueError):
        pass
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--name", default="b")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--tls12", action="store_true",
                    help="with --tls: TLS 1.2 only")
    a = ap.parse_args()
    ctx = None
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        if a.tls12:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", a.port))
    s.listen(128)
    say("port %d" % s.getsockname()[1])
    cid = 0
    while True:
        conn, _ = s.accept()
        cid += 1
        threading.Thread(target=serve_conn, args=(conn, cid, a.name, ctx),
                         daemon=True).start()


if __name__ == "__main__":
    main()
