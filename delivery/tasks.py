"""Celery tasks. They carry ids (or nothing), never payloads: the database has the rest."""

import time

from celery import shared_task

from delivery import locks, outbox, retention, sender, wakeups

# A fan-out task hands its process back after this long, queueing its own continuation
# behind the sends it has woken, so one busy source never starves delivery. Long enough that
# a burst is not mapped in stop-start steps behind senders that drain as fast as it maps.
FANOUT_BUDGET_SECONDS = 5.0


@shared_task(name="delivery.tasks.fanout")
def fanout() -> int:
    """Fan out pending events; what is left after the budget goes to a fresh task.

    One fan-out at a time (delivery.locks): a task that finds another running leaves at once,
    since that one looks again before it ends. The wake-up mark is kept while this runs (its
    rounds find events stored meanwhile) and cleared at the end, before one last look, so the
    other worker processes stay free to send and no event stored at the end waits for the
    sweeper.
    """
    total, started = 0, time.monotonic()
    with locks.fanning_out() as mine:
        if not mine:
            return 0
        try:
            while done := outbox.fan_out_pending():
                total += done
                if time.monotonic() - started > FANOUT_BUDGET_SECONDS:
                    break
        finally:
            wakeups.release(fanout.name)
    if outbox.events_pending():
        outbox.enqueue_fanout()
    return total


@shared_task(name="delivery.tasks.send")
def send(integration_id: int) -> int:
    wakeups.release(send.name, integration_id)
    return sender.send_pending(integration_id)


@shared_task(name="delivery.tasks.sweep")
def sweep() -> int:
    return outbox.sweep()


@shared_task(name="delivery.tasks.prune")
def prune() -> int:
    pruned = retention.prune()
    return pruned.deliveries + pruned.attempts + pruned.events
