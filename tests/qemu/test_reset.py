"""Reset under load: a card resets itself every few hundred jobs while the
pool keeps it busy.  The jobs in flight at each reset are aborted with a
status, the driver re-initialises the card (VFIO_DEVICE_RESET, queues
re-programmed), the pool re-runs the aborted jobs, and every job ends
correct exactly once."""

import pytest

from conftest import NCARDS
from faults import assert_every_job_right, clear_faults, load

RESET_AFTER = 300


@pytest.fixture
def faulty(guest):
    yield
    clear_faults(guest, NCARDS)


def test_reset_under_load(guest, cards, faulty):
    # Round robin: the reset card surely gets its share of the load (the
    # default policy may route around it, which hides the resets).
    r, doc = load(guest, NCARDS, [f"1:reset-after={RESET_AFTER}"], jobs=3000,
                  extra="--policy rr")
    assert r.rc == 0, r.out + r.err
    assert_every_job_right(doc)
    card = doc["cards"][1]
    assert card["name"] == cards[1][0]
    # It reset more than once, so it was re-initialised and worked again.
    assert card["resets"] >= 2, card
    assert card["jobs"] > RESET_AFTER, card
    assert card["state"] == "up", card
    # Jobs in flight at the resets came back with an error status (no other
    # fault is injected on this card: ABORTED_RESET) and were re-run.
    assert card["errors"] > 0 and 0 < card["retried_away"] <= card["errors"], card
    assert "card reset or failed; recovering" in r.err
    # The other cards were untouched.
    for other in doc["cards"][:1] + doc["cards"][2:]:
        assert other["resets"] == 0 and other["errors"] == 0, other
