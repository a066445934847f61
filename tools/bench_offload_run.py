# SPDX-License-Identifier: MIT
"""Measurement helpers for `make bench-offload` (tools/bench_offload.py):
tlscardd with sim cards, per-thread CPU from /proc, the daemon's counters
over its control socket, wrk at a given concurrency, and the cards' raw
capacity from `tlscardctl bench lb`.

Every process is started through bench_tls_servers.Server (own session,
dies with the benchmark, killed by stop()); every wait is bounded.
"""

import json
import os
import re
import subprocess
import sys
import time

import bench_tls_servers as srv

TLSCARDCTL = os.path.join(srv.ROOT, "build", "bin", "tlscardctl")
# The card model's threads (hwmodel/tc_engine.c, tc_timer.c name them):
# they stand for the card's silicon, not host CPU.
CARD_THREAD = re.compile(r"^tc-(engine|timer)")


def log(msg):
    print("bench-offload: %s" % msg, file=sys.stderr, flush=True)


def _task_stat(pid, tid):
    """(comm, utime, stime) of one thread, in ticks, or None if gone."""
    try:
        with open("/proc/%d/task/%d/stat" % (pid, tid)) as f:
            s = f.read()
    except OSError:
        return None
    comm = s[s.index("(") + 1:s.rindex(")")]
    rest = s[s.rindex(")") + 2:].split()
    return comm, int(rest[11]), int(rest[12])


def threads(pid):
    """{tid: (comm, utime, stime)} for every thread of pid."""
    out = {}
    try:
        tids = [int(t) for t in os.listdir("/proc/%d/task" % pid)]
    except OSError:
        return out
    for tid in tids:
        st = _task_stat(pid, tid)
        if st:
            out[tid] = st
    return out


def split_cpu(before, after):
    """(daemon user s, daemon sys s, card s, daemon thread names) between
    two threads() samples: the card model's threads apart."""
    du = ds = card = 0
    names = set()
    for tid, (comm, u, s) in after.items():
        _, ub, sb = before.get(tid, (comm, 0, 0))
        if CARD_THREAD.match(comm):
            card += (u - ub) + (s - sb)
        else:
            du += u - ub
            ds += s - sb
            names.add(comm)
    tck = srv.CLK_TCK
    return du / tck, ds / tck, card / tck, sorted(names)


class Daemon(srv.Server):
    """tlscardd with cards and a control socket; the card model's threads
    are moved to card_cpu (the sim card stands for separate hardware, as
    in bench-driver), the daemon's own thread stays on the server core."""

    def __init__(self, cert, be_port, workdir, tag, cards, extra=(),
                 card_cpu=srv.LOAD_CPU):
        port = srv.free_port()
        self.control = os.path.join(workdir, "ctl-%s.sock" % tag)
        self.card_cpu = card_cpu
        argv = [srv.TLSCARDD, "--listen", "127.0.0.1:%d" % port,
                "--cert", cert + ".crt", "--key", cert + ".key",
                "--backend", "127.0.0.1:%d" % be_port, "--cards", cards,
                "--no-tickets", "--control", self.control,
                "--stats-on-exit", *extra]
        super().__init__("tlscardd", argv, port,
                         os.path.join(workdir, "tlscardd-%s.log" % tag))

    def start(self, timeout=30):
        super().start(timeout)
        self.pid = self._daemon_pid()
        for tid, (comm, _, _) in threads(self.pid).items():
            if CARD_THREAD.match(comm) and self.card_cpu is not None:
                try:
                    os.sched_setaffinity(tid, {self.card_cpu})
                except OSError:
                    pass
        return self

    def _daemon_pid(self):
        # taskset execs the daemon: the session leader is tlscardd.
        return self.proc.pid

    def threads(self):
        return threads(self.pid)

    def stats(self):
        """The daemon's counters.  A busy daemon answers between event-loop
        passes, and on this shared machine a pass can take seconds (the
        control socket's backlog then refuses connections), so a failed
        request is retried: 5 tries, 1 s apart, 5 s each."""
        for i in range(5):
            if self.proc.poll() is not None:
                raise RuntimeError("tlscardd exited (%s): %s" % (
                    self.proc.returncode, self.log_text()[-2000:]))
            r = srv.sh([TLSCARDCTL, "stats", "--json", "--control",
                        self.control], timeout=20)
            if not r.returncode:
                return json.loads(r.stdout)
            log("tlscardctl stats, try %d: %s" % (i + 1, r.stderr.strip()))
            time.sleep(1)
        raise RuntimeError("tlscardctl stats: %s" % r.stderr)


def card_sum(st, key):
    return sum(c[key] for c in st["cards"])


def class_jobs(st, cls):
    return sum(c["classes"][cls]["jobs"] for c in st["cards"])


