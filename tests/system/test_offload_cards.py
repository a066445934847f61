# SPDX-License-Identifier: MIT
"""tlscardd with sim cards: --cards sim:N, the card offload backend, the
spread over cards, faults under concurrent clients and unequal cards.

Per-card and offload counts come from the daemon's --stats-on-exit lines
("card I: ... submitted=..." and "offload OP: card=.. cpu=..").  Every
response body is checked by its SHA-256; every loop is bounded.
"""
import concurrent.futures
import hashlib
import re
import socket
import ssl
import subprocess
import threading
import time

import pytest

from tls_fixtures import *  # noqa: F401,F403
from tls_fixtures import Daemon, TLSCARDD, free_port, run


def body_for(n):
    """Deterministic body of n bytes (the backend and clients agree)."""
    seed = hashlib.sha256(str(n).encode()).digest()
    return (seed * (n // len(seed) + 1))[:n]


class SizedBackend:
    """HTTP backend: GET /N answers with body_for(N), then closes."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(256)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._conn, args=(c,),
                             daemon=True).start()

    @staticmethod
    def _conn(c):
        try:
            c.settimeout(20)
            req = b""
            while b"\r\n\r\n" not in req and len(req) < 8192:
                d = c.recv(4096)
                if not d:
                    return
                req += d
            m = re.match(rb"GET /(\d+) ", req)
            n = int(m.group(1)) if m else 16
            body = body_for(n)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
                      b"Connection: close\r\n\r\n" % n + body)
        except OSError:
            pass
        finally:
            c.close()

    def close(self):
        self.sock.close()


@pytest.fixture
def sized_backend():
    b = SizedBackend()
    yield b
    b.close()


@pytest.fixture
def card_daemon(tls_certs, sized_backend):
    started = []

    def start(*extra):
        d = Daemon(["--cert", tls_certs["ec.crt"], "--key",
                    tls_certs["ec.key"], "--cert", tls_certs["rsa.crt"],
                    "--key", tls_certs["rsa.key"], "--backend",
                    f"127.0.0.1:{sized_backend.port}", *extra])
        started.append(d)
        return d
    yield start
    for d in started:
        d.close()


def fetch(port, n, version=None, sni="localhost", timeout=30):
    """One HTTPS request through Python's ssl; returns the body."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if version:
        ctx.minimum_version = ctx.maximum_version = version
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        with ctx.wrap_socket(s, server_hostname=sni) as t:
            t.sendall(b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % n)
            data = b""
            deadline = time.time() + timeout
            while time.time() < deadline:
                try:
                    d = t.recv(65536)
                except ssl.SSLZeroReturnError:
                    break
                if not d:
                    break
                data += d
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head[:80]
    return body


def check(port, n, **kw):
    body = fetch(port, n, **kw)
    assert hashlib.sha256(body).hexdigest() == \
        hashlib.sha256(body_for(n)).hexdigest(), (len(body), n)
    return True


def stop_and_stats(d):
    """Stop the daemon; per-card dicts and the offload split."""
    d.close()
    cards, split = {}, {}
    for line in d.lines:
        m = re.search(r"card (\d+): name=\S+ state=(\d+) (.*)", line)
        if m:
            cards[int(m.group(1))] = {
                k: int(v) for k, v in re.findall(r"(\w+)=(\d+)",
                                                 m.group(3))}
            cards[int(m.group(1))]["state"] = int(m.group(2))
        m = re.search(r"offload (\w+): card=(\d+) cpu=(\d+)", line)
        if m:
            split[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return cards, split


def run_clients(port, jobs, workers, deadline_s):
    """jobs: list of (size, version); returns the number that failed."""
    failed = []
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        futs = [ex.submit(check, port, n, version=v) for n, v in jobs]
        for f in futs:
            left = max(1.0, deadline_s - (time.time() - t0))
            try:
                f.result(timeout=left)
            except Exception as e:  # noqa: BLE001 - every failure counts
                failed.append(repr(e))
    return failed


V13, V12 = ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2


def test_cards_spec_errors(tls_certs, sized_backend):
    base = [TLSCARDD, "--listen", f"127.0.0.1:{free_port()}", "--cert",
            tls_certs["ec.crt"], "--key", tls_certs["ec.key"], "--backend",
            f"127.0.0.1:{sized_backend.port}"]
    for bad, msg in (
            (["--cards", "sim:0"], "sim:N needs N in 1..16"),
            (["--cards", "sim:17"], "sim:N needs N in 1..16"),
            (["--cards", "bogus"], "expected none, sim:N, vfio:all"),
            (["--cards", "vfio:zz:00.0"], "vfio:BDF[,BDF...] needs"),
            (["--cards", "sim:2", "--sim-spec", "nosuchknob=1"],
             "--sim-spec nosuchknob=1"),
            (["--cards", "sim:2", "--sim-spec", "5:pke_ops=10"],
             "I:KNOBS needs a card index below 2"),
            (["--sim-spec", "pke_ops=10"], "--sim-spec needs --cards sim:N"),
            (["--cards", "sim:2", "--fault", "3:stall"], "--fault 3:stall"),
            (["--cards", "sim:2", "--fault", "0:melt"], "--fault 0:melt"),
            (["--offload-budget-us", "x"], "--offload-budget-us x")):
        r = run(base + bad, timeout=20)
        assert r.returncode == 2, (bad, r.stderr)
        assert msg in r.stderr.decode(), (bad, r.stderr)


def test_spread_over_three_cards(card_daemon):
    d = card_daemon("--cards", "sim:3", "--offload-always")
    jobs = [(2000, V13)] * 12 + [(2000, V12)] * 12 + \
           [(1 << 20, V13), (1 << 20, V12)]
    assert run_clients(d.port, jobs, 6, 90) == []
    hs = d.handshakes()
    cards, split = stop_and_stats(d)
    assert len(cards) == 3
    for i, c in cards.items():
        assert c["submitted"] > 0, (i, c)
        assert c["submitted"] == c["completed"] + c["inflight"], (i, c)
        assert c["pke"] > 0 and c["digest"] > 0 and c["aead"] > 0, (i, c)
    for op in ("ecdh", "sign", "digest", "aead"):
        assert split[op][0] > 0, (op, split)
    # M1 targets: digest calls per handshake (docs/tls.md).
    assert len(hs) == len(jobs)
    for line in hs:
        calls = int(re.search(r"digest_calls=(\d+)", line).group(1))
        limit = 3 if "TLSv1.3" in line else 2
        assert calls <= limit, line


def test_incremental_transcript_replays_on_the_card(card_daemon):
    """--incremental-transcript with cards: the card's digests are
    one-shot, so every message fed is a DIGEST job replaying the
    transcript so far (tls_offload_card_replay.c); the bodies still check
    out, so every replayed hash was right."""
    d = card_daemon("--cards", "sim:1", "--offload-always",
                    "--incremental-transcript", "--no-tickets")
    jobs = [(2000, V13)] * 4 + [(2000, V12)] * 4
    assert run_clients(d.port, jobs, 2, 60) == []
    hs = d.handshakes()
    cards, split = stop_and_stats(d)
    calls = [int(re.search(r"digest_calls=(\d+)", line).group(1))
             for line in hs]
    assert len(calls) == len(jobs) and min(calls) >= 5, hs
    # Every digest call was a card job (none fell back to the CPU).
    assert split["digest"] == (sum(calls), 0), (split, calls)
    assert cards[0]["digest"] == sum(calls), cards


def test_learned_split_counts(card_daemon):
    """Without --offload-always the learned rule decides; card + CPU
    add up to every op the engine asked for."""
    d = card_daemon("--cards", "sim:2")
    assert run_clients(d.port, [(5000, V13)] * 20 + [(5000, V12)] * 10,
                       4, 60) == []
    cards, split = stop_and_stats(d)
    assert sum(split["sign"]) >= 30
    assert sum(split["ecdh"]) >= 60  # keygen + derive per handshake
    assert sum(c["submitted"] for c in cards.values()) > 0


def test_openssl_and_curl_through_cards(card_daemon):
    d = card_daemon("--cards", "sim:3", "--offload-always")
    for args in (["-tls1_3"], ["-tls1_2"]):
        r = subprocess.run(["openssl", "s_client", "-connect",
                            f"127.0.0.1:{d.port}", "-quiet", *args],
                           input=b"GET /777 HTTP/1.1\r\nHost: x\r\n\r\n",
                           capture_output=True, timeout=20)
        assert r.stdout.endswith(body_for(777)), r.stderr[-400:]
    r = subprocess.run(["curl", "-sk", f"https://127.0.0.1:{d.port}/300000"],
                       capture_output=True, timeout=30)
    assert r.returncode == 0
    assert hashlib.sha256(r.stdout).digest() == \
        hashlib.sha256(body_for(300000)).digest()


def test_faults_error_card_and_stalled_card(card_daemon):
    """Card 0 fails every job, card 1 hangs: 0 client failures."""
    d = card_daemon("--cards", "sim:3", "--offload-always",
                    "--fault", "0:error-rate=1.0", "--fault", "1:stall")
    jobs = [(4096 * (1 + i % 16), V13 if i % 3 else V12)
            for i in range(150)]
    failed = run_clients(d.port, jobs, 30, 150)
    assert failed == [], failed[:5]
    cards, split = stop_and_stats(d)
    assert cards[0]["quarantines"] >= 1 or cards[0]["errors"] > 0
    assert cards[1]["quarantines"] >= 1
    assert cards[2]["completed"] > 0
    assert split["sign"][0] > 0


def test_unequal_cards_share_follows_capacity(card_daemon):
    """Cards of 1x/2x/4x PKE capacity: least ECT (with jobs of many
    parked connections in flight) gives each a share of the PKE jobs that
    follows its capacity.  Shares, not timings, are checked: the ideal is
    1/7, 2/7, 4/7; on a loaded host the host itself may be the bottleneck,
    which skews work toward the fast card (it has the least expected
    completion while queues are short), never toward the slow one."""
    # Slow enough (100/50/25 ms per op per engine) that the modelled
    # service time, not the host's compute time for the op (several ms
    # for an engine thread on a loaded 2-core machine), sets each card's
    # speed.
    d = card_daemon("--cards", "sim:3", "--offload-always", "--sim-spec",
                    "0:pke_ops=10", "--sim-spec", "1:pke_ops=20",
                    "--sim-spec", "2:pke_ops=40")
    assert run_clients(d.port, [(100, V13)] * 120, 24, 180) == []
    cards, _ = stop_and_stats(d)
    pke = [cards[i]["pke"] for i in range(3)]
    total = sum(pke)
    assert total >= 3 * 120, pke  # keygen, derive, sign per handshake
    share = [p / total for p in pke]
    print("pke per card", pke, "shares", [round(x, 3) for x in share])
    # Ordered by capacity, and each share within 15 points of its ideal
    # (measured here under load: 0.10-0.16, 0.26-0.31, 0.53-0.64).
    assert pke[2] > pke[1] > pke[0], pke
    for got, ideal in zip(share, (1 / 7, 2 / 7, 4 / 7)):
        assert abs(got - ideal) <= 0.15, (pke, share)


def offload_totals(d):
    """The "offload: ..." line's counters (after stop_and_stats)."""
    for line in d.lines:
        m = re.search(r"offload: (fallbacks=.*)", line)
        if m:
            return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)",
                                                     m.group(1))}
    return {}


