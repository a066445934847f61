# SPDX-License-Identifier: MIT
"""docs/bench/offload.md for `make bench-offload` (tools/bench_offload.py).

Every number comes from the results of the one run passed in; the text
around them says what limits each figure.
"""

import statistics
import time

# key: (target text, predicate, what)
TARGETS = {
    "host_cpu_us_per_handshake_cards": (
        "–", None, "daemon threads' CPU per handshake, 3 sim cards"),
    "ratio_vs_nginx_ecdsa": (
        "≤ 0.10", lambda v: v <= 0.10, "the above over nginx's, same run"),
    "doorbells_per_handshake_256": (
        "≤ 0.1", lambda v: v <= 0.1, "card doorbells per handshake, 256 "
        "concurrent"),
    "interrupts_per_handshake_256": (
        "≤ 0.1", lambda v: v <= 0.1, "card interrupts per handshake, 256 "
        "concurrent"),
    "pke_delivered_fraction": (
        "≥ 0.90", lambda v: v >= 0.90, "PKE ops/s delivered over the "
        "cards' raw capacity"),
    "patent_replay_gain": (
        "≥ 0.30", lambda v: v >= 0.30, "hs/s checkpointed over "
        "incremental, minus 1, one card limited in jobs/s"),
    "lb_unequal_throughput_fraction": (
        "≥ 0.95", lambda v: v >= 0.95, "hs/s over the 1x/2x/4x cards' "
        "summed capacity"),
    "nginx_cpu_us_per_handshake_ecdsa": ("–", None, "baseline"),
    "host_cpu_us_per_handshake_no_cards": (
        "–", None, "tlscardd --cards none, same run (context)"),
}


def med(vals):
    return statistics.median(vals) if vals else 0.0


def fmt_list(vals, f="%.0f"):
    return ", ".join(f % v for v in vals)


def results_table(keys, notes):
    out = ["| key | value | target | result | what |",
           "|---|---|---|---|---|"]
    for k, v in keys.items():
        tgt, ok, what = TARGETS.get(k, ("–", None, ""))
        res = "–" if ok is None else ("pass" if ok(v) else "**miss**")
        if k in notes:
            res += " (%s)" % notes[k]
        out.append("| `%s` | %s | %s | %s | %s |" % (k, v, tgt, res, what))
    return out


def cpu_section(c, keys):
    cards, none, ng = c["cards"], c["none"], c["nginx"]
    out = ["## Host CPU per handshake (TLS 1.3, ECDSA P-256, 32 "
           "connections)", "",
           "| server | CPU µs/hs (median) | user | sys | runs | req/s | "
           "card threads' CPU µs/hs | wrk errors |",
           "|---|---|---|---|---|---|---|---|"]
    for name, rs, card in (("tlscardd --cards sim:3 --offload-always",
                            cards, True),
                           ("tlscardd --cards none", none, False),
                           ("nginx", ng, False)):
        out.append("| %s | **%.0f** | %.0f | %.0f | %s | %.0f | %s | %s |" %
                   (name, med([r["cpu_us"] for r in rs]),
                    med([r["user_us"] for r in rs]),
                    med([r["sys_us"] for r in rs]),
                    fmt_list([r["cpu_us"] for r in rs]),
                    med([r["rps"] for r in rs]),
                    "%.0f" % med([r["card_us"] for r in rs]) if card
                    else "–",
                    "; ".join(sorted({r["errors"] for r in rs
                                      if r["errors"]})) or "none"))
    names = sorted({n for r in cards for n in r["daemon_threads"]})
    jobs = med([r["card_jobs"] / max(r["handshakes"], 1) for r in cards])
    cpu_jobs = sum(r["cpu_jobs"] for r in cards)
    out += ["", "Threads counted as the daemon's: %s; the card model's "
            "threads (`tc-engine*`, `tc-timer`) are not.  %.1f card jobs "
            "per handshake; %d jobs ran on the CPU instead (fallbacks)." %
            (", ".join("`%s`" % n for n in names), jobs, cpu_jobs), ""]
    return out


