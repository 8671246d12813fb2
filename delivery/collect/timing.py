"""An event's time, as Segment computes it from the four timestamps a client may send.

Segment's spec (https://segment.com/docs/connections/spec/common/#timestamps): `timestamp`
is when the event happened, corrected for the device's clock skew; if the client did not set
it, it is `receivedAt - (sentAt - originalTimestamp)`: the device's own interval between
making and sending the event, applied to the server's clock. Without both of those, the
event happened when it was received. `sentAt` and `originalTimestamp` stay as sent (they are
the device's clock); `receivedAt` is Signal's.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

# A time this far after receipt is a wrong clock, not the future: it is timed at receipt.
FUTURE_TOLERANCE = timedelta(minutes=5)
FIRST = datetime.min.replace(tzinfo=UTC)
LAST = datetime.max.replace(tzinfo=UTC)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 date-time as aware UTC (naive is read as UTC), or None if it is not one.

    A time that exists only in its own zone (`0001-01-01T00:00:00+01:00`) is pinned to the
    first or last instant UTC can hold, rather than raising.
    """
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return FIRST if parsed.year == 1 else LAST


def iso(when: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a `Z`, as Segment's clients write it."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_time(event: dict[str, Any], received: datetime) -> tuple[datetime, list[str]]:
    """The event's time and any warning about it (see the module's docstring)."""
    when = parse_time(event.get("timestamp"))
    warnings: list[str] = []
    if when is None:
        when = received
        sent, original = parse_time(event.get("sentAt")), parse_time(event.get("originalTimestamp"))
        if sent is not None and original is not None:
            try:
                when = received - (sent - original)
            except OverflowError:
                warnings.append(
                    "sentAt and originalTimestamp are too far apart to correct the client's "
                    "clock: timed at receivedAt"
                )
    if when - received > FUTURE_TOLERANCE:
        ahead = _span(when - received)
        warnings.append(f"timestamp {iso(when)} is {ahead} ahead of receipt: clamped to receivedAt")
        when = received
    return when, warnings


def _span(delta: timedelta) -> str:
    """A duration for people: `7 min`, `3 h`, `2.5 h`, `12 d`."""
    seconds = delta.total_seconds()
    if seconds >= 2 * 86400:
        return f"{round(seconds / 86400):g} d"
    if seconds >= 3600:
        return f"{round(seconds / 3600, 1):g} h"
    return f"{round(seconds / 60):g} min"
