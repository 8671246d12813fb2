"""The blueprint schema (placeholder until the mapping lands)."""

from typing import Any


def validation_errors(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return ["blueprint: expected an object"]
    return []
