"""Management API: preview what an event becomes at the destination. Nothing is sent."""

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Query, Router
from pydantic import WithJsonSchema

from delivery.preview import preview as preview_event
from signal_admin.web.api.support import (
    ApiError,
    error_responses,
    get_integration_or_404,
    read_json_body,
    row_id,
)

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
SourceKind = Literal["browser", "mobile", "server"]
KIND_QUERY = Query("browser", description="The kind of source the event comes from.")
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


@router.post(
    "/{int:id}/preview",
    response={200: dict[str, Any], **error_responses(400, 401, 404)},
    openapi_extra=PREVIEW_BODY,
)
def preview(
    request,
    id: int = row_id("The integration's id."),
    now: DateTimeText | None = NOW_QUERY,
    source_kind: SourceKind = KIND_QUERY,
):
    """The exact requests an event would become (or the decision and its reason).

    The event is checked and normalised as the collection API would store it, then mapped
    through this integration's blueprint. `now` (ISO 8601) previews as of another time;
    `source_kind` as if sent from a browser, mobile or server source.
    """
    integration = get_integration_or_404(id)
    event = read_json_body(request)
    when = parse_now(now)
    if not isinstance(event, dict):
        raise ApiError(400, "Invalid input.", {"body": "must be one event, a JSON object"})
    return preview_event(integration, event, when=when, source_kind=source_kind)
