"""What one Amplitude answer means for the batch it answers, per Amplitude's documentation.

200: every item ingested. 400: nothing ingested; when the body lists the events at fault
(`events_with_invalid_fields`, `events_with_missing_fields`, `events_with_invalid_id_lengths`,
`silenced_events`, `silenced_devices`), only those fail and the others are resent; an
"Invalid API key" (or a 401) holds deliveries. 403 is Amplitude's firewall refusing something
in the request: rejected, so the sender halves the batch down to the event at fault.
413: split. 429: nothing ingested; the throttled users' and devices' events
(`throttled_events`, `throttled_users`, `throttled_devices`, `exceeded_daily_quota_*`) are
resent later with the rest. 5xx: resend (insert_id dedupes).
"""

import json
from dataclasses import dataclass, field
from typing import Any

from integrations.destinations.amplitude import hints
from integrations.destinations.base import SendKind

# How long Amplitude asks a throttled user or device to pause (HTTP V2: 30 s; Identify: 15 s).
PAUSE_SECONDS = {"/2/httpapi": 30.0, "/batch": 30.0, "/identify": 15.0, "/groupidentify": 15.0}

_EVENT_MAPS = {  # response key -> what it says of each field's events
    "events_with_invalid_fields": "invalid",
    "events_with_missing_fields": "missing",
    "events_with_invalid_id_lengths": "shorter than the minimum id length",
}


@dataclass
class Classified:
    kind: SendKind
    error: str
    code: str
    failed: dict[int, str] = field(default_factory=dict)
    retry: dict[int, str] = field(default_factory=dict)
    resend: list[int] = field(default_factory=list)
    retry_after: float = 0.0


def classify(endpoint: str, status: int, text: str, items: list[dict]) -> Classified:
    body = _json(text)
    body = body if isinstance(body, dict) else {}
    reason = str(body.get("error") or text.strip()[:300] or "no body")
    pause = PAUSE_SECONDS.get(endpoint, 30.0)
    if 200 <= status < 300:
        return Classified("delivered", "", "delivered")
    if status == 401 or (status == 400 and reason.lower().startswith("invalid api key")):
        error = f"Amplitude refused the API key ({status}: {reason})"
        return Classified("auth_error", error, hints.INVALID_API_KEY)
    if status == 403:  # its web application firewall: a value it refuses, or the region
        error = f"Amplitude's firewall blocked the request (403: {reason})"
        return Classified("rejected", error, hints.BLOCKED)
    if status == 400:
        return _bad_request(body, reason, items, pause)
    if status == 413:
        error = f"Amplitude refused the request as too large (413: {reason}); splitting"
        return Classified("too_large", error, hints.TOO_LARGE)
    if status == 429:
        return _throttled(body, reason, items, pause)
    if status >= 500 or status == 408:
        error = f"Amplitude is unavailable ({status}: {reason}); will retry"
        return Classified("retry", error, hints.UNAVAILABLE)
    return Classified("rejected", f"Amplitude answered {status}: {reason}", hints.UNEXPECTED)


def _bad_request(body: dict[str, Any], reason: str, items: list[dict], pause: float) -> Classified:
    failed: dict[int, list[str]] = {}
    for key, says in _EVENT_MAPS.items():
        for name, indexes in _mapping(body.get(key)).items():
            for index in _indexes(indexes, len(items)):
                failed.setdefault(index, []).append(f"{name}: {says}")
    for index in _indexes(body.get("silenced_events"), len(items)):
        failed.setdefault(index, []).append("silenced: Amplitude silenced this event")
    silenced = {str(d) for d in body.get("silenced_devices") or () if isinstance(d, str | int)}
    for index, item in enumerate(items):
        if str(item.get("device_id")) in silenced:
            failed.setdefault(index, []).append("device_id: Amplitude silenced this device")
    if not failed:
        missing = body.get("missing_field")
        if missing:
            error = f"Amplitude refused the request: {reason} ({missing})"
            return Classified("rejected", error, hints.MISSING_FIELD)
        return Classified(
            "rejected", f"Amplitude refused the request (400: {reason})", hints.MALFORMED
        )
    errors = {i: "; ".join(m) for i, m in sorted(failed.items())}
    code = hints.SILENCED if all("silenced" in m for m in errors.values()) else hints.INVALID_EVENTS
    first = min(errors)
    summary = f"{reason}: {len(errors)} of {len(items)} events (event {first}: {errors[first]})"
    if len(errors) >= len(items):
        return Classified("rejected", summary, code, failed=errors)
    # A silenced-device 400 also lists the events it throttled: they wait out the pause.
    held = {i: why for i, why in _throttling(body, items).items() if i not in errors}
    resend = [i for i in range(len(items)) if i not in errors and i not in held]
    wait = pause if held else 0.0
    return Classified(
        "partial", summary, code, failed=errors, retry=held, resend=resend, retry_after=wait
    )


def _throttled(body: dict[str, Any], reason: str, items: list[dict], pause: float) -> Classified:
    held = _throttling(body, items)
    quota_users = _mapping(body.get("exceeded_daily_quota_users"))
    quota = quota_users or _mapping(body.get("exceeded_daily_quota_devices"))
    code = hints.QUOTA_EXCEEDED if quota else hints.THROTTLED
    error = f"Amplitude throttled the request (429: {reason}); will retry"
    if not held or len(held) >= len(items):
        return Classified("retry", error, code, retry_after=pause)
    resend = [i for i in range(len(items)) if i not in held]
    return Classified(
        "partial",
        f"{error}: {len(held)} of {len(items)} events throttled",
        code,
        retry=held,
        resend=resend,
        retry_after=pause,
    )


def _throttling(body: dict[str, Any], items: list[dict]) -> dict[int, str]:
    """Index -> why, for each event whose user or device Amplitude throttled or found over
    its daily quota (by the body's maps of ids, or its list of event indexes)."""
    users = _mapping(body.get("throttled_users"))
    devices = _mapping(body.get("throttled_devices"))
    quota_users = _mapping(body.get("exceeded_daily_quota_users"))
    quota_devices = _mapping(body.get("exceeded_daily_quota_devices"))
    listed = set(_indexes(body.get("throttled_events"), len(items)))
    held: dict[int, str] = {}
    for index, item in enumerate(items):
        user, device = str(item.get("user_id", "")), str(item.get("device_id", ""))
        if user in quota_users or device in quota_devices:
            who = f"user {user}" if user in quota_users else f"device {device}"
            held[index] = f"daily quota exceeded for {who}"
        elif index in listed or user in users or device in devices:
            who = f"user {user}" if user in users else f"device {device}"
            held[index] = f"throttled: {who} sent over Amplitude's per-second limit"
    return held


def _mapping(value: Any) -> dict[str, Any]:
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _indexes(value: Any, count: int) -> list[int]:
    if not isinstance(value, list):
        return []
    return [i for i in value if isinstance(i, int) and not isinstance(i, bool) and 0 <= i < count]


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
