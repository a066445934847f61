# SPDX-License-Identifier: MIT
"""tlscardd -c FILE: bad files fail with FILE:LINE and exit 2, good ones
serve; flags override the file; SIGHUP reloads certificates under load
without a failed request; SIGTERM drains an in-flight request; a reload
that fails keeps the old configuration.  (docs/configuration.md)"""
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time

import pytest

from tls_fixtures import *  # noqa: F401,F403

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                       "etc", "tlscardd.conf")


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def check(args, timeout=30):
    return subprocess.run([TLSCARDD, *args], capture_output=True,
                          text=True, timeout=timeout)


def good_config(tls_certs, backend_port, extra=""):
    return ("[daemon]\ncontrol = none\n\n"
            "[listener]\naddress = 127.0.0.1:1\n\n"
            "[cert ec]\ncert = %s\nkey = %s\n\n"
            "[backend app]\naddress = 127.0.0.1:%d\n%s" %
            (tls_certs["ec.crt"], tls_certs["ec.key"], backend_port, extra))


# (file text, the line the error names, what the message says)
BAD = [
    ("[listener]\naddress = 127.0.0.1:8443\n[bogus]\nx = 1\n", 3,
     "unknown section [bogus]"),
    ("[listener]\naddress = 127.0.0.1:8443\nadress = x\n", 3,
     "unknown key 'adress' in [listener]"),
    ("[listener]\naddress = 127.0.0.1:1\naddress = 127.0.0.1:2\n", 3,
     "duplicate key 'address' in [listener]"),
    ("[backend a]\naddress = 127.0.0.1:1\n\n[backend a]\n"
     "address = 127.0.0.1:2\n", 4, "duplicate section [backend a]"),
    ("# c\n[listener]\naddress = 127.0.0.1\n", 3,
     "address = 127.0.0.1: expected HOST:PORT"),
    ("[daemon]\nworkers = 0\n", 2, "workers = 0: expected an integer in "
     "1..64"),
    ("[daemon]\nverbose = maybe\n", 2, "verbose = maybe: expected yes or "
     "no"),
    ("[listener]\naddress = 127.0.0.1:1\n\n[cert only]\ncert = /x.pem\n",
     4, "[cert only]: needs cert = and key ="),
    ("[backend b]\ntls = yes\naddress = 127.0.0.1:1\n", 1,
     "[backend b]: tls = yes needs ca ="),
    ("[backend]\naddress = 127.0.0.1:1\n", 1,
     "[backend NAME]: NAME must be"),
    ("[cards]\nmode = sim:99\n", 2, "mode = sim:99: sim:N needs N in "
     "1..16"),
    ("[cards]\nmode = pci:1\n", 2, "mode = pci:1: expected none, sim:N, "
     "vfio:all or vfio:BDF"),
    ("[cards]\nmode = sim:2\nsim_spec = warp=9\n", 3,
     "sim_spec = warp=9: unknown sim option 'warp'"),
    ("[coalesce]\ntimer_ms = soon\n", 2, "timer_ms = soon: expected an "
     "integer"),
    ("[tickets]\nrotate_s = 5\n", 2, "rotate_s = 5: expected an integer "
     "in 60..86400"),
    ("workers = 2\n", 1, "workers: key outside a section"),
    ("[daemon]\nthis line has no equals sign\n", 2, "syntax error"),
]


@pytest.mark.parametrize("text,line,message", BAD)
def test_bad_config_names_file_and_line(tmp_path, text, line, message):
    path = write(tmp_path, "bad.conf", text)
    r = check(["-c", path])
    assert r.returncode == 2, r
    first = r.stderr.splitlines()[0]
    assert first.startswith("tlscardd: %s:%d: " % (path, line)), r.stderr
    assert message in first, r.stderr


def test_missing_file(tmp_path):
    path = str(tmp_path / "nope.conf")
    r = check(["-c", path])
    assert r.returncode == 2
    assert r.stderr.startswith("tlscardd: %s:0: cannot open: No such "
                               "file" % path), r.stderr


