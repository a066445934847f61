#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The driver benchmark (`make bench-driver`): writes docs/bench/driver.json
and docs/bench/driver.md.

Every figure comes from `tlscardctl bench <name>`, which measures the card
path and its baseline side by side in one process; the reported value is
the median of several runs.  null and lb run pinned to one core with
taskset.  aead and digest stand the sim card in for a separate device: the
driver thread (and the libcrypto baseline, on the same thread) is pinned
to one core and the sim card's threads (one engine, and the timer) to the
other (--cpu-driver / --cpu-card, engines=1 so the card has no more
threads than its core).  Their all-on-one-core figure (the whole program
on one core, the card's default two engines) is kept as a detail.

  null_instructions_per_job_batch32
      valgrind --tool=callgrind --separate-threads=yes on `bench null
      --batch 32` with N1 and N2 jobs; the driver (main) thread's Ir
      difference over N2 - N1, which cancels start-up and tear-down.
      Everything the driver thread executes counts: job preparation,
      submit, the doorbell (in the sim, the model's MMIO handler runs on
      this thread), polling and completion callbacks.
  aead_aes128gcm_16k_ratio_vs_cpu, digest_sha256_sg_ratio_vs_cpu
      card throughput over libcrypto EVP throughput, same process.
  lb_throughput_fraction, lb_p99_ratio_vs_round_robin
      three sim cards of 1x/2x/4x PKE capacity, closed loop with a fixed
      number of outstanding X25519 derives; ECT throughput over aggregate
      capacity, and ECT p99 over round-robin p99 at the same load.

usage: bench_driver.py [--out DIR] [--runs N] [--quick]
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CTL = os.path.join(ROOT, "build", "bin", "tlscardctl")

TARGETS = {
    "null_instructions_per_job_batch32": ("<=", 400),
    "aead_aes128gcm_16k_ratio_vs_cpu": (">=", 0.85),
    "digest_sha256_sg_ratio_vs_cpu": (">=", 0.85),
    "lb_throughput_fraction": (">=", 0.95),
    "lb_p99_ratio_vs_round_robin": ("<=", 0.5),
}

HOW = {
    "null_instructions_per_job_batch32":
        "callgrind (--separate-threads=yes), driver thread only: "
        "(Ir(N2) - Ir(N1)) / (N2 - N1), NOP jobs, batch 32",
    "aead_aes128gcm_16k_ratio_vs_cpu":
        "bench aead: 16 KB AES-128-GCM records, 16 per job, 4 jobs in "
        "flight, 1 s each side; driver and baseline on one core, the sim "
        "card (1 engine) on the other; card MB/s over EVP MB/s",
    "digest_sha256_sg_ratio_vs_cpu":
        "bench digest: SHA-256 over an 8-segment 4 KB scatter list, 64 "
        "jobs in flight, 1 s each side; driver and baseline on one core, "
        "the sim card (1 engine) on the other; card jobs/s over EVP "
        "jobs/s",
    "lb_throughput_fraction":
        "bench lb: cards of 1000/2000/4000 X25519 derives/s (2 engines "
        "each), closed loop, 48 outstanding, 2 s after 0.5 s warm-up; "
        "ECT throughput over 7000/s",
    "lb_p99_ratio_vs_round_robin":
        "same runs: ECT p99 job latency over round-robin p99",
}


def log(msg):
    print("bench-driver: %s" % msg, file=sys.stderr, flush=True)


def sh(cmd, timeout=600):
    return subprocess.run(cmd, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def pinned(cpu, args):
    return ["taskset", "-c", str(cpu)] + args


def run_json(args, timeout=300):
    res = sh(args, timeout=timeout)
    if res.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(args),
                                                    res.returncode,
                                                    res.stderr[-2000:]))
    return json.loads(res.stdout)


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ossl = sh(["openssl", "version"]).stdout.strip()
    vg = sh(["valgrind", "--version"]).stdout.strip()
    return {
        "nproc": int(sh(["nproc"]).stdout.strip()),
        "cpu_model": cpu,
        "openssl": ossl,
        "valgrind": vg,
        "kernel": platform.release(),
        "loadavg_start": os.getloadavg()[0],
    }


