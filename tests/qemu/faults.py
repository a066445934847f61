"""Running `tlscardctl load` in the guest, and undoing its fault injection.

A sim card dies with the process; a card in the guest keeps its
fault-injection registers across processes and resets, so every test that
injects faults clears them afterwards."""

import json

import pytest


def load(guest, ncards, faults=(), jobs=2000, extra="", timeout=240):
    args = " ".join(f"--fault {f}" for f in faults)
    r = guest.run(f"tlscardctl load --device vfio:all -n {jobs} {args} {extra} --json",
                  timeout=timeout)
    try:
        doc = json.loads(r.out)
    except ValueError:
        pytest.fail(f"load printed no JSON (rc {r.rc})\n{r.out}\n{r.err}")
    assert len(doc["cards"]) == ncards, doc
    return r, doc


def clear_faults(guest, ncards):
    """Every fault knob back to off on every card (stall is never used)."""
    faults = [f"{i}:{knob}=0" for i in range(ncards)
              for knob in ("error-rate", "reset-after", "latency-us")]
    r, doc = load(guest, ncards, faults, jobs=64)
    assert r.rc == 0 and doc["ok"] == 64, (r.out, r.err)


def assert_every_job_right(doc):
    """The pool's promise: each job completed correctly exactly once."""
    assert doc["ok"] == doc["jobs"], doc
    for key in ("failed", "wrong", "lost", "done_twice", "unsubmitted"):
        assert doc[key] == 0, (key, doc)
