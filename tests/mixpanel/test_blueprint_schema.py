"""Blueprint validation: every problem is reported with the exact path at fault."""

import copy
from typing import Any

import pytest

from integrations.destinations.mixpanel.blueprint import compile_blueprint, validation_errors
from integrations.destinations.mixpanel.entry import MIXPANEL

VARIANTS = ["default", "retail", "b2b_saas"]


def _retail() -> dict[str, Any]:
    return copy.deepcopy(MIXPANEL.load_blueprint("retail"))


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    """Set `a.b[2].c` in `data`; a value of DELETE removes the key."""
    parts: list[Any] = []
    for piece in path.split("."):
        name, _, index = piece.partition("[")
        parts.append(name)
        if index:
            parts.append(int(index.rstrip("]")))
    node = data
    for part in parts[:-1]:
        node = node[part]
    if value is DELETE:
        del node[parts[-1]]
    else:
        node[parts[-1]] = value


DELETE = object()

# (what is wrong, path to change, new value, the expected error)
MALFORMED = [
    ("a mapping value that is a number", "events[3].properties", {"price": 42},
     "events[3].properties.price: expected a property path"),
    ("a mapping value without a root", "events[1].properties.Product ID", "product_id",
     "events[1].properties.Product ID: expected a property path"),
    ("a mapping value with an empty key", "events[1].properties.Product ID", "properties..id",
     "events[1].properties.Product ID: expected a property path"),
    ("a list of paths with one bad entry", "events[1].properties.Product ID",
     ["properties.product_id", 7], "events[1].properties.Product ID: expected a property path"),
    ("a projection with nothing after it", "revenue.product_ids", "properties.products[]",
     "revenue.product_ids: expected a property path"),
    ("a mapping onto a property Signal sets", "events[1].properties.distinct_id",
     "properties.user", "events[1].properties.distinct_id: invalid name: distinct_id is set by "
     "Signal and cannot be mapped"),
    ("an event type with no rules", "events[0].match.type", "identify",
     "events[0].match.type: expected 'track', 'page' or 'screen'"),
    ("a rule without match", "events[2].match", DELETE, "events[2].match: required"),
    ("a rename to a reserved name", "events[3].rename", "$purchase",
     "events[3].rename: names starting with $ are reserved by Mixpanel"),
    ("an empty rename", "events[3].rename", "",
     "events[3].rename: String should have at least 1 character"),
    ("a drop that is not a boolean", "events[3].drop", "yes",
     "events[3].drop: expected a valid boolean"),
    ("an unknown key in a rule", "events[2].colour", "blue", "events[2].colour: unknown key"),
    ("a second rule with the same match", "events[2].match.name", "Product Viewed",
     "events[2].match: same match as events[1]"),
    ("a missing version", "version", DELETE, "version: required"),
    ("another version", "version", "0.2.0", "version: expected '0.1.0'"),
    ("an unknown status", "status", "ga", "status: expected 'alpha', 'beta' or 'stable'"),
    ("an unknown identity mode", "identity.mode", "merge",
     "identity.mode: expected 'original' or 'simplified'"),
    ("an empty consent category", "consent.category", "",
     "consent.category: String should have at least 1 character"),
    ("a string for allow_missing", "consent.allow_missing", "false",
     "consent.allow_missing: expected a valid boolean"),
    ("a number for always_import", "delivery.always_import", 1,
     "delivery.always_import: expected a valid boolean"),
    ("a revenue amount that is a bare name", "revenue.amount", "total",
     "revenue.amount: expected a property path"),
    ("revenue with no events", "revenue.events", [],
     "revenue.events: List should have at least 1 item after validation, not 0"),
    ("a trait name with an empty part", "traits.reserved", {"address..city": "$city"},
     "traits.reserved.address..city: invalid name: expected a trait name such as email or "
     "address.city"),
    ("a set_once entry that is not a string", "traits.set_once[1]", 3,
     "traits.set_once[1]: expected a valid string"),
    ("anonymous_profiles that is not a boolean", "traits.anonymous_profiles", "no",
     "traits.anonymous_profiles: expected a valid boolean"),
    ("an enrichment switch that is not a boolean", "enrichment.user_agent", "on",
     "enrichment.user_agent: expected a valid boolean"),
    ("a reserved group key", "groups", {"key": "$company"},
     "groups.key: names starting with $ are reserved by Mixpanel"),
    ("a group section without its key", "groups", {},  "groups.key: required"),
    ("an unknown top-level key", "mapping", {}, "mapping: unknown key"),
    ("events that are not a list", "events", {"page": "page"},
     "events: expected a valid list"),
    ("a refund event that is also a purchase", "revenue.refund_events", ["Order Completed"],
     "revenue.refund_events[0]: Order Completed is also in revenue.events"),
    ("refund events that are not a list", "revenue.refund_events", "Order Refunded",
     "revenue.refund_events: expected a valid list"),
    ("a numeric name the rule does not map", "events[1].numeric", ["Price"],
     "events[1].numeric[0]: Price is not one of this rule's properties"),
    ("numeric names that are not a list", "events[1].numeric", "Product ID",
     "events[1].numeric: expected a valid list"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_a_malformed_blueprint_names_the_path_at_fault(path: str, value: Any, expected: str):
    # given
    blueprint = _retail()
    _set(blueprint, path, value)
    # when
    errors = validation_errors(blueprint)
    # then
    assert errors == [expected]


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_shipped_blueprints_validate(variant: str) -> None:
    blueprint = MIXPANEL.load_blueprint(variant)
    assert validation_errors(blueprint) == []
    assert blueprint["version"] == "0.1.0"
    assert blueprint["status"] == "alpha"
    assert blueprint["variant"] == variant
    assert blueprint["traits"]["anonymous_profiles"] is False  # Mixpanel's advice


def test_every_problem_is_reported_at_once() -> None:
    blueprint = _retail()
    blueprint["identity"]["mode"] = "both"
    blueprint["events"][3]["properties"] = {"price": 42}
    blueprint["consent"]["allow_missing"] = "no"
    assert validation_errors(blueprint) == [
        "identity.mode: expected 'original' or 'simplified'",
        "consent.allow_missing: expected a valid boolean",
        "events[3].properties.price: expected a property path",
    ]


def test_a_blueprint_that_is_not_an_object_is_refused() -> None:
    assert validation_errors(["events"]) == ["blueprint: expected an object"]


def test_a_minimal_blueprint_takes_the_documented_defaults() -> None:
    compiled = compile_blueprint({"version": "0.1.0", "status": "alpha"})
    assert compiled.mode == "original"
    assert compiled.consent_category == "analytics"
    assert compiled.allow_missing_consent is False
    assert compiled.always_import is False
    assert compiled.revenue is None
    assert compiled.group_key is None


def test_refund_events_and_numeric_mappings_are_optional() -> None:
    # given
    blueprint = {
        "version": "0.1.0",
        "status": "alpha",
        "events": [{"match": {"type": "track"}, "properties": {"MRR": "properties.mrr"}}],
        "revenue": {"events": ["Order Completed"], "amount": "properties.total"},
    }
    # when
    compiled = compile_blueprint(blueprint)
    # then
    assert compiled.revenue is not None and compiled.revenue.refund_events == frozenset()
    assert [m.numeric for m in compiled.any_rules["track"].mappings] == [False]


def test_the_catalog_entry_validates_with_this_schema() -> None:
    blueprint = _retail()
    blueprint["identity"]["mode"] = "merge"
    assert MIXPANEL.validate_blueprint(blueprint) == [
        "identity.mode: expected 'original' or 'simplified'"
    ]
