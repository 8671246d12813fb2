"""Celery tasks. They carry ids (or nothing), never payloads: the database has the rest."""

import logging
import time

from celery import shared_task

from delivery import locks, outbox, retention, sender, wakeups

log = logging.getLogger("signal.tasks")

# A fan-out task hands its process back after this long, queueing its own continuation
# behind the sends it has woken, so one busy source never starves delivery. Long enough that
# a burst is not mapped in stop-start steps behind senders that drain as fast as it maps.
FANOUT_BUDGET_SECONDS = 5.0


@shared_task(name="delivery.tasks.fanout")
def fanout() -> int:
    """Fan out pending events; what is left after the budget goes to a fresh task.

    One fan-out at a time (delivery.locks): a task that finds another running leaves at once,
    mark and all, counting on that one. The one running keeps the wake-up mark while it runs
    (its rounds find events stored meanwhile), and once it has let go of the lock it clears
    the mark and looks once more, even after a failure: so the other worker processes stay
    free to send, and no event stored meanwhile waits for the sweeper.
    """
    total, mine = 0, None
    try:
        with locks.fanning_out() as mine:
            if mine:
                total = fan_out_for(FANOUT_BUDGET_SECONDS)
    finally:
        if mine is not False:  # it ran, or could not tell (the database failed): look again
            wakeups.release(fanout.name)
            look_again()
    return total


def fan_out_for(seconds: float) -> int:
    """Fan-out rounds until none is pending or `seconds` have passed; how many were done."""
    total, started = 0, time.monotonic()
    while done := outbox.fan_out_pending():
        total += done
        if time.monotonic() - started > seconds:
            break
    return total


def look_again() -> None:
    """Queue a fan-out if events are pending; if the database is away the sweeper will."""
    try:
        if outbox.events_pending():
            outbox.enqueue_fanout()
    except Exception as exc:
        log.warning("could not look for pending events after a fan-out: %s", exc)


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
