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


def _ids(event: dict) -> tuple[dict, list[str]]:
    outcome = AMPLITUDE.transform(event, AMPLITUDE.load_blueprint("default"), CONFIG, NOW)
    item = outcome.operations[0].item
    ids = {key: item[key] for key in ("user_id", "device_id") if key in item}
    return ids, outcome.warning_codes


CONSENT = {"consent": {"categoryPreferences": {"analytics": True}}}


def test_a_placeholder_user_id_amplitude_refuses_is_left_out_with_a_warning():
    # given a server that stringified a missing user id
    event = {"type": "track", "event": "Signed In", "userId": "null", "anonymousId": "anon-12345"}
    # then the event goes with its device id only, and says why
    ids, codes = _ids(event | {"context": CONSENT})
    assert ids == {"device_id": "anon-12345"}
    assert "id_placeholder" in codes


def test_placeholders_are_recognised_whatever_their_case_and_all_zero_ids_too():
    for placeholder in ("UNDEFINED", "Anonymous", "00000000-0000-0000-0000-000000000000", "-1"):
        event = {"type": "track", "event": "X", "userId": "user-12345", "anonymousId": placeholder}
        ids, codes = _ids(event | {"context": CONSENT})
        assert ids == {"user_id": "user-12345"} and "id_placeholder" in codes, placeholder


def test_an_event_whose_only_id_is_a_placeholder_is_rejected_naming_the_field_and_value():
    event = {"type": "track", "event": "X", "anonymousId": "undefined", "context": CONSENT}
    outcome = AMPLITUDE.transform(event, AMPLITUDE.load_blueprint("default"), CONFIG, NOW)
    assert (outcome.status, outcome.field) == ("rejected", "anonymousId")
    assert "'undefined' is a placeholder" in outcome.reason