def conc_section(c):
    rs = c["cards256"]
    out = ["## Doorbells and interrupts at %s concurrent handshakes" %
           "256", "",
           "| run | handshakes | hs/s | doorbells | interrupts | "
           "doorbells/hs | interrupts/hs | card jobs/hs |",
           "|---|---|---|---|---|---|---|---|"]
    for i, r in enumerate(rs):
        h = max(r["handshakes"], 1)
        out.append("| %d | %d | %.0f | %d | %d | %.2f | %.2f | %.1f |" %
                   (i + 1, r["handshakes"], r["hs_per_s"], r["doorbells"],
                    r["interrupts"], r["doorbells"] / h,
                    r["interrupts"] / h, r["card_jobs"] / h))
    per = [r["doorbells"] / max(r["handshakes"], 1) for r in rs]
    if per and max(per) > 2 * min(per):
        best = max(rs, key=lambda r: r["hs_per_s"])
        out += ["", "Run to run this moved between %.2f and %.2f doorbells "
                "per handshake with the machine's other load; the run "
                "with the most handshakes/s (%.0f) had %.2f: the more "
                "connections a loop pass serves, the more jobs each "
                "doorbell carries." % (
                    min(per), max(per), best["hs_per_s"],
                    best["doorbells"] / max(best["handshakes"], 1))]
    return out + [""]


def pke_section(p):
    out = ["## PKE delivered with rate-limited cards", "",
           "`--sim-spec %s` on 3 cards; raw capacity from `tlscardctl "
           "bench lb --ratios 1,1,1` with the same per-engine rate and "
           "engines (closed loop, 48 outstanding X25519 derives)." %
           p["spec"], "",
           "| run | capacity (bench lb), PKE/s | delivered PKE/s | fraction "
           "| hs/s | PKE per card | engines busy per card |",
           "|---|---|---|---|---|---|---|"]
    for i, (r, cap) in enumerate(zip(p["runs"], p["capacity"])):
        out.append("| %d | %.0f (nominal %.0f) | %.0f | %.3f | %.0f | %s | "
                   "%s |" % (i + 1, cap["throughput"], cap["nominal"],
                             r["pke_per_s"], r["fraction"], r["hs_per_s"],
                             r["per_card_pke"], r.get("per_card_busy", "")))
    return out + [""]


def patent_section(pt):
    out = ["## Checkpointed digests vs the replayed incremental transcript",
           "", "One sim card, `--sim-spec %s`: the card completes at most "
           "that many jobs per second, of any kind (docs/card-spec.md).  "
           "The patent's example card does 20,000 jobs/s; at ~22 jobs per "
           "handshake that needs ~900 handshakes/s, about three times what "
           "wrk, the backend, the card model and the daemon can drive on "
           "this shared 2-core machine, so the card here is scaled down "
           "to make it the bottleneck.  The gain compares two rates on "
           "the same card, so the scale cancels out." % pt["spec"], "",
           "| mode | hs/s (runs) | median | card jobs/hs | digest jobs/hs "
           "| card jobs/s |", "|---|---|---|---|---|---|"]
    for key, name in (("m1", "checkpointed (M1)"),
                      ("incremental", "--incremental-transcript")):
        rs = pt[key]
        out.append("| %s | %s | **%.0f** | %.1f | %.1f | %.0f |" % (
            name, fmt_list([r["hs_per_s"] for r in rs]),
            med([r["hs_per_s"] for r in rs]),
            med([r["jobs_per_hs"] for r in rs]),
            med([r["digest_jobs"] / max(r["handshakes"], 1) for r in rs]),
            med([r["card_jobs_per_s"] for r in rs])))
    lim = int(pt["spec"].split("=")[1])
    use = [med([r["card_jobs_per_s"] for r in pt[k]]) / lim
           for k in ("m1", "incremental")]
    a = med([r["jobs_per_hs"] for r in pt["m1"]])
    b = med([r["jobs_per_hs"] for r in pt["incremental"]])
    out += ["", "The card ran at %.0f%% (checkpointed) and %.0f%% "
            "(incremental) of its %d jobs/s.  Were the card's job rate the "
            "only limit, the gain would be the job ratio minus 1: %.1f / "
            "%.1f - 1 = %.2f." % (100 * use[0], 100 * use[1], lim, b, a,
                                  b / a - 1)]
    if max(use) < 0.8:
        out += ["Here the card was not the bottleneck: each handshake's "
                "jobs wait for their round trips one after another, so the "
                "measured gain reflects per-job latency and host cost "
                "(which also grow with the job count), not the card's "
                "job limit; it is not evidence for the target."]
    elif (b / a - 1) < med([r["hs_per_s"] for r in pt["m1"]]) / \
            max(med([r["hs_per_s"] for r in pt["incremental"]]), 1e-9) - 1:
        out += ["The measured gain is above the job ratio: the replayed "
                "transcript's digest jobs come one after another in each "
                "handshake (a job per message, each waiting for the one "
                "before), so a handshake also takes longer, and with a "
                "fixed number of connections a longer handshake is fewer "
                "handshakes per second even where the card has slots "
                "left."]
    return out + [""]


