"""Celery tasks. They carry ids (or nothing), never payloads: the database has the rest."""

from celery import shared_task

from delivery import outbox, sender

MAX_FANOUT_ROUNDS = 40


@shared_task(name="delivery.tasks.fanout")
def fanout() -> int:
    """Fan out pending events until none are left (bounded, the sweeper does the rest)."""
    total = 0
    for _ in range(MAX_FANOUT_ROUNDS):
        done = outbox.fan_out_pending()
        total += done
        if not done:
            break
    return total


@shared_task(name="delivery.tasks.send")
def send(integration_id: int) -> int:
    return sender.send_pending(integration_id)


@shared_task(name="delivery.tasks.sweep")
def sweep() -> int:
    return outbox.sweep()
