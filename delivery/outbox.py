"""The outbox: fan-out of accepted events into delivery rows, the sweeper, and replay.

The database is the record of truth. Celery only carries wake-ups and integration ids, so a
lost task, a dead worker or a Redis restart delays a delivery but never loses it: the sweeper
finds every row that is due and enqueues it again.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from delivery.broadcast import broadcast_deliveries
from delivery.collect.validate import with_source_kind
from delivery.locks import one_fan_out_round_at_a_time
from delivery.models import Delivery, Event
from delivery.rows import DeliveryRow, PendingEvent, claim_events, hold_integrations
from delivery.sql import insert_ignoring_conflicts
from delivery.wakeups import wake
from integrations.integrations_object import integrations_skip
from integrations.models import Integration, Source

log = logging.getLogger("signal.outbox")
FANOUT_BATCH = 1000
# The live view keeps recent rows: a replay of thousands re-announces the newest of them.
REPLAY_BROADCAST = 500
STALE_FANOUT = timedelta(seconds=2)
# The tasks are woken by name (delivery.tasks registers them), so the outbox never imports
# the module that imports it.
SEND_TASK, FANOUT_TASK = "delivery.tasks.send", "delivery.tasks.fanout"


def delivery_for(
    event: Event, integration: Integration, config: dict[str, Any], now: datetime
) -> Delivery:
    """Run the destination's transform once; the operations are then fixed for every retry."""
    row = Delivery(event=event, integration=integration)
    payload = with_source_kind(event.payload, event.source.kind)
    for name, value in mapped(payload, event.message_id, integration, config, now).items():
        setattr(row, name, value)
    return row


