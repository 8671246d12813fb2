"""The collector's one durable write, and the wake-up for the fan-out workers."""

import logging
import time
from datetime import datetime

from django.db import transaction

from delivery.collect.validate import Accepted
from delivery.models import Event
from integrations.models import Source

log = logging.getLogger("signal.collect")
WRITE_KEY_TTL_SECONDS = 30.0
_sources: dict[str, tuple[float, int | None]] = {}


def source_id_for(write_key: str) -> int | None:
    """The source of a write key, cached briefly so the hot path does no extra query."""
    now = time.monotonic()
    cached = _sources.get(write_key)
    if cached and now - cached[0] < WRITE_KEY_TTL_SECONDS:
        return cached[1]
    source_id = Source.objects.filter(write_key=write_key).values_list("id", flat=True).first()
    if len(_sources) > 10_000:
        _sources.clear()
    _sources[write_key] = (now, source_id)
    return source_id


def store(source_id: int, accepted: list[Accepted], received_at: datetime) -> None:
    """Insert the events in one statement; a repeated messageId is stored once."""
    rows = [
        Event(
            source_id=source_id,
            message_id=a.message_id,
            type=a.type,
            name=a.name,
            payload=a.payload,
            received_at=received_at,
        )
        for a in accepted
    ]
    with transaction.atomic():
        Event.objects.bulk_create(rows, ignore_conflicts=True)


# After a failed wake-up, skip them for a while: the sweeper fans out what they would have.
BROKER_BACKOFF_SECONDS = 5.0
_broker_down_until = 0.0


def wake_fanout() -> None:
    """Ask a worker to fan out; if the broker is down the sweeper will do it later."""
    global _broker_down_until
    from delivery.tasks import fanout

    if time.monotonic() < _broker_down_until:
        return
    try:
        fanout.apply_async(retry=False)
    except Exception as exc:  # the events are committed; only the wake-up is lost
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        log.warning("could not enqueue fan-out (the sweeper will): %s", exc)
