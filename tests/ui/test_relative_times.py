"""The `ago` filter: relative times without "0 minutes ago"."""

from datetime import UTC, datetime, timedelta

import pytest

from signal_admin.web.templatetags.signal_time import ago

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (timedelta(seconds=0), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(minutes=3), "3\xa0minutes ago"),
        (timedelta(hours=2, minutes=5), "2\xa0hours, 5\xa0minutes ago"),
        (timedelta(minutes=-10), "in 10\xa0minutes"),
    ],
)
def test_a_time_under_a_minute_old_is_just_now_never_zero_minutes_ago(delta, shown):
    assert ago(NOW - delta, NOW) == shown


def test_no_time_shows_nothing():
    assert ago(None) == ""
