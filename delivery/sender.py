"""Sending due deliveries of one integration: claim, batch, send, record, broadcast.

Rows are claimed with a short lease (their next attempt pushed into the future), renewed while
the round runs (delivery.lease), so that a worker killed mid-send only delays them: within one
lease the sweeper hands them to another worker, which resends the same bytes, and the
destination's dedupe keeps them single.
"""

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from delivery.batching import Batch, plan
from delivery.broadcast import broadcast_deliveries
from delivery.http import get_client
from delivery.lease import Lease, lease_end
from delivery.locks import sending
from delivery.models import Attempt, Delivery
from delivery.retention import MAX_STORED_BODY, stored_body
from delivery.rows import DeliveryRow, any_of, claim_deliveries
from delivery.sql import insert_links
from integrations.destinations.base import SendResult
from integrations.models import Integration

log = logging.getLogger("signal.sender")
TIME_BUDGET_SECONDS = 60.0
LINGER_SECONDS = 0.2
LINGER_ROWS = 100
# A round that cannot write what the destination answered (PostgreSQL went away) keeps the
# answers and writes them once the database is back, for this long: otherwise its rows would
# be sent again when their lease ends, though the destination already has them.
RECORD_RETRY_SECONDS = 60.0
DATABASE_GONE = (OperationalError, InterfaceError)


def backoff_seconds(attempts: int) -> float:
    """2 s doubling to 60 s, plus 1-5 s of jitter so retries from many rows spread out."""
    seconds = min(60.0, 2.0 ** max(attempts, 1)) + random.uniform(1.0, 5.0)
    return seconds * settings.SIGNAL_BACKOFF_SCALE


@dataclass
class Verdict:
    """What happened to one delivery during this round."""

    done: set[int] = field(default_factory=set)
    failed: str = ""
    retry: str = ""
    held: str = ""
    status_code: int | None = None
    latency_ms: int | None = None
    endpoint: str = ""
    tries: int = 0
    wait: float = 0.0  # seconds the destination asked for before the retry


def claim(
    integration_id: int, limit: int, only: int | None = None, due_by: datetime | None = None
) -> tuple[list[DeliveryRow], Lease]:
    """Claim deliveries due by `due_by` (now by default), or just the one with id `only`,
    under a fresh lease."""
    started, now = time.monotonic(), timezone.now()
    until = lease_end(now)
    with transaction.atomic():
        rows = claim_deliveries(integration_id, limit, due_by or now, until, only=only)
    return rows, Lease([row.id for row in rows], until, claimed_at=started)


def send_pending(integration_id: int) -> int:
    """Send everything due for one integration; returns how many deliveries were tried.

    Only one sender works on an integration at a time (delivery.locks), so deliveries go out
    in the order their events arrived. A sender that finds the integration busy leaves: the
    busy one looks again for due rows after letting go, so no wake-up is lost.
    """
    integration = Integration.objects.filter(id=integration_id).first()
    if integration is None or not integration.enabled or integration.auth_error:
        return 0
    started, total = time.monotonic(), 0
    while time.monotonic() - started < TIME_BUDGET_SECONDS:
        with sending(integration.id) as mine:
            if not mine:
                return total
            tried = drain(integration, started)
        if tried is None:  # credentials refused: the integration is flagged, rows wait
            break
        total += tried
        if not due(integration.id):
            break
    return total


def drain(integration: Integration, started: float) -> int | None:
    """Claim and send rounds until nothing is due; None when credentials were refused."""
    tried, most = 0, integration.destination.max_batch_items
    while time.monotonic() - started < TIME_BUDGET_SECONDS:
        rows, lease = claim(integration.id, most)
        if not rows:
            break
        tried += len(rows)
        if not Round(integration, rows, lease).run():
            return None
        if LINGER_ROWS <= len(rows) < most:
            # A partial round under load: let the next one fill up, so the destination
            # gets big batches rather than many small ones. A trickle is not held up.
            time.sleep(LINGER_SECONDS)
    return tried


