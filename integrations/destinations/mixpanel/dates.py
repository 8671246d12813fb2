"""Dates as Mixpanel reads them: `YYYY-MM-DDTHH:MM:SS` in UTC (or a bare `YYYY-MM-DD`).

Mixpanel's "Supported Data Types" page: a Date property is "an ISO formatted date
YYYY-MM-DDTHH:MM:SS in UTC", or a day such as "2022-10-29"; a unix timestamp is read as a
number, not a date. Its JavaScript SDK formats `$created`-style values the same way.
"""

import re
from datetime import UTC, date, datetime
from typing import Any

# Epoch values from 1e11 up are milliseconds: 1e11 seconds is the year 5138, 1e11 ms is 1973.
_MS_FROM = 100_000_000_000
# Digit strings of 9 or more digits are epochs too (9 digits is 1973 on); shorter ones such as
# "20240115" are left to the ISO reader.
_EPOCH_DIGITS = re.compile(r"\d{9,15}(?:\.\d+)?")


def mixpanel_time(when: datetime) -> str:
    """An aware datetime as Mixpanel's date format, in UTC, to the second.

    Not strftime's `%Y`: on Linux it writes the year 1 as `1`, not `0001`."""
    utc = when if when.tzinfo is UTC else when.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat(timespec="seconds")


def _from_epoch(value: float) -> str | None:
    seconds = value / 1000 if abs(value) >= _MS_FROM else value
    try:
        return mixpanel_time(datetime.fromtimestamp(seconds, UTC))
    except (OverflowError, OSError, ValueError):
        return None


def to_mixpanel_date(value: Any) -> str | None:
    """`value` as a Mixpanel date, or None when it is not one Signal can read.

    Reads ISO 8601 strings (any offset; naive means UTC; a bare day stays a day), and epoch
    seconds or milliseconds as numbers or digit strings; not a time UTC cannot hold.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_epoch(value) if value == value else None  # NaN is not a time
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _EPOCH_DIGITS.fullmatch(text):
        return _from_epoch(float(text))
    if len(text) == 10:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    try:
        when = datetime.fromisoformat(text)
        return mixpanel_time(when if when.tzinfo else when.replace(tzinfo=UTC))
    except ValueError:
        return None
    except OverflowError:  # `0001-01-01T00:00:00+01:00` is a year before 1 in UTC
        return None
