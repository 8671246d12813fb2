"""The transform is pure and parses each blueprint once."""

import copy
import json

import pytest

from integrations.destinations._shared.compile_cache import CompileCache
from integrations.destinations.mixpanel import blueprint as blueprint_module
from integrations.destinations.mixpanel.entry import MIXPANEL
from integrations.destinations.mixpanel.transform import outcome_to_json, transform
from tests.mixpanel.golden import NOW, case_id, cases, merged, run_case
from tests.mixpanel.helpers import blueprint, event, props, run


@pytest.mark.parametrize("path", cases(), ids=case_id)
def test_the_transform_never_changes_its_inputs(path) -> None:
    case = json.loads(path.read_text())
    bp = merged(MIXPANEL.load_blueprint(path.parent.name), case.get("blueprint_patch", {}))
    ev, bp_before = case["event"], copy.deepcopy(bp)
    ev_before = copy.deepcopy(ev)
    run(ev, bp)
    assert (ev, bp) == (ev_before, bp_before)


def test_the_same_event_gives_the_same_outcome_every_time() -> None:
    path = cases()[0]
    assert run_case(path) == run_case(path)


def test_a_blueprint_is_parsed_once_for_many_events(monkeypatch) -> None:
    fresh = CompileCache(blueprint_module.compile_blueprint)
    monkeypatch.setattr(blueprint_module, "_CACHE", fresh)
    calls = []
    real = blueprint_module._validate
    monkeypatch.setattr(blueprint_module, "_validate", lambda d: calls.append(1) or real(d))
    bp = blueprint()
    for _ in range(50):
        run(event(), bp)
    for _ in range(5):
        run(event(), copy.deepcopy(bp))  # an equal copy, as loaded again from the database
    assert len(calls) == 1


def test_a_blueprint_edited_in_place_is_compiled_again() -> None:
    bp = blueprint()
    assert props(run(event(), bp))["distinct_id"] == "anon-1"
    bp["identity"]["mode"] = "simplified"
    assert props(run(event(), bp))["distinct_id"] == "$device:anon-1"


def test_an_invalid_blueprint_rejects_the_event_with_the_reason() -> None:
    bp = blueprint(identity={"mode": "sometimes"})
    outcome = run(event(), bp)
    assert (outcome.status, outcome.field) == ("rejected", "blueprint")
    assert "identity.mode" in outcome.reason


def test_an_integration_without_a_project_token_rejects_the_event() -> None:
    outcome = transform(event(), blueprint(), {"api_secret": "s"}, NOW)
    assert (outcome.status, outcome.field) == ("rejected", "config")


def test_the_outcome_serialises_to_plain_json() -> None:
    data = outcome_to_json(run(event()))
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {"status", "destination_event", "operations", "reason", "field", "warnings"}
