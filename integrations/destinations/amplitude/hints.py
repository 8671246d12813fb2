"""Amplitude's troubleshooting hints, keyed by the codes its client and transform give.

Failure codes come from `client.classify` (stored with each attempt); warning codes from the
transform's notices. Texts may use {error}, {field} and {message}.
"""

from typing import Any

from integrations.destinations.base import INVALID_FIELD, HintContext

# Failure codes, as the client names Amplitude's answers.
INVALID_API_KEY = "invalid_api_key"  # 400 "Invalid API key: ..." (or 401)
BLOCKED = "blocked"  # 403 from Amplitude's web application firewall
INVALID_EVENTS = "invalid_events"  # 400 listing events with invalid / missing fields
MISSING_FIELD = "missing_field"  # 400 with missing_field: the request itself is incomplete
SILENCED = "silenced"  # 400 listing silenced devices / events
MALFORMED = "malformed"  # any other 400
TOO_LARGE = "too_large"  # 413
THROTTLED = "throttled"  # 429 with throttled users / devices
QUOTA_EXCEEDED = "quota_exceeded"  # 429 with exceeded_daily_quota_users / devices
UNAVAILABLE = "unavailable"  # 5xx, timeouts, no connection
UNEXPECTED = "unexpected"
# Warning codes, from the transform.
REVENUE_WITHOUT_AMOUNT = "revenue_without_amount"
PRODUCT_WITHOUT_PRICE = "product_without_price"
ID_DROPPED = "id_too_short"
ID_PLACEHOLDER = "id_placeholder"
NO_TIMESTAMP = "no_timestamp"
EVENT_TOO_LARGE = "event_too_large"

WARNING_CODES = {
    REVENUE_WITHOUT_AMOUNT: "a revenue event had no numeric revenue or price, so none was sent",
    PRODUCT_WITHOUT_PRICE: "a product had no numeric price, so no revenue event was sent for it",
    ID_DROPPED: "a user or device id shorter than the minimum id length was left out",
    ID_PLACEHOLDER: 'a user or device id Amplitude refuses ("null", "undefined"...) was left out',
    NO_TIMESTAMP: "the event had no timestamp, so Amplitude used its upload time",
    EVENT_TOO_LARGE: "an event was over Amplitude's 1 MB request limit",
}

API_KEY = (
    "Amplitude refused the API key: copy it from Settings > Projects > (your project) > "
    "General in Amplitude and paste it into this integration's settings. If the key is right, "
    "check EU Data Residency: an EU project's key is refused by the US host and the reverse."
)
FIELD = (
    "Amplitude refused the field `{field}` of this event: {message}. Fix it in the event or "
    "the blueprint, then replay; the other events of the request were resent."
)
SHORT_ID = (
    "Amplitude needs user and device ids of at least 5 characters. Send longer ids, or set "
    "Minimum ID Length (advanced) in this integration's settings to accept shorter ones."
)
PLACEHOLDER = (
    'Amplitude refuses ids such as "null", "undefined", "anonymous", "0" or all zeros, '
    "so Signal left this one out. They usually come from code that turned a missing id into "
    "text: send the real id, or none (an empty userId is fine after a logout)."
)
BLOCKED_TEXT = (
    "Amplitude's firewall blocked the request (403): it refuses some value in it (unusual "
    "characters, a very long string, something that looks like an attack) or requests from "
    "the region Signal runs in. Signal sent the batch's events in smaller requests to find the "
    "one at fault: check that event's payload, fix it in the event or the blueprint, then replay."
)
MISSING = (
    "Amplitude said the request lacks `{field}`. Check the API key in this integration's "
    "settings; if it is set, the request was malformed: its full response says which part."
)
SILENCED_TEXT = (
    "Amplitude silenced this device or event (it blocks devices that sent too much or were "
    "blocked in Amplitude Data). Check Data > Events / blocked devices in Amplitude."
)
MALFORMED_TEXT = (
    "Amplitude refused the request as invalid (400): {error}. Fix the event or the blueprint, "
    "then replay."
)
THROTTLED_TEXT = (
    "Amplitude throttles a user or device that sends more than 30 events per second on HTTP "
    "V2; Signal pauses that user's events and resends them. For bursts or backfills, switch "
    "the blueprint's delivery.batch_api on (the Batch API accepts 1,000 per second)."
)
QUOTA_TEXT = (
    "A user or device in this request exceeded Amplitude's daily event quota: its events are "
    "retried later and may be refused until the quota resets. Look for a runaway client "
    "sending events in a loop."
)
TOO_LARGE_TEXT = (
    "Amplitude refused the request as too large (413: over 2,000 events or 1 MB): Signal "
    "splits the batch and resends."
)
UNAVAILABLE_TEXT = (
    "Amplitude did not answer or answered with a server error; Signal retries, and insert_id "
    "keeps a resent event from counting twice."
)
REVENUE = (
    "Revenue not appearing: add {fields} to {events} so Amplitude gets `revenue` (or `price`)."
)
NO_TIME = (
    "The event had no timestamp, so Amplitude dated it at upload: send timestamp (or "
    "originalTimestamp) with each event so its time is when it happened."
)
TOO_BIG = (
    "The event is over Amplitude's 1 MB request limit: drop large properties in the "
    "blueprint (events[].keep_unmapped: false) or send fewer of them."
)
PRODUCT = "Product revenue not appearing: give every item of `products` a numeric `price`."

