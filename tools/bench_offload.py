#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The offload benchmark (`make bench-offload`): writes
docs/bench/offload.json and docs/bench/offload.md.

tlscardd with sim cards, against nginx and against itself with other
settings, side by side in one run (issue 5's table):

  * host CPU per handshake with 3 sim cards (TLS 1.3, ECDSA P-256,
    --offload-always): the daemon's own threads only, per thread from
    /proc/PID/task/TID/stat; the card model's threads (tc-engine*,
    tc-timer) are the card, not host CPU, and run on the other core;
    over nginx's CPU per handshake (set up as in bench-tls, after
    ../shared/reference/peer-bench/);
  * doorbells and interrupts per handshake at 256 concurrent handshakes,
    from the cards' counters (tlscardctl stats --json);
  * PKE ops delivered per second, cards rate-limited (--sim-spec
    pke_ops=N) so they are the bottleneck, over the same cards' raw
    capacity measured by `tlscardctl bench lb`;
  * the patent's replay gain: one card limited in jobs/s (the patent's
    20,000/s scaled to this machine, see PATENT_JOBS; card_jobs=N),
    handshakes/s with checkpointed digests over
    --incremental-transcript (which replays the transcript, one card job
    per message), minus 1;
  * unequal cards 1x/2x/4x (--sim-spec I:pke_ops=...): handshakes/s over
    what their summed PKE capacity allows.

Runs of the compared configurations are interleaved and medians kept:
the 2 cores are shared with other work.

