"""Mixpanel's per-event limits, applied before sending so nothing is cut or refused silently.

Counted as Mixpanel counts them: a string value is at most 255 **bytes** of UTF-8 (its
"Supported Data Types" page; cut on a character boundary, since `/import` refuses invalid
UTF-8), a property name or an event name at most 255 **characters** (its Events FAQ: "longer
names are truncated"). An event keeps at most 255 properties, lists and nested objects at
most 255 entries, nesting stops at depth 3, and an item over 1 MB is refused.
Values from the source event are copied, never modified in place: the transform is pure.
"""

import json
import math
from typing import Any

MAX_STRING = 255  # bytes of UTF-8 in a string value
MAX_NAME = 255  # characters in a property name or an event name
# A string of at most this many characters is under MAX_STRING bytes whatever it holds
# (UTF-8 takes at most 4 bytes per character): most values are never encoded to count.
_SURELY_SHORT = MAX_STRING // 4
MAX_PROPERTIES = 255
MAX_ENTRIES = 255
MAX_DEPTH = 3
MAX_ITEM_BYTES = 1_000_000
# The size check is a bound: a value's JSON takes at most 6 bytes per character (\uXXXX), and
# a flat value at most that of a 255-character string. Only items whose bound passes 1 MB
# are measured exactly, so ordinary events never pay for a JSON dump here.
ESCAPED = 6
FLAT_VALUE_BOUND = MAX_STRING * ESCAPED + 8


def too_long(value: str) -> bool:
    """Whether a string value is over Mixpanel's 255 bytes."""
    size = len(value)
    if size <= _SURELY_SHORT:
        return False
    return size > MAX_STRING or (not value.isascii() and len(value.encode()) > MAX_STRING)


def cut(value: str) -> str:
    """The longest prefix of `value` that fits in 255 bytes, never splitting a character."""
    if value.isascii():
        return value[:MAX_STRING]
    return value.encode()[:MAX_STRING].decode("utf-8", "ignore")


def event_name(name: str, warnings: list[str]) -> str:
    """An event name Mixpanel keeps whole: over 255 characters it is trimmed, with a warning."""
    if len(name) <= MAX_NAME:
        return name
    warnings.append(
        f"event name over Mixpanel's {MAX_NAME} characters, trimmed: "
        f'"{name[:40]}…" ({len(name)} characters)'
    )
    return name[:MAX_NAME]


class _Report:
    __slots__ = ("cut", "deep", "trimmed", "invalid", "names", "clashes")

    def __init__(self) -> None:
        self.cut: list[str] = []
        self.deep: list[str] = []
        self.trimmed: list[str] = []
        self.invalid: list[str] = []
        self.names: list[str] = []
        self.clashes: list[str] = []

    def any(self) -> bool:
        return bool(
            self.cut or self.deep or self.trimmed or self.invalid or self.names or self.clashes
        )

    def warnings(self, label: str) -> list[str]:
        out = []
        if self.names:
            out.append(f"property names cut at {MAX_NAME} characters: {_names(self.names)}")
        if self.clashes:
            out.append(
                f"property names that are another's once cut at {MAX_NAME} characters, "
                f"dropped: {_names(self.clashes)}"
            )
        if self.cut:
            out.append(f"strings cut at {MAX_STRING} bytes: {_names(self.cut)}")
        if self.deep:
            out.append(f"nested deeper than {MAX_DEPTH} levels, dropped: {_names(self.deep)}")
        if self.trimmed:
            out.append(
                f"more than {MAX_ENTRIES} entries, extra ones dropped: {_names(self.trimmed)}"
            )
        if self.invalid:
            out.append(f"numbers that are not finite, sent as null: {_names(self.invalid)}")
        return out


