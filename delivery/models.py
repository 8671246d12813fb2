"""The outbox: accepted events, one delivery per (event, integration), and HTTP attempts."""

from django.db import models

from integrations.models import Integration, Source


class Event(models.Model):
    """An accepted source event, stored before the collector answers 200."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="events")
    message_id = models.CharField(max_length=255)
    type = models.CharField(max_length=20)
    name = models.CharField(max_length=255, blank=True, default="")
    payload = models.JSONField()
    received_at = models.DateTimeField(db_index=True)
    # Set once every integration has its delivery row, queued or held (the fan-out is done).
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "message_id"], name="event_unique_message"),
        ]
        indexes = [
            models.Index(
                fields=["id"],
                name="event_pending_fanout",
                condition=models.Q(fanned_out_at__isnull=True),
            ),
        ]


class Delivery(models.Model):
    """One event at one integration: the operations built once, and where they stand."""

    QUEUED, DELIVERED, RETRYING = "queued", "delivered", "retrying"
    FAILED, SUPPRESSED, FILTERED = "failed", "suppressed", "filtered"
    # Received while the integration was disabled: mapped, kept, and queued when it is enabled.
    # Not PENDING, so no sender or sweeper ever picks it up while held.
    HELD = "held"
    STATUSES = [(s, s) for s in (QUEUED, DELIVERED, RETRYING, FAILED, SUPPRESSED, FILTERED, HELD)]
    PENDING = (QUEUED, RETRYING)

    # No single-column indexes: the unique (event, integration) and the (integration, ...)
    # indexes below serve those lookups, and every index costs the fan-out's insert. No
    # constraint triggers either: checking both keys of every inserted row (and locking the
    # rows they point at) was a fifth of PostgreSQL's CPU in the fan-out benchmark. Rows are
    # deleted only through the ORM, which cascades to them and to the attempt links.
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
        db_constraint=False,
    )
    integration = models.ForeignKey(
        Integration,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
        db_constraint=False,
    )
    status = models.CharField(max_length=12, choices=STATUSES, default=QUEUED)
    destination_event = models.CharField(max_length=255, blank=True, default="")
    # [{"endpoint": ..., "item": {...}}, ...] exactly as they are sent, every attempt.
    operations = models.JSONField(default=list)
    # Indexes into `operations` the destination has accepted, while the delivery is pending or
    # failed (a replay resends only the rest). Empty once delivered: then all of them are in.
    done = models.JSONField(default=list)
    warnings = models.JSONField(default=list)
    # The codes of those warnings (the destination's own), which key its troubleshooting hints.
    warning_codes = models.JSONField(default=list)
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    endpoint = models.CharField(max_length=200, blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "integration"], name="delivery_unique"),
        ]
        indexes = [
            models.Index(fields=["integration", "status", "next_attempt_at"]),
            models.Index(fields=["integration", "-id"]),
        ]

    def pending_operations(self) -> list[tuple[int, dict]]:
        return pending_operations(self.operations, self.done)


def pending_operations(operations: list[dict], done: list[int]) -> list[tuple[int, dict]]:
    """(index, operation) for each operation the destination has not accepted yet."""
    if not done:
        return list(enumerate(operations))
    accepted = set(done)
    return [(i, op) for i, op in enumerate(operations) if i not in accepted]


class Attempt(models.Model):
    """One HTTP request to a destination, carrying a batch of operations."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="attempts")
    deliveries = models.ManyToManyField(Delivery, related_name="http_attempts", db_constraint=False)
    endpoint = models.CharField(max_length=200)
    url = models.CharField(max_length=500)
    item_count = models.PositiveIntegerField()
    kind = models.CharField(max_length=12)
    # What happened, in the destination's words ("invalid_secret"): keys the hint.
    code = models.CharField(max_length=40, blank=True, default="")
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField()
    request_body = models.TextField()  # secrets and the Authorization header removed
    response_body = models.TextField(blank=True, default="")
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