usage: bench_offload.py [--out DIR] [--runs N] [--seconds S] [--quick]
"""

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time

import bench_offload_run as run
import bench_tls_servers as srv
from bench_offload_report import write_report
from bench_tls import build_backend

WORK = os.path.join(srv.ROOT, "build", "bench", "offload")
BUDGET_S = 900  # the whole benchmark, a hard bound
CONC = 256      # concurrent handshakes for doorbells and interrupts
CAP_CONC = 64   # concurrent handshakes for the capacity figures: enough to
                # keep 6 card engines busy
# The card limits are set so that the cards, not this 2-core machine
# shared with other work, are the bottleneck: wrk, the backend, the sim
# cards' threads and the daemon together drive about 300 handshakes/s here,
# so every card configuration below allows about 100 (a third of that).
PKE_OPS = 50    # per engine, the rate-limited cards (2 engines each)
LB_BASE = 25    # per engine of the 1x card: 1x/2x/4x = 350 PKE/s in all
LB_RATIOS = (1, 2, 4)
# The patent's example card does 20,000 jobs/s; at ~22 jobs per handshake
# that is ~900 handshakes/s, 3x what this machine can drive, so the card
# here does a tenth of that: the gain is a ratio of two rates on the same
# card, so it does not depend on the scale once the card is the limit.
PATENT_JOBS = 2000
ENGINES = 2     # the model's default
# A full TLS 1.3 ECDSA handshake's PKE card ops: ECDH keygen, ECDH derive,
# ECDSA sign (docs/offload.md); the measured PKE/hs is shown beside it.
PKE_PER_HS = 3


def med(vals):
    return statistics.median(vals) if vals else 0.0


class Budget:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def check(self, need):
        if time.monotonic() + need > self.end:
            raise RuntimeError("time budget exceeded")


def nginx_run(ng, seconds, conns):
    before = ng.cpu()
    n, errs, rps = run.wrk(ng.port, seconds, conns)
    user, sys_ = srv.cpu_delta(before, ng.cpu())
    return {"requests": n, "errors": errs, "rps": rps,
            "cpu_us": (user + sys_) * 1e6 / max(n, 1),
            "user_us": user * 1e6 / max(n, 1),
            "sys_us": sys_ * 1e6 / max(n, 1)}


def per_req(r):
    n = max(r["requests"], 1)
    r["cpu_us"] = (r["daemon_user_s"] + r["daemon_sys_s"]) * 1e6 / n
    r["user_us"] = r["daemon_user_s"] * 1e6 / n
    r["sys_us"] = r["daemon_sys_s"] * 1e6 / n
    r["card_us"] = r["card_cpu_s"] * 1e6 / n
    return r


def sec_cpu(cert, be, args, budget):
    """Host CPU per handshake (32 connections, as bench-tls) for tlscardd
    with 3 cards, tlscardd on the CPU alone, and nginx; and the 256-way
    doorbell/interrupt counts on the same card daemon."""
    cards = run.Daemon(cert, be.port, WORK, "cards", "sim:3",
                       ("--offload-always",))
    none = run.Daemon(cert, be.port, WORK, "none", "none")
    ng = srv.nginx(cert, WORK, "offload")
    res = {"cards": [], "none": [], "nginx": [], "cards256": []}
    try:
        for s in (cards, none, ng):
            s.start()
            run.wrk(s.port, 1, 32)  # warm-up, not counted
        for i in range(args.runs):
            budget.check(4 * args.seconds + 10)
            res["cards"].append(per_req(run.load_run(cards, args.seconds,
                                                     32)))
            res["none"].append(per_req(run.load_run(none, args.seconds,
                                                    32)))
            res["nginx"].append(nginx_run(ng, args.seconds, 32))
            res["cards256"].append(per_req(run.window_run(
                cards, args.seconds, CONC)))
            run.log("cpu run %d: cards %.0f us, cpu-only %.0f us, nginx "
                    "%.0f us per handshake; at %d: %.2f doorbells/hs" % (
                        i + 1, res["cards"][-1]["cpu_us"],
                        res["none"][-1]["cpu_us"],
                        res["nginx"][-1]["cpu_us"], CONC,
                        res["cards256"][-1]["doorbells"] /
                        max(res["cards256"][-1]["handshakes"], 1)))
    finally:
        for s in (cards, none, ng):
            s.stop()
    return res


def sec_pke(cert, be, args, budget):
    """Rate-limited cards: PKE ops/s delivered over the raw capacity that
    `tlscardctl bench lb` measures for the same cards."""
    spec = "pke_ops=%d,engines=%d" % (PKE_OPS, ENGINES)
    d = run.Daemon(cert, be.port, WORK, "pke", "sim:3",
                   ("--offload-always", "--sim-spec", spec))
    res = {"spec": spec, "runs": [], "capacity": []}
    try:
        d.start()
        run.wrk(d.port, 1, CAP_CONC)
        for i in range(args.runs):
            budget.check(3 * args.seconds + 20)
            cap = run.lb_capacity([1, 1, 1], PKE_OPS, ENGINES, 2)
            r = run.window_run(d, 2 * args.seconds, CAP_CONC, settle=2.0)
            r["pke_per_s"] = r["pke_jobs"] / r["wall_s"]
            r["fraction"] = r["pke_per_s"] / cap["throughput"]
            res["runs"].append(r)
            res["capacity"].append(cap)
            run.log("pke run %d: %.0f PKE/s delivered of %.0f measured "
                    "(%.3f)" % (i + 1, r["pke_per_s"], cap["throughput"],
                                r["fraction"]))
    finally:
        d.stop()
    return res


def sec_patent(cert, be, args, budget):
    """One card limited in jobs/s (PATENT_JOBS): checkpointed digests vs
    the replayed incremental transcript."""
    spec = "card_jobs=%d" % PATENT_JOBS
    base = ("--offload-always", "--sim-spec", spec)
    m1 = run.Daemon(cert, be.port, WORK, "patent-m1", "sim:1", base)
    inc = run.Daemon(cert, be.port, WORK, "patent-inc", "sim:1",
                     base + ("--incremental-transcript",))
    res = {"spec": spec, "m1": [], "incremental": []}
    try:
        for d in (m1, inc):
            d.start()
            run.wrk(d.port, 1, CAP_CONC)
        for i in range(args.runs):
            budget.check(2 * args.seconds + 10)
            for key, d in (("m1", m1), ("incremental", inc)):
                r = run.window_run(d, args.seconds, CAP_CONC, settle=2.0)
                r["jobs_per_hs"] = r["card_jobs"] / max(r["handshakes"], 1)
                r["card_jobs_per_s"] = r["card_jobs"] / r["wall_s"]
                res[key].append(r)
            run.log("patent run %d: %.0f hs/s checkpointed, %.0f hs/s "
                    "incremental" % (i + 1, res["m1"][-1]["hs_per_s"],
                                     res["incremental"][-1]["hs_per_s"]))
    finally:
        for d in (m1, inc):
            d.stop()
    return res


def sec_lb(cert, be, args, budget):
    """Cards 1x/2x/4x in PKE capacity: handshakes/s over what their
    summed capacity allows (PKE ops per handshake measured)."""
    extra = ["--offload-always"]
    for i, ratio in enumerate(LB_RATIOS):
        extra += ["--sim-spec", "%d:pke_ops=%d,engines=%d" %
                  (i, LB_BASE * ratio, ENGINES)]
    d = run.Daemon(cert, be.port, WORK, "lb", "sim:3", extra)
    nominal = sum(LB_BASE * r * ENGINES for r in LB_RATIOS)
    res = {"specs": extra[1:], "nominal_pke_per_s": nominal, "runs": [],
           "capacity": []}
    try:
        d.start()
        run.wrk(d.port, 1, CAP_CONC)
        for i in range(args.runs):
            budget.check(3 * args.seconds + 20)
            # Handshakes here complete in waves (all CAP_CONC connections
            # wait on the same slow cards), so a window's count is off by
            # up to a wave at each end: the window is twice as long.
            cap = run.lb_capacity(list(LB_RATIOS), LB_BASE, ENGINES, 2)
            r = run.window_run(d, 2 * args.seconds, CAP_CONC, settle=2.0)
            r["pke_per_hs"] = r["pke_jobs"] / max(r["handshakes"], 1)
            r["hs_capacity"] = nominal / PKE_PER_HS
            r["fraction"] = r["hs_per_s"] / r["hs_capacity"]
            r["pke_fraction"] = r["pke_jobs"] / r["wall_s"] / nominal
            res["runs"].append(r)
            res["capacity"].append(cap)
            run.log("lb run %d: %.0f hs/s of %.0f allowed (%.3f), shares "
                    "%s" % (i + 1, r["hs_per_s"], r["hs_capacity"],
                            r["fraction"], r["per_card_pke"]))
    finally:
        d.stop()
    return res


def machine():
    cpu = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            k, _, v = line.partition(":")
            cpu.setdefault(k.strip(), v.strip())
    ver = srv.sh(["openssl", "version"]).stdout.strip()
    ngv = srv.sh(["nginx", "-v"]).stderr.strip()
    return {"nproc": os.cpu_count(), "cpu": cpu.get("model name", "?"),
            "kernel": platform.release(), "openssl": ver, "nginx": ngv,
            "loadavg_start": open("/proc/loadavg").read().split()[0],
            "async_daemon": os.path.exists(os.path.join(
                srv.ROOT, "daemon", "tlsd_async.c"))}


def keys_from(res):
    c, p, pt, lb = res["cpu"], res["pke"], res["patent"], res["lb"]
    cards_us = med([r["cpu_us"] for r in c["cards"]])
    nginx_us = med([r["cpu_us"] for r in c["nginx"]])
    hs256 = [max(r["handshakes"], 1) for r in c["cards256"]]
    m1 = med([r["hs_per_s"] for r in pt["m1"]])
    inc = med([r["hs_per_s"] for r in pt["incremental"]])
    return {
        "host_cpu_us_per_handshake_cards": round(cards_us, 1),
        "ratio_vs_nginx_ecdsa": round(cards_us / nginx_us, 3),
        "doorbells_per_handshake_256": round(med(
            [r["doorbells"] / h for r, h in zip(c["cards256"], hs256)]), 3),
        "interrupts_per_handshake_256": round(med(
            [r["interrupts"] / h for r, h in zip(c["cards256"], hs256)]), 3),
        "pke_delivered_fraction": round(
            med([r["pke_per_s"] for r in p["runs"]]) /
            med([x["throughput"] for x in p["capacity"]]), 3),
        "patent_replay_gain": round(m1 / inc - 1, 3),
        "lb_unequal_throughput_fraction": round(
            med([r["fraction"] for r in lb["runs"]]), 3),
        "nginx_cpu_us_per_handshake_ecdsa": round(nginx_us, 1),
        "host_cpu_us_per_handshake_no_cards": round(
            med([r["cpu_us"] for r in c["none"]]), 1),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(srv.ROOT, "docs",
                                                  "bench"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("--quick", action="store_true",
                    help="1 run of 2 s per configuration (a smoke test; "
                    "not for docs/bench)")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.seconds = 1, 2
    start = time.monotonic()
    budget = Budget(BUDGET_S)
    os.makedirs(WORK, exist_ok=True)
    for t in ("wrk", "nginx", "taskset", "openssl"):
        if not shutil.which(t):
            raise RuntimeError("missing %s (run scripts/deps.sh peers)" % t)
    # Snapshots: a rebuild in the tree mid-run must not change what runs.
    for name in ("tlscardd", "tlscardctl"):
        snap = os.path.join(WORK, name)
        shutil.copy2(os.path.join(srv.ROOT, "build", "bin", name), snap)
    srv.TLSCARDD = os.path.join(WORK, "tlscardd")
    run.TLSCARDCTL = os.path.join(WORK, "tlscardctl")
    mach = machine()
    certs = srv.make_certs(WORK)
    be = srv.backend(build_backend(), WORK).start()
    res = {}
    try:
        for name, fn in (("cpu", sec_cpu), ("pke", sec_pke),
                         ("patent", sec_patent), ("lb", sec_lb)):
            run.log("%s: %d runs of %d s" % (name, args.runs, args.seconds))
            res[name] = fn(certs["ecdsa"], be, args, budget)
    finally:
        be.stop()
    mach["loadavg_end"] = open("/proc/loadavg").read().split()[0]
    mach["elapsed_s"] = round(time.monotonic() - start)
    keys = keys_from(res)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "offload.json"), "w") as f:
        json.dump(keys, f, indent=2)
        f.write("\n")
    with open(os.path.join(WORK, "raw.json"), "w") as f:
        json.dump({"results": res, "machine": mach}, f, indent=1)
    write_report(os.path.join(args.out, "offload.md"), keys, res, mach,
                 args, {"conc": CONC, "cap_conc": CAP_CONC, "pke_ops": PKE_OPS, "engines": ENGINES,
                        "lb_base": LB_BASE, "lb_ratios": LB_RATIOS,
                        "patent_jobs": PATENT_JOBS})
    run.log("wrote %s/offload.json and offload.md in %d s" %
            (args.out, mach["elapsed_s"]))
    for k, v in keys.items():
        print("%-40s %s" % (k, v))
    return 0


if __name__ == "__main__":
    # SIGTERM unwinds like an exception, so every finally stops its servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        run.log("failed: %s" % exc)
        sys.exit(1)