HINTS = {
    INVALID_API_KEY: API_KEY,
    BLOCKED: BLOCKED_TEXT,
    MISSING_FIELD: MISSING,
    SILENCED: SILENCED_TEXT,
    MALFORMED: MALFORMED_TEXT,
    THROTTLED: THROTTLED_TEXT,
    QUOTA_EXCEEDED: QUOTA_TEXT,
    TOO_LARGE: TOO_LARGE_TEXT,
    UNAVAILABLE: UNAVAILABLE_TEXT,
    ID_DROPPED: SHORT_ID,
    ID_PLACEHOLDER: PLACEHOLDER,
    PRODUCT_WITHOUT_PRICE: PRODUCT,
    NO_TIMESTAMP: NO_TIME,
    EVENT_TOO_LARGE: TOO_BIG,
    INVALID_FIELD: FIELD,
}
_ID_FIELDS = ("user_id", "device_id", "userId", "anonymousId")


def hint(code: str, context: HintContext) -> str | None:
    """The fix for what the code names, with the field at fault when it is known."""
    if code in (INVALID_EVENTS, INVALID_FIELD):
        return _field_hint(context)
    if code == REVENUE_WITHOUT_AMOUNT:
        return _revenue_hint(context.blueprint)
    if code == MISSING_FIELD:
        field = _response(context).get("missing_field") or context.field or "a field"
        return MISSING.format(field=field)
    text = HINTS.get(code)
    if text and "{error}" in text:
        return text.format(error=context.error or "no reason given")
    return text


def _response(context: HintContext) -> dict[str, Any]:
    return context.response if isinstance(context.response, dict) else {}


_EVENT_MAPS = {
    "events_with_invalid_fields": "invalid",
    "events_with_missing_fields": "missing",
    "events_with_invalid_id_lengths": "shorter than the minimum id length",
}


def _only_field(context: HintContext) -> tuple[str, str]:
    """The field Amplitude's 400 names, when it names exactly one for the whole batch."""
    body = _response(context)
    named = [
        (field, says)
        for key, says in _EVENT_MAPS.items()
        if isinstance(body.get(key), dict)
        for field in body[key]
    ]
    return named[0] if len(named) == 1 else ("", "")


def _field_hint(context: HintContext) -> str:
    field, message = context.field, context.message
    if not field:
        field, message = _only_field(context)
    if not field:  # "...(event 2: time: invalid)" from the client's error
        marker = context.error.rsplit("event ", 1)[-1]
        parts = marker.split(": ")
        if len(parts) >= 3:
            field, message = parts[1], parts[2].rstrip(")")
    if field in _ID_FIELDS:
        return PLACEHOLDER if "placeholder" in (message or "") else SHORT_ID
    if not field:
        return MALFORMED_TEXT.format(error=context.error or "no reason given")
    return FIELD.format(field=field, message=message or "invalid")


def _revenue_hint(blueprint: Any) -> str:
    revenue = blueprint.get("revenue") if isinstance(blueprint, dict) else None
    revenue = revenue if isinstance(revenue, dict) else {}
    events = " / ".join(str(e) for e in revenue.get("events") or []) or "the revenue event"
    paths = revenue.get("revenue") or []
    paths = [paths] if isinstance(paths, str) else paths
    fields = " or ".join(f"`{str(p).removeprefix('properties.')}`" for p in paths)
    return REVENUE.format(fields=fields or "a revenue amount", events=events)
