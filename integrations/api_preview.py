"""Management API: preview what an event becomes at the destination. Nothing is sent."""

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from django.utils import timezone
from ninja import Query, Router
from pydantic import WithJsonSchema

from delivery.collect.validate import check_events, normalize
from integrations.api_support import (
    ApiError,
    error_responses,
    get_integration_or_404,
    read_json_body,
    row_id,
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


# RFC 3339, as the document's `format: date-time` says: a date, a time and an offset.
DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
DateTimeText = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
NOW_QUERY = Query(None, description="Preview as of this RFC 3339 date-time (default: now).")


def parse_now(value: str | None) -> datetime:
    """`now` as an aware datetime; a leap second (:60) counts as :59."""
    if value is None:
        return timezone.now()
    try:
        if not DATE_TIME.fullmatch(value):
            raise ValueError(value)
        text = value[:17] + "59" + value[19:] if value[17:19] == "60" else value
        parsed = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
        parsed.astimezone(UTC)  # an offset that takes it past year 1 or 9999 fails here
    except (ValueError, OverflowError):
        raise ApiError(400, "Invalid input.", {"now": "must be an RFC 3339 date-time"})
    return parsed


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
def preview(
    request, id: int = row_id("The integration's id."), now: DateTimeText | None = NOW_QUERY
):
    """The exact requests an event would become (or the decision and its reason).

    The event is checked and normalised as the collection API would store it, then mapped
    through this integration's blueprint. `now` (ISO 8601) previews as of another time.
    """
    integration = get_integration_or_404(id)
    event = read_json_body(request)
    when = parse_now(now)
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
