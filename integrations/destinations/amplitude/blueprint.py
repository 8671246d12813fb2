"""The Amplitude blueprint: its schema (pydantic), its validation messages and compiled form.

The same top-level shape as every Signal blueprint (`identity`, `consent`, `delivery`,
`events`, `revenue`, `traits`, `enrichment`, `groups`), with Amplitude's own vocabulary
inside: see this folder's README. `validation_errors` names the exact path of each problem;
`compiled` turns a valid blueprint into the frozen structure the transform reads, once per
distinct content.
"""

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from integrations.destinations._shared.blueprint_messages import BlueprintError, validate
from integrations.destinations._shared.blueprint_schema import (
    Strict,
    blueprint_model,
    consent_model,
    match_model,
    not_system,
    text_type,
)
from integrations.destinations._shared.compile_cache import CompileCache
from integrations.destinations.amplitude.compiled import Compiled, EventRule, Revenue
from integrations.destinations.amplitude.paths import valid_path

# Event types Amplitude keeps for itself: an event may not be renamed to one of them.
RESERVED_EVENTS = frozenset(
    {"$identify", "$groupidentify", "revenue_amount", "session_start", "session_end"}
)
# Fields of an Amplitude event Signal fills itself; a mapping cannot target them.
SYSTEM_PROPERTIES = frozenset({"insert_id", "user_id", "device_id", "time", "event_type"})


def _paths(value: Any) -> list[str]:
    items = value if isinstance(value, list) and value else [value]
    if not all(valid_path(item) for item in items):
        raise ValueError("expected a property path such as properties.total")
    return items


def _path_list(value: Any) -> list[str]:
    return [] if value == [] else _paths(value)


def _event_name(value: str) -> str:
    if value in RESERVED_EVENTS or value.startswith("["):
        raise ValueError("this event type is reserved by Amplitude")
    return value


Text = text_type(1024)
PathSpec = Annotated[list[str], BeforeValidator(_paths)]
PathList = Annotated[list[str], BeforeValidator(_path_list), Field(max_length=10)]
EventName = Annotated[Text, AfterValidator(_event_name)]
PropertyName = Annotated[Text, AfterValidator(not_system(SYSTEM_PROPERTIES))]

MatchModel = match_model(Text)
ConsentModel = consent_model(Text)


class EventRuleModel(Strict):
    match: MatchModel  # type: ignore[valid-type]
    rename: EventName | None = None  # "{name}" is the page's or screen's name
    drop: bool = False
    properties: dict[PropertyName, PathSpec] = Field(default_factory=dict)
    keep_unmapped: bool = True


class IdentityModel(Strict):
    user_id_fallbacks: PathList = Field(default_factory=list)
    device_id_fallbacks: PathList = Field(default_factory=list)


class DeliveryModel(Strict):
    # Events go to the Batch Event Upload API (/batch) instead of HTTP V2 (/2/httpapi).
    batch_api: bool = False


class RevenueModel(Strict):
    events: Annotated[list[Text], Field(min_length=1)]
    refund_events: list[Text] = Field(default_factory=list)
    revenue: PathSpec
    price: PathSpec | None = None
    quantity: PathSpec | None = None
    product_id: PathSpec | None = None
    revenue_type: PathSpec | None = None
    # One "Product Purchased" event per item of properties.products, carrying its price.
    per_product: bool = False
    product_event: EventName = "Product Purchased"


class TraitsModel(Strict):
    identify: bool = True
    rename: dict[Text, Text] = Field(default_factory=dict)
    set_once: list[Text] = Field(default_factory=list)


class EnrichmentModel(Strict):
    user_agent: bool = True
    library: bool = True
    location: bool = True
    campaign: bool = True


class GroupsModel(Strict):
    type: Annotated[Text, StringConstraints(max_length=255)]
    properties: bool = True


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


def _validate(data: Any) -> tuple[Any, list[str]]:
    return validate(BlueprintModel, data)


def validation_errors(data: Any) -> list[str]:
    """Every problem in a blueprint, each as `path: message`; empty when it is valid."""
    return _validate(data)[1]


def _t(paths: list[str] | None) -> tuple[str, ...]:
    return tuple(paths or ())


def _compile(model: Any) -> Compiled:
    rules = {
        (r.match.type, r.match.name): EventRule(
            r.rename, r.drop, tuple((k, _t(v)) for k, v in r.properties.items()), r.keep_unmapped
        )
        for r in model.events
    }
    rev = model.revenue
    revenue = None
    if rev is not None:
        revenue = Revenue(
            frozenset(rev.events),
            frozenset(rev.refund_events),
            _t(rev.revenue),
            _t(rev.price),
            _t(rev.quantity),
            _t(rev.product_id),
            _t(rev.revenue_type),
            rev.per_product,
            rev.product_event,
        )
    consent = model.consent
    return Compiled(
        user_id_fallbacks=_t(model.identity.user_id_fallbacks),
        device_id_fallbacks=_t(model.identity.device_id_fallbacks),
        consent_category=consent.category,
        allow_missing_consent=consent.allow_missing,
        allow_missing_by_kind=tuple(consent.allow_missing_by_source_kind.items()),
        batch_api=model.delivery.batch_api,
        rules=rules,
        revenue=revenue,
        identify=model.traits.identify,
        trait_renames=tuple(model.traits.rename.items()),
        set_once=frozenset(model.traits.set_once),
        enrich_user_agent=model.enrichment.user_agent,
        enrich_library=model.enrichment.library,
        enrich_location=model.enrichment.location,
        enrich_campaign=model.enrichment.campaign,
        group_type=model.groups.type if model.groups else None,
        group_properties=bool(model.groups and model.groups.properties),
    )


def compile_blueprint(data: Any) -> Compiled:
    """Validate and compile a blueprint; raises BlueprintError listing every problem."""
    model, errors = _validate(data)
    if model is None:
        raise BlueprintError(errors)
    return _compile(model)


_CACHE = CompileCache(compile_blueprint)


def compiled(data: Any) -> Compiled:
    """The compiled form of a blueprint, parsed once per distinct content (BlueprintError)."""
    return _CACHE.compiled(data)
