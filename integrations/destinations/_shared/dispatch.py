"""The transform's frame, the same for every destination: compile the blueprint, check the
event's shape, pick the handler for its type, start a call and run it; and the consent rule
every destination applies before it sends anything.

A destination supplies what is its own: how to compile its blueprint, a handler per event
type, and `start`, which makes its call (or rejects the event, e.g. for a missing credential).
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar

from integrations.destinations._shared.blueprint_messages import BlueprintError
from integrations.destinations.base import Operation, Outcome


class EventProblem(Exception):
    """The event itself is unusable: `field` names what is wrong, the message says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


class ConsentRules(Protocol):
    """What a compiled blueprint says about consent."""

    consent_category: str

    def allows_missing_consent(self, source_kind: str | None) -> bool: ...


class Call:
    """What every handler needs about one event; built once per transform.

    Handlers `add` operations in the order they must be sent; `outcome` delivers them,
    unless `too_large` (each destination's own limit) refuses one.
    """

    __slots__ = ("event", "bp", "config", "now", "context", "warnings", "ops")

    def __init__(self, event: dict[str, Any], bp: Any, config: dict[str, Any], now: datetime):
        self.event = event
        self.bp = bp
        self.config = config  # the integration's config (credentials)
        self.now = now
        context = event.get("context")
        self.context: dict[str, Any] = context if isinstance(context, dict) else {}
        self.warnings: list[str] = []
        self.ops: list[Operation] = []

    def add(self, endpoint: str, item: dict[str, Any]) -> None:
        self.ops.append(Operation(endpoint, item))

    def too_large(self, index: int, op: Operation) -> str | None:
        """Why the `index`th operation's item is too large to send, or None."""
        return None

    def outcome(self, name: str) -> Outcome:
        for index, op in enumerate(self.ops):
            reason = self.too_large(index, op)
            if reason:
                return Outcome(
                    "rejected",
                    destination_event=name,
                    reason=reason,
                    field="properties",
                    warnings=self.warnings,
                )
        return Outcome("deliver", self.ops, destination_event=name, warnings=self.warnings)


Bp = TypeVar("Bp")
C = TypeVar("C", bound=Call)


def dispatch(
    event: Any,
    blueprint: dict[str, Any],
    *,
    compiled: Callable[[dict[str, Any]], Bp],
    handlers: Mapping[str, Callable[[C], Outcome]],
    start: Callable[[Bp], C | Outcome],
) -> Outcome:
    """One event through a destination's transform: its operations, or why not."""
    try:
        bp = compiled(blueprint)
    except BlueprintError as exc:
        return Outcome("rejected", reason=f"the blueprint is invalid: {exc}", field="blueprint")
    if not isinstance(event, dict):
        return Outcome("rejected", reason="an event must be an object", field="event")
    handler = handlers.get(event.get("type"))  # type: ignore[arg-type]
    if handler is None:
        known = ", ".join(handlers)
        reason = f"unknown type {event.get('type')!r}: expected one of {known}"
        return Outcome("rejected", reason=reason, field="type")
    call = start(bp)
    if isinstance(call, Outcome):
        return call
    try:
        return handler(call)
    except EventProblem as problem:
        return Outcome(
            "rejected", reason=problem.reason, field=problem.field, warnings=call.warnings
        )


def source_kind(event: dict[str, Any]) -> str | None:
    """The kind of source the event came from (browser, mobile, server), when Signal knows."""
    meta = event.get("_signal")
    return meta.get("source_kind") if isinstance(meta, dict) else None


def consent_problem(event: dict[str, Any], bp: ConsentRules) -> str | None:
    """Why the event must be suppressed for lack of consent, or None when it may go."""
    context = event.get("context")
    consent = context.get("consent") if isinstance(context, dict) else None
    prefs = consent.get("categoryPreferences") if isinstance(consent, dict) else None
    category = bp.consent_category
    if not isinstance(prefs, dict):
        if bp.allows_missing_consent(source_kind(event)):
            return None
        return (
            "consent: the event carries no consent information "
            f'(context.consent.categoryPreferences) and "{category}" consent is required'
        )
    granted = prefs.get(category)
    if granted is True:
        return None
    if granted is False:
        return f'consent: the visitor declined "{category}"'
    return f'consent: no "{category}" preference in context.consent.categoryPreferences'
