"""Shared steps for end-to-end delivery tests."""

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from delivery.models import Delivery, Event
from integrations.catalog import get_destination
from integrations.models import Integration, Source
from signal_admin.web.services import install
from tests.support.fake_mixpanel_fixtures import API_SECRET, TOKEN

CONSENTED = {"consent": {"categoryPreferences": {"analytics": True}}, "ip": "203.0.113.7"}


def mixpanel(variant: str = "retail", **config: Any) -> Integration:
    base = {"project_token": TOKEN, "api_secret": API_SECRET}
    return install(
        get_destination("mixpanel"), name="Mixpanel", variant=variant, config=base | config
    )


def collector(base_url: str) -> tuple[Source, httpx.Client]:
    source = Source.objects.create(name=f"site-{uuid.uuid4().hex[:6]}")
    auth = base64.b64encode(f"{source.write_key}:".encode()).decode()
    client = httpx.Client(base_url=base_url, headers={"Authorization": f"Basic {auth}"}, timeout=10)
    return source, client


def track(name: str = "Product Viewed", *, days_ago: float = 0, **extra: Any) -> dict:
    when = datetime.now(UTC) - timedelta(days=days_ago)
    return {
        "type": "track",
        "event": name,
        "anonymousId": "anon-1",
        "messageId": uuid.uuid4().hex,
        "timestamp": when.isoformat().replace("+00:00", "Z"),
        "properties": {"product_id": "sku-1", "price": 10},
        "context": CONSENTED,
    } | extra


def send_batch(client: httpx.Client, events: list[dict]) -> None:
    response = client.post("/v1/batch", json={"batch": events})
    assert response.status_code == 200, response.text


def statuses(integration: Integration) -> dict[str, int]:
    out: dict[str, int] = {}
    for status in Delivery.objects.filter(integration=integration).values_list("status", flat=True):
        out[status] = out.get(status, 0) + 1
    return out


def settled(integration: Integration, expected: int, status: str = Delivery.DELIVERED) -> bool:
    return statuses(integration).get(status, 0) >= expected


def accept(*events: dict) -> Source:
    """Store events as the collector would (not yet fanned out); returns their source."""
    source = Source.objects.create(name=f"site-{uuid.uuid4().hex[:6]}")
    for event in events:
        Event.objects.create(
            source=source,
            message_id=event["messageId"],
            type=event.get("type", "track"),
            name=event.get("event", ""),
            payload=event,
            received_at=datetime.now(UTC),
        )
    return source
