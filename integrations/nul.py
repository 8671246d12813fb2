"""NUL characters, which PostgreSQL stores in neither text nor JSON, found by path."""

from typing import Any


def nul_fields(value: Any, path: str) -> dict[str, str]:
    """{"path.to.field": message} for each string (or key) in JSON data holding a NUL."""
    message = "must not contain NUL characters"
    if isinstance(value, str):
        return {path: message} if "\x00" in value else {}
    found: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                found[path or "body"] = message
            else:
                found.update(nul_fields(item, child))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(nul_fields(item, f"{path}.{index}" if path else str(index)))
    return found