def mapped(
    payload: dict, message_id: str, integration: Integration, config: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """A delivery's status, operations and outcome fields, from one run of the transform.

    The collector's warnings about the event (`_signal.warnings`) come first on every
    delivery; an event whose `integrations` object leaves this destination out is filtered.
    """
    collected = collector_warnings(payload)
    destination = integration.destination
    skipped = integrations_skip(payload, destination.name)
    if skipped:
        return filtered(skipped, collected)
    try:
        outcome = destination.transform(payload, integration.blueprint, config, now)
    except Exception as exc:  # a transform bug fails this delivery, not the batch
        log.exception("transform failed for event %s", message_id)
        return {"warnings": collected} | failed(f"internal error while mapping: {exc}")
    fields: dict[str, Any] = {
        "destination_event": outcome.destination_event or "",
        "warnings": collected + [str(w) for w in outcome.warnings],
        "warning_codes": outcome.warning_codes,
    }
    if outcome.status == "rejected":
        reason = f"{outcome.field}: {outcome.reason}" if outcome.field else outcome.reason
        return fields | failed(reason)
    if outcome.status != "deliver":
        return fields | {"status": outcome.status, "error": outcome.reason, "next_attempt_at": None}
    if not outcome.operations:
        return fields | {"status": Delivery.FILTERED, "error": "nothing to send"}
    return fields | {
        "status": Delivery.QUEUED,
        "operations": [op.to_json() for op in outcome.operations],
        "endpoint": outcome.operations[0].endpoint,
        "next_attempt_at": now,
    }


def failed(error: str) -> dict[str, Any]:
    return {"status": Delivery.FAILED, "error": error, "next_attempt_at": None}


def filtered(reason: str, warnings: list[str]) -> dict[str, Any]:
    return {
        "status": Delivery.FILTERED,
        "error": reason,
        "next_attempt_at": None,
        "destination_event": "",
        "warnings": warnings,
    }


def collector_warnings(payload: dict) -> list[str]:
    """What the collector changed about the event (e.g. a clamped timestamp)."""
    signal = payload.get("_signal")
    warnings = signal.get("warnings") if isinstance(signal, dict) else None
    return [str(w) for w in warnings] if isinstance(warnings, list) else []


def fan_out_pending(limit: int = FANOUT_BATCH) -> int:
    """Create delivery rows for up to `limit` pending events; returns how many were done."""
    now = timezone.now()
    with transaction.atomic():
        one_fan_out_round_at_a_time()
        events = claim_events(limit, now)
        if not events:
            return 0
        # Read after the claim: an integration enabled before these events were taken gets
        # them queued; a disabled one gets them held, to be sent when it is enabled.
        held = Integration.objects.filter(id__in=hold_integrations())
        integrations = [i for i in held if i.destination]
        rows = rows_for(events, integrations, now)
        hold_for_disabled(rows, {i.id for i in integrations if not i.enabled})
        rows = insert_deliveries(rows, now)
    queued = {r.integration_id for r in rows if r.status == Delivery.QUEUED}
    for integration_id in queued:
        enqueue_send(integration_id)
    broadcast_deliveries(rows)
    release_if_enabled_meanwhile({r.integration_id for r in rows if r.status == Delivery.HELD})
    return len(events)


def rows_for(
    events: list[PendingEvent], integrations: list[Integration], now: datetime
) -> list[DeliveryRow]:
    """Every event's delivery row at every integration, in event order."""
    if not events:
        return []
    configs = {i.id: i.full_config() for i in integrations}
    kinds = source_kinds(events)
    # Stamped once an event, whatever the number of integrations.
    payloads = {e.id: with_source_kind(e.payload, kinds.get(e.source_id)) for e in events}
    return [
        delivery_row(event, payloads[event.id], integration, configs[integration.id], now)
        for event in events
        for integration in integrations
    ]


def hold_for_disabled(rows: list[DeliveryRow], disabled: set[int]) -> None:
    """A row that would be queued for a disabled integration is held instead (the transform
    has run, so its operations are fixed; suppressed, filtered and failed rows stay so)."""
    for row in rows:
        if row.integration_id in disabled and row.status == Delivery.QUEUED:
            row.status, row.next_attempt_at = Delivery.HELD, None


def release_if_enabled_meanwhile(integration_ids: set[int]) -> None:
    """Release what this fan-out just held for an integration enabled since it was read.

    Enabling releases only committed rows, so an enable that commits while the fan-out is
    still inserting would leave these held; checking again after the fan-out's commit closes
    that gap (one side always sees the other's commit)."""
    if not integration_ids:
        return
    for integration in Integration.objects.filter(id__in=integration_ids, enabled=True):
        release_held(integration)


def announce_requeued(integration_id: int, shown: list[int]) -> None:
    """Once the transaction commits: wake the sender, and show these rows queued again on
    the live view at once (not as they were until they are sent)."""
    transaction.on_commit(lambda: enqueue_send(integration_id))
    requeued = Delivery.objects.filter(id__in=shown, status=Delivery.QUEUED)
    transaction.on_commit(
        lambda: broadcast_deliveries(list(requeued.select_related("event").order_by("id")))
    )


def release_held(integration: Integration) -> int:
    """Queue this integration's held deliveries and wake its sender; returns how many.

    Called whenever an integration is enabled (the dashboard's toggle and the API), after
    `enabled` is saved."""
    rows = Delivery.objects.filter(integration=integration, status=Delivery.HELD)
    shown = list(rows.order_by("-id").values_list("id", flat=True)[:REPLAY_BROADCAST])
    count = rows.update(status=Delivery.QUEUED, next_attempt_at=timezone.now())
    if count:
        announce_requeued(integration.id, shown)
    return count


def held_count(integration: Integration) -> int:
    return Delivery.objects.filter(integration=integration, status=Delivery.HELD).count()


def source_kinds(events: list[PendingEvent]) -> dict[int, str]:
    """Source id -> kind for these events' sources (one query a fan-out round)."""
    ids = {event.source_id for event in events}
    return dict(Source.objects.filter(id__in=ids).values_list("id", "kind"))


def delivery_row(
    event: PendingEvent,
    payload: dict[str, Any],
    integration: Integration,
    config: dict[str, Any],
    now: datetime,
) -> DeliveryRow:
    row = DeliveryRow(
        id=None,
        event_id=event.id,
        integration_id=integration.id,
        message_id=event.message_id,
        received_at=event.received_at,
        type=event.type,
        name=event.name,
    )
    for name, value in mapped(payload, event.message_id, integration, config, now).items():
        setattr(row, name, value)
    return row


# The row's columns; created_at is the fan-out's time.
COLUMNS = tuple(
    f.column
    for f in Delivery._meta.concrete_fields
    if not f.primary_key and f.column != "created_at"
)


def insert_deliveries(rows: list[DeliveryRow], now: datetime) -> list[DeliveryRow]:
    """Insert in one statement; returns the rows inserted, with their ids (the live view keys
    its rows by delivery id). A row another worker inserted first is skipped."""
    for row in rows:
        row.updated_at = now
    values = [{"created_at": now} | {c: getattr(row, c) for c in COLUMNS} for row in rows]
    inserted = insert_ignoring_conflicts(
        Delivery,
        values,
        conflict=("event_id", "integration_id"),
        returning=("id", "event_id", "integration_id"),
    )
    ids = {(event_id, integration_id): pk for pk, event_id, integration_id in inserted}
    for row in rows:
        row.id = ids.get((row.event_id, row.integration_id))
    return [row for row in rows if row.id is not None]


def enqueue_send(integration_id: int, force: bool = False) -> None:
    wake(SEND_TASK, integration_id, force=force)


def enqueue_fanout(force: bool = False) -> bool:
    return wake(FANOUT_TASK, force=force)


def events_pending() -> bool:
    return Event.objects.filter(fanned_out_at__isnull=True).exists()


def sweep() -> int:
    """Re-enqueue what is due or orphaned. Safe to run anywhere, any number of times."""
    now = timezone.now()
    if Event.objects.filter(
        fanned_out_at__isnull=True, received_at__lte=now - STALE_FANOUT
    ).exists():
        enqueue_fanout(force=True)
    due = (
        Delivery.objects.filter(
            status__in=Delivery.PENDING,
            next_attempt_at__lte=now,
            integration__enabled=True,
            integration__auth_error="",
        )
        .values_list("integration_id", flat=True)
        .distinct()
    )
    due = list(due)
    for integration_id in due:
        enqueue_send(integration_id, force=True)
    return len(due)


def replay(integration: Integration, delivery_ids: list[int] | None = None) -> int:
    """Queue failed deliveries again with the same operations (same $insert_id and time)."""
    rows = Delivery.objects.filter(integration=integration, status=Delivery.FAILED)
    rows = rows.exclude(operations=[])
    if delivery_ids is not None:
        rows = rows.filter(id__in=delivery_ids)
    shown = list(rows.order_by("-id").values_list("id", flat=True)[:REPLAY_BROADCAST])
    count = rows.update(
        status=Delivery.QUEUED,
        attempts=0,
        first_attempt_at=None,
        next_attempt_at=timezone.now(),
        error="",
    )
    if count:
        announce_requeued(integration.id, shown)
    return count
