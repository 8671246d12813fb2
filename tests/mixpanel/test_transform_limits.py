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
