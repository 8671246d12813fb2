"""Property paths in blueprints: `properties.total`, `traits.address.city`, `context.device.id`.

A path is dotted keys from the root of the event. Reading one never raises: a missing key,
or a value that is not an object on the way, reads as None.
"""

import re
from typing import Any

_PATH = re.compile(
    r"^(properties|traits|context|userId|anonymousId|groupId|name|event)(\.[^.\s]+)*$"
)


def valid_path(text: Any) -> bool:
    return isinstance(text, str) and bool(_PATH.match(text))


def read(root: Any, path: str) -> Any:
    value = root
    for key in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def first(root: Any, paths: tuple[str, ...]) -> Any:
    """The first path's value that is present and not empty."""
    for path in paths:
        value = read(root, path)
        if value is not None and value != "":
            return value
    return None


def top_property(path: str) -> str | None:
    """`properties.total.gross` -> `total`: the event property a mapping consumes."""
    parts = path.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "properties" else None
