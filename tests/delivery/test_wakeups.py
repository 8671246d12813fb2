"""Wake-ups queue at most one task of a kind, on the real broker and cache of the settings."""

import pytest
from django.core.cache import cache

from delivery import wakeups
from delivery.tasks import fanout, send
from signal_admin.celery import app


@pytest.fixture
def queue():
    """The number of messages waiting on the delivery queue, emptied before and after."""
    cache.clear()
    with app.connection_for_write() as conn:
        channel = conn.default_channel

        def waiting() -> int:
            return channel.queue_declare(queue="delivery", passive=True).message_count

        channel.queue_purge("delivery")
        yield waiting
        channel.queue_purge("delivery")
    cache.clear()


def test_a_burst_of_wake_ups_queues_one_fan_out(queue):
    for _ in range(50):
        wakeups.wake(fanout.name)
    assert queue() == 1


def test_a_wake_up_after_the_mark_is_released_queues_the_next_run(queue):
    wakeups.wake(fanout.name)
    wakeups.release(fanout.name)
    wakeups.wake(fanout.name)
    assert queue() == 2


def test_each_integration_gets_its_own_send(queue):
    for integration_id in (1, 2, 1, 2, 3):
        wakeups.wake(send.name, integration_id)
    assert queue() == 3


def test_the_sweeper_queues_even_when_a_task_is_marked_queued(queue):
    wakeups.wake(send.name, 7)
    wakeups.wake(send.name, 7, force=True)
    assert queue() == 2


@pytest.mark.django_db(transaction=True)
def test_a_fan_out_that_stops_on_its_budget_queues_its_continuation(queue, monkeypatch):
    # given two stored events, and a fan-out that takes one per round and stops after one
    from functools import partial

    from delivery import outbox, tasks
    from delivery.models import Event
    from tests.delivery.helpers import accept, track

    accept(track(), track())
    monkeypatch.setattr(outbox, "fan_out_pending", partial(outbox.fan_out_pending, limit=1))
    monkeypatch.setattr(tasks, "FANOUT_BUDGET_SECONDS", 0)
    # when it runs, then one event is done and one fan-out is queued for the other
    assert tasks.fanout() == 1
    assert queue() == 1
    assert Event.objects.filter(fanned_out_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_fan_out_that_finds_nothing_left_queues_nothing(queue):
    from delivery import tasks

    assert tasks.fanout() == 0
    assert queue() == 0


@pytest.mark.django_db(transaction=True)
def test_a_fan_out_that_fails_clears_its_mark_and_still_looks_again(queue, monkeypatch):
    from django.db import OperationalError

    from delivery import outbox, tasks
    from tests.delivery.helpers import accept, track

    # given a pending event and a fan-out, queued by a wake-up, whose round fails
    accept(track())
    wakeups.wake(fanout.name)

    def fails(limit: int = 0) -> int:
        raise OperationalError("the database went away")

    monkeypatch.setattr(outbox, "fan_out_pending", fails)
    with pytest.raises(OperationalError):
        tasks.fanout()
    # then its mark is cleared and the look it takes at the end queues the next fan-out
    assert queue() == 2


@pytest.mark.django_db(transaction=True)
def test_a_fan_out_that_leaves_for_a_running_one_keeps_the_mark_that_one_clears(queue):
    from delivery import tasks
    from tests.delivery.helpers import accept, track
    from tests.delivery.paused import another_fan_out_task_running

    # given a fan-out running elsewhere, an event, and the wake-up it queued
    accept(track())
    with another_fan_out_task_running():
        wakeups.wake(fanout.name)
        # when the queued task finds the other running, it leaves the mark as it is
        assert tasks.fanout() == 0
        wakeups.wake(fanout.name)
        assert queue() == 1
    # then the one that runs next clears it once done, so the next wake-up queues a task
    assert tasks.fanout() == 1
    wakeups.wake(fanout.name)
    assert queue() == 2
