import uuid
from datetime import UTC, datetime

import pytest

from delivery.models import Delivery, Event
from integrations.models import Integration, Source
from tests.delivery.helpers import mixpanel


@pytest.fixture
def in_memory_layer(settings) -> None:
    """One process: the consumer and the broadcasting code share the in-memory layer."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture
def integration(db) -> Integration:
    return mixpanel("retail")


@pytest.fixture
def source(db) -> Source:
    return Source.objects.create(name=f"site-{uuid.uuid4().hex[:6]}")


def delivered(integration: Integration, source: Source, name: str = "Product Viewed") -> Delivery:
    """A delivered event as the pipeline leaves it (without the HTTP attempt)."""
    event = Event.objects.create(
        source=source,
        message_id=uuid.uuid4().hex,
        type="track",
        name=name,
        payload={"type": "track", "event": name, "anonymousId": "anon-1"},
        received_at=datetime.now(UTC),
        fanned_out_at=datetime.now(UTC),
    )
    return Delivery.objects.create(
        event=event,
        integration=integration,
        status=Delivery.DELIVERED,
        destination_event=name,
        operations=[{"endpoint": "/track", "item": {"event": name, "properties": {}}}],
        done=[0],
        status_code=200,
        latency_ms=12,
        endpoint="/track",
        attempts=1,
    )
