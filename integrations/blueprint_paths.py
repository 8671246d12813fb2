"""Paths into a blueprint, as its problems and the editor name them.

A leaf module: the editor helpers (imported by each destination's editor) need it without
importing `blueprints`, which imports the models.
"""

import re
from typing import Any


def path_parts(path: str) -> tuple:
    """`events[3].properties.price` -> ("events", 3, "properties", "price")."""
    parts: list[Any] = []
    for match in re.finditer(r"\[(\d+)\]|([^.\[\]]+)", path):
        index, key = match.groups()
        parts.append(int(index) if index is not None else key)
    return tuple(parts)
