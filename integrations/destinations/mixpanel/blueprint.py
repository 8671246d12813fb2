"""The Mixpanel blueprint: its schema (pydantic), its validation messages and its compiled form.

A blueprint is data (JSON) with a small, closed vocabulary: `identity`, `consent`,
`delivery`, `events` (rules matched by type and name: rename, property mapping, drop),
`revenue`, `traits`, `enrichment` and `groups`. See this folder's README for every key.
`validation_errors` names the exact path of each problem (`events[3].properties.price:
expected a property path`); `compiled` turns a valid blueprint into the frozen structure the
transform reads, parsed once per distinct blueprint and cached.
"""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from integrations.destinations._shared.blueprint_messages import (
    BlueprintError,
    validate,
)
from integrations.destinations._shared.blueprint_schema import (
    Strict,
    blueprint_model,
    consent_model,
    match_model,
    not_system,
    text_type,
)
from integrations.destinations._shared.compile_cache import CompileCache
from integrations.destinations.mixpanel.compiled import (
    SYSTEM_PROPERTIES,
    Compiled,
    EventRule,
    Mapping,
    Revenue,
    Traits,
)
from integrations.destinations.mixpanel.paths import Path, parse_key_path, parse_path

VERSION = "0.1.0"


def _paths(value: Any) -> list[str]:
    items = value if isinstance(value, list) and value else [value]
    if any(parse_path(item) is None for item in items):
        raise ValueError("expected a property path")
    return items


def _one_path(value: str) -> str:
    if parse_path(value) is None:
        raise ValueError("expected a property path such as traits.email")
    return value


def _event_name(value: str) -> str:
    if value.startswith("$"):
        raise ValueError("names starting with $ are reserved by Mixpanel")
    return value


def _trait_key(value: str) -> str:
    if parse_key_path(value) is None:
        raise ValueError("expected a trait name such as email or address.city")
    return value


Text = text_type(255)
PathSpec = Annotated[list[str], BeforeValidator(_paths)]
PathList = Annotated[list[Annotated[str, AfterValidator(_one_path)]], Field(max_length=10)]
EventName = Annotated[Text, AfterValidator(_event_name)]
PropertyName = Annotated[Text, AfterValidator(not_system(SYSTEM_PROPERTIES))]
TraitKey = Annotated[Text, AfterValidator(_trait_key)]

MatchModel = match_model(Text)
ConsentModel = consent_model(Text)


class EventRuleModel(Strict):
    match: MatchModel  # type: ignore[valid-type]
    rename: EventName | None = None
    drop: bool = False
    properties: dict[PropertyName, PathSpec] = Field(default_factory=dict)
    keep_unmapped: bool = True
    numeric: list[PropertyName] = Field(default_factory=list)


class IdentityModel(Strict):
    mode: Literal["original", "simplified"] = "original"
    # Where else the ids may be, read in order when the event's own is missing or empty
    # (e.g. traits.email for the user id, context.device.id for the anonymous id).
    user_id_fallbacks: PathList = Field(default_factory=list)
    anonymous_id_fallbacks: PathList = Field(default_factory=list)


class DeliveryModel(Strict):
    always_import: bool = False


class RevenueModel(Strict):
    events: Annotated[list[Text], Field(min_length=1)]
    amount: PathSpec
    currency: PathSpec | None = None
    order_id: PathSpec | None = None
    product_ids: PathSpec | None = None
    transactions: bool = True
    refund_events: list[Text] = Field(default_factory=list)


class TraitsModel(Strict):
    profiles: bool = True
    reserved: dict[TraitKey, Text] = Field(default_factory=dict)
    set_once: list[TraitKey] = Field(default_factory=list)
    anonymous_profiles: bool = False


class EnrichmentModel(Strict):
    page: bool = True
    user_agent: bool = True
    campaign: bool = True
    library: bool = True


class GroupsModel(Strict):
    key: Annotated[PropertyName, AfterValidator(_event_name)]


