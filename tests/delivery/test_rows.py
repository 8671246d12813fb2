"""Reading raw rows: JSON and timestamps as either database returns them."""

import math
from datetime import UTC, datetime

from delivery.rows import _datetime, _json


def test_json_text_with_nan_from_an_older_sqlite_row_still_decodes():
    value = _json('{"score": NaN, "ok": 1}')
    assert math.isnan(value["score"]) and value["ok"] == 1


def test_already_decoded_json_is_returned_as_is():
    assert _json([1, 2]) == [1, 2]


def test_sqlite_timestamps_are_read_as_aware_utc():
    assert _datetime("2026-11-28 10:00:00.5") == datetime(2026, 11, 28, 10, 0, 0, 500000, UTC)
    assert _datetime(None) is None


def test_claimed_events_come_in_the_order_they_happened_not_the_order_they_arrived(db):
    # given: RudderStack's parallel posts store a track before the identify that preceded it
    from delivery.models import Event
    from delivery.rows import claim_events
    from integrations.models import Source

    source = Source.objects.create(name="site")
    received = datetime(2026, 11, 28, 12, 0, 1, tzinfo=UTC)
    stored = [
        ("m-track", "track", "2026-11-28T12:00:00.900Z"),
        ("m-identify", "identify", "2026-11-28T12:00:00.100Z"),
        ("m-odd", "track", "not a time"),
    ]
    for message_id, kind, timestamp in stored:
        payload = {"type": kind, "timestamp": timestamp, "anonymousId": "a"}
        Event.objects.create(
            source=source, message_id=message_id, type=kind, payload=payload, received_at=received
        )
    # when
    claimed = claim_events(10, received)
    # then: by event time; an unreadable time counts as the receipt time
    assert [e.message_id for e in claimed] == ["m-identify", "m-track", "m-odd"]
