"""What the collector stores for the events real SDKs send (pure: validate and timing)."""

from datetime import UTC, datetime, timedelta

import pytest

from delivery.collect.timing import iso
from delivery.collect.validate import check_events, events_of

RECEIVED = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
RECEIVED_AT = iso(RECEIVED)


def stored(event: dict, path_type: str = "batch", client_ip: str | None = None) -> dict:
    accepted, rejected = check_events([event], path_type, RECEIVED_AT, client_ip=client_ip)
    assert not rejected, rejected
    return accepted[0].payload


def rejection(event: dict) -> tuple[str, str]:
    accepted, rejected = check_events([event], "batch", RECEIVED_AT)
    assert not accepted and len(rejected) == 1
    return rejected[0].field, rejected[0].error


def track(**extra) -> dict:
    return {"type": "track", "event": "Viewed", "anonymousId": "anon-1"} | extra


def at(delta: timedelta) -> str:
    return iso(RECEIVED + delta)


# Time


def test_a_given_timestamp_is_the_event_time_in_utc_with_milliseconds():
    payload = stored(track(timestamp="2026-12-01T13:30:00.123456+02:00"))

    assert payload["timestamp"] == "2026-12-01T11:30:00.123Z"
    assert payload["receivedAt"] == RECEIVED_AT


def test_without_any_time_the_event_is_timed_at_receipt():
    assert stored(track())["timestamp"] == RECEIVED_AT


def test_a_client_three_hours_fast_is_corrected_to_the_servers_clock():
    # given a device whose clock is 3 h ahead, sending an event made 2 s before the flush
    event = track(
        originalTimestamp=at(timedelta(hours=3, seconds=-2)), sentAt=at(timedelta(hours=3))
    )

    # when it is stored
    payload = stored(event)

    # then its time is 2 s before receipt, and the client's own stamps are kept as sent
    assert payload["timestamp"] == at(timedelta(seconds=-2))
    assert payload["originalTimestamp"] == event["originalTimestamp"]
    assert payload["sentAt"] == event["sentAt"]
    assert "_signal" not in payload


def test_a_queue_flushed_three_hours_late_keeps_the_time_the_events_happened():
    # given an offline phone (clock right) that made the event 3 h before sending it
    event = track(originalTimestamp=at(timedelta(hours=-3)), sentAt=RECEIVED_AT)

    assert stored(event)["timestamp"] == at(timedelta(hours=-3))


def test_a_batch_level_sent_at_corrects_each_event():
    # given analytics-python's shape: sentAt on the batch, not on the events
    body = {
        "sentAt": at(timedelta(hours=3)),
        "batch": [track(originalTimestamp=at(timedelta(hours=2)))],
    }

    # when
    accepted, _ = check_events(events_of(body, "batch"), "batch", RECEIVED_AT)

    # then
    assert accepted[0].payload["timestamp"] == at(timedelta(hours=-1))


@pytest.mark.parametrize("sent_at", ["\u0000", "x" * 40_000, [[[[1]]]], 5, "soon"])
def test_an_unreadable_batch_level_sent_at_is_ignored_and_never_sinks_the_batch(sent_at):
    # given a batch whose own sentAt is no time (and could not be stored in every event)
    body = {"sentAt": sent_at, "batch": [track(messageId="m-1"), track(messageId="m-2")]}

    # when
    accepted, rejected = check_events(
        events_of(body, "batch"), "batch", RECEIVED_AT, scan_nul=True, max_event_bytes=32_000
    )

    # then every event is stored, without it, timed at receipt
    assert not rejected and [a.message_id for a in accepted] == ["m-1", "m-2"]
    assert all("sentAt" not in a.payload for a in accepted)
    assert accepted[0].payload["timestamp"] == RECEIVED_AT


def test_original_timestamp_without_sent_at_is_not_trusted():
    assert stored(track(originalTimestamp=at(timedelta(hours=-3))))["timestamp"] == RECEIVED_AT


