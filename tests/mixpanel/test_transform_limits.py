"""Mixpanel's size limits are applied before sending, with a warning for each cut."""

import math

from tests.mixpanel.helpers import event, props, run


def test_an_event_with_exactly_255_properties_loses_nothing() -> None:
    outcome = run(event(context={"consent": {"categoryPreferences": {"analytics": True}}}))
    own = len(props(outcome))  # token, time, ids, $insert_id, ip
    extra = {f"p{i}": i for i in range(255 - own)}
    outcome = run(
        event(properties=extra, context={"consent": {"categoryPreferences": {"analytics": True}}})
    )
    assert len(props(outcome)) == 255
    assert outcome.warnings == []


def test_signal_s_own_properties_survive_a_property_overflow() -> None:
    outcome = run(event(properties={f"p{i:03d}": i for i in range(400)}))
    sent = props(outcome)
    assert len(sent) == 255
    assert {"token", "time", "distinct_id", "$insert_id", "ip"} <= sent.keys()
    assert "over Mixpanel's limit of 255" in outcome.warnings[0]


def test_long_lists_keep_their_first_255_entries() -> None:
    outcome = run(event(properties={"ids": list(range(300))}))
    assert props(outcome)["ids"] == list(range(255))
    assert "properties.ids" in outcome.warnings[0]


def test_long_strings_inside_lists_are_cut_too() -> None:
    outcome = run(event(properties={"tags": ["y" * 400]}))
    assert props(outcome)["tags"] == ["y" * 255]
    assert "properties.tags[0]" in outcome.warnings[0]


def test_numbers_json_cannot_carry_are_sent_as_null() -> None:
    outcome = run(event(properties={"ratio": math.nan, "deep": {"x": math.inf}}))
    assert props(outcome)["ratio"] is None
    assert props(outcome)["deep"] == {"x": None}


def test_an_item_over_one_megabyte_is_rejected_with_its_size() -> None:
    # 255 properties, each a list of 255 objects: far past 1 MB even after every cut.
    row = {f"k{i}": i for i in range(20)}
    big = {f"p{i}": [row] * 255 for i in range(40)}
    outcome = run(event(properties=big))
    assert (outcome.status, outcome.field) == ("rejected", "properties")
    assert "over Mixpanel's 1 MB limit" in outcome.reason


def test_a_large_item_under_one_megabyte_is_delivered() -> None:
    big = {f"p{i}": ["z" * 200] * 100 for i in range(20)}  # about 420 kB
    assert run(event(properties=big)).status == "deliver"


def test_a_string_value_is_cut_at_255_bytes_on_a_character_boundary() -> None:
    # given: 200 two-byte characters, 400 bytes
    outcome = run(event(properties={"note": "é" * 200}))
    # then
    note = props(outcome)["note"]
    assert note == "é" * 127  # 254 bytes: a 128th would split across the limit
    assert outcome.warnings == ["strings cut at 255 bytes: properties.note"]


def test_a_string_of_255_ascii_characters_is_kept_whole() -> None:
    outcome = run(event(properties={"note": "a" * 255, "emoji": "😀" * 63}))
    assert props(outcome)["note"] == "a" * 255
    assert props(outcome)["emoji"] == "😀" * 63  # 252 bytes
    assert outcome.warnings == []


def test_a_property_name_is_cut_at_255_characters() -> None:
    outcome = run(event(properties={"ü" * 300: 1}))
    assert props(outcome)["ü" * 255] == 1
    assert outcome.warnings[0].startswith("property names cut at 255 characters: properties.")


def test_a_name_that_clashes_with_another_once_cut_is_dropped_with_a_warning() -> None:
    name = "n" * 255
    outcome = run(event(properties={name: "first", name + "-more": "second"}))
    assert props(outcome)[name] == "first"
    assert "once cut at 255 characters, dropped" in outcome.warnings[0]


def test_nested_names_are_cut_too() -> None:
    outcome = run(event(properties={"meta": {"k" * 260: "v"}}))
    assert props(outcome)["meta"] == {"k" * 255: "v"}


def test_an_event_name_over_255_characters_is_trimmed_with_a_warning() -> None:
    outcome = run(event(event="E" * 300))
    assert outcome.destination_event == "E" * 255
    assert outcome.operations[0].item["event"] == "E" * 255
    assert "event name over Mixpanel's 255 characters, trimmed" in outcome.warnings[0]


def test_an_event_carrying_ignore_is_filtered() -> None:
    outcome = run(event(properties={"$ignore": False}))  # present is enough for Mixpanel
    assert (outcome.status, outcome.reason) == (
        "filtered",
        "properties.$ignore is set: Mixpanel would drop it",
    )
    assert outcome.operations == []
