"""Mixpanel's per-event limits, applied before sending so nothing is cut or refused silently.

Strings are cut at 255 characters, an event keeps at most 255 properties, lists and nested
objects at most 255 entries, nesting stops at depth 3, and an item over 1 MB is refused.
Values from the source event are copied, never modified in place: the transform is pure.
"""

import json
import math
from typing import Any

MAX_STRING = 255
MAX_PROPERTIES = 255
MAX_ENTRIES = 255
MAX_DEPTH = 3
MAX_ITEM_BYTES = 1_000_000
# The size check is a bound: a value's JSON takes at most 6 bytes per character (\uXXXX), and
# a flat value at most that of a 255-character string. Only items whose bound passes 1 MB
# are measured exactly, so ordinary events never pay for a JSON dump here.
ESCAPED = 6
FLAT_VALUE_BOUND = MAX_STRING * ESCAPED + 8


class _Report:
    __slots__ = ("cut", "deep", "trimmed", "invalid")

    def __init__(self) -> None:
        self.cut: list[str] = []
        self.deep: list[str] = []
        self.trimmed: list[str] = []
        self.invalid: list[str] = []

    def any(self) -> bool:
        return bool(self.cut or self.deep or self.trimmed or self.invalid)

    def warnings(self, label: str) -> list[str]:
        out = []
        if self.cut:
            out.append(f"strings cut at {MAX_STRING} characters: {_names(self.cut)}")
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
    report = _Report()  # cheap: four empty lists
    nested = 0
    for key, value in props.items():
        kind = type(value)
        if kind is str:
            if len(value) > MAX_STRING:
                props[key] = value[:MAX_STRING]
                report.cut.append(f"{label}.{key}")
        elif kind is int or value is None or kind is bool:
            continue
        elif kind is dict or kind is list:
            props[key], inner = _nested(value, 1, (label, key), report)
            nested += inner
        elif kind is float and not math.isfinite(value):
            props[key] = None
            report.invalid.append(f"{label}.{key}")
    if report.any():
        warnings.extend(report.warnings(label))
    keys = sum(map(len, props))
    return len(props) * (FLAT_VALUE_BOUND + 8) + (keys + nested) * ESCAPED


_DROP = object()  # a container nested too deep: left out of its parent

# A nested value's location as (parent location, key or index): formatted only for a warning.
Where = tuple[Any, str | int]


def _text(where: Where) -> str:
    parent, key = where
    head = parent if isinstance(parent, str) else _text(parent)
    return f"{head}[{key}]" if isinstance(key, int) else f"{head}.{key}"


def _nested(value: Any, depth: int, where: Where, report: _Report) -> tuple[Any, int]:
    """A limited copy of a nested value and its size estimate in characters."""
    kind = type(value)
    if kind is str:
        if len(value) > MAX_STRING:
            report.cut.append(_text(where))
            value = value[:MAX_STRING]
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
        if item is not _DROP:
            out[key] = item
            size += len(key) + inner + 4
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
