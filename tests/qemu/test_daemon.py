"""tlscardd in the guest on the guest's three cards (`--cards vfio:all`),
reached from the host through the forwarded port, as `make qemu-run` runs
it: scripts/guest/tc-daemon starts busybox httpd and tlscardd.

curl and openssl s_client on the host fetch pages and bodies of several
sizes (up to 1 MiB) and upload bodies to a CGI that hashes them; every body
is checked by SHA-256 against the guest's own hash of the bytes.  Then
`tlscardctl stats --json`, run in the guest, must show that each of the 3
cards submitted and completed jobs.

The module's daemon is stopped (and has released the cards) before the
next module's tests open them."""

import hashlib
import json
import os
import subprocess

import pytest

from conftest import DAEMON_PORT, NCARDS

# Body sizes: empty, one byte, around one TLS record (16384), and large.
SIZES = [0, 1, 16383, 16384, 16385, 100000, 1048576]
UPLOAD_SIZES = [1, 16385, 1048576]
CURL_TIMEOUT = 120


@pytest.fixture(scope="module")
def daemon(guest, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("qemu-daemon")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-days", "2",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60)
    guest.run("mkdir -p /root/tls /root/www").check()
    guest.put("/root/tls/cert.pem", cert.read_bytes())
    guest.put("/root/tls/key.pem", key.read_bytes(), mode=0o600)
    # The bodies are made in the guest (a 1 MiB upload through the command
    # channel would be slow) and hashed there.
    make = "; ".join(f"head -c {n} /dev/urandom > /root/www/f{n}.bin"
                     for n in SIZES)
    guest.run(make, timeout=60).check("make bodies")
    sums = guest.run("cd /root/www && sha256sum f*.bin").check().out
    hashes = {name: digest for digest, name in
              (line.split() for line in sums.splitlines())}
    started = guest.run(f"PORT={DAEMON_PORT} CARDS=vfio:all tc-daemon start",
                        timeout=90)
    if started.rc != 0:
        pytest.fail(f"tlscardd did not start in the guest:\n{started.out}"
                    f"\n{started.err}\n{guest.tail()}")
    page = guest.run("cat /root/www/index.html").check().out.encode()
    yield {"port": guest.fwds[DAEMON_PORT], "cert": str(cert),
           "hashes": hashes, "page": page, "tmp": tmp}
    stopped = guest.run("tc-daemon stop; pidof tlscardd || echo gone",
                        timeout=60)
    assert "gone" in stopped.out, f"tlscardd still runs:\n{stopped}"


def curl(d, path, *extra):
    """curl https://localhost:PORT/path from the host, verifying the
    certificate; returns (status, body)."""
    out = subprocess.run(
        ["curl", "-sS", "--max-time", str(CURL_TIMEOUT),
         "--cacert", d["cert"],
         "--resolve", f"localhost:{d['port']}:127.0.0.1",
         "-o", "-", "-w", "\n%{http_code}",
         f"https://localhost:{d['port']}{path}", *extra],
        capture_output=True, timeout=CURL_TIMEOUT + 30)
    assert out.returncode == 0, f"curl {path}: {out.stderr.decode()}"
    body, _, status = out.stdout.rpartition(b"\n")
    return int(status), body


def test_curl_page(daemon):
    status, body = curl(daemon, "/")
    assert status == 200
    assert body == daemon["page"]


@pytest.mark.parametrize("size", SIZES)
def test_curl_body_hash(daemon, size):
    status, body = curl(daemon, f"/f{size}.bin")
    assert status == 200
    assert len(body) == size
    assert hashlib.sha256(body).hexdigest() == daemon["hashes"][f"f{size}.bin"]


@pytest.mark.parametrize("size", UPLOAD_SIZES)
def test_curl_upload_hash(daemon, size):
    """Client to backend: the CGI answers with the hash of what it got."""
    data = os.urandom(size)
    path = daemon["tmp"] / f"up{size}.bin"
    path.write_bytes(data)
    status, body = curl(daemon, "/cgi-bin/sha256",
                        "-H", "Content-Type: application/octet-stream",
                        "--data-binary", f"@{path}")
    assert status == 200
    assert body.strip().decode() == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("version", ["-tls1_3", "-tls1_2"])
def test_openssl_s_client(daemon, version):
    size = 100000
    req = b"GET /f%d.bin HTTP/1.0\r\nHost: localhost\r\n\r\n" % size
    out = subprocess.run(
        ["openssl", "s_client", version, "-brief", "-ign_eof",
         "-connect", f"127.0.0.1:{daemon['port']}",
         "-servername", "localhost", "-CAfile", daemon["cert"],
         "-verify_return_error"],
        input=req, capture_output=True, timeout=CURL_TIMEOUT)
    err = out.stderr.decode(errors="replace")
    assert out.returncode == 0, err
    want = "TLSv1.3" if version == "-tls1_3" else "TLSv1.2"
    assert f"Protocol version: {want}" in err, err
    assert "Verification: OK" in err, err
    head, sep, body = out.stdout.partition(b"\r\n\r\n")
    assert sep, out.stdout[:300]
    assert head.split(b"\r\n")[0].split()[1] == b"200", head
    assert hashlib.sha256(body).hexdigest() == daemon["hashes"][f"f{size}.bin"]


def test_all_cards_did_work(guest, daemon):
    """Runs after the traffic above (pytest keeps the file's order)."""
    res = guest.run("tlscardctl stats --json", timeout=30).check("stats")
    st = json.loads(res.out)
    cards = st["cards"]
    assert len(cards) == NCARDS, cards
    for c in cards:
        assert c["backend"] == "vfio", c
        assert c["state"] == "up", c
        assert c["submitted"] > 0 and c["completed"] > 0, c
        assert c["errors"] == 0, c
        assert c["submitted"] == c["completed"] + c["inflight"], c
    assert st["jobs"]["card"] > 0, st["jobs"]
    assert st["failures"]["total"] == 0, st["failures"]
    # 1 page + the bodies + the uploads + 2 s_client sessions.
    assert st["handshakes"]["total"] >= 1 + len(SIZES) + len(UPLOAD_SIZES) + 2