def due(integration_id: int) -> bool:
    return Delivery.objects.filter(
        integration_id=integration_id,
        status__in=Delivery.PENDING,
        next_attempt_at__lte=timezone.now(),
    ).exists()


class Round:
    """One claimed set of deliveries, sent in batches and then recorded."""

    def __init__(
        self,
        integration: Integration,
        rows: list[DeliveryRow],
        lease: Lease,
        patience: float = RECORD_RETRY_SECONDS,
    ) -> None:
        self.integration = integration
        self.destination = integration.destination
        self.config = integration.full_config()
        self.rows = rows
        self.lease = lease
        self.patience = patience
        self.verdicts = {row.id: Verdict() for row in rows}
        self.auth_error = ""
        self.stopped = False
        self.unrecorded: list[tuple[Batch, SendResult]] = []  # tries the database missed

    def run(self) -> bool:
        """Returns False when the destination refused our credentials."""
        destination = self.destination
        batches = plan(
            self.rows,
            destination.max_items,
            destination.max_batch_bytes,
            destination.endpoint_rank,
        )
        with self.lease:
            for batch in batches:
                if self.auth_error:
                    self.hold(batch)
                else:
                    self.send(batch)
        # Rows not tried because the lease lapsed are left as they are: due when it ends.
        touched = [r for r in self.rows if self.verdicts[r.id].tries or self.verdicts[r.id].held]
        until, patience = self.lease.until, self.patience
        persist(self.record_unrecorded, patience)
        finish(self.integration, touched, self.verdicts, self.auth_error, until, patience)
        return not self.auth_error

    def may_send(self) -> bool:
        """False once the lease can no longer cover a request (renewals failing or lost)."""
        if self.stopped or self.lease.usable():
            return not self.stopped
        self.stopped = True
        log.warning(
            "integration %s: the lease on %d deliveries lapsed; stopping this round",
            self.integration.id,
            len(self.rows),
        )
        return False

    def send(self, batch: Batch) -> bool:
        """Send one batch and apply the answer; False when the lease no longer allows it."""
        if not self.may_send():
            return False
        items = [entry.item for entry in batch.entries]
        result: SendResult = self.destination.send(get_client(), self.config, batch.endpoint, items)
        self.unrecorded.append((batch, result))
        if len(self.unrecorded) == 1:  # none older waits for the database: record it now
            try:
                self.record_unrecorded()
            except DATABASE_GONE as exc:
                log.warning("could not record an attempt, kept for later: %s", exc)
        for entry in batch.entries:
            verdict = self.verdicts[entry.delivery.id]
            verdict.tries += 1
            verdict.status_code, verdict.latency_ms = result.status_code, result.latency_ms
            verdict.endpoint = batch.endpoint
        self.apply(batch, result)
        return True

    def record_unrecorded(self) -> None:
        """Store the tries not stored yet, oldest first."""
        while self.unrecorded:
            record_attempt(self.integration, *self.unrecorded[0])
            self.unrecorded.pop(0)

    def apply(self, batch: Batch, result: SendResult) -> None:
        unnamed = result.kind == "too_large" or (result.kind == "rejected" and not result.failed)
        if unnamed and len(batch.entries) > 1:
            self.halve(batch)
        else:
            self.record_verdicts(batch, result)

    def halve(self, batch: Batch) -> None:
        """Halve until the culprit stands alone, so valid neighbours still go through (a
        rejection that names each item's fault needs no halving: every item has its verdict)."""
        for half in batch.halves():
            self.send(half)

    def record_verdicts(self, batch: Batch, result: SendResult) -> None:
        kind = result.kind
        refused = result.failed.keys() | result.retry.keys() | set(result.resend)
        # Never the whole batch again at once, so a round always ends.
        whole = len(result.resend) >= len(batch.entries)
        resend = set(result.resend) if kind == "partial" and not whole else set()
        for index, entry in enumerate(batch.entries):
            if index in resend:
                continue
            verdict = self.verdicts[entry.delivery.id]
            if kind == "delivered" or (kind == "partial" and index not in refused):
                verdict.done.add(entry.op_index)
            elif index in result.failed:
                verdict.failed = result.failed[index]
            elif index in result.retry:  # e.g. a throttled user's events: backed off
                verdict.retry, verdict.wait = result.retry[index], result.retry_after
            elif kind in ("retry", "partial"):
                verdict.retry = result.error or f"HTTP {result.status_code}"
                verdict.wait = result.retry_after if kind == "retry" else 0.0
            elif kind == "auth_error":
                verdict.held = result.error
            else:
                verdict.failed = result.error or f"HTTP {result.status_code}"
        if kind == "auth_error":
            self.auth_error = result.error or "the destination refused the credentials"
        if resend and not self.send(batch.only(sorted(resend))):
            # The lease lapsed before they could go again: they wait for a retry, with the reason.
            for index in resend:
                verdict = self.verdicts[batch.entries[index].delivery.id]
                verdict.retry = result.error or "not sent again: this round's lease lapsed"

    def hold(self, batch: Batch) -> None:
        for entry in batch.entries:
            self.verdicts[entry.delivery.id].held = self.auth_error


