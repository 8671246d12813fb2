"""Parsing and validating collection API bodies (Segment's HTTP Tracking API shape).

Pure functions: a body in, accepted events and per-event errors out. Each error names the
event's index in the batch and the field at fault, so one bad event never sinks the rest.
"""

import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

import orjson

from delivery.collect.timing import event_time, iso, parse_time

TYPES = ("track", "page", "screen", "identify", "group", "alias")
OBJECT_FIELDS = ("properties", "traits", "context", "integrations")
STRING_FIELDS = ("event", "name", "messageId", "category")
# A string or a number, stored as a string: analytics-python sends a number it is given for
# any of them, and stringifies only `userId` and `anonymousId`.
ID_FIELDS = ("userId", "anonymousId", "groupId", "previousId")
MAX_ID_LENGTH = 255
# Calls whose traits RudderStack's SDKs send only in `context.traits`. Not group: there the
# root `traits` are the group's, and `context.traits` the user's, never the company's.
TRAIT_CALLS = ("identify",)
# Signal's own key in a stored payload (warnings for every delivery); never the client's.
SIGNAL_KEY = "_signal"
# A NUL character as JSON writes it: `\u0000` after an even number of backslashes. After an
# odd number, the backslash is itself escaped and the text is the six characters `\u0000`.
NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


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


def _int_as_orjson(text: str) -> int | float | None:
    """Integers as orjson reads them, so the same body stores the same values either way:
    beyond 64 bits, a float; beyond a double (orjson refuses those), null, as `1e400` is.
    Read as a float first: `int()` of thousands of digits is slow, then refused."""
    if len(text) > 20:
        return _finite(text)
    value = int(text)
    return value if -(2**63) <= value < 2**64 else float(value)


def events_of(data: Any, path_type: str, max_events: int | None = None) -> list[Any]:
    """The raw events of a request: the `batch` list for /v1/batch, else the body itself.

    A batch of more than `max_events` is refused whole (413), before any event is looked at,
    so the work a request causes is bounded whatever it holds.
    """
    if not isinstance(data, dict):
        raise BadRequest("Body must be a JSON object.")
    if path_type != "batch":
        return [{**data, "type": path_type}]
    batch = data.get("batch")
    if not isinstance(batch, list):
        raise BadRequest("`batch` must be a list of events.", field="batch")
    if not batch:
        raise BadRequest("`batch` is empty.", field="batch")
    if max_events is not None and len(batch) > max_events:
        message = f"`batch` has {len(batch)} events; send at most {max_events} a request."
        raise BadRequest(message, field="batch", status=413)
    sent_at = data.get("sentAt")
    # Server libraries (analytics-python, RudderStack's) stamp `sentAt` on the batch, not
    # on each event: each event takes it, so its clock can be corrected. Only a readable
    # time: anything else corrects nothing, and copied into every event (a NUL, a deep or
    # huge value) it would have every event of the batch rejected for the batch's fault.
    if parse_time(sent_at) is None:
        return batch
    return [
        {**event, "sentAt": sent_at} if isinstance(event, dict) and "sentAt" not in event else event
        for event in batch
    ]


