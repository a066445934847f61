"""Failover: one card fails every job (error rate 1.0); the pool takes it
out and completes every job on the other two."""

import pytest

from conftest import NCARDS
from faults import assert_every_job_right, clear_faults, load


@pytest.fixture
def faulty(guest):
    yield
    clear_faults(guest, NCARDS)


def test_failover_error_rate_one(guest, cards, faulty):
    r, doc = load(guest, NCARDS, ["0:error-rate=1.0"], jobs=2000)
    assert r.rc == 0, r.out + r.err
    assert_every_job_right(doc)
    bad, *good = doc["cards"]
    assert bad["name"] == cards[0][0]
    # Every job the bad card took failed and went elsewhere; then it was
    # taken out.
    assert bad["jobs"] == 0, bad
    assert bad["injected"] > 0 and bad["errors"] > 0, bad
    # (The two counters were seen to differ by one, the job in flight when
    # the card was quarantined; each job's outcome is checked above.)
    assert 0 < bad["retried_away"] <= bad["errors"], bad
    assert bad["quarantines"] >= 1 and bad["state"] == "quarantined", bad
    assert sum(c["jobs"] for c in good) == doc["jobs"], good
    assert all(c["state"] == "up" and c["errors"] == 0 for c in good), good
    assert "quarantining " + cards[0][0] in r.err


def test_pool_heals_after_fault_cleared(guest, cards, faulty):
    """Once the fault is off, a new run uses all three cards again."""
    clear_faults(guest, NCARDS)
    r, doc = load(guest, NCARDS, jobs=3000)
    assert r.rc == 0, r.out + r.err
    assert_every_job_right(doc)
    assert all(c["jobs"] > 0 and c["state"] == "up" for c in doc["cards"]), doc


def test_load_clears_its_faults_on_exit(guest, cards, faulty):
    """A card keeps its fault registers across processes, so `load` undoes
    what it injected: the next run, with no --fault, finds card 0 healthy."""
    r, doc = load(guest, NCARDS, ["0:error-rate=1.0"], jobs=500)
    assert r.rc == 0, r.out + r.err
    r, doc = load(guest, NCARDS, jobs=1500)
    assert r.rc == 0, r.out + r.err
    assert_every_job_right(doc)
    first = doc["cards"][0]
    # ("injected" is the card's counter since power-on, so it keeps the
    # first run's count.)
    assert first["errors"] == 0 and first["quarantines"] == 0, first
    assert first["jobs"] > 0, first
