"""What Mixpanel's ingestion API accepts, as pure functions the fake server applies.

Each rule follows shared/reference/MIXPANEL.md: body formats, size limits, credentials,
strict `/import` validation and the deduplication key.
"""

import base64
import gzip
import json
import re
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

MAX_BYTES = 2 * 1024 * 1024
MAX_ITEMS = 2000
TRACK_MAX_AGE_SECONDS = 5 * 24 * 3600
PATHS = ("/track", "/import", "/engage", "/groups")
GZIP_PATHS = ("/track", "/import")
FORM_PATHS = ("/track", "/engage", "/groups")
PROFILE_OPS = ("$set", "$set_once", "$add", "$union", "$append", "$remove", "$unset", "$delete")
GROUP_OPS = ("$set", "$set_once", "$union", "$remove", "$unset", "$delete")
PLACEHOLDER_IDS = frozenset(
    {
        "00000000-0000-0000-0000-000000000000",
        "anon",
        "anonymous",
        "nil",
        "none",
        "null",
        "n/a",
        "na",
        "undefined",
        "unknown",
        "<nil>",
        "0",
        "-1",
        "true",
        "false",
        "[]",
        "{}",
    }
)
INSERT_ID = re.compile(r"[A-Za-z0-9-]{1,36}")
EARLIEST_SECONDS = 31536000  # 1971-01-01
# Mixpanel's wording where Python's differs between versions.
MIXPANEL_PHRASES = {413: "Payload Too Large"}


@dataclass
class Project:
    """One Mixpanel project the fake knows: its token, the credentials `/import` takes and
    its ID merge system (`original` or `simplified`)."""

    token: str
    api_secret: str = ""
    project_id: str = ""
    service_accounts: dict[str, str] = field(default_factory=dict)
    id_merge: str = "original"

    def to_json(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "api_secret": self.api_secret,
            "project_id": self.project_id,
            "service_accounts": dict(self.service_accounts),
            "id_merge": self.id_merge,
        }


class Refusal(Exception):
    """The whole request is refused with this status and JSON body."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.body = error_body(status, error)


class InvalidPayload(Refusal):
    """The body is not the items Mixpanel expects: /track, /engage and /groups answer
    200 with status 0, /import answers 400."""

    def __init__(self, error: str) -> None:
        super().__init__(400, error)


def error_body(status: int, error: str, **extra: Any) -> dict[str, Any]:
    phrase = MIXPANEL_PHRASES.get(status) or HTTPStatus(status).phrase
    return {"code": status, "error": error, **extra, "status": phrase}


def decode_body(path: str, raw: bytes, encoding: str) -> bytes:
    """The uncompressed body; gzip only where Mixpanel supports it, 2 MiB at most."""
    if encoding == "gzip":
        if path not in GZIP_PATHS:
            # Mixpanel documents gzip as "not supported" on /engage and /groups.
            raise Refusal(400, f"Content-Encoding gzip is not supported on {path}")
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise Refusal(400, f"invalid gzip body: {exc}")
    elif encoding not in ("", "identity"):
        raise Refusal(400, f"unsupported Content-Encoding {encoding}")
    if len(raw) > MAX_BYTES:
        raise Refusal(413, f"request exceeds max limit of {MAX_BYTES} bytes")
    return raw


def parse_items(path: str, body: bytes, content_type: str) -> tuple[list[Any], dict[str, str]]:
    """The items of a request and any form fields (`verbose`, `ip`) sent beside them."""
    text = body.decode("utf-8", errors="replace").strip()
    form: dict[str, str] = {}
    if "x-www-form-urlencoded" in content_type or text.startswith("data="):
        if path not in FORM_PATHS:
            raise InvalidPayload(f"form-encoded bodies are not supported on {path}")
        form = {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
        text = _json_or_base64(form.pop("data", ""))
    items = _json_items(path, text)
    if len(items) > MAX_ITEMS:
        raise Refusal(400, f"request exceeds max limit of {MAX_ITEMS} records")
    return items, form


def _json_or_base64(data: str) -> str:
    if data.lstrip()[:1] in ("[", "{"):
        return data
    try:
        return base64.b64decode(data, validate=True).decode()
    except ValueError:
        return data


def _json_items(path: str, text: str) -> list[Any]:
    try:
        parsed = json.loads(text)
    except ValueError:
        if path != "/import":
            raise InvalidPayload("data, missing or empty")
        parsed = _ndjson(text)
    items = parsed if isinstance(parsed, list) else [parsed]
    if not items:
        raise InvalidPayload("data, missing or empty")
    return items


def _ndjson(text: str) -> list[Any]:
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError as exc:
        raise InvalidPayload(f"invalid JSON or NDJSON body: {exc}")


def basic_auth(header: str) -> tuple[str, str] | None:
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except ValueError:
        return None
    return user, password


def import_project(projects: list[Project], auth: tuple[str, str] | None, project_id: str):
    """The project `/import` credentials open, or a 401 Refusal."""
    for project in projects:
        if auth and _opens(project, *auth, project_id):
            return project
    raise Refusal(401, "Invalid credentials")


def strong_import_auth(project: Project, auth: tuple[str, str] | None) -> bool:
    """Whether /import credentials are the API secret or a service account (not the token),
    as `$merge` requires."""
    return auth is not None and auth[0] != project.token


def _opens(project: Project, user: str, password: str, project_id: str) -> bool:
    if password == "" and user in (project.api_secret, project.token) and user:
        return True
    secret = project.service_accounts.get(user)
    return secret is not None and secret == password and project_id == project.project_id


def event_problem(item: Any) -> str | None:
    """Why Mixpanel's /track would refuse this event, or None."""
    if not isinstance(item, dict):
        return "each event must be a JSON object"
    if not isinstance(item.get("event"), str) or not item["event"]:
        return "'event' must be a non-empty string"
    props = item.get("properties")
    if not isinstance(props, dict):
        return "'properties' must be an object"
    if not isinstance(props.get("token"), str) or not props["token"]:
        return "'properties.token' is required"
    return None


