"""The transform is pure: the same input gives the same output and nothing is changed."""

import copy
import json

from integrations.destinations.amplitude.entry import AMPLITUDE
from tests.amplitude.golden import CONFIG, NOW, cases


def test_it_changes_neither_the_event_nor_the_blueprint_and_repeats_itself():
    for path in cases():
        case = json.loads(path.read_text())
        blueprint = AMPLITUDE.load_blueprint(path.parent.name)
        event, before = case["event"], copy.deepcopy(case["event"])
        pristine = copy.deepcopy(blueprint)
        first = AMPLITUDE.transform(event, blueprint, CONFIG, NOW).to_json()
        second = AMPLITUDE.transform(event, blueprint, CONFIG, NOW).to_json()
        assert first == second and event == before and blueprint == pristine, path.name


def test_an_integration_without_an_api_key_rejects_naming_the_config():
    outcome = AMPLITUDE.transform(
        {"type": "track", "event": "X", "userId": "user-1"},
        AMPLITUDE.load_blueprint("default"),
        {},
        NOW,
    )
    assert (outcome.status, outcome.field) == ("rejected", "config")


def test_a_track_without_a_name_is_rejected_naming_event():
    outcome = AMPLITUDE.transform(
        {
            "type": "track",
            "userId": "user-123",
            "context": {"consent": {"categoryPreferences": {"analytics": True}}},
        },
        AMPLITUDE.load_blueprint("default"),
        CONFIG,
        NOW,
    )
    assert (outcome.status, outcome.field) == ("rejected", "event")