def lb_section(lb):
    out = ["## Unequal cards (1x/2x/4x)", "",
           "`%s`: nominal summed capacity %d PKE ops/s, so %d handshakes/s "
           "at 3 PKE ops per handshake (keygen, derive, sign; the measured "
           "PKE/hs is in the table)." %
           (" ".join(lb["specs"]), lb["nominal_pke_per_s"],
            lb["nominal_pke_per_s"] // 3), "",
           "| run | hs/s | PKE/hs | hs/s allowed | fraction | PKE/s over "
           "capacity | PKE per card | engines busy per card | bench lb "
           "(ECT) PKE/s |", "|---|---|---|---|---|---|---|---|---|"]
    for i, (r, cap) in enumerate(zip(lb["runs"], lb["capacity"])):
        out.append("| %d | %.0f | %.2f | %.0f | %.3f | %.3f | %s | %s | %.0f "
                   "|" % (i + 1, r["hs_per_s"], r["pke_per_hs"],
                          r["hs_capacity"], r["fraction"],
                          r.get("pke_fraction", 0), r["per_card_pke"],
                          r.get("per_card_busy", ""), cap["throughput"]))
    out += ["", "Handshakes complete in waves here (every connection waits "
            "on the same slow cards), so a window's handshake count is off "
            "by up to a wave at each end; the PKE column (card completions, "
            "3 per handshake) has no such edge and shows the cards' "
            "delivered share of capacity directly."]
    return out + [""]


def _per(rs, num, den):
    return med([r[num] / max(r[den], 1) for r in rs])


def _busy(rs):
    cols = list(zip(*[r.get("per_card_busy", []) for r in rs]))
    return "/".join("%.0f%%" % (100 * med(col)) for col in cols) or "?"


def _shares(rs):
    tot = [max(sum(r["per_card_pke"]), 1) for r in rs]
    cols = list(zip(*[[x / t for x in r["per_card_pke"]]
                      for r, t in zip(rs, tot)]))
    return "/".join("%.2f" % med(col) for col in cols)


def _follows(rs, want=(1 / 7, 2 / 7, 4 / 7), tol=0.05):
    shares = [float(x) for x in _shares(rs).split("/")]
    return len(shares) == 3 and all(abs(a - b) <= tol
                                    for a, b in zip(shares, want))


def misses(keys, res, mach, p):
    c = res["cpu"]
    out = ["## Missed targets: what limits them", ""]
    sync = not mach["async_daemon"]
    if sync:
        out += ["**This build's tlscardd calls the cards synchronously**: "
                "an engine op submits its job(s), rings the doorbell and "
                "waits (docs/offload.md, \"Execution\"), so one card job "
                "(or one AEAD batch) is in flight at a time for the whole "
                "daemon.  Every capacity figure below is bounded by that, "
                "not by the cards; the asynchronous daemon (parked "
                "connections, one doorbell per card per event-loop pass) "
                "is being built on another branch.", ""]
    k = keys
    if k["ratio_vs_nginx_ecdsa"] > 0.10:
        sys_us = med([r["sys_us"] for r in c["cards"]])
        out += ["- `ratio_vs_nginx_ecdsa` = %s: the daemon's thread still "
                "spends %.0f µs per handshake, %.0f of it in the kernel "
                "(system time).  tlscardd is a proxy: per request it also "
                "connects to, writes to and closes a backend TCP "
                "connection, and on loopback the kernel does both ends' "
                "TCP work in the sender's system call; docs/bench/tls.md "
                "measured that kernel cost at ~135 µs per handshake, "
                "against nginx's %.0f µs in total here.  The target "
                "(≤ %.0f µs) is below the kernel cost alone: out of reach "
                "for a proxy on this machine whatever the cards do." % (
                    k["ratio_vs_nginx_ecdsa"],
                    k["host_cpu_us_per_handshake_cards"], sys_us,
                    k["nginx_cpu_us_per_handshake_ecdsa"],
                    0.10 * k["nginx_cpu_us_per_handshake_ecdsa"])]
        jobs = med([r["card_jobs"] / max(r["handshakes"], 1)
                    for r in c["cards"]])
        extra = k["host_cpu_us_per_handshake_cards"] - \
            k["host_cpu_us_per_handshake_no_cards"]
        if extra > 0:
            out[-1] += ("  The cards take the crypto off the host, yet "
                        "the daemon spends %.0f µs more per handshake than "
                        "`--cards none` (%.0f µs) in the same run: %.0f "
                        "µs of host time per card job (%.1f jobs per "
                        "handshake), mostly system time%s." % (
                            extra,
                            k["host_cpu_us_per_handshake_no_cards"],
                            extra / max(jobs, 1e-9), jobs,
                            ": every job is a doorbell (which wakes a "
                            "sim card engine thread), a poll(2) sleep on "
                            "the queue's eventfd and a wake-up on its "
                            "interrupt, one job at a time"
                            if sync else
                            " (doorbells, interrupts, eventfd reads)"))
    if k["doorbells_per_handshake_256"] > 0.1 or \
            k["interrupts_per_handshake_256"] > 0.1:
        jobs = med([r["card_jobs"] / max(r["handshakes"], 1)
                    for r in c["cards256"]])
        out += ["- `doorbells_per_handshake_256` = %s, "
                "`interrupts_per_handshake_256` = %s: a handshake is %.1f "
                "card jobs; ≤ 0.1 doorbells per handshake needs each "
                "doorbell to carry the jobs of 10 handshakes (~%.0f jobs) "
                "per card, i.e. jobs from many connections collected in "
                "one event-loop pass, and completions coalesced as "
                "much.%s" % (
                    k["doorbells_per_handshake_256"],
                    k["interrupts_per_handshake_256"], jobs, 10 * jobs,
                    "  The synchronous daemon rings once per job (or "
                    "batch) and waits for its completion, so no batching "
                    "across connections is possible." if sync else
                    "  Here each doorbell carried %.1f jobs and each "
                    "interrupt completed %.1f: the daemon rings each card "
                    "once per event-loop pass, but at 256 connections a "
                    "pass still holds only the jobs of the connections "
                    "whose data or completions arrived since the last "
                    "one." % (_per(c["cards256"], "card_jobs", "doorbells"),
                              _per(c["cards256"], "card_jobs",
                                   "interrupts")))]
    if k["pke_delivered_fraction"] < 0.90:
        out += ["- `pke_delivered_fraction` = %s: the cards can do %d "
                "engines x %d PKE/s each, but a card engine only works "
                "while a job is queued on it.%s" % (
                    k["pke_delivered_fraction"], 3 * p["engines"],
                    p["pke_ops"],
                    "  With one job in flight for the whole daemon at most "
                    "one of the 6 engines is busy at a time: the ceiling "
                    "is 1/6 of capacity." if sync else
                    "  The cards' own busy time (the model's engine "
                    "counters) says their engines were busy %s of the "
                    "window (median per card): their queues ran dry at "
                    "times.  A likely cause: a connection has at most one "
                    "card job in flight (its handshake is parked on it) "
                    "and between jobs it waits for the next loop pass, for "
                    "its CPU steps and for the client, so %d connections "
                    "do not always keep 6 engines fed." % (
                        _busy(res["pke"]["runs"]), p["cap_conc"]))]
    if k["patent_replay_gain"] < 0.30:
        pt = res["patent"]
        a = med([r["jobs_per_hs"] for r in pt["m1"]])
        b = med([r["jobs_per_hs"] for r in pt["incremental"]])
        out += ["- `patent_replay_gain` = %s: checkpoints save %.1f card "
                "jobs per handshake (%.1f with them, %.1f replaying), so "
                "even when the card's job rate is the only limit the gain "
                "is at most %.2f.  Most of a handshake's card jobs are not "
                "digests: ECDH keygen, the key load that makes its export "
                "a pool key, derive, sign, AEAD key loads and record "
                "batches.%s" % (
                    k["patent_replay_gain"], b - a, a, b, b / a - 1,
                    "  With synchronous calls the handshake rate is also "
                    "bound by each job's round trip plus the daemon's own "
                    "CPU, not only by the card's job rate." if sync
                    else "")]
    if k["lb_unequal_throughput_fraction"] < 0.95:
        out += ["- `lb_unequal_throughput_fraction` = %s: %s" % (
            k["lb_unequal_throughput_fraction"],
            "with one job in flight the cards are never all busy; the "
            "figure measures the synchronous round trip, not the "
            "balancing (bench-driver's lb, which keeps 48 jobs "
            "outstanding, reaches its capacity)." if sync else
            "the PKE split over the cards (median %s) against their "
            "capacity shares 1:2:4 = 0.14/0.29/0.57, engines busy %s per "
            "card: %s" % (_shares(res["lb"]["runs"]),
                        _busy(res["lb"]["runs"]),
                        "the split follows capacity, and the shortfall is "
                        "idle engine time, as for `pke_delivered_fraction`."
                        if _follows(res["lb"]["runs"]) else
                        "the split does not follow capacity: the scheduler "
                        "left the faster cards short of work."))]
    return out + [""]


def method(p, args, mach):
    return ["## Method", "",
            "- Certificates, backend and nginx as in bench-tls "
            "(tools/bench_tls_servers.py, after "
            "../shared/reference/peer-bench/): fresh ECDSA P-256 "
            "CN=localhost; nginx 1 worker, no session cache or tickets, "
            "`return 200`; tlscardd `--no-tickets` in front of "
            "tools/bench_backend.c; TLS 1.3, TLS_AES_128_GCM_SHA256, "
            "X25519.",
            "- Pinning: nginx and tlscardd on core 0 (`taskset -c 0`); "
            "right after start the card model's threads (`tc-engine*`, "
            "`tc-timer`, named by hwmodel/tc_engine.c and tc_timer.c) are "
            "moved to core 1, with wrk and the backend: the sim card stands "
            "for separate hardware, as in bench-driver.",
            "- CPU: per thread, utime+stime from /proc/PID/task/TID/stat "
            "before and after each run; the daemon's threads are all but "
            "the card model's.  nginx: every process (master, worker).  "
            "Per wrk-completed request, each a new connection and a full "
            "handshake.",
            "- Load: `taskset -c 1 wrk -t1 -cN --timeout 10s -H "
            "\"Connection: close\"`.  CPU: N = 32 (as bench-tls), %d s "
            "runs, per wrk-completed request.  Counters: N = %d; "
            "capacity figures: N = %d (enough to keep the 6 card engines "
            "busy).  There the daemon's counters (`tlscardctl stats --json` over "
            "the control socket) and threads read 1 s into a %d s run and "
            "%d s later (capacity figures: 2 s in, and windows of %d s for "
            "the PKE and unequal-card runs), so "
            "the window holds neither the ramp of %d new "
            "connections nor the run's end; rates are the daemon's "
            "completed handshakes in the window." % (
                args.seconds, p["conc"], p["cap_conc"], args.seconds + 2,
                args.seconds, 2 * args.seconds, p["conc"]),
            "- Every configuration's runs are interleaved with its baseline "
            "(%d runs of %d s each); medians are reported: the 2 cores are "
            "shared with other work (load average %s at start, %s at "
            "the end)." % (args.runs, args.seconds, mach["loadavg_start"],
                           mach["loadavg_end"]),
            "- PKE capacity: `pke_ops` is per engine and the model's "
            "service time (1/ops) dominates the real X25519/ECDSA compute "
            "(tens of µs) by far, so every PKE op (keygen, derive, sign) "
            "costs the same card time; `tlscardctl bench lb` measures it "
            "with derives.",
            "- The patent's card: `card_jobs=%d` (hwmodel/tc_timing.c) "
            "caps the card's jobs per second over every class and engine.  "
            "`--incremental-transcript` on a card replays the transcript "
            "so far as one DIGEST job per message "
            "(daemon/tls/tls_offload_card_replay.c): the card keeps no hash "
            "state." % p["patent_jobs"], ""]


def write_report(path, keys, res, mach, args, params):
    lines = ["# Offload benchmark (`make bench-offload`)", "",
             "Generated by `tools/bench_offload.py` on %s in %d s; the same "
             "run wrote `offload.json`.  Every figure below comes from this "
             "one run." % (time.strftime("%Y-%m-%d %H:%M UTC",
                                         time.gmtime()),
                           mach["elapsed_s"]), "",
             "tlscardd: %s." % (
                 "asynchronous card calls" if mach["async_daemon"] else
                 "synchronous card calls (one card job in flight at a "
                 "time), see below"), "", "## Results", ""]
    pt = res["patent"]
    lim = int(pt["spec"].split("=")[1])
    notes = {}
    if max(med([r["card_jobs_per_s"] for r in pt[k]])
           for k in ("m1", "incremental")) < 0.8 * lim:
        notes["patent_replay_gain"] = "the card was not the bottleneck, " \
            "see below"
    lines += results_table(keys, notes) + [""]
    lines += cpu_section(res["cpu"], keys)
    lines += conc_section(res["cpu"])
    lines += pke_section(res["pke"])
    lines += patent_section(res["patent"])
    lines += lb_section(res["lb"])
    lines += misses(keys, res, mach, params)
    lines += method(params, args, mach)
    lines += ["## Machine", "",
              "- nproc: %s; cpu: %s; kernel %s" % (
                  mach["nproc"], mach["cpu"], mach["kernel"]),
              "- %s; %s" % (mach["openssl"], mach["nginx"]), ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))
