"""Fan-outs side by side: their transforms overlap, their inserts keep event order.

Real PostgreSQL, two connections: one fan-out holds the older events (claimed, not yet
committed) while a second claims the next ones and maps them, then waits for the first.
"""

import threading
from functools import partial

import pytest
from django.db import connection

from delivery import outbox, tasks
from delivery.models import Delivery, Event
from tests.delivery.helpers import accept, mixpanel, track
from tests.delivery.paused import Paused, if_postgres

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def waiting_newer_fan_out(older: Paused) -> tuple[list[int], bool]:
    """Run a second fan-out beside `older`, letting `older` go after a second: what the
    second fanned out, and whether it was still waiting for `older` at that point."""
    done: list[int] = []
    newer = threading.Thread(
        target=lambda: (done.append(outbox.fan_out_pending()), connection.close())
    )
    newer.start()
    newer.join(timeout=1)
    still_waiting = newer.is_alive()
    older.go.set()
    older.thread.join(20)
    newer.join(20)
    return done, still_waiting


def event_order(integration) -> list[str]:
    """The events' names in the order of their deliveries' ids (the order senders take)."""
    rows = Delivery.objects.filter(integration=integration).order_by("id")
    return list(rows.values_list("event__name", flat=True))


def test_a_fan_out_beside_an_older_one_inserts_after_it_so_deliveries_keep_event_order(
    monkeypatch,
):
    if_postgres()
    # given four events, the first two claimed and mapped by a fan-out that has not committed
    integration = mixpanel("retail")
    accept(*(track(f"Step {n}", days_ago=(5 - n) / 1000) for n in range(1, 5)))
    older = Paused(monkeypatch)
    older.start(limit=2)
    # when a second fan-out takes the next two, it waits for the first to commit
    done, still_waiting = waiting_newer_fan_out(older)
    assert still_waiting, "the newer fan-out inserted before the older one committed"
    assert done == [2]
    # then each event has its delivery, the older ones first
    assert event_order(integration) == ["Step 1", "Step 2", "Step 3", "Step 4"]
    assert not Event.objects.filter(fanned_out_at__isnull=True).exists()


def test_events_an_older_fan_out_gave_back_are_taken_first_by_the_one_that_waited(monkeypatch):
    if_postgres()
    # given an older fan-out that claimed the first two events and then dies before inserting
    integration = mixpanel("retail")
    accept(*(track(f"Step {n}", days_ago=(5 - n) / 1000) for n in range(1, 5)))
    older = Paused(monkeypatch, fail=True)
    older.start(limit=2)
    # when the newer one, waiting for it, sees them pending again
    done, still_waiting = waiting_newer_fan_out(older)
    assert still_waiting, "the newer fan-out did not wait for the older one"
    # then it fans out all four, the given-back ones first
    assert done == [4]
    assert event_order(integration) == ["Step 1", "Step 2", "Step 3", "Step 4"]


@pytest.fixture
def woken(monkeypatch) -> list[tuple]:
    """The lanes of the fan-outs woken (lane 0 has no argument), instead of queueing them."""
    lanes: list[tuple] = []

    def wake(task: str, *args, force: bool = False) -> bool:
        if task == outbox.FANOUT_TASK:
            lanes.append(args)
        return True

    monkeypatch.setattr(outbox, "wake", wake)
    return lanes


def test_a_fan_out_whose_round_was_full_wakes_a_second_lane(monkeypatch, woken):
    # given more events than one round takes
    mixpanel("retail")
    accept(track(), track(), track())
    monkeypatch.setattr(outbox, "FANOUT_BATCH", 2)
    monkeypatch.setattr(outbox, "fan_out_pending", partial(outbox.fan_out_pending, limit=2))
    # when the fan-out runs, then its full round woke lane 1
    tasks.fanout()
    assert (1,) in woken


def test_the_second_lane_wakes_no_third_and_ends_when_rounds_come_up_short(monkeypatch, woken):
    mixpanel("retail")
    accept(track(), track(), track())
    monkeypatch.setattr(outbox, "FANOUT_BATCH", 2)
    monkeypatch.setattr(outbox, "fan_out_pending", partial(outbox.fan_out_pending, limit=2))
    assert tasks.fanout(lane=1) == 3
    assert (2,) not in woken and (1,) not in woken
