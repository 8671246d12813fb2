"""The dashboard's "Send test event": one event through the real pipeline, no retries.

The event and its delivery are stored as the collector and the fan-out store any other, and
the delivery is claimed under a lease and sent by the same round a worker runs.
"""

import uuid
from datetime import UTC, datetime

from django.utils import timezone

from delivery.broadcast import broadcast_deliveries
from delivery.lease import lease_end
from delivery.models import Delivery, Event
from delivery.outbox import delivery_for
from delivery.sender import Round, claim
from integrations.models import Integration, Source

TEST_SOURCE = "Signal test events"


def test_payload(message_id: str, now: datetime) -> dict:
    return {
        "type": "track",
        "event": "Signal Test Event",
        "anonymousId": "signal-test-visitor",
        "messageId": message_id,
        "timestamp": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "properties": {"source": "Signal dashboard"},
        "context": {
            "consent": {"categoryPreferences": {"analytics": True}},
            "library": {"name": "signal-test", "version": "1"},
        },
    }


class IntegrationDisabled(Exception):
    """A disabled integration sends nothing, test events included."""


def send_test_event(integration: Integration) -> Delivery:
    """Store, map and send one event to this integration only; the answer is final.

    Raises IntegrationDisabled, storing nothing, if the integration is disabled."""
    if not integration.enabled:
        raise IntegrationDisabled(integration.name)
    now = timezone.now()
    source, _ = Source.objects.get_or_create(name=TEST_SOURCE)
    message_id = f"signal-test-{uuid.uuid4()}"
    event = Event.objects.create(
        source=source,
        message_id=message_id,
        type="track",
        name="Signal Test Event",
        payload=test_payload(message_id, now),
        received_at=now,
        fanned_out_at=now,
    )
    delivery = delivery_for(event, integration, integration.full_config(), now)
    queued = delivery.status == Delivery.QUEUED
    if queued:
        # Stored as if already claimed, so no worker takes it before this request does.
        delivery.next_attempt_at = lease_end(now)
    delivery.save()
    broadcast_deliveries([delivery])
    if queued:
        rows, lease = claim(integration.id, 1, only=delivery.id, due_by=delivery.next_attempt_at)
        # It answers a web request: no waiting out a database outage.
        Round(integration, rows, lease, patience=0.0).run()
        delivery.refresh_from_db()
    if delivery.status == Delivery.RETRYING:
        # A test event is not retried: say what the destination answered and stop.
        delivery.status, delivery.next_attempt_at = Delivery.FAILED, None
        delivery.save(update_fields=["status", "next_attempt_at"])
        broadcast_deliveries([delivery])
    return delivery