def _names(items: list[str], shown: int = 5) -> str:
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def limit_properties(props: dict[str, Any], label: str, warnings: list[str]) -> int:
    """Apply the limits to `props` (Signal's own dict) in place; returns a size bound in bytes.

    Properties past the 255th are dropped, so callers put Signal's own and mapped
    properties first and pass-through ones last.
    """
    if len(props) > MAX_PROPERTIES:
        extra = list(props)[MAX_PROPERTIES:]
        for key in extra:
            del props[key]
        warnings.append(
            f"{label}: {len(extra)} properties over Mixpanel's limit of {MAX_PROPERTIES} "
            f"dropped: {_names(extra)}"
        )
    report = _Report()  # cheap: six empty lists
    nested = 0
    for key, value in props.items():
        kind = type(value)
        if kind is str:
            if len(value) > _SURELY_SHORT and too_long(value):
                props[key] = cut(value)
                report.cut.append(f"{label}.{_short(key)}")
        elif kind is int or value is None or kind is bool:
            continue
        elif kind is dict or kind is list:
            props[key], inner = _nested(value, 1, (label, key), report)
            nested += inner
        elif kind is float and not math.isfinite(value):
            props[key] = None
            report.invalid.append(f"{label}.{_short(key)}")
    lengths = [*map(len, props)]
    if lengths and max(lengths) > MAX_NAME:
        _cut_names(props, label, report)
        lengths = [*map(len, props)]
    if report.any():
        warnings.extend(report.warnings(label))
    keys = sum(lengths)
    return len(props) * (FLAT_VALUE_BOUND + 8) + (keys + nested) * ESCAPED


def _short(key: str) -> str:
    """A name as a warning shows it: a long one by its first 40 characters."""
    return key if len(key) <= 40 else key[:40] + "…"


def _cut_names(props: dict[str, Any], label: str, report: _Report) -> None:
    """Cut names over 255 characters in place, keeping the order; a clash keeps the first."""
    items = list(props.items())
    props.clear()
    for key, value in items:
        if len(key) > MAX_NAME:
            where = f"{label}.{_short(key)}"
            key = key[:MAX_NAME]
            if key in props:
                report.clashes.append(where)
                continue
            report.names.append(where)
        props.setdefault(key, value)


_DROP = object()  # a container nested too deep: left out of its parent

# A nested value's location as (parent location, key or index): formatted only for a warning.
Where = tuple[Any, str | int]


def _text(where: Where) -> str:
    parent, key = where
    head = parent if isinstance(parent, str) else _text(parent)
    return f"{head}[{key}]" if isinstance(key, int) else f"{head}.{_short(key)}"


def _nested(value: Any, depth: int, where: Where, report: _Report) -> tuple[Any, int]:
    """A limited copy of a nested value and its size estimate in characters."""
    kind = type(value)
    if kind is str:
        if len(value) > _SURELY_SHORT and too_long(value):
            report.cut.append(_text(where))
            value = cut(value)
        return value, len(value) + 4
    if kind is float and not math.isfinite(value):
        report.invalid.append(_text(where))
        return None, 4
    if kind is not dict and kind is not list:
        return value, 24
    if depth > MAX_DEPTH:
        report.deep.append(_text(where))
        return _DROP, 0
    if len(value) > MAX_ENTRIES:
        report.trimmed.append(_text(where))
    if kind is list:
        return _nested_list(value, depth, where, report)
    return _nested_dict(value, depth, where, report)


def _nested_list(value: list, depth: int, where: Where, report: _Report) -> tuple[Any, int]:
    out, size = [], 2
    for i, item in enumerate(value[:MAX_ENTRIES]):
        item, inner = _nested(item, depth + 1, (where, i), report)
        if item is not _DROP:
            out.append(item)
            size += inner + 1
    return out, size


def _nested_dict(value: dict, depth: int, where: Where, report: _Report) -> tuple[Any, int]:
    out, size = {}, 2
    for i, (key, item) in enumerate(value.items()):
        if i >= MAX_ENTRIES:
            break
        item, inner = _nested(item, depth + 1, (where, key), report)
        if item is _DROP:
            continue
        length = len(key)
        if length > MAX_NAME:
            name = key[:MAX_NAME]
            (report.clashes if name in out else report.names).append(_text((where, key)))
            if name in out:
                continue
            key, length = name, MAX_NAME
        out[key] = item
        size += length + inner + 4
    return out, size


def item_too_large(item: dict[str, Any], bound: int) -> int | None:
    """The item's size in bytes when it is over Mixpanel's 1 MB limit, else None.

    `bound` is an upper bound of the item's size (from limit_properties): under 1 MB, the
    item is not measured.
    """
    if bound <= MAX_ITEM_BYTES:
        return None
    size = len(json.dumps(item, separators=(",", ":")).encode())
    return size if size > MAX_ITEM_BYTES else None
