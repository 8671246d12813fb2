"""Management API: preview what an event becomes at the destination. Nothing is sent."""

from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from ninja import Router

from integrations.api_support import (
    ApiError,
    error_responses,
    get_integration_or_404,
    read_json_body,
)
from integrations.preview import preview as preview_event

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
    if not isinstance(event, dict):
        raise ApiError(400, "Invalid input.", {"body": "must be one event, a JSON object"})
    return preview_event(integration, event, when=when)
