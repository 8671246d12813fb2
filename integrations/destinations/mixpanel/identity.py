"""Who an event belongs to, when it happened and how Mixpanel deduplicates it."""

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from integrations.destinations._shared.dispatch import EventProblem
from integrations.destinations.base import Notice
from integrations.destinations.mixpanel.hints import SENT_AS_ANONYMOUS
from integrations.destinations.mixpanel.paths import Path

# Values Mixpanel refuses as distinct_id or $insert_id (they usually mean a client bug).
PLACEHOLDERS = frozenset(
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
MAX_ID_LENGTH = 255
_INSERT_ID = re.compile(r"[A-Za-z0-9-]{1,36}")
# Original ID Merge's $identify merges only an $anon_id in UUID v4 format (version nibble 4,
# RFC 4122 variant): Mixpanel's Create Identity reference.
_UUID_V4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", re.I)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EARLIEST = datetime(1971, 1, 1, tzinfo=UTC)  # /import refuses anything before 1971
# /track silently drops events older than 5 days. Keep a margin so that a delivery still
# retrying through Signal's retry window (4 h by default) never ages out on /track.
TRACK_WINDOW = timedelta(days=5) - timedelta(hours=6)
FUTURE_LIMIT = timedelta(hours=1)  # /import refuses events further ahead
MS = timedelta(milliseconds=1)


_NO_PROBLEM = (None, None)


def clean_id(event: dict[str, Any], key: str) -> tuple[str | None, str | None]:
    """(usable id, problem): an id is a non-empty string or an integer, not a placeholder."""
    return clean_id_value(event.get(key), key)


def clean_id_value(value: Any, key: str) -> tuple[str | None, str | None]:
    """`clean_id` for a value read from anywhere; `key` names it in the problem."""
    if value is None or value == "":
        return _NO_PROBLEM
    if (
        type(value) is str
        and len(value) <= MAX_ID_LENGTH
        and not value[0].isspace()
        and not value[-1].isspace()
        and value.lower() not in PLACEHOLDERS
    ):
        return value, None  # the common case, without the slower checks below
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None, f"{key} must be a string"
    stripped = value.strip()
    if not stripped:
        return None, None
    if stripped.lower() in PLACEHOLDERS:
        return None, f'{key} "{value}" is a placeholder Mixpanel refuses'
    if len(value) > MAX_ID_LENGTH:
        return None, f"{key} is longer than {MAX_ID_LENGTH} characters"
    return value, None


class Identity(NamedTuple):
    distinct_id: str
    user_id: str | None
    anonymous_id: str | None
    warning: Notice | None = None


def _with_fallbacks(
    event: dict[str, Any], key: str, fallbacks: tuple[Path, ...]
) -> tuple[str | None, str | None]:
    """The event's own id, else the first usable one at the blueprint's fallback paths."""
    found, problem = clean_id(event, key)
    for path in fallbacks if found is None else ():
        found, _ = clean_id_value(path.read(event), path.text)
        if found is not None:
            return found, None
    return found, problem


def resolve(
    event: dict[str, Any],
    mode: str,
    user_fallbacks: tuple[Path, ...] = (),
    anonymous_fallbacks: tuple[Path, ...] = (),
) -> Identity:
    """Pick distinct_id: the user id once known, else the anonymous id.

    Each id is the event's own (`userId`, `anonymousId`) or, when that is missing, the first
    usable value at the blueprint's fallback paths. Simplified ID Merge derives an anonymous
    user's distinct_id as `$device:<device id>`; Signal sends that same value so events and
    profile updates agree with Mixpanel. Raises EventProblem when there is no usable id.
    """
    user, user_problem = _with_fallbacks(event, "userId", user_fallbacks)
    anon, anon_problem = _with_fallbacks(event, "anonymousId", anonymous_fallbacks)
    if user is not None:
        return Identity(user, user, anon)
    if anon is None:
        if user_problem:
            raise EventProblem("userId", f"{user_problem}, and there is no usable anonymousId")
        raise EventProblem(
            "anonymousId" if anon_problem else "userId",
            anon_problem or "the event has neither a userId nor an anonymousId",
        )
    distinct = f"$device:{anon}" if mode == "simplified" else anon
    warning = None
    if user_problem:
        warning = Notice(SENT_AS_ANONYMOUS, f"{user_problem}: sent as the anonymous user")
    return Identity(distinct, None, anon, warning)


def is_uuid_v4(value: str) -> bool:
    """Whether `value` is a canonical UUID v4 (8-4-4-4-12 hex digits, any case)."""
    return _UUID_V4.fullmatch(value) is not None


def merge_credentials(config: dict[str, Any]) -> bool:
    """Whether the config authenticates /import strongly enough for `$merge`.

    Mixpanel accepts `$merge` only through /import with the project's API secret or a
    service account (username, secret and project ID); the project token that /import also
    takes for ordinary events does not open it.
    """
    if config.get("api_secret"):
        return True
    account = ("service_account_username", "service_account_secret", "project_id")
    return all(config.get(key) for key in account)


def event_time(event: dict[str, Any]) -> datetime:
    """The event's timestamp as an aware UTC datetime; raises EventProblem."""
    raw = event.get("timestamp")
    if not isinstance(raw, str):
        raise EventProblem("timestamp", "timestamp must be an ISO 8601 string")
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise EventProblem("timestamp", f'timestamp "{raw[:40]}" is not ISO 8601')
    try:
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except OverflowError:  # `0001-01-01T00:00:00+01:00`: a year UTC cannot hold
        raise EventProblem("timestamp", f'timestamp "{raw[:40]}" is outside the calendar')
    if when < EARLIEST:
        raise EventProblem("timestamp", "timestamp is before 1971, which Mixpanel refuses")
    return when


def epoch_ms(when: datetime) -> int:
    return (when - EPOCH) // MS


def endpoint_for(when: datetime, now: datetime, always_import: bool) -> tuple[str, bool]:
    """(endpoint, ahead): /track for the last 5 days, /import for older events (or always,
    in strict mode); `ahead` when the event is more than 1 hour in the future."""
    if when > now + FUTURE_LIMIT:
        if always_import:
            raise EventProblem("timestamp", "timestamp is more than 1 hour in the future")
        return "/track", True
    if always_import or when < now - TRACK_WINDOW:
        return "/import", False
    return "/track", False


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def insert_id(event: dict[str, Any]) -> str:
    """A deterministic $insert_id: the messageId when it fits Mixpanel's format, else a hash.

    Without a messageId it hashes the event's whole content, so every retry of the same
    stored event sends the same $insert_id and Mixpanel counts it once.
    """
    message_id = event.get("messageId")
    if isinstance(message_id, str) and message_id:
        if _INSERT_ID.fullmatch(message_id) and message_id.lower() not in PLACEHOLDERS:
            return message_id
        return _digest(message_id)
    if message_id is not None and message_id != "":
        return _digest(str(message_id))
    # receivedAt (when Signal got it) and _signal (what Signal knows of it, such as its
    # source's kind) are not part of what the client sent.
    content = {k: v for k, v in event.items() if k not in ("receivedAt", "_signal")}
    content = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return _digest(content)
