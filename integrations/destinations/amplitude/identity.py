"""Who an event is about and when: Amplitude's `user_id`, `device_id`, `time`, `insert_id`.

Amplitude needs a `user_id` or a `device_id` on every event, each at least 5 characters
long (`options.min_id_length` lowers the minimum for a request). Segment's `userId` is the
user id and its `anonymousId` (else `context.device.id`) the device id. An id that is too
short is dropped with a warning, as Amplitude's Batch API would do, and so is a placeholder
Amplitude refuses with a 400 ("null", "undefined", all zeros...); an event left with neither
is rejected, naming the field.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from integrations.destinations._shared.dispatch import EventProblem
from integrations.destinations.amplitude.compiled import Compiled
from integrations.destinations.amplitude.paths import first

DEFAULT_MIN_ID_LENGTH = 5
# Ids the HTTP V2 API refuses with a 400 ("Invalid IDs that result in a 400 error"), compared
# without case (inferred: the documented list is lower case).
PLACEHOLDER_IDS = frozenset(
    {
        "anonymous",
        "nil",
        "none",
        "null",
        "n/a",
        "na",
        "undefined",
        "unknown",
        '""',
        "00000000-0000-0000-0000-000000000000",
        "{}",
        "lmy47d",
        "0",
        "-1",
    }
)
MAX_INSERT_ID = 128  # inferred: Amplitude documents no limit; SDKs send UUIDs (36)


@dataclass(frozen=True)
class Identity:
    user_id: str | None
    device_id: str | None
    dropped: tuple[tuple[str, str], ...] = ()  # (field, value) too short to send
    placeholders: tuple[tuple[str, str], ...] = ()  # (field, value) Amplitude refuses


def min_id_length(config: dict[str, Any]) -> int:
    """The integration's minimum id length: its `min_id_length` setting, else 5."""
    raw = str(config.get("min_id_length") or "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MIN_ID_LENGTH


def _as_id(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    return value.strip() or None if isinstance(value, str) else None


def resolve(event: dict[str, Any], bp: Compiled, minimum: int) -> Identity:
    """The ids to send; raises EventProblem when none is usable."""
    placeholders: list[tuple[str, str]] = []
    user = _usable(_as_id(event.get("userId")), "userId", placeholders)
    if user is None:
        user = _usable(_as_id(first(event, bp.user_id_fallbacks)), "userId", placeholders)
    device_paths = ("anonymousId", "context.device.id", *bp.device_id_fallbacks)
    device = _usable(_as_id(first(event, device_paths)), "anonymousId", placeholders)
    dropped = []
    if user is not None and len(user) < minimum:
        dropped.append(("userId", user))
        user = None
    if device is not None and len(device) < minimum:
        dropped.append(("anonymousId", device))
        device = None
    if user is None and device is None:
        raise _no_id(dropped, placeholders, minimum)
    return Identity(user, device, tuple(dropped), tuple(placeholders))


def _usable(value: str | None, field: str, placeholders: list[tuple[str, str]]) -> str | None:
    """`value`, unless it is a placeholder Amplitude refuses (then noted, and None)."""
    if value is not None and value.lower() in PLACEHOLDER_IDS:
        placeholders.append((field, value))
        return None
    return value


def _no_id(dropped: list, placeholders: list, minimum: int) -> EventProblem:
    if dropped:
        field, value = dropped[0]
        return EventProblem(
            field,
            f"{value!r} is shorter than Amplitude's minimum id length ({minimum}) and the "
            "event has no other id",
        )
    if placeholders:
        field, value = placeholders[0]
        return EventProblem(
            field,
            f"{value!r} is a placeholder Amplitude refuses as an id, and the event has no other id",
        )
    return EventProblem(
        "userId", "the event has no userId or anonymousId; Amplitude needs one of them"
    )


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def event_time_ms(event: dict[str, Any]) -> int | None:
    """`time` in ms since the epoch: the event's timestamp, else its originalTimestamp.

    The collector always fills `timestamp`; events reaching the transform another way may
    carry only what the SDK sent. None lets Amplitude use its upload time.
    """
    for key in ("timestamp", "originalTimestamp"):
        when = parse_time(event.get(key))
        if when is not None:
            return round(when.timestamp() * 1000)
    return None


def insert_id(event: dict[str, Any], suffix: str = "") -> str | None:
    """The messageId (stable across resends, so Amplitude dedupes them for 7 days)."""
    message_id = _as_id(event.get("messageId"))
    if message_id is None:
        return None
    return f"{message_id}{suffix}"[:MAX_INSERT_ID]