def test_missing_required_item_names_the_file(tmp_path, tls_certs):
    path = write(tmp_path, "nobackend.conf",
                 "[listener]\naddress = 127.0.0.1:1\n\n"
                 "[cert ec]\ncert = %s\nkey = %s\n" %
                 (tls_certs["ec.crt"], tls_certs["ec.key"]))
    r = check(["-c", path])
    assert r.returncode == 2
    assert r.stderr.startswith("tlscardd: %s:6: no backend" % path), \
        r.stderr


def test_unloadable_certificate_names_its_section(tmp_path, tls_certs):
    path = write(tmp_path, "badcert.conf",
                 "[listener]\naddress = 127.0.0.1:1\n\n[cert ec]\n"
                 "cert = %s\nkey = %s\n\n[backend b]\naddress = "
                 "127.0.0.1:1\n" % (tls_certs["ec.crt"],
                                     tls_certs["rsa.key"]))
    r = check(["-c", path, "--check-config"])
    assert r.returncode == 2
    assert r.stderr.startswith("tlscardd: %s:4: " % path), r.stderr
    assert "does not match the key" in r.stderr


def test_check_config_accepts_a_good_file(tmp_path, tls_certs):
    path = write(tmp_path, "good.conf", good_config(tls_certs, 1))
    r = check(["-c", path, "--check-config"])
    assert r.returncode == 0, r.stderr
    assert "configuration OK" in r.stderr


def https_get(port, path="/", timeout=20, server_hostname="localhost"):
    """One TLS connection, one GET; the response bytes."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) \
            as raw:
        with ctx.wrap_socket(raw, server_hostname=server_hostname) as s:
            s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" %
                      path.encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            return data


def served_fingerprint(port):
    r = run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}",
             "-servername", "localhost"], inp=b"", timeout=20)
    pem = r.stdout.decode(errors="replace")
    x = run(["openssl", "x509", "-noout", "-fingerprint", "-sha256"],
            inp=pem.encode(), timeout=20)
    return x.stdout.decode().strip()


def fingerprint(cert):
    x = run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in",
             cert], timeout=20)
    return x.stdout.decode().strip()


def test_good_config_serves(tmp_path, tls_certs, tls_backend):
    path = write(tmp_path, "good.conf",
                 good_config(tls_certs, tls_backend.port,
                             "\n[cards]\nmode = sim:2\n\n[tickets]\n"
                             "rotate_s = 600\n"))
    d = Daemon(["-c", path])
    try:
        assert https_get(d.port).endswith(HTTP_BODY)
        assert d.handshakes()
    finally:
        d.close()


def test_example_config_with_flags_overriding(tls_certs, tls_backend):
    """etc/tlscardd.conf as shipped, with the certificate, backend,
    listener, control and metrics replaced by flags (a list flag replaces
    the file's list)."""
    d = Daemon(["-c", EXAMPLE, "--cert", tls_certs["ec.crt"], "--key",
                tls_certs["ec.key"], "--backend",
                f"127.0.0.1:{tls_backend.port}", "--control", "none",
                "--metrics", f"127.0.0.1:{free_port()}"])
    try:
        assert any("2 card(s)" in l for l in d.lines), d.lines
        assert https_get(d.port).endswith(HTTP_BODY)
        assert served_fingerprint(d.port) == fingerprint(tls_certs["ec.crt"])
    finally:
        d.close()


def make_cert(directory, name):
    crt, key = str(directory / (name + ".crt")), str(directory / (name +
                                                                 ".key"))
    r = run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out",
             crt, "-subj", "/CN=localhost", "-days", "3", "-addext",
             "subjectAltName=DNS:localhost"], timeout=30)
    assert r.returncode == 0, r.stderr
    return crt, key


