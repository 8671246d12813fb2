"""Deliveries as the hot paths hold them: plain rows read and written with one statement each.

The fan-out and the sender handle thousands of deliveries a second; building a model instance
for each cost more than the database work. `DeliveryRow` carries the columns they use and
the facts of the delivery's event, and the statements here claim rows for a worker in one
round trip (`UPDATE ... RETURNING`, locked rows skipped where the database can).
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.dateparse import parse_datetime

from delivery.models import Delivery, Event, pending_operations
from integrations.models import Integration


@dataclass(slots=True)
class DeliveryRow:
    """A delivery's columns (as in `Delivery`) and its event's message id, time, type, name."""

    id: int | None
    event_id: int
    integration_id: int
    status: str = Delivery.QUEUED
    destination_event: str = ""
    operations: list = field(default_factory=list)
    done: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    warning_codes: list = field(default_factory=list)
    error: str = ""
    attempts: int = 0
    status_code: int | None = None
    latency_ms: int | None = None
    endpoint: str = ""
    next_attempt_at: datetime | None = None
    first_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    updated_at: datetime | None = None
    message_id: str = ""
    received_at: datetime | None = None
    type: str = ""
    name: str = ""
    # The stored operations' size in bytes when claimed (0: not known): no item is bigger.
    operations_bytes: int = 0

    def pending_operations(self) -> list[tuple[int, dict]]:
        return pending_operations(self.operations, self.done)


@dataclass(slots=True)
class PendingEvent:
    id: int
    message_id: str
    type: str
    name: str
    received_at: datetime
    payload: dict[str, Any]
    source_id: int | None = None


def hold_integrations() -> list[int]:
    """The ids of the installed integrations, each held until this transaction ends so that it
    is not deleted meanwhile: `Integration.delete` waits for the fan-outs holding its row.

    FOR KEY SHARE: saves of an integration's settings, and the sender's writes to its row, go
    on beside it.
    SKIP LOCKED: one being deleted is left out at once, as if already gone, rather than
    stopping the fan-out for every integration while its deliveries are deleted.
    """
    table = connection.ops.quote_name(Integration._meta.db_table)
    lock = " FOR KEY SHARE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table}{lock}")
        return [pk for (pk,) in cursor.fetchall()]


def claim_events(limit: int, now: datetime) -> list[PendingEvent]:
    """Mark up to `limit` events as fanned out and return them, in the order they happened.

    Run it inside the transaction that inserts their deliveries, after
    `locks.one_fan_out_round_at_a_time`: the mark and the rows commit together, and the next
    round takes the events after these.
    """
    table = connection.ops.quote_name(Event._meta.db_table)
    sql = (
        f"UPDATE {table} SET fanned_out_at = %s WHERE id IN ("
        f"SELECT id FROM {table} WHERE fanned_out_at IS NULL ORDER BY id LIMIT %s"
        f"{_skip_locked()}) RETURNING id, message_id, type, name, received_at, payload, source_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_db_datetime(now), limit])
        return _pending(cursor.fetchall())


def _pending(found: list[tuple]) -> list[PendingEvent]:
    return sorted(
        (
            PendingEvent(pk, message_id, kind, name, _datetime(received), _json(payload), source)
            for pk, message_id, kind, name, received, payload, source in found
        ),
        key=_event_order,
    )


def _event_order(event: PendingEvent) -> tuple[float, int]:
    """When the event happened, then arrival: SDKs that send calls in parallel (RudderStack's)
    deliver an identify after the track it preceded, and its merge should go out first.

    Deliveries get their ids in this order, and senders claim by id.
    """
    when = event.payload.get("timestamp") if isinstance(event.payload, dict) else None
    try:
        moment = datetime.fromisoformat(when)  # type: ignore[arg-type]
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp(), event.id
    except (TypeError, ValueError, OverflowError):
        return event.received_at.timestamp(), event.id


CLAIMED = (
    "id",
    "event_id",
    "status",
    "destination_event",
    "operations",
    "done",
    "error",
    "attempts",
    "status_code",
    "latency_ms",
    "endpoint",
    "first_attempt_at",
)


def claim_deliveries(
    integration_id: int, limit: int, now: datetime, lease: datetime, only: int | None = None
) -> list[DeliveryRow]:
    """Take up to `limit` due deliveries of one integration, oldest first, pushing their next
    attempt to `lease`: a worker that dies holding them only delays them until then.

    With `only`, just that delivery, if it is due (the dashboard's test event). On
    PostgreSQL the rows come back with their event's facts in the same round trip."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    pending = ", ".join(["%s"] * len(Delivery.PENDING))
    sql = (
        f"UPDATE {table} SET next_attempt_at = %s WHERE id IN ("
        f"SELECT id FROM {table} WHERE integration_id = %s AND status IN ({pending})"
        f" AND next_attempt_at <= %s{' AND id = %s' if only is not None else ''}"
        f" ORDER BY id LIMIT %s{_skip_locked()})"
        f" RETURNING {', '.join(CLAIMED)}"
    )
    joined = connection.vendor == "postgresql"
    if joined:
        events = connection.ops.quote_name(Event._meta.db_table)
        facts = ", ".join(f"e.{connection.ops.quote_name(f)}" for f in EVENT_FACTS)
        sql = (
            f"WITH claimed AS ({sql}) SELECT claimed.*, {facts}"
            f" FROM claimed JOIN {events} e ON e.id = claimed.event_id"
        )
    params = [_db_datetime(lease), integration_id, *Delivery.PENDING, _db_datetime(now)]
    params += [only, limit] if only is not None else [limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    rows = sorted((_claimed(integration_id, values) for values in found), key=lambda r: r.id)
    if not joined:
        _add_event_facts(rows)
    return rows


EVENT_FACTS = ("message_id", "received_at", "type", "name")


def _claimed(integration_id: int, values: tuple) -> DeliveryRow:
    """A row from the claim's columns (CLAIMED), then its event's facts when joined."""
    claimed = dict(zip(CLAIMED, values[: len(CLAIMED)], strict=True))
    row = DeliveryRow(integration_id=integration_id, **claimed)
    row.operations_bytes = _size(row.operations)
    row.operations, row.done = _json(row.operations), _json(row.done)
    row.first_attempt_at = _datetime(row.first_attempt_at)
    if len(values) > len(CLAIMED):
        row.message_id, row.received_at, row.type, row.name = values[len(CLAIMED) :]
    return row


def _size(text: Any) -> int:
    """Bytes of a JSON column read as text (0 when it was not text)."""
    if not isinstance(text, str):
        return len(text) if isinstance(text, bytes) else 0
    return len(text) if text.isascii() else len(text.encode())


def any_of(ids: list[int]) -> list[int] | RawSQL:
    """The right side of `id__in` for thousands of ids: one array parameter on PostgreSQL
    (binding thousands of placeholders cost more than the query), the list elsewhere."""
    if connection.vendor != "postgresql":
        return ids
    return RawSQL("SELECT unnest(%s::bigint[])", [ids])


def _add_event_facts(rows: list[DeliveryRow]) -> None:
    if not rows:
        return
    by_event = {row.event_id: row for row in rows}
    facts = Event.objects.filter(id__in=any_of(list(by_event))).values_list(
        "id", "message_id", "received_at", "type", "name"
    )
    for event_id, message_id, received_at, kind, name in facts:
        row = by_event[event_id]
        row.message_id, row.received_at, row.type, row.name = message_id, received_at, kind, name


def _skip_locked() -> str:
    skips = connection.features.has_select_for_update_skip_locked
    return " FOR UPDATE SKIP LOCKED" if skips else ""


def _db_datetime(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _datetime(value: Any) -> datetime | None:
    """A timestamp column as read by a raw cursor: aware on PostgreSQL, text on SQLite."""
    if value is None or (isinstance(value, datetime) and value.tzinfo):
        return value
    parsed = parse_datetime(value) if isinstance(value, str) else value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _json(value: Any) -> Any:
    """A JSON column as read by a raw cursor: text on both databases (Django asks psycopg
    not to decode it), already decoded elsewhere."""
    if not isinstance(value, str | bytes):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:  # NaN or Infinity, which SQLite's JSON text may hold
        return json.loads(value)
