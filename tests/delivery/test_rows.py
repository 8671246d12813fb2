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