def test_a_time_hours_ahead_of_receipt_is_clamped_with_a_warning():
    payload = stored(track(timestamp=at(timedelta(hours=3))))

    assert payload["timestamp"] == RECEIVED_AT
    assert payload["_signal"] == {
        "warnings": [
            "timestamp 2026-12-01T15:00:00.000Z is 3 h ahead of receipt: clamped to receivedAt"
        ]
    }


def test_a_time_a_minute_ahead_is_clock_noise_and_kept():
    payload = stored(track(timestamp=at(timedelta(minutes=1))))

    assert payload["timestamp"] == at(timedelta(minutes=1))
    assert "_signal" not in payload


def test_a_client_cannot_send_signals_own_warnings():
    assert "_signal" not in stored(track(_signal={"warnings": ["fake"]}))


@pytest.mark.parametrize(
    "stamps",
    [
        {"timestamp": "9999-12-31T23:59:59-01:00"},
        {"timestamp": "9999-12-31T23:59:59Z"},
        {"originalTimestamp": "0001-01-01T00:00:00+01:00", "sentAt": "9999-12-31T23:59:59-01:00"},
        {"originalTimestamp": "9999-12-31T23:59:59-01:00", "sentAt": "0001-01-01T00:00:00+01:00"},
        {"originalTimestamp": "0001-01-01T00:00:00Z", "sentAt": RECEIVED_AT},
    ],
)
def test_times_at_the_edge_of_the_calendar_never_raise(stamps):
    payload = stored(track(**stamps))

    assert payload["timestamp"] <= RECEIVED_AT


def test_a_timestamp_before_year_one_in_utc_is_stored_not_refused():
    payload = stored(track(timestamp="0001-01-01T00:00:00+01:00"))

    assert payload["timestamp"] == "0001-01-01T00:00:00.000Z"


def test_an_unreadable_sent_at_is_ignored_not_an_error():
    event = track(originalTimestamp=at(timedelta(hours=-3)), sentAt="soon")

    assert stored(event)["timestamp"] == RECEIVED_AT


# Ids


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_an_empty_user_id_is_absent(empty):
    # given RudderStack's JS SDK after reset()
    payload = stored(track(userId=empty))

    assert "userId" not in payload
    assert payload["anonymousId"] == "anon-1"


def test_an_empty_anonymous_id_is_absent():
    assert "anonymousId" not in stored(track(anonymousId=" ", userId="u-1"))


def test_numeric_ids_become_strings():
    payload = stored(track(userId=42, anonymousId=7.5))

    assert payload["userId"] == "42" and payload["anonymousId"] == "7.5"


def test_an_event_with_neither_id_is_rejected_naming_both_fields():
    field, message = rejection(track(anonymousId="", userId=None))

    assert field == "userId"
    assert "`userId`" in message and "`anonymousId`" in message


@pytest.mark.parametrize("value", [True, {"id": 1}, [1]])
def test_an_id_of_another_type_is_rejected(value):
    assert rejection(track(userId=value))[0] == "userId"


def test_numeric_group_and_previous_ids_become_strings():
    # analytics-python sends `group("u-1", 42)` and `alias(7, "u-1")` with JSON numbers
    group = stored({"type": "group", "userId": "u-1", "groupId": 42})
    alias = stored({"type": "alias", "userId": "u-1", "previousId": 7})

    assert group["groupId"] == "42" and alias["previousId"] == "7"


@pytest.mark.parametrize("value", [True, ["g"], {"id": "g"}])
def test_a_group_id_of_another_type_is_rejected(value):
    assert rejection({"type": "group", "userId": "u-1", "groupId": value}) == (
        "groupId",
        "`groupId` must be a string",
    )


def test_a_retried_event_without_message_id_keeps_its_id_though_sent_at_changed():
    first, _ = check_events([track(sentAt=at(timedelta(0)))], "batch", RECEIVED_AT)
    retry, _ = check_events([track(sentAt=at(timedelta(seconds=5)))], "batch", RECEIVED_AT)

    assert first[0].message_id == retry[0].message_id


