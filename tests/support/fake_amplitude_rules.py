"""What the fake Amplitude accepts, as Amplitude's documentation says (see the folder README
integrations/destinations/amplitude/README.md): one function per check, each answering the
(status, body) Amplitude would give, or None when the request passes."""

import json
from typing import Any
from urllib.parse import parse_qs

HTTP_MAX_BYTES = 1_000_000  # HTTP V2: "under 1 MB"
BATCH_MAX_BYTES = 20_000_000  # Batch: 20 MB
MAX_EVENTS = 2000
DEFAULT_MIN_ID_LENGTH = 5
RESERVED_EVENT_TYPES = ("$identify", "$groupidentify", "revenue_amount")

Answer = tuple[int, dict[str, Any]]


def missing(field: str) -> Answer:
    return 400, {"code": 400, "error": "Request missing required field", "missing_field": field}


def parse_json_body(raw: bytes, content_type: str) -> tuple[dict[str, Any] | None, Answer | None]:
    if not content_type.startswith("application/json"):
        return None, (
            400,
            {"code": 400, "error": "Invalid Content-Type: expected application/json"},
        )
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        return None, (400, {"code": 400, "error": "Invalid JSON request body"})
    if not isinstance(body, dict):
        return None, (400, {"code": 400, "error": "Invalid JSON request body"})
    return body, None


def parse_form_body(raw: bytes) -> tuple[dict[str, Any], list[Any] | None, Answer | None]:
    form = {k: v[-1] for k, v in parse_qs(raw.decode(errors="replace")).items()}
    if "identification" not in form:
        return form, None, missing("identification")
    try:
        items = json.loads(form["identification"])
    except ValueError:
        return form, None, (400, {"code": 400, "error": "Invalid identification JSON"})
    items = items if isinstance(items, list) else [items]
    return form, items, None


def check_api_key(api_key: Any, known: set[str]) -> Answer | None:
    if not api_key:
        return missing("api_key")
    if api_key not in known:
        return 400, {"code": 400, "error": f"Invalid API key: {api_key}"}
    return None


def check_size(path: str, raw: bytes, events: list[Any]) -> Answer | None:
    limit = BATCH_MAX_BYTES if path == "/batch" else HTTP_MAX_BYTES
    if len(raw) >= limit or len(events) > MAX_EVENTS:
        return 413, {"code": 413, "error": "Payload too large"}
    return None


def _is_ms(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def check_events(events: list[Any], min_id_length: int) -> Answer | None:
    """400 listing, by field, the indexes of the events Amplitude would refuse."""
    invalid: dict[str, list[int]] = {}
    absent: dict[str, list[int]] = {}
    short: dict[str, list[int]] = {}
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            absent.setdefault("event_type", []).append(index)
            continue
        event_type = event.get("event_type")
        if not isinstance(event_type, str) or not event_type:
            absent.setdefault("event_type", []).append(index)
        elif event_type in RESERVED_EVENT_TYPES and "user_properties" not in event:
            invalid.setdefault("event_type", []).append(index)
        if "time" in event and not _is_ms(event["time"]):
            invalid.setdefault("time", []).append(index)
        for field in ("event_properties", "user_properties", "groups"):
            if field in event and not isinstance(event[field], dict):
                invalid.setdefault(field, []).append(index)
        for field in ("price", "quantity", "revenue"):
            if field in event and not isinstance(event[field], int | float):
                invalid.setdefault(field, []).append(index)
        ids = {f: event.get(f) for f in ("user_id", "device_id")}
        if not any(ids.values()):
            absent.setdefault("device_id", []).append(index)
        for field, value in ids.items():
            if value and (not isinstance(value, str) or len(value) < min_id_length):
                short.setdefault(field, []).append(index)
    if not (invalid or absent or short):
        return None
    body: dict[str, Any] = {"code": 400, "error": _error(invalid, absent, short)}
    if invalid:
        body["events_with_invalid_fields"] = invalid
    if absent:
        body["events_with_missing_fields"] = absent
    if short:
        body["events_with_invalid_id_lengths"] = short
    return 400, body


def _error(invalid: dict, absent: dict, short: dict) -> str:
    if short and not (invalid or absent):
        return "Invalid id length for user_id or device_id"
    if absent and not invalid:
        return "Request missing required field"
    return "Invalid field values on some events"


def check_identifications(items: list[Any], min_id_length: int) -> Answer | None:
    for item in items:
        if not isinstance(item, dict):
            return 400, {"code": 400, "error": "Invalid identification"}
        ids = [item.get("user_id"), item.get("device_id")]
        if not any(ids):
            return 400, {"code": 400, "error": "Missing user_id or device_id"}
        if any(i and (not isinstance(i, str) or len(i) < min_id_length) for i in ids):
            return 400, {"code": 400, "error": "Invalid id length for user_id or device_id"}
    return None


def check_group_identifications(items: list[Any]) -> Answer | None:
    for item in items:
        if not isinstance(item, dict) or not item.get("group_type") or not item.get("group_value"):
            return 400, {"code": 400, "error": "Missing group_type or group_value"}
    return None


def min_id_length(body: dict[str, Any]) -> int:
    options = body.get("options")
    value = options.get("min_id_length") if isinstance(options, dict) else None
    return value if isinstance(value, int) and value > 0 else DEFAULT_MIN_ID_LENGTH


def throttles(user_id: str | None, device_id: str | None, event: dict[str, Any]) -> bool:
    """Whether a scripted throttle covers this event; with neither id, every event (a storm)."""
    if user_id is None and device_id is None:
        return True
    return bool(
        (user_id and event.get("user_id") == user_id)
        or (device_id and event.get("device_id") == device_id)
    )


def throttle_body(
    user_id: str | None,
    device_id: str | None,
    quota: bool,
    events: list[dict[str, Any]],
    hit: list[int],
) -> dict[str, Any]:
    """Amplitude's 429: the throttled (or over-quota) users and devices, and their events."""
    body: dict[str, Any] = {
        "code": 429,
        "error": "Too many requests for some devices and users",
        "eps_threshold": 30,
        "throttled_events": hit,
    }
    if user_id is None and device_id is None:
        user_id_of = {str(events[i]["user_id"]) for i in hit if events[i].get("user_id")}
        device_of = {str(events[i]["device_id"]) for i in hit if events[i].get("device_id")}
        users, devices = dict.fromkeys(user_id_of, 31), dict.fromkeys(device_of, 31)
    else:
        users = {user_id: 31} if user_id else {}
        devices = {device_id: 31} if device_id else {}
    if quota:
        body["exceeded_daily_quota_users"] = dict.fromkeys(users, 500_001)
        body["exceeded_daily_quota_devices"] = dict.fromkeys(devices, 500_001)
    else:
        body["throttled_users"], body["throttled_devices"] = users, devices
    return body
