# SPDX-License-Identifier: MIT
"""Balancing across unequal cards (method M5).  Three sim cards whose
timing model gives them 1x, 2x and 4x the digest capacity: the pool's
least-expected-completion-time policy gives each a share of the jobs that
follows its capacity; round-robin gives each a third."""
import pytest

JOBS = 2000
# digest jobs/s of each card (one engine): service times of 2, 1 and
# 0.5 ms, long next to scheduling noise on a busy machine
CAPACITY = [500, 1000, 2000]
SHARE_TOLERANCE = 0.05


def unequal_load(ctl, policy, jobs=JOBS):
    args = ["load", "--device", "sim:3", "--jobs", jobs, "--op", "digest",
            "--policy", policy, "--json", "--max-seconds", 60]
    for i, ops in enumerate(CAPACITY):
        args += ["--card-spec", "%d:engines=1,digest_ops=%d" % (i, ops)]
    res = ctl(*args, timeout=120)
    rep = res.json()
    assert res.returncode == 0, res
    assert rep["ok"] == jobs and rep["lost"] == 0 and \
        rep["done_twice"] == 0, res
    return rep, [c["jobs"] / jobs for c in rep["cards"]]


def test_least_ect_share_follows_capacity(ctl):
    rep, shares = unequal_load(ctl, "ect")
    total = float(sum(CAPACITY))
    for i, cap in enumerate(CAPACITY):
        assert shares[i] == pytest.approx(cap / total,
                                          abs=SHARE_TOLERANCE), shares
    assert shares[0] < shares[1] < shares[2]


def test_round_robin_shares_equally(ctl):
    rep, shares = unequal_load(ctl, "rr")
    for s in shares:
        assert s == pytest.approx(1 / 3, abs=0.02), shares


def test_least_ect_finishes_sooner(ctl):
    # Same jobs, same cards: keeping every card busy finishes the run in
    # well under round-robin's time (which waits on the 1x card).
    ect, _ = unequal_load(ctl, "ect")
    rr, _ = unequal_load(ctl, "rr")
    assert ect["seconds"] < 0.75 * rr["seconds"], (ect["seconds"],
                                                    rr["seconds"])


def test_lb_bench_smoke(ctl):
    # The benchmark itself (short run): both policies report, ECT's shares
    # rise with capacity and round-robin's are equal.  The numbers that
    # count come from `make bench-driver`; this only checks it works.
    res = ctl("bench", "lb", "--seconds", "0.5", "--warmup", "0.2",
              "--json", timeout=120)
    assert res.returncode == 0, res
    doc = res.json()
    for key in ("throughput_fraction", "p99_ratio_vs_round_robin", "ect",
                "rr", "aggregate_capacity"):
        assert key in doc
    ect = doc["ect"]["share"]
    assert ect[0] < ect[1] < ect[2], ect
    for s in doc["rr"]["share"]:
        assert s == pytest.approx(1 / 3, abs=0.05)