def record_attempt(integration: Integration, batch: Batch, result: SendResult) -> None:
    attempt = Attempt.objects.create(
        integration=integration,
        endpoint=batch.endpoint,
        url=result.url,
        item_count=len(batch.entries),
        kind=result.kind,
        code=result.code[:40],
        status_code=result.status_code,
        latency_ms=result.latency_ms,
        request_body=stored_body(result.request_body),
        response_body=stored_body(result.response_body, limit=4 * MAX_STORED_BODY),
        error=result.error,
    )
    ids = {entry.delivery.id for entry in batch.entries}
    insert_links(Attempt.deliveries.through, ("attempt_id", attempt.id), "delivery_id", ids)


def finish(
    integration: Integration,
    rows: list[DeliveryRow],
    verdicts: dict[int, Verdict],
    auth_error: str,
    until: datetime | None = None,
    patience: float = 0.0,
) -> None:
    """Write every delivery's new state, flag the integration on auth errors, broadcast.

    Rows that end in the same state are written with one UPDATE each: a round of 2000
    deliveries is usually one or two statements, not 2000. With `until` (the lease's end)
    only rows still held under it are written: one another sender took is that sender's.
    While the database is away the write is tried again for `patience` seconds.
    """
    now = timezone.now()
    window = timedelta(seconds=settings.SIGNAL_RETRY_WINDOW_SECONDS)
    groups: dict[tuple, list[int]] = {}
    retry_at: dict[int, datetime] = {}  # one jittered time per attempt count and round

    def next_retry(attempts: int) -> datetime:
        if attempts not in retry_at:
            retry_at[attempts] = now + timedelta(seconds=backoff_seconds(attempts))
        return retry_at[attempts]

    for row in rows:
        apply_verdict(row, verdicts[row.id], now, window, next_retry)
        groups.setdefault(state_key(row, bool(verdicts[row.id].tries)), []).append(row.id)

    recovered = any(row.status == Delivery.DELIVERED for row in rows)

    def write() -> None:
        with transaction.atomic():
            # The integration's row before its deliveries', in the order its deletion locks
            # them (Integration.delete), so the two never wait for each other.
            if auth_error:
                Integration.objects.filter(id=integration.id).update(auth_error=auth_error)
            for key, ids in groups.items():
                write_state(dict(zip(STATE_FIELDS, key, strict=True)), ids, now, until)
            if recovered:
                retry_backed_off(integration.id, now)

    persist(write, patience)
    broadcast_deliveries(rows)