@pytest.mark.parametrize("cards", ["none", "sim:2"])
def test_sighup_under_load_serves_the_new_certificate(tmp_path, tls_backend,
                                                      cards):
    old_crt, old_key = make_cert(tmp_path, "old")
    new_crt, new_key = make_cert(tmp_path, "new")
    live_crt, live_key = str(tmp_path / "live.crt"), str(tmp_path /
                                                         "live.key")
    shutil.copy(old_crt, live_crt)
    shutil.copy(old_key, live_key)
    path = write(tmp_path, "live.conf",
                 "[listener]\naddress = 127.0.0.1:1\n\n[cert live]\n"
                 "cert = %s\nkey = %s\n\n[backend app]\naddress = "
                 "127.0.0.1:%d\n\n[cards]\nmode = %s\n" %
                 (live_crt, live_key, tls_backend.port, cards))
    ctl = str(tmp_path / "ctl.sock")
    extra = ["--offload-always"] if cards != "none" else []
    d = Daemon(["-c", path, "--control", ctl, *extra])
    clients, per_client = 20, 15
    failures, done = [], []
    try:
        assert served_fingerprint(d.port) == fingerprint(old_crt)

        def client():
            for _ in range(per_client):
                try:
                    reply = https_get(d.port)
                    if not reply.endswith(HTTP_BODY):
                        failures.append(reply[:80])
                    else:
                        done.append(1)
                except (OSError, ssl.SSLError) as e:
                    failures.append(repr(e))

        threads = [threading.Thread(target=client) for _ in range(clients)]
        for t in threads:
            t.start()
        # Reload a few times while the clients run, ending on the new
        # certificate.
        for i in range(4):
            time.sleep(0.3)
            src = (new_crt, new_key) if i % 2 == 0 else (old_crt, old_key)
            shutil.copy(src[0], live_crt + ".tmp")
            shutil.copy(src[1], live_key + ".tmp")
            os.rename(live_key + ".tmp", live_key)
            os.rename(live_crt + ".tmp", live_crt)
            d.proc.send_signal(signal.SIGHUP)
            d.wait_line("reloaded: configuration %d" % (i + 2), timeout=30)
        shutil.copy(new_crt, live_crt)
        shutil.copy(new_key, live_key)
        d.proc.send_signal(signal.SIGHUP)
        d.wait_line("reloaded: configuration 6", timeout=30)
        for t in threads:
            t.join(300)
        assert not any(t.is_alive() for t in threads)
        assert failures == []
        assert len(done) == clients * per_client
        assert served_fingerprint(d.port) == fingerprint(new_crt)
        assert d.alive()
        if cards != "none":
            # The reloaded key signs on the cards: it is in a key slot.
            before = sign_jobs(ctl)
            for _ in range(3):
                assert https_get(d.port).endswith(HTTP_BODY)
            after = sign_jobs(ctl)
            assert after["card"] >= before["card"] + 3, (before, after)
            assert after["cpu"] == before["cpu"], (before, after)
    finally:
        d.close()


def sign_jobs(ctl):
    r = run([os.path.join(os.path.dirname(TLSCARDD), "tlscardctl"), "stats",
             "--json", "--control", ctl], timeout=30)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["jobs"]["by_op"]["sign"]


def test_failed_reload_keeps_the_old_configuration(tmp_path, tls_certs,
                                                   tls_backend):
    path = write(tmp_path, "c.conf", good_config(tls_certs,
                                                 tls_backend.port))
    d = Daemon(["-c", path])
    try:
        with open(path, "a") as f:
            f.write("\n[oops]\n")
        start = len(d.lines)
        d.proc.send_signal(signal.SIGHUP)
        d.wait_line(r"unknown section \[oops\]", start, timeout=30)
        d.wait_line("reload failed: keeping configuration 1", start,
                    timeout=30)
        assert https_get(d.port).endswith(HTTP_BODY)
        assert served_fingerprint(d.port) == fingerprint(tls_certs["ec.crt"])
    finally:
        d.close()


class SlowBackend:
    """Answers a GET after a pause, so a request is in flight."""

    def __init__(self, delay):
        self.delay = delay
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.seen = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.conn, args=(c,), daemon=True).start()

    def conn(self, c):
        with c:
            data = b""
            c.settimeout(30)
            try:
                while b"\r\n\r\n" not in data:
                    chunk = c.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                self.seen.set()
                time.sleep(self.delay)
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                          b"Connection: close\r\n\r\nslow\n")
            except OSError:
                pass


def test_sigterm_drains_an_in_flight_request(tmp_path, tls_certs):
    backend = SlowBackend(2.0)
    path = write(tmp_path, "c.conf", good_config(tls_certs, backend.port))
    d = Daemon(["-c", path, "--drain-timeout-ms", "20000"])
    result = {}
    try:
        def slow():
            result["reply"] = https_get(d.port, "/slow", timeout=30)

        t = threading.Thread(target=slow)
        t.start()
        assert backend.seen.wait(20)
        d.proc.send_signal(signal.SIGTERM)
        d.wait_line("draining: 1 connection", timeout=10)
        # No new connections while draining.
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", d.port), timeout=5)
        t.join(30)
        assert result["reply"].endswith(b"slow\n")
        assert d.proc.wait(30) == 0
        d.wait_line("drained: every connection finished")
    finally:
        d.close()
        backend.sock.close()