# Traits


@pytest.mark.parametrize("root", [{}, None, "absent"])
def test_identify_traits_only_in_context_are_the_traits(root):
    # given RudderStack's shape: the traits only in context.traits
    event = {"type": "identify", "userId": "u-1", "context": {"traits": {"plan": "pro"}}}
    if root != "absent":
        event["traits"] = root

    assert stored(event)["traits"] == {"plan": "pro"}


def test_root_traits_win_over_context_traits():
    event = {
        "type": "identify",
        "userId": "u-1",
        "traits": {"plan": "team"},
        "context": {"traits": {"plan": "pro"}},
    }

    assert stored(event)["traits"] == {"plan": "team"}


def test_a_group_never_takes_the_users_context_traits_as_the_groups():
    # RudderStack's group sends the group's traits at the root and the user's in context
    event = {"type": "group", "userId": "u-1", "groupId": "g-1"}
    event["context"] = {"traits": {"email": "jane@example.com"}}

    assert "traits" not in stored(event)


def test_a_track_does_not_take_context_traits_as_traits():
    assert "traits" not in stored(track(context={"traits": {"plan": "pro"}}))


# Client IP


@pytest.mark.parametrize("context", ["absent", None, {}, {"ip": ""}, {"ip": " "}, {"locale": "en"}])
def test_an_event_without_an_ip_takes_the_connections(context):
    event = track() if context == "absent" else track(context=context)

    payload = stored(event, client_ip="198.51.100.7")

    assert payload["context"]["ip"] == "198.51.100.7"
    if isinstance(context, dict) and "locale" in context:
        assert payload["context"]["locale"] == "en"


def test_an_ip_the_client_sent_is_kept():
    payload = stored(track(context={"ip": "203.0.113.1"}), client_ip="198.51.100.7")

    assert payload["context"]["ip"] == "203.0.113.1"


def test_without_a_client_ip_nothing_is_filled():
    assert "context" not in stored(track())
    assert stored(track(context={"ip": ""}))["context"] == {"ip": ""}


# NUL characters


def scanned(event: dict):
    return check_events([event], "batch", RECEIVED_AT, scan_nul=True)


@pytest.mark.parametrize("text", ["bad\u0000name", "\\\u0000", "\\\\\u0000"])
def test_a_real_nul_character_is_rejected(text):
    accepted, rejected = scanned(track(properties={"note": text}))

    assert not accepted and "NUL" in rejected[0].error


def test_a_nul_character_in_a_key_is_rejected():
    accepted, rejected = scanned(track(properties={"a\u0000b": 1}))

    assert not accepted and "NUL" in rejected[0].error


@pytest.mark.parametrize("text", ["\\u0000", "C:\\\\u0000", "\\\\u0000 and \\u0000"])
def test_the_text_backslash_u0000_is_not_a_nul_and_is_stored_as_sent(text):
    # given six (or more) characters that only look like the escape: `\` `u` `0` `0` `0` `0`
    accepted, rejected = scanned(track(properties={"note": text}))

    assert not rejected
    assert accepted[0].payload["properties"]["note"] == text


# Names


def listed_name(event: dict) -> str:
    accepted, rejected = check_events([event], "batch", RECEIVED_AT)
    assert not rejected, rejected
    return accepted[0].name


@pytest.mark.parametrize(
    ("event", "name"),
    [
        ({"name": "Pricing"}, "Pricing"),
        ({"context": {"page": {"path": "/shop/lamp"}}}, "/shop/lamp"),
        ({"properties": {"path": "/about"}}, "/about"),
        ({"context": {"page": "not a dict"}, "properties": {"path": 7}}, ""),
        ({}, ""),
    ],
)
def test_an_unnamed_page_view_is_listed_by_its_path(event, name):
    assert listed_name({"type": "page", "anonymousId": "anon-1"} | event) == name


def test_a_named_event_keeps_its_name_whatever_its_path():
    assert listed_name(track(context={"page": {"path": "/x"}})) == "Viewed"
