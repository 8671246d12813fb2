"""Property paths: how a blueprint points into a Segment-spec event.

A path is a root (`properties`, `traits` or `context`) followed by dot-separated keys, e.g.
`properties.price`, `context.page.url`, `traits.address.city`. One key may end in `[]` to
collect a field from every item of a list: `properties.products[].product_id`.
Paths are parsed once, when a blueprint is compiled; reading them is a short dict walk.
"""

from dataclasses import dataclass
from typing import Any

ROOTS = ("properties", "traits", "context")
_FORBIDDEN = set(".[]")


@dataclass(frozen=True)
class Path:
    """A parsed path: the keys before a `[]` projection, and those after it (if any)."""

    text: str
    root: str
    keys: tuple[str, ...]
    each: tuple[str, ...] | None = None  # keys read from every list item, after `[]`

    @property
    def top_property(self) -> str | None:
        """The event property this path consumes, for `properties.<name>` paths only."""
        if self.root == "properties" and len(self.keys) == 1 and self.each is None:
            return self.keys[0]
        return None

    def read(self, event: dict[str, Any]) -> Any:
        """The value at this path, or None when any step is missing."""
        node = _walk(event.get(self.root), self.keys)
        if self.each is None:
            return node
        if not isinstance(node, list):
            return None
        values = [_walk(item, self.each) for item in node]
        return [v for v in values if v is not None] or None


def _walk(node: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _is_key(segment: str) -> bool:
    return bool(segment) and not (_FORBIDDEN & set(segment))


def parse_key_path(text: str) -> tuple[str, ...] | None:
    """Dot-separated keys with no root and no projection (trait names like `address.city`)."""
    if not isinstance(text, str):
        return None
    keys = tuple(text.split("."))
    return keys if all(_is_key(k) for k in keys) else None


def parse_path(text: Any) -> Path | None:
    """Parse a property path; None when it is not one."""
    if not isinstance(text, str):
        return None
    root, _, rest = text.partition(".")
    if root not in ROOTS or not rest:
        return None
    before, marker, after = rest.partition("[]")
    keys = parse_key_path(before)
    if keys is None:
        return None
    if not marker:
        return Path(text, root, keys)
    if not after:
        return None
    each = parse_key_path(after[1:]) if after.startswith(".") else None
    if each is None:
        return None
    return Path(text, root, keys, each)


def read_first(event: dict[str, Any], paths: tuple[Path, ...]) -> tuple[Any, Path | None]:
    """The first present value among `paths`, and the path it came from."""
    for path in paths:
        value = path.read(event)
        if value is not None:
            return value, path
    return None, None