def wrk(port, seconds, conns):
    """One wrk run at conns connections (every request a new connection
    and a full handshake); returns (requests, errors text, req/s)."""
    r = srv.sh(srv.pinned(srv.LOAD_CPU, [
        "wrk", "-t1", "-c%d" % conns, "-d%ds" % seconds, "--timeout", "10s",
        "-H", "Connection: close", "https://127.0.0.1:%d/" % port]),
        timeout=seconds + 40)
    m = re.search(r"(\d+) requests in", r.stdout)
    if r.returncode or not m:
        raise RuntimeError("wrk failed (%d): %s%s" %
                           (r.returncode, r.stdout, r.stderr))
    errs = []
    for rx in (r"Socket errors:[^\n]*", r"Non-2xx or 3xx responses: \d+"):
        e = re.search(rx, r.stdout)
        if e:
            errs.append(e.group(0))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", r.stdout)
    return int(m.group(1)), "; ".join(errs), \
        float(rps.group(1)) if rps else 0.0


def _deltas(s0, th0, t0, s1, th1, t1, n, errs, rps):
    du, ds, card, names = split_cpu(th0, th1)
    hs = s1["handshakes"]["total"] - s0["handshakes"]["total"]
    return {
        "requests": n, "errors": errs, "rps": rps, "wall_s": t1 - t0,
        "handshakes": hs, "hs_per_s": hs / (t1 - t0),
        "daemon_user_s": du, "daemon_sys_s": ds, "card_cpu_s": card,
        "daemon_threads": names,
        "doorbells": card_sum(s1, "doorbells") - card_sum(s0, "doorbells"),
        "interrupts": card_sum(s1, "interrupts") -
        card_sum(s0, "interrupts"),
        "card_jobs": card_sum(s1, "submitted") - card_sum(s0, "submitted"),
        "pke_jobs": class_jobs(s1, "pke") - class_jobs(s0, "pke"),
        "digest_jobs": class_jobs(s1, "digest") - class_jobs(s0, "digest"),
        "cpu_jobs": s1["jobs"]["cpu"] - s0["jobs"]["cpu"],
        "failures": s1["failures"]["total"] - s0["failures"]["total"],
        "per_card_pke": [c1["classes"]["pke"]["jobs"] -
                         c0["classes"]["pke"]["jobs"]
                         for c0, c1 in zip(s0["cards"], s1["cards"])],
        # Engine time the model counts as busy (service time included),
        # over the engines' time in the window.
        "per_card_busy": [round((c1["busy_ns"] - c0["busy_ns"]) /
                                (1e9 * (t1 - t0) * max(c1["engines"], 1)),
                                3)
                          for c0, c1 in zip(s0["cards"], s1["cards"])],
    }


def load_run(d, seconds, conns):
    """wrk against daemon d; the daemon's counters and threads' CPU before
    and after the whole wrk run (requests are wrk's, as for nginx)."""
    s0, th0, t0 = d.stats(), d.threads(), time.monotonic()
    n, errs, rps = wrk(d.port, seconds, conns)
    t1, th1, s1 = time.monotonic(), d.threads(), d.stats()
    return _deltas(s0, th0, t0, s1, th1, t1, n, errs, rps)


def window_run(d, seconds, conns, settle=1.0):
    """Steady state: wrk runs settle + seconds + settle; the counters are
    read settle seconds in and seconds later, so the window holds neither
    the ramp of conns new connections nor the end of the run.  Rates and
    per-handshake figures come from the daemon's completed handshakes in
    the window."""
    total = int(seconds + 2 * settle + 0.999)
    argv = srv.pinned(srv.LOAD_CPU, [
        "wrk", "-t1", "-c%d" % conns, "-d%ds" % total, "--timeout", "10s",
        "-H", "Connection: close", "https://127.0.0.1:%d/" % d.port])
    p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    try:
        time.sleep(settle)
        s0, th0, t0 = d.stats(), d.threads(), time.monotonic()
        time.sleep(seconds)
        t1, th1, s1 = time.monotonic(), d.threads(), d.stats()
        out, _ = p.communicate(timeout=total + 40)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)
    if p.returncode:
        raise RuntimeError("wrk failed (%d): %s" % (p.returncode, out))
    errs = "; ".join(m.group(0) for m in re.finditer(
        r"Socket errors:[^\n]*|Non-2xx or 3xx responses: \d+", out))
    hs = s1["handshakes"]["total"] - s0["handshakes"]["total"]
    return _deltas(s0, th0, t0, s1, th1, t1, hs, errs, hs / (t1 - t0))


def lb_capacity(ratios, base_ops, engines, seconds):
    """The cards' raw PKE capacity, jobs/s, measured by `tlscardctl bench
    lb` (closed loop, 48 outstanding, least-ECT): sim cards with
    pke_ops=base_ops x ratio_i and engines=E, as --sim-spec gives
    tlscardd."""
    r = srv.sh(srv.pinned(srv.LOAD_CPU, [
        TLSCARDCTL, "bench", "lb", "--ratios", ",".join(map(str, ratios)),
        "--base-ops", str(base_ops), "--engines", str(engines),
        "--policy", "ect", "--seconds", str(seconds), "--json"]),
        timeout=seconds + 60)
    if r.returncode:
        raise RuntimeError("tlscardctl bench lb: %s" % r.stderr)
    j = json.loads(r.stdout)
    return {"throughput": j["ect"]["throughput"],
            "nominal": j["aggregate_capacity"],
            "share": j["ect"]["share"]}
