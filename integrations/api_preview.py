"""Management API: preview what an event becomes at the destination. Nothing is sent."""

from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from ninja import Router

from delivery.collect.validate import check_events, normalize
from integrations.api_support import (
    ApiError,
    error_responses,
    get_integration_or_404,
    read_json_body,
)
from integrations.destinations.base import Outcome
from integrations.integrations_object import integrations_skip
from integrations.models import Integration

router = Router(tags=["preview"])

PREVIEW_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
        "description": "One event as the collection API takes it (its `type` is required).",
    }
}


def _parse_now(value: str | None) -> datetime:
    if not value:
        return timezone.now()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, "Invalid input.", {"now": "must be an ISO 8601 date-time"})
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def requests_for(integration: Integration, operations: list[dict[str, Any]]) -> list[dict]:
    """The HTTP requests the operations become, one per endpoint, secrets removed."""
    by_endpoint: dict[str, list[dict[str, Any]]] = {}
    for op in operations:
        by_endpoint.setdefault(op["endpoint"], []).append(op["item"])
    build = integration.destination.build_request
    config = integration.full_config()
    return [build(config, endpoint, items) for endpoint, items in by_endpoint.items()]


@router.post(
    "/{int:id}/preview",
    response={200: dict[str, Any], **error_responses(400, 401, 404)},
    openapi_extra=PREVIEW_BODY,
)
def preview(request, id: int, now: str | None = None):
    """The exact requests an event would become (or the decision and its reason).

    The event is checked and normalised as the collection API would store it, then mapped
    through this integration's blueprint. `now` (ISO 8601) previews as of another time.
    """
    integration = get_integration_or_404(id)
    event = read_json_body(request)
    when = _parse_now(now)
    received = when.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if not isinstance(event, dict):
        raise ApiError(400, "Invalid input.", {"body": "must be one event, a JSON object"})
    accepted, rejected = check_events([event], "batch", received)
    # An event the collector would refuse is still mapped, so the blueprint's own verdict
    # shows beside the collector's.
    payload = accepted[0].payload if accepted else normalize(event, received)
    skipped = integrations_skip(payload, integration.destination.name)
    if skipped:
        outcome = Outcome("filtered", reason=skipped).to_json()
    else:
        outcome = integration.destination.transform(
            payload, integration.blueprint, integration.full_config(), when
        ).to_json()
    return {
        **outcome,
        "requests": requests_for(integration, outcome["operations"]),
        "collector": {"accepted": not rejected, "fields": {r.field: r.error for r in rejected}},
    }
