# SPDX-License-Identifier: MIT
"""Helpers of `make bench-proxy` (bench_proxy.py): a CA-signed
certificate for localhost, a TCP relay that counts the TLS records going
one way, small scripted backends (plain or TLS), and the nginx
configurations (TLS proxy with proxy_pass https://, and the TLS or plain
file server behind it).

Every thread is a daemon thread with socket timeouts; every process goes
through bench_tls_servers.Server (own session, killed on stop).
"""

import os
import socket
import ssl
import threading
import time

import bench_tls_servers as srv

TIMEOUT = 30


def make_ca_certs(d):
    """A CA and a localhost server certificate it signed (with SAN), so
    that a verifying client (tlscardd's backend side) accepts it.
    Returns (ca.crt path, server prefix)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    ca, leaf = os.path.join(d, "ca"), os.path.join(d, "server")
    steps = [
        ["openssl", "req", "-x509", *ec, "-nodes", "-keyout", ca + ".key",
         "-out", ca + ".crt", "-subj", "/CN=bench CA", "-days", "30"],
        ["openssl", "req", *ec, "-nodes", "-keyout", leaf + ".key",
         "-out", leaf + ".csr", "-subj", "/CN=localhost"],
    ]
    for cmd in steps:
        r = srv.sh(cmd)
        if r.returncode:
            raise RuntimeError("%s: %s" % (" ".join(cmd[:3]), r.stderr))
    with open(leaf + ".ext", "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "extendedKeyUsage=serverAuth\n")
    r = srv.sh(["openssl", "x509", "-req", "-in", leaf + ".csr", "-CA",
                ca + ".crt", "-CAkey", ca + ".key", "-CAcreateserial",
                "-out", leaf + ".crt", "-days", "30", "-extfile",
                leaf + ".ext"])
    if r.returncode:
        raise RuntimeError("openssl x509: %s" % r.stderr)
    return ca + ".crt", leaf


def _listener():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    s.settimeout(0.5)
    return s


class _Server:
    """A loopback listener on a free port whose accept loop runs in a
    thread: each connection goes to self._conn in its own thread.
    Subclasses set their own fields before calling __init__."""

    def __init__(self):
        self.sock = _listener()
        self.port = self.sock.getsockname()[1]
        self.stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._conn, args=(c,),
                             daemon=True).start()

    def close(self):
        self.stop = True
        self.sock.close()


class RecordRelay(_Server):
    """127.0.0.1:port -> target, counting the application-data records
    (content type 23) in the direction `count` ("up": toward target,
    "down": back).  reset() zeroes the count (after the handshakes)."""

    def __init__(self, target_port, count):
        self.target = target_port
        self.count = count
        self.records = 0
        self.lock = threading.Lock()
        super().__init__()

    def reset(self):
        with self.lock:
            self.records = 0

    def _serve(self):  # a relay pairs each connection with the target
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            b = socket.create_connection(("127.0.0.1", self.target),
                                         timeout=TIMEOUT)
            for s in (c, b):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.settimeout(TIMEOUT)
            threading.Thread(target=self._pipe, args=(c, b,
                             self.count == "up"), daemon=True).start()
            threading.Thread(target=self._pipe, args=(b, c,
                             self.count == "down"), daemon=True).start()

    def _pipe(self, src, dst, counting):
        pending = b""  # bytes of an incomplete record header walk
        skip = 0       # bytes of the current record body still to pass
        try:
            while True:
                data = src.recv(1 << 17)
                if not data:
                    break
                if counting:
                    buf = pending + data
                    pos = skip
                    n = 0
                    while pos + 5 <= len(buf):
                        if buf[pos] == 23:
                            n += 1
                        pos += 5 + int.from_bytes(buf[pos + 3:pos + 5],
                                                  "big")
                    if pos > len(buf):
                        skip, pending = pos - len(buf), b""
                    else:
                        skip, pending = 0, buf[pos:]
                    with self.lock:
                        self.records += n
                dst.sendall(data)
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class SinkBackend(_Server):
    """Per connection: answers "ping\\n" with "pong\\n", then reads until
    `expect` more bytes arrived and answers "done\\n".  tls: wrap with
    the given server context."""

    def __init__(self, expect, ctx=None):
        self.expect = expect
        self.ctx = ctx
        self.errors = []
        super().__init__()

    def _conn(self, c):
        try:
            c.settimeout(TIMEOUT)
            if self.ctx:
                c = self.ctx.wrap_socket(c, server_side=True)
            got = b""
            while b"\n" not in got:
                chunk = c.recv(4096)
                if not chunk:
                    return
                got += chunk
            c.sendall(b"pong\n")
            n = len(got) - got.index(b"\n") - 1
            while n < self.expect:
                chunk = c.recv(1 << 16)
                if not chunk:
                    break
                n += len(chunk)
            c.sendall(b"done\n")
            c.recv(16)
        except (OSError, ssl.SSLError) as e:
            self.errors.append(repr(e))
        finally:
            c.close()


class DripBackend(_Server):
    """Plain TCP.  Per connection: "ping\\n" -> "pong\\n", then "go\\n" ->
    `count` writes of `size` bytes (TCP_NODELAY), then waits for the
    client's word and closes."""

    def __init__(self, count, size):
        self.count, self.size = count, size
        super().__init__()

    def _conn(self, c):
        try:
            c.settimeout(TIMEOUT)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for word in (b"ping\n", b"go\n"):
                got = b""
                while not got.endswith(word):
                    chunk = c.recv(64)
                    if not chunk:
                        return
                    got += chunk
                if word == b"ping\n":
                    c.sendall(b"pong\n")
            piece = b"d" * self.size
            for _ in range(self.count):
                c.sendall(piece)
            c.recv(16)
        except OSError:
            pass
        finally:
            c.close()