# ---- null: callgrind -------------------------------------------------------

def callgrind_ir(cpu, jobs, extra=()):
    """Ir of the driver (main) thread for `bench null --jobs jobs`."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg")
        cmd = pinned(cpu, ["valgrind", "--tool=callgrind",
                           "--separate-threads=yes",
                           "--callgrind-out-file=" + out] + list(extra) +
                     [CTL, "bench", "null", "--batch", "32", "--jobs",
                      str(jobs), "--json"])
        res = sh(cmd, timeout=600)
        if res.returncode != 0:
            raise RuntimeError("callgrind run failed:\n" + res.stderr[-2000:])
        # Thread 1 is the main thread: the one running the driver.
        with open(out + "-01") as f:
            for line in f:
                m = re.match(r"^(?:summary|totals):\s+(\d+)", line)
                if m:
                    return int(m.group(1))
    raise RuntimeError("no totals in callgrind output")


def bench_null(cpu, runs, n1, n2):
    per_job, api_only = [], []
    toggles = ["--toggle-collect=tc_qp_submit", "--toggle-collect=tc_qp_flush",
               "--toggle-collect=tc_qp_poll"]
    for _ in range(runs):
        a, b = callgrind_ir(cpu, n1), callgrind_ir(cpu, n2)
        per_job.append((b - a) / (n2 - n1))
    a, b = callgrind_ir(cpu, n1, toggles), callgrind_ir(cpu, n2, toggles)
    # Zero means the toggles matched nothing (say, a renamed function):
    # report no number rather than a wrong one.
    api_only.append((b - a) / (n2 - n1) if b > a else None)
    native = run_json(pinned(cpu, [CTL, "bench", "null", "--batch", "32",
                                   "--jobs", "2000000", "--json"]))
    return statistics.median(per_job), {
        "runs": per_job,
        "jobs": [n1, n2],
        "inside_tc_qp_submit_flush_poll_per_job": api_only[0],
        "native_jobs_per_sec": native["jobs_per_sec"],
        "native_waits": native["waits"],
    }


# ---- aead, digest ----------------------------------------------------------

def bench_ratio(name, cpu, runs, extra=()):
    out = []
    for _ in range(runs):
        out.append(run_json(pinned(cpu, [CTL, "bench", name, "--json"] +
                                   list(extra))))
    ratios = [r["ratio"] for r in out]
    return statistics.median(ratios), out


def split_args(driver, card):
    """The headline placement: driver and baseline on `driver`, the sim
    card's threads (one engine) on `card`."""
    return ["--cpu-driver", str(driver), "--cpu-card", str(card),
            "--sim-spec", "engines=1"]


def summarize(name, results):
    if name == "aead":
        keys = ("card_MBps", "cpu_MBps")
    else:
        keys = ("card_jobs_per_sec", "cpu_jobs_per_sec")
    keys += ("cpu_time_ratio", "card_engine_busy_share",
             "card_irqs_per_job", "card_cpu_us_per_job")
    d = {k: statistics.median(r[k] for r in results) for k in keys}
    d["ratios"] = [r["ratio"] for r in results]
    d["irq_coalesce"] = results[0]["irq_coalesce"]
    return d


# ---- lb ---------------------------------------------------------------------