def test_drain_timeout_closes_what_is_left(tmp_path, tls_certs):
    backend = SlowBackend(30.0)
    path = write(tmp_path, "c.conf",
                 good_config(tls_certs, backend.port).replace(
                     "[daemon]\n", "[daemon]\ndrain_timeout_ms = 300\n"))
    d = Daemon(["-c", path])
    try:
        t = threading.Thread(target=lambda: https_get(d.port, "/slow",
                                                      timeout=30))
        t.daemon = True
        t.start()
        assert backend.seen.wait(20)
        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(30) == 0
        d.wait_line("drain timeout: closing 1 connection")
    finally:
        d.close()
        backend.sock.close()


def doc_keys():
    """(section header, key) for every row of docs/configuration.md's key
    tables."""
    doc = os.path.join(os.path.dirname(EXAMPLE), "..", "docs",
                       "configuration.md")
    keys, section = [], None
    for line in open(doc):
        m = re.match(r"^### `\[(\w+)( NAME)?\]`", line)
        if m:
            section = m.group(1) + (" x" if m.group(2) else "")
            continue
        m = re.match(r"^\| `([a-z_.I]+)` \|", line)
        if m and section:
            keys.append((section, m.group(1).replace(".I", ".0")))
    return keys


def parser_keys():
    src = os.path.join(os.path.dirname(EXAMPLE), "..", "daemon",
                       "tlsd_config.c")
    names = {"DAEMON": "daemon", "LISTENER": "listener", "CERT": "cert x",
             "BACKEND": "backend x", "CARDS": "cards",
             "COALESCE": "coalesce", "TICKETS": "tickets",
             "POOL": "backends"}
    found = re.findall(r'\{SEC_(\w+), "([a-z_.]+)", (true|false)\}',
                       open(src).read())
    return {(names[s], k + ("0" if prefix == "true" else ""))
            for s, k, prefix in found}


def test_every_documented_key_is_parsed_and_every_parsed_key_documented(
        tmp_path):
    documented = doc_keys()
    assert len(documented) >= 25
    assert set(documented) == parser_keys()
    for section, key in documented:
        path = write(tmp_path, "k.conf", "[%s]\n%s = @\n" % (section, key))
        r = check(["-c", path])
        assert r.returncode == 2
        assert "unknown" not in r.stderr, (section, key, r.stderr)


def test_sighup_moves_new_connections_to_the_new_backends(tmp_path,
                                                          tls_certs,
                                                          tls_backend):
    """A request in flight on the old backend pool finishes there; new
    connections go to the backends the reloaded file names."""
    slow = SlowBackend(2.0)
    path = write(tmp_path, "c.conf", good_config(tls_certs, slow.port))
    d = Daemon(["-c", path])
    result = {}
    try:
        t = threading.Thread(target=lambda: result.update(
            reply=https_get(d.port, "/slow", timeout=30)))
        t.start()
        assert slow.seen.wait(20)
        with open(path, "w") as f:
            f.write(good_config(tls_certs, tls_backend.port))
        d.proc.send_signal(signal.SIGHUP)
        d.wait_line("reloaded: configuration 2", timeout=20)
        assert https_get(d.port).endswith(HTTP_BODY)
        t.join(30)
        assert result["reply"].endswith(b"slow\n")
        # The old pool goes once its last connection has closed.
        for _ in range(3):
            assert https_get(d.port).endswith(HTTP_BODY)
        assert d.alive()
    finally:
        d.close()
        slow.sock.close()


def test_example_config_shows_every_key():
    """etc/tlscardd.conf is the example docs/configuration.md points to:
    every documented key appears in it, set or commented out."""
    text = open(EXAMPLE).read()
    missing = [(s, k) for s, k in doc_keys()
               if not re.search(r"^[; ]*%s\s*=" % re.escape(
                   k.replace(".0", ".1")), text, re.M)]
    assert not missing, missing
