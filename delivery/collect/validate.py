"""Parsing and validating collection API bodies (Segment's HTTP Tracking API shape).

Pure functions: a body in, accepted events and per-event errors out. Each error names the
event's index in the batch and the field at fault, so one bad event never sinks the rest.
"""

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

TYPES = ("track", "page", "screen", "identify", "group", "alias")
OBJECT_FIELDS = ("properties", "traits", "context", "integrations")
STRING_FIELDS = ("event", "name", "messageId", "groupId", "previousId", "category")
MAX_ID_LENGTH = 255


class BadRequest(Exception):
    """The whole request is unusable; `field` names what is wrong."""

    def __init__(self, message: str, field: str = "body", status: int = 400) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


@dataclass
class Accepted:
    index: int
    message_id: str
    type: str
    name: str
    payload: dict[str, Any]
    encoded: bytes = b""  # the payload as JSON, serialised once for the insert


@dataclass
class Rejected:
    index: int
    field: str
    error: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "error": self.error}


def parse_json(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"Body is not valid UTF-8 (byte {exc.start}).") from None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    # What orjson refuses but Python's SDKs send (NaN, Infinity): read it the lenient way, as
    # null, so one odd value never costs the whole request.
    try:
        return json.loads(
            text, parse_constant=lambda _: None, parse_float=_finite, parse_int=_int_as_orjson
        )
    except json.JSONDecodeError as exc:
        raise BadRequest(f"Body is not valid JSON: {exc.msg} at line {exc.lineno}.") from None
    except RecursionError:
        raise BadRequest("Body is nested too deeply to read.") from None


def _finite(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None


def _int_as_orjson(text: str) -> int | float:
    """Integers as orjson reads them, so the same body stores the same values either way:
    beyond 64 bits, a float."""
    value = int(text)
    return value if -(2**63) <= value < 2**64 else float(value)


def events_of(data: Any, path_type: str) -> list[Any]:
    """The raw events of a request: the `batch` list for /v1/batch, else the body itself."""
    if not isinstance(data, dict):
        raise BadRequest("Body must be a JSON object.")
    if path_type != "batch":
        return [{**data, "type": path_type}]
    batch = data.get("batch")
    if not isinstance(batch, list):
        raise BadRequest("`batch` must be a list of events.", field="batch")
    if not batch:
        raise BadRequest("`batch` is empty.", field="batch")
    return batch


def _as_id(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _timestamp(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _problem(event: dict[str, Any], kind: str) -> tuple[str, str] | None:
    """The first thing wrong with one event, as (field, message), or None."""
    for name in OBJECT_FIELDS:
        if name in event and event[name] is not None and not isinstance(event[name], dict):
            return name, f"`{name}` must be an object"
    for name in STRING_FIELDS:
        if name in event and event[name] is not None and not isinstance(event[name], str):
            return name, f"`{name}` must be a string"
    for name in ("userId", "anonymousId"):
        value = event.get(name)
        if value is not None and _as_id(value) is None:
            return name, f"`{name}` must be a non-empty string"
        if isinstance(value, str) and len(value) > MAX_ID_LENGTH:
            return name, f"`{name}` is longer than {MAX_ID_LENGTH} characters"
    if _as_id(event.get("userId")) is None and _as_id(event.get("anonymousId")) is None:
        return "userId", "every event needs a `userId` or an `anonymousId`"
    if kind == "track" and not (isinstance(event.get("event"), str) and event["event"].strip()):
        return "event", "a track call needs an `event` name"
    if kind == "group" and _as_id(event.get("groupId")) is None:
        return "groupId", "a group call needs a `groupId`"
    if kind == "alias" and _as_id(event.get("previousId")) is None:
        return "previousId", "an alias call needs a `previousId`"
    if "timestamp" in event and _timestamp(event["timestamp"]) is None:
        return "timestamp", "`timestamp` must be an ISO 8601 date-time"
    message_id = event.get("messageId")
    if isinstance(message_id, str) and len(message_id) > MAX_ID_LENGTH:
        return "messageId", f"`messageId` is longer than {MAX_ID_LENGTH} characters"
    return None


def content_id(event: dict[str, Any]) -> str:
    """A stable id for an event sent without a messageId: the hash of its content."""
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), default=str)
    return "sig-" + hashlib.sha256(canonical.encode()).hexdigest()[:32]


def normalize(event: dict[str, Any], received_at: str) -> dict[str, Any]:
    """Fill what delivery relies on: ids as strings, a timestamp, `receivedAt`.

    A valid timestamp is kept as sent, so the stored event is the event the client sent.
    """
    out = dict(event)
    for name in ("userId", "anonymousId", "groupId", "previousId"):
        if name in out:
            out[name] = _as_id(out[name])
    if _timestamp(event.get("timestamp")) is None:
        out["timestamp"] = received_at
    out["receivedAt"] = received_at
    return out


def check_events(
    raw: list[Any],
    path_type: str,
    received_at: str,
    scan_nul: bool = False,
    client_ip: str | None = None,
):
    """Split raw events into accepted and rejected, each with its batch index.

    With `scan_nul` (the body had a `\\u0000` escape), events carrying a NUL character are
    rejected: the database cannot store one in text or JSON. With `client_ip` (the sender's
    address, for browser and mobile sources), an event without `context.ip` gets that one.
    """
    accepted: list[Accepted] = []
    rejected: list[Rejected] = []
    for index, event in enumerate(raw):
        if not isinstance(event, dict):
            rejected.append(Rejected(index, "event", "each event must be a JSON object"))
            continue
        kind = event.get("type") if path_type == "batch" else path_type
        if kind not in TYPES:
            rejected.append(Rejected(index, "type", f"`type` must be one of {', '.join(TYPES)}"))
            continue
        problem = _problem(event, kind)
        if problem:
            rejected.append(Rejected(index, *problem))
            continue
        event = {k: v for k, v in event.items() if k != "writeKey"} | {"type": kind}
        payload = normalize(event, received_at)
        if client_ip is not None:
            payload = _with_ip(payload, client_ip)
        encoded, problem = _encoded(payload, scan_nul)
        if problem:
            rejected.append(Rejected(index, "event", problem))
            continue
        message_id = _as_id(event.get("messageId")) or content_id(event)
        name = event.get("event") or event.get("name") or ""
        accepted.append(Accepted(index, message_id, kind, str(name)[:255], payload, encoded))
    return accepted, rejected


def _with_ip(payload: dict[str, Any], client_ip: str) -> dict[str, Any]:
    context = payload.get("context") if isinstance(payload.get("context"), dict) else {}
    if context.get("ip"):
        return payload
    return payload | {"context": {**context, "ip": client_ip}}


def _encoded(payload: dict[str, Any], scan_nul: bool) -> tuple[bytes, str | None]:
    """The payload as stored, or why it cannot be: nested too deep, an integer beyond 64
    bits, a lone surrogate, or (with `scan_nul`) a NUL character the database refuses."""
    try:
        encoded = orjson.dumps(payload)
    except orjson.JSONEncodeError as exc:
        return b"", f"cannot be stored ({exc}); simplify the event"
    if scan_nul and b"\\u0000" in encoded:
        return b"", "NUL characters (\\u0000) cannot be stored; remove them"
    return encoded, None