def bench_lb(cpu, runs):
    out = [run_json(pinned(cpu, [CTL, "bench", "lb", "--json"]))
           for _ in range(runs)]
    frac = statistics.median(r["throughput_fraction"] for r in out)
    p99 = statistics.median(r["p99_ratio_vs_round_robin"] for r in out)
    detail = {
        "mode": out[0]["mode"],
        "outstanding": out[0]["outstanding"],
        "aggregate_capacity": out[0]["aggregate_capacity"],
        "capacity_per_card": out[0]["capacity_per_card"],
        "fractions": [r["throughput_fraction"] for r in out],
        "p99_ratios": [r["p99_ratio_vs_round_robin"] for r in out],
        "ect_p99_ms": statistics.median(r["ect"]["p99_ms"] for r in out),
        "rr_p99_ms": statistics.median(r["rr"]["p99_ms"] for r in out),
        "ect_share": out[len(out) // 2]["ect"]["share"],
        "rr_share": out[len(out) // 2]["rr"]["share"],
        "rr_throughput_fraction": statistics.median(
            r["rr"]["fraction"] for r in out),
    }
    return frac, p99, detail


def bench_lb_open(cpu):
    r = run_json(pinned(cpu, [CTL, "bench", "lb", "--mode", "open",
                              "--json"]))
    return {
        "offered_load": r["offered_load"],
        "ect": r["ect"], "rr": r["rr"],
        "p99_ratio_vs_round_robin": r["p99_ratio_vs_round_robin"],
    }


# ---- report -----------------------------------------------------------------

def verdict(key, value):
    op, target = TARGETS[key]
    ok = value <= target if op == "<=" else value >= target
    return ok, "%s %s" % (op, target)


def fmt(v):
    if isinstance(v, float):
        return "%.3f" % v if abs(v) < 100 else "%.0f" % v
    return str(v)


def limits_text(key, d):
    """What limits a missed figure, from this run's diagnostic runs."""
    det = d["detail"]
    if key in ("aead_aes128gcm_16k_ratio_vs_cpu",
               "digest_sha256_sg_ratio_vs_cpu"):
        name = "aead" if key.startswith("aead") else "digest"
        g = det[name]
        diag = det.get(name + "_diagnostics", {})
        parts = [
            "The sim card's engine does the same libcrypto work as the "
            "baseline, on the host buffers themselves (the sim maps IOVAs "
            "without copying), but per job it also fetches and decodes "
            "the descriptor, looks up every segment's IOVA, posts the "
            "completion and, per coalesced batch, raises an interrupt "
            "(an eventfd write that wakes the driver).",
            "CPU time per unit of work, libcrypto's over the card "
            "threads', was %.3f (median; 1.0 would mean the model costs "
            "nothing beyond the crypto): that is the model's own "
            "overhead, and it bounds the ratio even on an idle machine."
            % g["cpu_time_ratio"],
            "The engine was executing jobs %.0f%% of the card's time "
            "(%.3f interrupts per job, COALESCE %s); the rest of its "
            "core went to the model's per-job work, the timer thread "
            "and whatever else the machine ran on that core." %
            (100 * g["card_engine_busy_share"], g["card_irqs_per_job"],
             g["irq_coalesce"])]
        if diag.get("irq_per_job_ratio") is not None:
            parts.append("With an interrupt per completion (COALESCE 0, "
                         "the driver's default) it gives %.3f." %
                         diag["irq_per_job_ratio"])
        if diag.get("batch64_ratio") is not None:
            parts.append("With 64 records per job instead of 16 it gives "
                         "%.3f: part of the cost is per job, not per "
                         "byte." % diag["batch64_ratio"])
        busy = max(det["machine"]["loadavg_start"],
                   det["machine"]["loadavg_end"])
        if busy > 1.0:
            parts.append("Other work was running on the machine (load "
                         "average up to %.1f on 2 CPUs), and it does not "
                         "weigh on the card's core and the baseline's core "
                         "alike; the %d runs gave %s." %
                         (busy, len(g["ratios"]),
                          ", ".join("%.3f" % r for r in g["ratios"])))
        return " ".join(parts)
    if key == "null_instructions_per_job_batch32":
        if det["null"]["inside_tc_qp_submit_flush_poll_per_job"] is None:
            return "See detail.null."
        return ("This counts everything on the driver thread, including "
                "the sim's doorbell handling (the model's MMIO write runs "
                "on that thread); inside tc_qp_submit/flush/poll alone it "
                "is %.0f per job." %
                det["null"]["inside_tc_qp_submit_flush_poll_per_job"])
    if key == "lb_throughput_fraction":
        return ("ECT's shares were %s for capacities 1:2:4 (ideal 0.143, "
                "0.286, 0.571).  The cards' engines, their X25519 work "
                "and the driver share one core with whatever else runs "
                "on the machine (load average %.1f at the start), so an "
                "engine that is not scheduled on time loses capacity the "
                "timing model cannot give back; the runs gave %s." %
                (["%.3f" % x for x in det["lb"]["ect_share"]],
                 det["machine"]["loadavg_start"],
                 ", ".join("%.3f" % f for f in det["lb"]["fractions"])))
    if key == "lb_p99_ratio_vs_round_robin":
        return ("p99 %.1f ms with ECT vs %.1f ms with round-robin; runs "
                "gave %s." % (det["lb"]["ect_p99_ms"], det["lb"]["rr_p99_ms"],
                              ", ".join("%.3f" % r
                                        for r in det["lb"]["p99_ratios"])))
    return ""


def write_md(path, d):
    m = d["detail"]["machine"]
    lines = [
        "# Driver benchmark",
        "",
        "Written by `make bench-driver` (tools/bench_driver.py); the same "
        "numbers are in driver.json.  Each figure is a median of %d runs "
        "(callgrind: %d), each run measuring the card path and its "
        "baseline side by side in one process."
        % (d["detail"]["runs"], d["detail"]["callgrind_runs"]),
        "",
        "Machine: %d CPUs (`nproc`), %s; %s; Linux %s; load average %.2f "
        "at start, %.2f at the end (the machine is shared: other work "
        "running at the same time lowers the card path and the baseline "
        "alike, but not always equally)." %
        (m["nproc"], m["cpu_model"], m["openssl"], m["kernel"],
         m["loadavg_start"], m["loadavg_end"]),
        "",
        "## Method",
        "",
        "- Pinning, aead and digest (the headline figures): the sim card "
        "stands in for a separate device, so it gets a core of its own.  "
        "The driver thread, which also runs the libcrypto baseline, is "
        "pinned to CPU %d and the sim card's threads (its engine and its "
        "timer) to CPU %d (`--cpu-driver %d --cpu-card %d`), with "
        "`--sim-spec engines=1` so the card has no more engine threads "
        "than its core.  The baseline uses one core, as the card path's "
        "host side does; the card's core stands for the card's silicon."
        % (d["detail"]["cpu"], d["detail"]["card_cpu"], d["detail"]["cpu"],
           d["detail"]["card_cpu"]),
        "- All on one core (a detail, not the headline): `taskset -c %d` "
        "on the whole program with the card's default two engines, so "
        "the driver, the baseline and the card's threads share one core; "
        "there the card's every cycle of model overhead and every "
        "context switch is taken from the same core the baseline uses "
        "alone." % d["detail"]["cpu"],
        "- null and lb: `taskset -c %d` on the whole program."
        % d["detail"]["cpu"],
        "- Interrupts: aead and digest ask the driver for adaptive "
        "coalescing (`tc_qp_set_coalesce(qp, TC_QP_COALESCE_ADAPTIVE)`: "
        "COALESCE count = half the jobs in flight, as a power of two up "
        "to 32, time 1000 us; the card also signals when a queue goes "
        "idle, so nothing is stranded).  The driver's default is still "
        "an interrupt per completion.  The bench reads the register back "
        "from the card and reports it with the card's interrupt count "
        "per job.",
        "- CPU time ratio (a detail): libcrypto's CPU time per unit of "
        "work over the sim card threads' CPU time per unit, from thread "
        "CPU clocks.  Other load on the machine barely moves it, so it "
        "shows the model's own overhead apart from scheduling.",
        "- Side by side: aead and digest alternate ten 100 ms card slices "
        "with ten 100 ms libcrypto slices in one process, so other load on "
        "the machine weighs on both sides alike; both sides use the same "
        "input and output buffers.  The card's results are checked against "
        "libcrypto before timing.",
        "- null: callgrind counts instructions, not time, so it is immune "
        "to the machine's load; the driver thread blocks on the queue's "
        "eventfd while it waits, so empty polls do not inflate it.",
        "- lb: a closed loop with 48 jobs always outstanding saturates the "
        "cards, which is what throughput over aggregate capacity needs (an "
        "open loop at 90% of capacity could never exceed 0.9).  p99 comes "
        "from the same runs.  An open-loop run (Poisson arrivals at 90% "
        "of capacity, latency from arrival) is in the details.",
        "",
        "## Results",
        "",
        "| key | value | target | result | how it was measured |",
        "|---|---|---|---|---|",
    ]
    misses = []
    for key in TARGETS:
        ok, target = verdict(key, d[key])
        lines.append("| `%s` | %s | %s | %s | %s |" %
                     (key, fmt(d[key]), target, "pass" if ok else "MISS",
                      HOW[key]))
        if not ok:
            misses.append(key)
    lines += ["", "## Details", ""]
    det = d["detail"]
    inside = det["null"]["inside_tc_qp_submit_flush_poll_per_job"]
    lines.append("- null: %.0f instructions per job on the driver thread "
                 "(runs: %s); inside tc_qp_submit/flush/poll only: %s; "
                 "natively %.0f NOP jobs/s at batch 32." %
                 (d["null_instructions_per_job_batch32"],
                  ", ".join("%.0f" % v for v in det["null"]["runs"]),
                  "%.0f" % inside if inside is not None else "n/a",
                  det["null"]["native_jobs_per_sec"]))
    a = det["aead"]
    lines.append("- aead: card %.0f MB/s, libcrypto %.0f MB/s (medians); "
                 "ratios %s; CPU time ratio %.3f; engine busy %.0f%%; "
                 "%.3f interrupts per job (COALESCE %s)." %
                 (a["card_MBps"], a["cpu_MBps"],
                  ", ".join("%.3f" % r for r in a["ratios"]),
                  a["cpu_time_ratio"], 100 * a["card_engine_busy_share"],
                  a["card_irqs_per_job"], a["irq_coalesce"]))
    g = det["digest"]
    lines.append("- digest: card %.0f jobs/s, libcrypto %.0f jobs/s "
                 "(medians); ratios %s; CPU time ratio %.3f; engine busy "
                 "%.0f%%; %.3f interrupts per job (COALESCE %s); the card "
                 "threads' CPU per job %.2f us." %
                 (g["card_jobs_per_sec"], g["cpu_jobs_per_sec"],
                  ", ".join("%.3f" % r for r in g["ratios"]),
                  g["cpu_time_ratio"], 100 * g["card_engine_busy_share"],
                  g["card_irqs_per_job"], g["irq_coalesce"],
                  g["card_cpu_us_per_job"]))
    lb = det["lb"]
    lines.append("- lb (closed loop, %d outstanding, capacity %s = %.0f/s): "
                 "ECT shares %s, round-robin shares %s; p99 %.1f ms (ECT) "
                 "vs %.1f ms (RR); RR reaches %.3f of capacity." %
                 (lb["outstanding"], lb["capacity_per_card"],
                  lb["aggregate_capacity"],
                  ["%.3f" % s for s in lb["ect_share"]],
                  ["%.3f" % s for s in lb["rr_share"]],
                  lb["ect_p99_ms"], lb["rr_p99_ms"],
                  lb["rr_throughput_fraction"]))
    if "lb_open" in det:
        o = det["lb_open"]
        lines.append("- lb, open loop (Poisson arrivals at %.0f%% of "
                     "capacity, latency from arrival): p99 %.1f ms (ECT) vs "
                     "%.1f ms (RR); round-robin overloads the 1x card, whose "
                     "ring then fills and turns it away." %
                     (100 * o["offered_load"], o["ect"]["p99_ms"],
                      o["rr"]["p99_ms"]))
    for name in ("aead", "digest"):
        dg = det.get(name + "_diagnostics")
        if dg:
            extra = ""
            if dg.get("batch64_ratio") is not None:
                extra = "; 64 records per job %.3f" % dg["batch64_ratio"]
            lines.append("- %s diagnostics (not the target figure, "
                         "medians of %d): all on one core (taskset -c %d, "
                         "2 engines) %.3f (runs %s); an interrupt per "
                         "completion (COALESCE 0) %.3f%s." %
                         (name, dg["runs"], det["cpu"],
                          dg["one_core_ratio"],
                          ", ".join("%.3f" % r
                                    for r in dg["one_core_ratios"]),
                          dg["irq_per_job_ratio"], extra))
    if misses:
        lines += ["", "## Missed targets: what limits them", ""]
        for key in misses:
            lines.append("- `%s` = %s: %s" % (key, fmt(d[key]),
                                               limits_text(key, d)))
    lines.append("")
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "bench"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true",
                    help="fewer runs and jobs (a smoke test, not results)")
    args = ap.parse_args()
    if not os.path.exists(CTL):
        log("%s missing: run make first" % CTL)
        return 1
    runs = 2 if args.quick else args.runs
    cg_runs = 1 if args.quick else 3
    lb_runs = 1 if args.quick else 3
    cpu = max(os.sched_getaffinity(0))
    other = min(os.sched_getaffinity(0))
    if other == cpu:
        log("one CPU only: the card cannot have a core of its own")
        return 1
    both = "%d,%d" % (other, cpu)
    split = split_args(cpu, other)
    start = time.time()
    det = {"machine": machine(), "runs": runs, "callgrind_runs": cg_runs,
           "cpu": cpu, "card_cpu": other}

    log("null (callgrind)")
    null, det["null"] = bench_null(cpu, cg_runs, 2000,
                                   6000 if args.quick else 12000)
    log("aead")
    aead, res = bench_ratio("aead", both, runs, split)
    det["aead"] = summarize("aead", res)
    log("digest")
    digest, res = bench_ratio("digest", both, runs, split)
    det["digest"] = summarize("digest", res)
    log("lb")
    frac, p99, det["lb"] = bench_lb(cpu, lb_runs)
    if not args.quick:
        log("lb open loop (detail)")
        det["lb_open"] = bench_lb_open(cpu)
    # Diagnostics: what the card path costs comes from (not the figures).
    diag_runs = 1 if args.quick else 3
    for name in ("aead", "digest"):
        log("%s diagnostics" % name)
        one, one_res = bench_ratio(name, cpu, diag_runs)
        co, _ = bench_ratio(name, both, diag_runs,
                            split + ["--coalesce", "0"])
        det[name + "_diagnostics"] = {
            "runs": diag_runs,
            "one_core_ratio": one,
            "one_core_ratios": [r["ratio"] for r in one_res],
            "irq_per_job_ratio": co}
        if name == "aead":
            big, _ = bench_ratio(name, both, diag_runs,
                                 split + ["--batch", "64"])
            det[name + "_diagnostics"]["batch64_ratio"] = big
    det["machine"]["loadavg_end"] = os.getloadavg()[0]
    det["seconds"] = round(time.time() - start, 1)

    doc = {
        "null_instructions_per_job_batch32": round(null, 1),
        "aead_aes128gcm_16k_ratio_vs_cpu": round(aead, 4),
        "digest_sha256_sg_ratio_vs_cpu": round(digest, 4),
        "lb_throughput_fraction": round(frac, 4),
        "lb_p99_ratio_vs_round_robin": round(p99, 4),
        "detail": det,
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "driver.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    write_md(os.path.join(args.out, "driver.md"), doc)
    for key in TARGETS:
        ok, target = verdict(key, doc[key])
        log("%-36s %10s  target %-7s %s" % (key, fmt(doc[key]), target,
                                            "pass" if ok else "MISS"))
    log("done in %.0f s: %s/driver.{json,md}" % (det["seconds"], args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
