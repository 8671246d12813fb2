"""What Signal keeps, and for how long: attempt bodies are capped, old rows are pruned.

Delivered, suppressed and filtered deliveries (and the attempts and events only they still
use) go after `SIGNAL_RETENTION_DAYS`; failed ones after `SIGNAL_FAILED_RETENTION_DAYS`, so
they can still be replayed for a while. Pending deliveries, and those held while their
integration is disabled (sent when it is enabled), are never pruned. Deletes run in
small batches, each its own transaction, so the pipeline never waits on a long lock.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from delivery.models import Attempt, Delivery, Event

log = logging.getLogger("signal.retention")
BATCH = 1000
# One run does at most this many batches of each kind; the next run carries on.
MAX_BATCHES = 50
# An attempt's request and response as stored: the delivery's own operations are kept whole,
# so a batch of 2,000 items need not be kept twice.
MAX_STORED_BODY = 64 * 1024
DONE = (Delivery.DELIVERED, Delivery.SUPPRESSED, Delivery.FILTERED)


def stored_body(text: str, limit: int = MAX_STORED_BODY) -> str:
    """`text`, or its first `limit` characters and a note of what was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n… ({len(text) - limit:,} more characters not stored)"


@dataclass
class Pruned:
    deliveries: int = 0
    attempts: int = 0
    events: int = 0


def prune(now: datetime | None = None) -> Pruned:
    """Delete what is past retention; returns how much went."""
    now = now or timezone.now()
    done_before = now - timedelta(days=settings.SIGNAL_RETENTION_DAYS)
    failed_before = now - timedelta(days=settings.SIGNAL_FAILED_RETENTION_DAYS)
    pruned = Pruned()
    old = Delivery.objects.filter(status__in=DONE, created_at__lt=done_before)
    pruned.deliveries += _in_batches(old)
    failed = Delivery.objects.filter(status=Delivery.FAILED, created_at__lt=failed_before)
    pruned.deliveries += _in_batches(failed)
    # Attempts and events that no remaining delivery uses (an event still being fanned out
    # has no deliveries yet, so only fanned-out ones qualify).
    users = Attempt.deliveries.through.objects.filter(attempt_id=OuterRef("pk"))
    orphans = Attempt.objects.filter(created_at__lt=done_before).exclude(Exists(users))
    pruned.attempts += _in_batches(orphans)
    deliveries = Delivery.objects.filter(event_id=OuterRef("pk"))
    events = Event.objects.filter(fanned_out_at__isnull=False, received_at__lt=done_before)
    pruned.events += _in_batches(events.exclude(Exists(deliveries)))
    if pruned.deliveries or pruned.attempts or pruned.events:
        log.info("pruned %s", pruned)
    return pruned


def _in_batches(rows) -> int:
    total = 0
    for _ in range(MAX_BATCHES):
        ids = list(rows.order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        total += delete_still_due(rows, ids)
    return total


def delete_still_due(rows, ids: list[int]) -> int:
    """Delete those of `ids` that `rows` still selects; returns how many went.

    Listed a moment ago, a row may have changed since (a failed delivery replayed, queued
    again): it is selected again and locked first, so a replay either committed before and
    keeps its row, or waits for the delete and finds nothing to queue."""
    with transaction.atomic():
        due = rows.filter(pk__in=ids).select_for_update(skip_locked=True)
        still = list(due.values_list("pk", flat=True))
        if still:
            rows.model.objects.filter(pk__in=still).delete()
    return len(still)