class HttpPiecesBackend(_Server):
    """Plain TCP HTTP/1.1 keep-alive server: each request line
    "GET /N HTTP/1.1" is answered by a response of N body bytes written
    in `pieces` writes `gap_s` apart (a server that streams)."""

    def __init__(self, pieces=3, gap_s=0.001):
        self.pieces, self.gap = pieces, gap_s
        super().__init__()

    def _conn(self, c):
        try:
            c.settimeout(TIMEOUT)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            buf = b""
            while True:
                while b"\r\n\r\n" not in buf:
                    chunk = c.recv(4096)
                    if not chunk:
                        return
                    buf += chunk
                req, buf = buf.split(b"\r\n\r\n", 1)
                n = int(req.split(b" ")[1][1:])
                rsp = (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n
                       + b"r" * n)
                step = -(-len(rsp) // self.pieces)
                for i in range(0, len(rsp), step):
                    if i:
                        time.sleep(self.gap)
                    c.sendall(rsp[i:i + step])
        except (OSError, ValueError, IndexError):
            pass
        finally:
            c.close()


NGINX_FILES = """\
worker_processes 1;
daemon off;
pid @DIR@/nginx.pid;
error_log @DIR@/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:@PORT@ @SSL@;
    ssl_certificate @CERT@.crt;
    ssl_certificate_key @CERT@.key;
    ssl_protocols TLSv1.3;
    ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;
    root @DIR@/www;
  }
}
"""

# nginx as the TLS proxy, to a TLS (or plain) backend, keep-alive both
# ways, 16 KB TLS records toward the client (ssl_buffer_size); it verifies
# the TLS backend against the CA, as tlscardd does.
NGINX_PROXY = """\
worker_processes 1;
daemon off;
pid @DIR@/nginx.pid;
error_log @DIR@/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  proxy_temp_path @DIR@/proxy;
  proxy_buffering off;
  upstream be { server 127.0.0.1:@BPORT@; keepalive 16; }
  server {
    listen 127.0.0.1:@PORT@ ssl;
    ssl_certificate @CERT@.crt;
    ssl_certificate_key @CERT@.key;
    ssl_protocols TLSv1.3;
    ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;
    ssl_session_cache off; ssl_session_tickets off;
    ssl_buffer_size 16k;
    location / {
      proxy_pass @SCHEME@://be;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_ssl_session_reuse on;
      proxy_ssl_protocols TLSv1.2 TLSv1.3;
      proxy_ssl_verify @VERIFY@;
      proxy_ssl_trusted_certificate @CA@;
      proxy_ssl_name localhost;
    }
  }
}
"""


def nginx_files(workdir, cert, tls, size, cpu):
    """nginx serving /bulk (size bytes) over TLS 1.3 or plain HTTP."""
    port = srv.free_port()
    d = os.path.join(workdir, "nginx-files-%s" % ("tls" if tls else "tcp"))
    os.makedirs(os.path.join(d, "www"), exist_ok=True)
    with open(os.path.join(d, "www", "bulk"), "wb") as f:
        f.write(os.urandom(size))
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(srv._fill(NGINX_FILES, DIR=d, PORT=port, CERT=cert,
                          SSL="ssl" if tls else ""))
    return srv.Server("nginx-files", ["nginx", "-p", d, "-e",
                                      os.path.join(d, "nginx-error.log"),
                                      "-c", conf],
                      port, os.path.join(d, "stderr.log"), cpu=cpu)


def nginx_proxy(workdir, cert, backend_port, tls_backend, cpu, ca):
    port = srv.free_port()
    d = os.path.join(workdir, "nginx-proxy")
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(srv._fill(NGINX_PROXY, DIR=d, PORT=port, CERT=cert,
                          BPORT=backend_port, CA=ca,
                          VERIFY="on" if tls_backend else "off",
                          SCHEME="https" if tls_backend else "http"))
    return srv.Server("nginx-proxy", ["nginx", "-p", d, "-e",
                                      os.path.join(d, "nginx-error.log"),
                                      "-c", conf],
                      port, os.path.join(d, "stderr.log"), cpu=cpu)