def test_jobs_of_many_connections_in_flight(card_daemon):
    """Parked connections: under concurrent clients several jobs are in
    flight on one card at once, doorbells ring per pass (not per job) and
    nothing waits synchronously."""
    d = card_daemon("--cards", "sim:2", "--offload-always", "--sim-spec",
                    "pke_ops=500")
    assert run_clients(d.port, [(1000, V13)] * 60 + [(1000, V12)] * 30,
                       30, 120) == []
    cards, _ = stop_and_stats(d)
    tot = offload_totals(d)
    assert max(c["max_inflight"] for c in cards.values()) > 1, cards
    assert tot["max_parked"] > 1, tot
    assert tot["parks"] > 0 and tot["resumes"] >= tot["parks"], tot
    assert tot["sync_waits"] == 0, tot
    # Connection buffers are DMA memory (two per connection object, still
    # held when the exit statistics are printed).
    assert tot["dma_bufs"] >= 2, tot
    jobs = sum(c["submitted"] for c in cards.values())
    # One doorbell per pass for every job that pass collected.
    assert tot["doorbells"] < jobs, (tot, jobs)
    for i, c in cards.items():
        assert c["submitted"] == c["completed"] + c["inflight"], (i, c)


def test_faults_and_ctl_reset_under_200_clients(card_daemon, ctl, tmp_path):
    """Issue 5: 200 concurrent clients while card 0 fails every job, card
    1 hangs, and `tlscardctl reset --card 2` resets the last good card in
    the middle of the load: no client request fails and every body
    matches its hash (the pool re-runs jobs on other cards or the CPU;
    parked connections resume with the result)."""
    sock = str(tmp_path / "ctl.sock")
    d = card_daemon("--cards", "sim:3", "--offload-always", "--control",
                    sock, "--fault", "0:error-rate=1.0", "--fault",
                    "1:stall")
    jobs = [(1024 * (1 + i % 24), V13 if i % 3 else V12)
            for i in range(400)]
    resets = []

    def reset_midway():
        # Bounded: wait (up to 60 s) for a tenth of the handshakes.
        deadline = time.time() + 60
        while len(d.handshakes()) < 40 and time.time() < deadline:
            time.sleep(0.05)
        resets.append(ctl("reset", "--card", "2", "--control", sock,
                          "--json", timeout=60))

    t = threading.Thread(target=reset_midway, daemon=True)
    t.start()
    failed = run_clients(d.port, jobs, 200, 300)
    t.join(70)
    assert failed == [], (len(failed), failed[:5])
    assert resets and resets[0].returncode == 0, resets
    assert resets[0].json()["ok"] is True
    cards, split = stop_and_stats(d)
    assert len(d.handshakes()) == len(jobs)
    assert cards[0]["quarantines"] >= 1 or cards[0]["errors"] > 0, cards
    assert cards[1]["quarantines"] >= 1, cards
    assert cards[2]["resets"] >= 1, cards
    for i, c in cards.items():
        assert c["submitted"] == c["completed"] + c["inflight"], (i, c)
