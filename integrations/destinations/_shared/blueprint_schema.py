"""The pydantic models for the parts of the blueprint format every destination shares.

Every Signal blueprint has the same top level (`version`, `status`, `identity`, `consent`,
`delivery`, `events`, `revenue`, `traits`, `enrichment`, `groups`) and the same `match` and
`consent` objects; what differs is each destination's vocabulary inside, and its text limit
(a name's longest length). So the shared models are built per destination from its own text
type and its own part models; their class names stay those the messages show ("expected a
valid dictionary or instance of ConsentModel").
"""

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

SourceKind = Literal["browser", "mobile", "server"]
EventType = Literal["track", "page", "screen"]


class Strict(BaseModel):
    """No unknown keys, no coercion ("1" is not 1), immutable once parsed."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def text_type(max_length: int) -> Any:
    """A non-empty string of at most `max_length` characters (the destination's limit)."""
    return Annotated[str, StringConstraints(min_length=1, max_length=max_length)]


def not_system(system: frozenset[str]) -> Callable[[str], str]:
    """A validator refusing the property names Signal sets itself."""

    def check(value: str) -> str:
        if value in system:
            raise ValueError(f"{value} is set by Signal and cannot be mapped")
        return value

    return check


def match_model(text: Any) -> type[Strict]:
    """An event rule's `match`: the call type, and the event (page, screen) name or any."""

    class MatchModel(Strict):
        type: EventType
        name: text | None = None  # type: ignore[valid-type]

    return MatchModel


def consent_model(text: Any) -> type[Strict]:
    """The `consent` object: the category to look up and what to do when there is none."""

    class ConsentModel(Strict):
        category: text = "analytics"  # type: ignore[valid-type]
        allow_missing: bool = False
        # Overrides `allow_missing` for events from sources of a kind (e.g. server: true).
        allow_missing_by_source_kind: dict[SourceKind, bool] = Field(default_factory=dict)

    return ConsentModel


def blueprint_model(
    text: Any,
    *,
    identity: type[Strict],
    consent: type[Strict],
    delivery: type[Strict],
    event_rule: type[Strict],
    revenue: type[Strict],
    traits: type[Strict],
    enrichment: type[Strict],
    groups: type[Strict],
) -> type[Strict]:
    """The whole blueprint, from a destination's text type and its models for each part.

    `revenue` and `groups` are optional (null turns them off); the other parts default to
    their model's defaults. Built in the module of `identity`, the destination's own.
    """
    return create_model(
        "BlueprintModel",
        __base__=Strict,
        __module__=identity.__module__,
        version=(Literal["0.1.0"], ...),
        status=(Literal["alpha", "beta", "stable"], ...),
        variant=(text | None, None),
        name=(str | None, None),
        description=(str | None, None),
        identity=(identity, identity()),
        consent=(consent, consent()),
        delivery=(delivery, delivery()),
        events=(list[event_rule], Field(default_factory=list)),  # type: ignore[valid-type]
        revenue=(revenue | None, None),
        traits=(traits, traits()),
        enrichment=(enrichment, enrichment()),
        groups=(groups | None, None),
    )
