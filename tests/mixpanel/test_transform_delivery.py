"""Time, endpoint choice and deduplication: what makes retries and backfills safe."""

import copy
import re
from datetime import timedelta

import pytest

from tests.mixpanel.golden import NOW
from tests.mixpanel.helpers import blueprint, event, props, run


def _stamp(delta: timedelta) -> str:
    return (NOW - delta).isoformat()


@pytest.mark.parametrize(
    ("age", "endpoint"),
    [
        (timedelta(0), "/track"),
        (timedelta(days=4, hours=17, minutes=59), "/track"),
        (timedelta(days=4, hours=18), "/track"),
        (timedelta(days=4, hours=18, minutes=1), "/import"),
        (timedelta(days=4, hours=23, minutes=59), "/import"),
        (timedelta(days=10), "/import"),
        (timedelta(days=3000), "/import"),
    ],
)
def test_events_older_than_five_days_less_a_retry_margin_go_to_import(
    age: timedelta, endpoint: str
) -> None:
    outcome = run(event(timestamp=_stamp(age)))
    assert outcome.operations[0].endpoint == endpoint


def test_a_ten_day_old_event_goes_to_import() -> None:
    assert run(event(timestamp=_stamp(timedelta(days=10)))).operations[0].endpoint == "/import"


def test_always_import_sends_everything_to_import_including_identity_events() -> None:
    bp = blueprint(delivery={"always_import": True})
    outcome = run(event(type="identify", userId="user-9"), bp)
    assert [op.endpoint for op in outcome.operations] == ["/import"]


def test_time_is_epoch_milliseconds_whatever_the_offset() -> None:
    sent = props(run(event(timestamp="2026-11-28T12:30:00.123+01:00")))
    assert sent["time"] == 1795865400123


def test_a_naive_timestamp_is_read_as_utc() -> None:
    assert props(run(event(timestamp="2026-11-28T11:30:00.123")))["time"] == 1795865400123


@pytest.mark.parametrize(
    "stamp",
    [
        "yesterday",
        "",
        1795865400,
        "1965-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",  # no UTC time: a year before 1
        "9999-12-31T23:59:59-01:00",  # no UTC time: a year after 9999
    ],
)
def test_an_unusable_timestamp_is_rejected(stamp: object) -> None:
    outcome = run(event(timestamp=stamp))
    assert (outcome.status, outcome.field) == ("rejected", "timestamp")


def test_an_event_from_the_future_is_tracked_with_a_warning() -> None:
    outcome = run(event(timestamp=(NOW + timedelta(hours=2)).isoformat()))
    assert outcome.operations[0].endpoint == "/track"
    assert outcome.warnings == ["timestamp is more than 1 hour in the future"]


def test_an_event_from_the_future_is_rejected_in_strict_import_mode() -> None:
    bp = blueprint(delivery={"always_import": True})
    outcome = run(event(timestamp=(NOW + timedelta(hours=2)).isoformat()), bp)
    assert (outcome.status, outcome.field) == ("rejected", "timestamp")


@pytest.mark.parametrize(
    "message_id",
    [
        "msg-1",
        "0b0c7f2e-8a61-4d9e-b3c2-5f1e9d7a6c01",
        "ajs-next-1732795083250-4f7c1b8e2d3a4c5b9e6fa1b2c3d4e5f6",
        "with spaces and ünïcode",
        "null",
        12345,
        None,
    ],
)
def test_the_insert_id_always_fits_mixpanel_and_is_the_same_on_every_attempt(message_id):
    ev = event(messageId=message_id)
    first = props(run(ev))["$insert_id"]
    again = props(run(copy.deepcopy(ev)))["$insert_id"]
    assert first == again
    assert re.fullmatch(r"[A-Za-z0-9-]{1,36}", first)


def test_a_fitting_message_id_is_the_insert_id_itself() -> None:
    assert props(run(event(messageId="abc-123")))["$insert_id"] == "abc-123"


def test_events_without_message_ids_get_different_insert_ids_when_their_content_differs():
    one = props(run(event(messageId=None, properties={"n": 1})))["$insert_id"]
    two = props(run(event(messageId=None, properties={"n": 2})))["$insert_id"]
    assert one != two
