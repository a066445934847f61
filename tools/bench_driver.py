#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The driver benchmark (`make bench-driver`): writes docs/bench/driver.json
and docs/bench/driver.md.

Every figure comes from `tlscardctl bench <name>`, which measures the card
path and its baseline side by side in one process.  Each benchmark runs
several times pinned to one core with taskset (the driver thread, and with
it the sim card's engine threads: the machine has only two cores and the
program gets one); the reported value is the median of the runs.

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
        "flight, 1 s each side; card MB/s over EVP MB/s",
    "digest_sha256_sg_ratio_vs_cpu":
        "bench digest: SHA-256 over an 8-segment 4 KB scatter list, 64 "
        "jobs in flight, 1 s each side; card jobs/s over EVP jobs/s",
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


def summarize(name, results):
    if name == "aead":
        keys = ("card_MBps", "cpu_MBps")
    else:
        keys = ("card_jobs_per_sec", "cpu_jobs_per_sec")
    d = {k: statistics.median(r[k] for r in results) for k in keys}
    d["ratios"] = [r["ratio"] for r in results]
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
        base = d[key]
        diag = det.get(name + "_diagnostics", {})
        parts = [
            "The sim card's two engine threads run on the same core as "
            "the driver (the whole program is pinned to one core).  They "
            "do the same libcrypto work as the baseline, on the host "
            "buffers themselves (the sim maps IOVAs without copying), but "
            "the card path adds, per job, the descriptor fetch and "
            "decoding, the completion, an interrupt (the driver programs "
            "COALESCE = 0, and the sim delivers each interrupt as an "
            "eventfd write), the driver thread's wake-up to reap it, and "
            "context switches between the driver and the engines."]
        if name == "digest":
            parts.append("A job here is only 4 KB of SHA-256, so that "
                         "fixed cost is of the same order as the work.")
        co = diag.get("coalesced_ratio")
        if co is not None:
            if co > base + 0.05:
                parts.append("Interrupt coalescing (COALESCE %s, the "
                             "benchmark's --coalesce) lifts it to %.3f, so "
                             "interrupts are part of it." %
                             (diag["coalesce"], co))
            else:
                parts.append("Interrupt coalescing (COALESCE %s) gave "
                             "%.3f, so interrupts are not what limits it." %
                             (diag["coalesce"], co))
        if diag.get("batch64_ratio") is not None:
            parts.append("With 64 records per job instead of 16 it gives "
                         "%.3f: much of the cost is per job, not per "
                         "byte." % diag["batch64_ratio"])
        split = diag.get("split_ratio")
        if split is not None and split == split:
            parts.append("With the card's engines on the other core "
                         "(--cpu-card) and the driver alone on its own, "
                         "it gives %.3f." % split)
        parts.append("The driver's own work is about %.0f instructions "
                     "per job (null benchmark); the rest is the sim's "
                     "model and thread hand-offs, which a real card does "
                     "in its own hardware." %
                     d["null_instructions_per_job_batch32"])
        busy = max(det["machine"]["loadavg_start"],
                   det["machine"]["loadavg_end"])
        if busy > 1.0:
            parts.append("Other work was running on the machine (load "
                         "average up to %.1f); the %d runs gave %s." %
                         (busy,
                          len(det[name]["ratios"]),
                          ", ".join("%.3f" % r
                                    for r in det[name]["ratios"])))
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
        "baseline side by side in one process, pinned with `taskset -c %d`."
        % (d["detail"]["runs"], d["detail"]["callgrind_runs"],
           d["detail"]["cpu"]),
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
        "- Pinning: `taskset -c %d` on the whole program, so the driver "
        "thread and the sim card's engine threads share one core (the "
        "machine has two; the other is left to everything else)."
        % d["detail"]["cpu"],
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
                 "ratios %s." % (a["card_MBps"], a["cpu_MBps"],
                                 ", ".join("%.3f" % r for r in a["ratios"])))
    g = det["digest"]
    lines.append("- digest: card %.0f jobs/s, libcrypto %.0f jobs/s "
                 "(medians); ratios %s." %
                 (g["card_jobs_per_sec"], g["cpu_jobs_per_sec"],
                  ", ".join("%.3f" % r for r in g["ratios"])))
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
            lines.append("- %s diagnostics (not the target figure): "
                         "coalesced interrupts (%s) %.3f; engines on the "
                         "other core %.3f%s." %
                         (name, dg["coalesce"], dg["coalesced_ratio"],
                          dg["split_ratio"], extra))
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
    start = time.time()
    det = {"machine": machine(), "runs": runs, "callgrind_runs": cg_runs,
           "cpu": cpu}

    log("null (callgrind)")
    null, det["null"] = bench_null(cpu, cg_runs, 2000,
                                   6000 if args.quick else 12000)
    log("aead")
    aead, res = bench_ratio("aead", cpu, runs)
    det["aead"] = summarize("aead", res)
    log("digest")
    digest, res = bench_ratio("digest", cpu, runs)
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
        co, _ = bench_ratio(name, cpu, diag_runs, ["--coalesce", "32:50"])
        if other != cpu:
            split, _ = bench_ratio(name, "%d,%d" % (other, cpu), diag_runs,
                                   ["--cpu-driver", str(cpu),
                                    "--cpu-card", str(other)])
        else:
            split = float("nan")
        det[name + "_diagnostics"] = {"coalesce": "32:50",
                                      "coalesced_ratio": co,
                                      "split_ratio": split}
        if name == "aead":
            big, _ = bench_ratio(name, cpu, diag_runs, ["--batch", "64"])
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
