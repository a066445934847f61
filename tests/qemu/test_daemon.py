"""tlscardd in the guest, reached from the host through the forwarded
port: a TLS client on the host gets the guest backend's page through it.

The daemon does its crypto on the CPU so far (`--cards none` is its only
mode); when it drives cards, this test gains `--cards vfio:all`."""

import os
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

from conftest import DAEMON_PORT

BACKEND_PORT = 8080
PAGE = b"tlscard guest backend\n"


@pytest.fixture(scope="module")
def daemon(guest):
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost",
             "-days", "2", "-keyout", key, "-out", cert],
            check=True, capture_output=True, timeout=60)
        guest.put("/root/cert.pem", open(cert, "rb").read())
        guest.put("/root/key.pem", open(key, "rb").read(), mode=0o600)
    guest.run("mkdir -p /root/www").check()
    guest.put("/root/www/index.html", PAGE)
    guest.run(f"httpd -p 127.0.0.1:{BACKEND_PORT} -h /root/www").check("httpd")
    guest.run(
        f"tlscardd --listen 0.0.0.0:{DAEMON_PORT} --cert /root/cert.pem "
        f"--key /root/key.pem --backend 127.0.0.1:{BACKEND_PORT} --cards none "
        f"--tls13-only >/tmp/tlscardd.log 2>&1 &").check("start tlscardd")
    # Wait (bounded) until it listens.
    for _ in range(50):
        if guest.run(f"netstat -ltn | grep -q ':{DAEMON_PORT} '").rc == 0:
            break
        time.sleep(0.2)
    else:
        pytest.fail("tlscardd not listening:\n" +
                    guest.run("cat /tmp/tlscardd.log").out)
    yield guest.fwds[DAEMON_PORT]
    guest.run("kill $(pidof tlscardd) $(pidof httpd)")


def fetch(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
            data = b""
            while len(data) < 65536:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            return s.version(), data


def test_host_client_through_guest_daemon(guest, daemon):
    version, data = fetch(daemon)
    assert version == "TLSv1.3"
    assert data.startswith(b"HTTP/1.") and b" 200 " in data.split(b"\r\n")[0], data[:200]
    assert data.endswith(PAGE), data[-200:]


def test_several_connections(guest, daemon):
    for _ in range(5):
        _, data = fetch(daemon)
        assert data.endswith(PAGE)
