# SPDX-License-Identifier: MIT
"""Failover (method M5): one card of three misbehaves through its
fault-injection registers; every job must still complete correctly exactly
once, on the others.  `tlscardctl load` verifies each result against
libcrypto and counts lost and doubly-completed jobs."""
import pytest

JOBS = 3000


def load(ctl, *args, jobs=JOBS, timeout=120):
    res = ctl("load", "--device", "sim:3", "--jobs", jobs, "--json",
              "--max-seconds", 60, *args, timeout=timeout)
    rep = res.json()
    return res, rep


def assert_all_jobs_right(res, rep, jobs=JOBS):
    assert rep["ok"] == jobs, res
    assert rep["failed"] == 0 and rep["wrong"] == 0, res
    assert rep["lost"] == 0, res
    assert rep["done_twice"] == 0, res
    assert rep["unsubmitted"] == 0, res
    assert sum(c["jobs"] for c in rep["cards"]) == jobs, res
    assert res.returncode == 0, res


@pytest.mark.parametrize("op", ["nop", "digest", "aead"])
def test_healthy_cards(ctl, op):
    res, rep = load(ctl, "--op", op)
    assert_all_jobs_right(res, rep)
    for card in rep["cards"]:
        assert card["state"] == "up"
        assert card["quarantines"] == 0 and card["resets"] == 0


@pytest.mark.parametrize("op", ["nop", "digest", "aead"])
def test_card_failing_every_job_is_quarantined(ctl, op):
    res, rep = load(ctl, "--op", op, "--fault", "1:error-rate=1.0")
    assert_all_jobs_right(res, rep)
    bad = rep["cards"][1]
    assert bad["jobs"] == 0, bad
    assert bad["injected"] > 0, bad
    assert bad["quarantines"] >= 1, bad
    assert bad["state"] == "quarantined", bad
    assert bad["retried_away"] >= 1, bad
    for i in (0, 2):
        assert rep["cards"][i]["state"] == "up"


def test_intermittent_errors_are_retried(ctl):
    # 30% of the card's jobs fail: each is re-run elsewhere; the card may
    # or may not be quarantined, but no job is lost or wrong.
    res, rep = load(ctl, "--fault", "1:error-rate=0.3", "--policy", "rr")
    assert_all_jobs_right(res, rep)
    assert rep["cards"][1]["injected"] > 0


def test_hung_card(ctl):
    # The card stops completing: its jobs time out after --timeout-ms,
    # the pool resets or quarantines it and re-runs them on the others.
    res, rep = load(ctl, "--fault", "1:stall", "--timeout-ms", 100,
                    "--op", "digest")
    assert_all_jobs_right(res, rep)
    hung = rep["cards"][1]
    assert hung["jobs"] == 0, hung
    assert hung["resets"] + hung["quarantines"] >= 1, hung
    assert hung["retried_away"] >= 1, hung
    assert rep["cards"][0]["jobs"] + rep["cards"][2]["jobs"] == JOBS


def test_hung_card_under_round_robin(ctl):
    res, rep = load(ctl, "--fault", "0:stall", "--timeout-ms", 100,
                    "--policy", "rr", "--op", "aead")
    assert_all_jobs_right(res, rep)
    assert rep["cards"][0]["jobs"] == 0


def test_card_resetting_itself(ctl):
    # A card that resets itself every 50 jobs aborts what it holds each
    # time; round-robin keeps sending it work, so it resets many times.
    res, rep = load(ctl, "--fault", "1:reset-after=50", "--policy", "rr",
                    "--op", "aead")
    assert_all_jobs_right(res, rep)
    card = rep["cards"][1]
    assert card["resets"] >= 3, card
    assert card["jobs"] > 0, card


def test_slow_card_gets_less_work(ctl):
    # 20 ms added to every job of card 2: least-expected-completion-time
    # steers most jobs to the other two.
    res, rep = load(ctl, "--fault", "2:latency-us=20000", "--op", "nop",
                    "--window", 16)
    assert_all_jobs_right(res, rep)
    assert rep["cards"][2]["jobs"] < JOBS * 0.05, rep["cards"]


def test_every_card_failing_is_reported(ctl):
    # The load test must be able to fail: with every card broken, jobs
    # fail after their retries and the exit status says so.
    res, rep = load(ctl, "--fault", "0:error-rate=1.0", "--fault",
                    "1:error-rate=1.0", "--fault", "2:error-rate=1.0",
                    "--timeout-ms", 100, jobs=100)
    assert res.returncode == 1, res
    assert rep["ok"] < 100
    assert rep["failed"] + rep["lost"] + rep["unsubmitted"] > 0
    assert rep["first_error"], rep
    assert rep["stopped"].startswith("no usable card"), rep
