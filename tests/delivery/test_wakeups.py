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
        wakeups.wake(fanout)
    assert queue() == 1


def test_a_wake_up_after_the_task_started_queues_the_next_run(queue):
    wakeups.wake(fanout)
    wakeups.started(fanout)
    wakeups.wake(fanout)
    assert queue() == 2


def test_each_integration_gets_its_own_send(queue):
    for integration_id in (1, 2, 1, 2, 3):
        wakeups.wake(send, integration_id)
    assert queue() == 3


def test_the_sweeper_queues_even_when_a_task_is_marked_queued(queue):
    wakeups.wake(send, 7)
    wakeups.wake(send, 7, force=True)
    assert queue() == 2
