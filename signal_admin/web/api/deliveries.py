"""Management API: an integration's delivery log, replay, and preview."""

from datetime import datetime
from typing import Any, Literal

from django.db import transaction
from ninja import Query, Router, Schema

from delivery import outbox
from delivery.models import Delivery, Event
from signal_admin.web.api.support import (
    MAX_ID,
    ApiError,
    bounded_text,
    error_responses,
    get_integration_or_404,
    row_id,
)

router = Router(tags=["deliveries"])
PAGE_SIZE = 100
MAX_PAGE_SIZE = 500

DeliveryStatus = Literal[tuple(dict(Delivery.STATUSES))]  # type: ignore[valid-type]


class AttemptOut(Schema):
    id: int
    created_at: datetime
    endpoint: str
    url: str
    item_count: int
    kind: str
    status_code: int | None
    latency_ms: int
    request_body: str
    response_body: str
    error: str


class DeliveryOut(Schema):
    id: int
    message_id: str
    type: str
    event: str
    destination_event: str
    status: DeliveryStatus
    status_code: int | None
    endpoint: str
    error: str
    warnings: list[str]
    attempts: int
    latency_ms: int | None
    received_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    operations: list[dict[str, Any]]


class DeliveryDetailOut(DeliveryOut):
    source_event: dict[str, Any]
    http_attempts: list[AttemptOut]


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_before_id: int | None


class ReplayOut(Schema):
    replayed: int


def delivery_out(delivery: Delivery) -> dict[str, Any]:
    event = delivery.event
    return {
        "id": delivery.id,
        "message_id": event.message_id,
        "type": event.type,
        "event": event.name,
        "destination_event": delivery.destination_event,
        "status": delivery.status,
        "status_code": delivery.status_code,
        "endpoint": delivery.endpoint,
        "error": delivery.error,
        "warnings": delivery.warnings,
        "attempts": delivery.attempts,
        "latency_ms": delivery.latency_ms,
        "received_at": event.received_at,
        "next_attempt_at": delivery.next_attempt_at,
        "delivered_at": delivery.delivered_at,
        "operations": delivery.operations,
    }


INTEGRATION_ID = "The integration's id."
DELIVERY_ID = "The delivery's id (one of this integration's)."
EndpointFilter = bounded_text(Delivery._meta.get_field("endpoint").max_length)
EventFilter = bounded_text(Event._meta.get_field("name").max_length)
EVENT_QUERY = Query(None, description="The source event's name or the destination event.")
BEFORE_ID_QUERY = Query(None, ge=1, le=MAX_ID, description="Only deliveries older than this id.")
LIMIT_QUERY = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Deliveries per page.")


@router.get("/{int:id}/deliveries", response={200: DeliveryPage, **error_responses(400, 401, 404)})
def list_deliveries(
    request,
    id: int = row_id(INTEGRATION_ID),
    status: DeliveryStatus | None = None,
    endpoint: EndpointFilter | None = None,
    event: EventFilter | None = EVENT_QUERY,
    before_id: int | None = BEFORE_ID_QUERY,
    limit: int = LIMIT_QUERY,
):
    """The delivery log, newest first; page with `before_id` = the last page's next_before_id."""
    integration = get_integration_or_404(id)
    rows = Delivery.objects.filter(integration=integration).select_related("event")
    if status:
        rows = rows.filter(status=status)
    if endpoint:
        rows = rows.filter(endpoint=endpoint)
    if event:
        rows = rows.filter(event__name=event) | rows.filter(destination_event=event)
    if before_id:
        rows = rows.filter(id__lt=before_id)
    page = list(rows.order_by("-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {
        "items": [delivery_out(d) for d in page],
        "next_before_id": page[-1].id if more else None,
    }


def _delivery_or_404(integration, delivery_id: int) -> Delivery:
    delivery = (
        Delivery.objects.filter(integration=integration, id=delivery_id)
        .select_related("event")
        .first()
    )
    if delivery is None:
        raise ApiError(404, "Delivery not found.", {"delivery_id": "No such delivery here."})
    return delivery


@router.get(
    "/{int:id}/deliveries/{int:delivery_id}",
    response={200: DeliveryDetailOut, **error_responses(400, 401, 404)},
)
def get_delivery(request, id: int = row_id(INTEGRATION_ID), delivery_id: int = row_id(DELIVERY_ID)):
    """One delivery with its source event and every HTTP attempt (secrets removed)."""
    delivery = _delivery_or_404(get_integration_or_404(id), delivery_id)
    return {
        **delivery_out(delivery),
        "source_event": delivery.event.payload,
        "http_attempts": list(delivery.http_attempts.order_by("id")),
    }


@router.post(
    "/{int:id}/deliveries/{int:delivery_id}/replay",
    response={200: ReplayOut, **error_responses(400, 401, 404, 409)},
)
def replay_one(request, id: int = row_id(INTEGRATION_ID), delivery_id: int = row_id(DELIVERY_ID)):
    """Send a failed delivery again, with the same operations (deduplication id and time).

    A delivery that is not failed (delivered, or already queued again) answers 409.
    """
    integration = get_integration_or_404(id)
    delivery = _delivery_or_404(integration, delivery_id)
    if delivery.status != Delivery.FAILED:
        raise ApiError(
            409,
            "Only failed deliveries can be replayed.",
            {"status": f"this delivery is {delivery.status}"},
        )
    with transaction.atomic():
        return {"replayed": outbox.replay(integration, [delivery.id])}


@router.post(
    "/{int:id}/deliveries/replay", response={200: ReplayOut, **error_responses(400, 401, 404)}
)
def replay_all(request, id: int = row_id(INTEGRATION_ID)):
    """Send every failed delivery of this integration again."""
    integration = get_integration_or_404(id)
    with transaction.atomic():
        return {"replayed": outbox.replay(integration)}