def _as_id(value: Any) -> str | None:
    """An id as a string; None for what real clients send meaning "no id": null, an empty or
    whitespace-only string (RudderStack's `userId` after `reset()`)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _id_problem(
    event: dict[str, Any], name: str, max_length: int | None = MAX_ID_LENGTH
) -> str | None:
    value = event.get(name)
    if isinstance(value, bool) or not isinstance(value, str | int | float | None):
        return f"`{name}` must be a string"
    if max_length is not None and isinstance(value, str) and len(value.strip()) > max_length:
        return f"`{name}` is longer than {MAX_ID_LENGTH} characters"
    return None


def _problem(event: dict[str, Any], kind: str) -> tuple[str, str] | None:
    """The first thing wrong with one event, as (field, message), or None."""
    for name in OBJECT_FIELDS:
        if name in event and event[name] is not None and not isinstance(event[name], dict):
            return name, f"`{name}` must be an object"
    for name in STRING_FIELDS:
        if name in event and event[name] is not None and not isinstance(event[name], str):
            return name, f"`{name}` must be a string"
    for name in ("userId", "anonymousId"):
        problem = _id_problem(event, name)
        if problem:
            return name, problem
    for name in ("groupId", "previousId"):
        problem = _id_problem(event, name, max_length=None)
        if problem:
            return name, problem
    if _as_id(event.get("userId")) is None and _as_id(event.get("anonymousId")) is None:
        return "userId", "every event needs a `userId` or an `anonymousId`"
    if kind == "track" and not (isinstance(event.get("event"), str) and event["event"].strip()):
        return "event", "a track call needs an `event` name"
    if kind == "group" and _as_id(event.get("groupId")) is None:
        return "groupId", "a group call needs a `groupId`"
    if kind == "alias" and _as_id(event.get("previousId")) is None:
        return "previousId", "an alias call needs a `previousId`"
    if "timestamp" in event and parse_time(event["timestamp"]) is None:
        return "timestamp", "`timestamp` must be an ISO 8601 date-time"
    message_id = event.get("messageId")
    if isinstance(message_id, str) and len(message_id) > MAX_ID_LENGTH:
        return "messageId", f"`messageId` is longer than {MAX_ID_LENGTH} characters"
    return None


def content_id(event: dict[str, Any]) -> str:
    """A stable id for an event sent without a messageId: the hash of its content.

    Without `sentAt`: a client stamps it anew on each retry of the same event.
    """
    event = {k: v for k, v in event.items() if k != "sentAt"}
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), default=str)
    return "sig-" + hashlib.sha256(canonical.encode()).hexdigest()[:32]


def normalize(
    event: dict[str, Any], received_at: str, client_ip: str | None = None
) -> dict[str, Any]:
    """The payload as stored: what the client sent, plus what a collecting server fills in.

    - ids as strings; an empty one is absent;
    - `timestamp`: the event's time as Segment computes it (see `timing`), in UTC;
      `receivedAt` is Signal's receipt time; `sentAt`/`originalTimestamp` stay as sent;
    - identify: `traits` from `context.traits` when the root has none;
    - `context.ip` from `client_ip` (the connection's address) when the event has none;
    - `_signal.warnings`: what Signal changed that every delivery should show.
    """
    out = {k: v for k, v in event.items() if k != SIGNAL_KEY}
    for name in ID_FIELDS:
        if name in out:
            value = _as_id(out[name])
            if value is None:
                del out[name]
            else:
                out[name] = value
    when, warnings = event_time(event, parse_time(received_at))
    out["timestamp"] = iso(when)
    out["receivedAt"] = received_at
    context = out.get("context") if isinstance(out.get("context"), dict) else None
    if out.get("type") in TRAIT_CALLS and context is not None:
        _traits_from_context(out, context)
    if client_ip is not None and (context is None or not _filled(context.get("ip"))):
        out["context"] = {**(context or {}), "ip": client_ip}
    if warnings:
        out[SIGNAL_KEY] = {"warnings": warnings}
    return out


def with_source_kind(payload: Any, kind: str | None) -> Any:
    """The payload as the transform sees it: `_signal.source_kind` says where it came from
    (browser, mobile, server), for rules such as consent that differ by kind."""
    if kind is None or not isinstance(payload, dict):
        return payload
    meta = payload.get(SIGNAL_KEY)
    return {
        **payload,
        SIGNAL_KEY: {**(meta if isinstance(meta, dict) else {}), "source_kind": kind},
    }


def _filled(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _traits_from_context(out: dict[str, Any], context: dict[str, Any]) -> None:
    traits = out.get("traits")
    if isinstance(traits, dict) and traits:
        return
    if isinstance(context.get("traits"), dict) and context["traits"]:
        out["traits"] = dict(context["traits"])


def check_events(
    raw: list[Any],
    path_type: str,
    received_at: str,
    scan_nul: bool = False,
    client_ip: str | None = None,
    max_event_bytes: int | None = None,
):
    """Split raw events into accepted and rejected, each with its batch index.

    `received_at` is Signal's receipt time (ISO 8601, UTC). With `client_ip` (the address of
    a browser's or phone's connection; None for server sources), events without a non-empty
    `context.ip` are stored with that address. With `scan_nul` (the body had a `\\u0000`
    escape), events carrying a NUL character are rejected: the database cannot store one in
    text or JSON. With `max_event_bytes`, an event whose stored JSON is larger is rejected
    (alone: its neighbours are kept).
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
        payload = normalize(event, received_at, client_ip)
        encoded, problem = _encoded(payload, scan_nul, max_event_bytes)
        if problem:
            rejected.append(Rejected(index, "event", problem))
            continue
        message_id = _as_id(event.get("messageId")) or content_id(event)
        name = event.get("event") or event.get("name") or _page_path(event, kind)
        accepted.append(Accepted(index, message_id, kind, str(name)[:255], payload, encoded))
    return accepted, rejected


def _page_path(event: dict[str, Any], kind: str) -> str:
    """An unnamed page view is listed by its path (context.page.path or properties.path),
    so the logs and Live Events say which page it was."""
    if kind != "page":
        return ""
    context = event.get("context")
    for where in (
        context.get("page") if isinstance(context, dict) else None,
        event.get("properties"),
    ):
        path = where.get("path") if isinstance(where, dict) else None
        if isinstance(path, str) and path:
            return path
    return ""


def _encoded(
    payload: dict[str, Any], scan_nul: bool, max_bytes: int | None = None
) -> tuple[bytes, str | None]:
    """The payload as stored, or why it cannot be: nested too deep, an integer beyond 64
    bits, a lone surrogate, larger than `max_bytes`, or (with `scan_nul`) a NUL character
    the database refuses."""
    try:
        encoded = orjson.dumps(payload)
    except orjson.JSONEncodeError as exc:
        return b"", f"cannot be stored ({exc}); simplify the event"
    if max_bytes is not None and len(encoded) > max_bytes:
        return b"", f"the event is {len(encoded)} bytes as stored; at most {max_bytes} are allowed"
    if scan_nul and has_nul(encoded):
        return b"", "NUL characters (\\u0000) cannot be stored; remove them"
    return encoded, None


def has_nul(encoded: bytes) -> bool:
    """Whether JSON text holds a NUL character (not the text `\\u0000`, an escaped backslash
    followed by `u0000`)."""
    return b"\\u0000" in encoded and NUL_ESCAPE.search(encoded) is not None
