"""The Amplitude blueprint schema: the shipped variants validate, and mistakes are named by path."""

import copy

import pytest

from integrations.destinations.amplitude.blueprint import BlueprintError, compiled
from integrations.destinations.amplitude.entry import AMPLITUDE

VARIANTS = ("default", "retail", "b2b_saas")


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_shipped_blueprint_validates(variant):
    assert AMPLITUDE.validate_blueprint(AMPLITUDE.load_blueprint(variant)) == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_shipped_blueprint_has_the_common_top_level_keys(variant):
    blueprint = AMPLITUDE.load_blueprint(variant)
    assert list(blueprint) == [
        "version",
        "status",
        "variant",
        "name",
        "description",
        "identity",
        "consent",
        "delivery",
        "events",
        "revenue",
        "traits",
        "enrichment",
        "groups",
    ]
    assert blueprint["variant"] == variant and blueprint["version"] == "0.1.0"


def _with(change):
    blueprint = copy.deepcopy(AMPLITUDE.load_blueprint("default"))
    change(blueprint)
    return AMPLITUDE.validate_blueprint(blueprint)


def test_it_names_an_unknown_key():
    assert _with(lambda b: b.update(colour="blue")) == ["colour: unknown key"]


def test_it_refuses_a_rename_to_a_reserved_amplitude_event():
    errors = _with(lambda b: b["events"][0].update(rename="$identify"))
    assert errors == ["events[0].rename: this event type is reserved by Amplitude"]


def test_it_refuses_mapping_a_field_signal_sets():
    errors = _with(lambda b: b["events"][0].update(properties={"insert_id": "properties.id"}))
    assert errors == [
        "events[0].properties.insert_id: invalid name: insert_id is set by Signal and cannot be "
        "mapped"
    ]


def test_it_refuses_a_path_that_is_not_a_property_path():
    errors = _with(lambda b: b["revenue"].update(revenue=["total"]))
    assert errors == ["revenue.revenue: expected a property path such as properties.total"]


def test_it_refuses_an_event_that_is_both_purchase_and_refund():
    errors = _with(lambda b: b["revenue"].update(refund_events=["Order Completed"]))
    assert errors == ["revenue.refund_events[0]: Order Completed is also in revenue.events"]


def test_it_refuses_two_rules_with_the_same_match():
    errors = _with(lambda b: b["events"].append({"match": {"type": "page"}}))
    assert errors == ["events[2].match: same match as events[0]"]


def test_compiling_an_invalid_blueprint_raises_with_every_problem():
    with pytest.raises(BlueprintError) as raised:
        compiled({"version": "9", "status": "gone"})
    assert len(raised.value.errors) == 2


def test_an_invalid_blueprint_rejects_the_event_naming_the_blueprint():
    outcome = AMPLITUDE.transform({"type": "track"}, {"version": "9"}, {"api_key": "k"}, None)
    assert (outcome.status, outcome.field) == ("rejected", "blueprint")