BlueprintModel: Any = blueprint_model(
    Text,
    identity=IdentityModel,
    consent=ConsentModel,
    delivery=DeliveryModel,
    event_rule=EventRuleModel,
    revenue=RevenueModel,
    traits=TraitsModel,
    enrichment=EnrichmentModel,
    groups=GroupsModel,
)


# ---- messages ---------------------------------------------------------------------------


def _unmapped_numbers(model: Any) -> list[str]:
    """`numeric` may only name properties the same rule maps."""
    return [
        f"events[{index}].numeric[{i}]: {name} is not one of this rule's properties"
        for index, rule in enumerate(model.events)
        for i, name in enumerate(rule.numeric)
        if name not in rule.properties
    ]


def _validate(data: Any) -> tuple[Any, list[str]]:
    return validate(BlueprintModel, data, [_unmapped_numbers])


def validation_errors(data: Any) -> list[str]:
    """Every problem in a blueprint, each as `path: message`; empty when it is valid."""
    return _validate(data)[1]


# ---- compiling --------------------------------------------------------------------------


def _parsed(texts: list[str] | None) -> tuple[Path, ...]:
    return tuple(parse_path(t) for t in texts or ())  # type: ignore[misc]


def _rule(index: int, model: EventRuleModel) -> EventRule:
    mappings = tuple(
        Mapping(target, _parsed(paths), target in model.numeric)
        for target, paths in model.properties.items()
    )
    consumed = {p.top_property for m in mappings for p in m.paths} - {None}
    return EventRule(
        index=index,
        type=model.match.type,
        name=model.match.name,
        rename=model.rename,
        drop=model.drop,
        mappings=mappings,
        consumed=frozenset(consumed),  # type: ignore[arg-type]
        keep_unmapped=model.keep_unmapped,
    )


def _revenue(model: RevenueModel | None) -> Revenue | None:
    if model is None:
        return None
    return Revenue(
        events=frozenset(model.events),
        amount=_parsed(model.amount),
        currency=_parsed(model.currency),
        order_id=_parsed(model.order_id),
        product_ids=_parsed(model.product_ids),
        transactions=model.transactions,
        refund_events=frozenset(model.refund_events),
    )


def _traits(model: TraitsModel) -> Traits:
    reserved = tuple((tuple(k.split(".")), v) for k, v in model.reserved.items())
    return Traits(
        model.profiles,
        reserved,
        frozenset(model.set_once),
        anonymous_profiles=model.anonymous_profiles,
    )


def _compile(model: Any) -> Compiled:
    rules = [_rule(i, r) for i, r in enumerate(model.events)]
    named: dict[tuple[str, str], EventRule] = {}
    anyname: dict[str, EventRule] = {}
    for rule in rules:
        if rule.name is None:
            anyname.setdefault(rule.type, rule)
        else:
            named.setdefault((rule.type, rule.name), rule)
    return Compiled(
        mode=model.identity.mode,
        user_id_fallbacks=_parsed(model.identity.user_id_fallbacks),
        anonymous_id_fallbacks=_parsed(model.identity.anonymous_id_fallbacks),
        consent_category=model.consent.category,
        allow_missing_consent=model.consent.allow_missing,
        allow_missing_by_kind=tuple(model.consent.allow_missing_by_source_kind.items()),
        always_import=model.delivery.always_import,
        named_rules=named,
        any_rules=anyname,
        revenue=_revenue(model.revenue),
        traits=_traits(model.traits),
        enrich_page=model.enrichment.page,
        enrich_user_agent=model.enrichment.user_agent,
        enrich_campaign=model.enrichment.campaign,
        enrich_library=model.enrichment.library,
        group_key=model.groups.key if model.groups else None,
    )


def compile_blueprint(data: Any) -> Compiled:
    """Validate and compile a blueprint; raises BlueprintError listing every problem."""
    model, errors = _validate(data)
    if model is None:
        raise BlueprintError(errors)
    return _compile(model)


_CACHE = CompileCache(compile_blueprint)


def compiled(data: dict[str, Any]) -> Compiled:
    """The compiled form of a blueprint, parsed once per distinct content (BlueprintError)."""
    return _CACHE.compiled(data)