def retry_backed_off(integration_id: int, now: datetime) -> int:
    """The destination took a delivery, so it is up again: deliveries waiting out a backoff
    for a transient failure are due now, rather than up to a minute later.

    Only rows due beyond any lease's end are moved: a row a sender holds has its
    `next_attempt_at` at most one lease ahead (delivery.lease), so it is never touched. Nor
    is one the destination throttled (429): it waits out the pause it was asked for.
    """
    horizon = now + timedelta(seconds=settings.SIGNAL_SEND_LEASE_SECONDS + 1)
    backed_off = Delivery.objects.filter(
        integration_id=integration_id, status=Delivery.RETRYING, next_attempt_at__gt=horizon
    )
    return backed_off.exclude(status_code=429).update(next_attempt_at=now, updated_at=now)


def persist(write: Callable[[], None], patience: float) -> None:
    """Run `write`; while the database is away, again on a new connection until it is back,
    for `patience` seconds at most. Safe to repeat: the rows are written only while held."""
    deadline, pause = time.monotonic() + patience, 0.25
    while True:
        try:
            return write()
        except DATABASE_GONE as exc:
            if time.monotonic() + pause > deadline:
                raise
            log.warning("the database is unavailable (%s); writing again in %.2f s", exc, pause)
        connection.close()
        time.sleep(pause)
        pause = min(pause * 2, 1.0)


STATE_FIELDS = (
    "status",
    "done",
    "error",
    "status_code",
    "latency_ms",
    "endpoint",
    "next_attempt_at",
    "delivered_at",
    "tried",
)


def state_key(row: DeliveryRow, tried: bool) -> tuple:
    values = {f: getattr(row, f, None) for f in STATE_FIELDS} | {"tried": tried}
    values["done"] = tuple(row.done)
    return tuple(values[f] for f in STATE_FIELDS)


def write_state(state: dict, ids: list[int], now: datetime, until: datetime | None) -> None:
    """One UPDATE for every delivery that ends this round in the same state."""
    tried = state.pop("tried")
    state["done"] = list(state["done"])
    held = Delivery.objects.filter(id__in=any_of(ids))
    if until is not None:
        held = held.filter(next_attempt_at=until)
    held.update(
        **state,
        attempts=F("attempts") + 1 if tried else F("attempts"),
        first_attempt_at=Coalesce(F("first_attempt_at"), Value(now)),
        updated_at=now,
    )


def apply_verdict(
    row: DeliveryRow,
    verdict: Verdict,
    now: datetime,
    window: timedelta,
    next_retry: Callable[[int], datetime],
) -> None:
    """The row's new state in memory (for the broadcast); `finish` writes it."""
    row.done = sorted(set(row.done) | verdict.done)
    row.attempts += 1 if verdict.tries else 0
    row.first_attempt_at = row.first_attempt_at or now
    row.status_code, row.latency_ms = verdict.status_code, verdict.latency_ms
    row.endpoint = verdict.endpoint or row.endpoint
    row.updated_at, row.delivered_at = now, None
    if verdict.failed:
        row.status, row.error, row.next_attempt_at = Delivery.FAILED, verdict.failed, None
    elif not row.pending_operations():
        row.status, row.error, row.delivered_at = Delivery.DELIVERED, "", now
        row.next_attempt_at, row.done = None, []  # delivered: every operation is in
    elif verdict.held:
        # Waits, not lost: sent again once the integration's settings are fixed.
        row.status, row.error, row.next_attempt_at = Delivery.RETRYING, verdict.held, now
    elif now - row.first_attempt_at > window:
        row.status, row.next_attempt_at = Delivery.FAILED, None
        row.error = f"gave up after {row.attempts} attempts: {verdict.retry}"
    else:
        row.status, row.error = Delivery.RETRYING, verdict.retry
        asked = now + timedelta(seconds=verdict.wait * settings.SIGNAL_BACKOFF_SCALE)
        row.next_attempt_at = max(next_retry(row.attempts), asked)
