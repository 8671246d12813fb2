"""Blueprint validation as every destination reports it: `path: message` strings.

`validate` runs a destination's pydantic model, turns pydantic's errors into Signal's words
(`events[3].properties.price: expected a property path`) and then runs the cross-field
checks the schema alone cannot express, such as a rule whose match repeats an earlier one.
"""

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError


class BlueprintError(ValueError):
    """A blueprint that does not validate; `errors` are `path: message` strings."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def location(loc: tuple[Any, ...]) -> str:
    """Pydantic's error location as a blueprint path: ("events", 3, "match") -> events[3].match."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part != "[key]":
            text += f".{part}" if text else str(part)
    return text or "blueprint"


def message(error: dict[str, Any]) -> str:
    """Pydantic's error message in the blueprint editor's words."""
    kind, msg = error["type"], error["msg"]
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "value_error":
        msg = msg.removeprefix("Value error, ")
    elif msg.startswith("Input should be"):
        msg = "expected" + msg.removeprefix("Input should be")
    return f"invalid name: {msg}" if "[key]" in error["loc"] else msg


class _Match(Protocol):
    type: str
    name: str | None


class _Rule(Protocol):
    match: _Match


class _Revenue(Protocol):
    events: list[str]
    refund_events: list[str]


def duplicate_matches(events: Sequence[_Rule]) -> list[str]:
    """A later rule with the same match as an earlier one could never apply."""
    seen: dict[tuple[str, str | None], int] = {}
    errors = []
    for index, rule in enumerate(events):
        key = (rule.match.type, rule.match.name)
        if key in seen:
            errors.append(f"events[{index}].match: same match as events[{seen[key]}]")
        seen.setdefault(key, index)
    return errors


def refunds_that_are_purchases(revenue: _Revenue | None) -> list[str]:
    """An event is a purchase or a refund, never both."""
    if revenue is None:
        return []
    return [
        f"revenue.refund_events[{i}]: {name} is also in revenue.events"
        for i, name in enumerate(revenue.refund_events)
        if name in revenue.events
    ]


Model = TypeVar("Model", bound=BaseModel)


def validate(
    model: type[Model], data: Any, event_checks: Sequence[Callable[[Model], list[str]]] = ()
) -> tuple[Model | None, list[str]]:
    """The validated model and no errors, or None and every error.

    The schema's errors first; when the schema passes, the cross-field checks in the
    blueprint's key order: the rules' duplicate matches, the destination's own checks on its
    rules (`event_checks`), then refunds that are also purchases.
    """
    if not isinstance(data, dict):
        return None, ["blueprint: expected an object"]
    try:
        valid = model.model_validate(data)
    except ValidationError as exc:
        return None, [f"{location(e['loc'])}: {message(e)}" for e in exc.errors()]
    errors = duplicate_matches(valid.events)  # type: ignore[attr-defined]
    errors += [error for check in event_checks for error in check(valid)]
    errors += refunds_that_are_purchases(valid.revenue)  # type: ignore[attr-defined]
    return (None, errors) if errors else (valid, [])
