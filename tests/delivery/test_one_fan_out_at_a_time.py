"""One fan-out at a time, so deliveries are inserted in the order their events happened.

Real PostgreSQL, two connections: one fan-out round holds the older events (claimed, not yet
committed) while a second starts beside it; the second waits for the first to commit before
it claims anything. A fan-out task that finds another running leaves at once.
"""

import threading

import pytest
from django.db import connection, transaction

from delivery import outbox, tasks
from delivery.models import Delivery, Event
from tests.delivery.helpers import accept, mixpanel, track
from tests.delivery.paused import Paused, another_fan_out_task_running, if_postgres

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def waiting_newer_fan_out(older: Paused) -> tuple[list[int], bool]:
    """Run a second fan-out round beside `older`, letting `older` go after a second: what the
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


def test_a_fan_out_beside_an_older_one_waits_for_it_so_deliveries_keep_event_order(
    monkeypatch,
):
    if_postgres()
    # given four events, the first two claimed and mapped by a fan-out that has not committed
    integration = mixpanel("retail")
    accept(*(track(f"Step {n}", days_ago=(5 - n) / 1000) for n in range(1, 5)))
    older = Paused(monkeypatch)
    older.start(limit=2)
    # when a second fan-out starts, it waits for the first to commit, then takes the rest
    done, still_waiting = waiting_newer_fan_out(older)
    assert still_waiting, "the newer fan-out went ahead before the older one committed"
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
    # when the newer one, waiting for it, finds them pending again
    done, still_waiting = waiting_newer_fan_out(older)
    assert still_waiting, "the newer fan-out did not wait for the older one"
    # then it fans out all four, the given-back ones first
    assert done == [4]
    assert event_order(integration) == ["Step 1", "Step 2", "Step 3", "Step 4"]


class LateCommit:
    """An event stored in a transaction left open (it has the lowest id) until `commit`."""

    def __init__(self, event: dict) -> None:
        self.stored, self.go = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._store, args=(event,))
        self.thread.start()
        assert self.stored.wait(20)

    def _store(self, event: dict) -> None:
        try:
            with transaction.atomic():
                accept(event)
                self.stored.set()
                assert self.go.wait(20)
        finally:
            connection.close()

    def commit(self) -> None:
        self.go.set()
        self.thread.join(20)


def test_a_batch_with_an_event_that_committed_late_cannot_overtake_an_older_batch(
    monkeypatch,
):
    if_postgres()
    # given an event whose store commits late, two events after it claimed by a fan-out that
    # has not committed, then the late one committing and two more events arriving
    integration = mixpanel("retail")
    late = LateCommit(track("Step 0", days_ago=6 / 1000))
    accept(*(track(f"Step {n}", days_ago=(5 - n) / 1000) for n in range(1, 3)))
    older = Paused(monkeypatch)
    older.start(limit=10)
    late.commit()
    accept(*(track(f"Step {n}", days_ago=(5 - n) / 1000) for n in range(3, 5)))
    # when a second fan-out starts (its batch would hold the late event and the newest two)
    done, still_waiting = waiting_newer_fan_out(older)
    # then it waited, and the newest events' deliveries come after the older batch's
    assert still_waiting and done == [3]
    assert event_order(integration) == ["Step 1", "Step 2", "Step 0", "Step 3", "Step 4"]


def test_a_fan_out_task_that_finds_another_running_leaves_the_events_to_it():
    # given a fan-out task running in another process (its lock held)
    mixpanel("retail")
    accept(track(), track())
    with another_fan_out_task_running():
        # when a second fan-out task runs, then it leaves at once, fanning out nothing
        assert tasks.fanout() == 0
        assert Event.objects.filter(fanned_out_at__isnull=True).count() == 2
    # and once the first has let go, a fan-out task takes them
    assert tasks.fanout() == 2