def profile_problem(item: Any, path: str) -> str | None:
    """Why /engage or /groups would refuse this update, or None."""
    if not isinstance(item, dict):
        return "each update must be a JSON object"
    if not isinstance(item.get("$token"), str) or not item["$token"]:
        return "'$token' is required"
    keys = ("$distinct_id",) if path == "/engage" else ("$group_key", "$group_id")
    for key in keys:
        if item.get(key) in (None, ""):
            return f"'{key}' is required"
    allowed = PROFILE_OPS if path == "/engage" else GROUP_OPS
    ops = [key for key in item if key in PROFILE_OPS]
    if len(ops) != 1 or ops[0] not in allowed:
        return f"exactly one operation is required, one of {', '.join(allowed)}"
    return None


def import_failures(item: Any, now: float) -> list[tuple[str, str]]:
    """(field, message) pairs strict `/import` reports for one record."""
    if not isinstance(item, dict) or not isinstance(item.get("properties"), dict):
        return [("properties", "'properties' must be an object")]
    if not isinstance(item.get("event"), str) or not item["event"]:
        return [("event", "'event' must be a non-empty string")]
    props = item["properties"]
    checks = (
        ("properties.time", _time_problem(props.get("time"), now)),
        ("properties.distinct_id", _distinct_id_problem(props.get("distinct_id"))),
        ("properties.$insert_id", _insert_id_problem(props.get("$insert_id"))),
    )
    return [(name, problem) for name, problem in checks if problem]


def _time_problem(value: Any, now: float) -> str | None:
    seconds = epoch_seconds(value)
    if seconds is None:
        return "'properties.time' is required and must be seconds or milliseconds since epoch"
    if seconds < EARLIEST_SECONDS or seconds > now + 3600:
        return "'properties.time' must be after 1971-01-01 and at most 1 hour in the future"
    return None


def _distinct_id_problem(value: Any) -> str | None:
    if value is None or str(value).strip() == "":
        return "'properties.distinct_id' is required"
    if str(value).strip().lower() in PLACEHOLDER_IDS:
        return f"'properties.distinct_id' is an invalid placeholder value: {value!r}"
    return None


def _insert_id_problem(value: Any) -> str | None:
    if value is None or value == "":
        return "'properties.$insert_id' is required"
    if not isinstance(value, str) or not INSERT_ID.fullmatch(value):
        return "'properties.$insert_id' must be at most 36 characters of [A-Za-z0-9-]"
    return None


def epoch_seconds(value: Any) -> float | None:
    """Mixpanel reads `time` as seconds, or milliseconds when it is that large."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value / 1000 if value > 1e11 else float(value)


def too_old_for_track(item: dict[str, Any], now: float) -> bool:
    seconds = epoch_seconds(item["properties"].get("time"))
    return seconds is not None and seconds < now - TRACK_MAX_AGE_SECONDS


def distinct_id(props: dict[str, Any]) -> Any:
    """The id Mixpanel keys the event on (Simplified ID Merge derives it when absent)."""
    if props.get("distinct_id") not in (None, ""):
        return props["distinct_id"]
    if props.get("$user_id"):
        return props["$user_id"]
    return f"$device:{props['$device_id']}" if props.get("$device_id") else None


def dedupe_key(item: dict[str, Any], position: int) -> tuple:
    """Mixpanel's dedupe key; events without `$insert_id` are never merged."""
    props = item.get("properties") or {}
    seconds = epoch_seconds(props.get("time"))
    insert_id = props.get("$insert_id") or f"<none:{position}>"
    millis = None if seconds is None else round(seconds * 1000)
    return (item.get("event"), str(distinct_id(props)), millis, insert_id)


def now() -> float:
    return time.time()
