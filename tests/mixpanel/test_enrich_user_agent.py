"""Mixpanel's browser, OS and device names for real user agents, one table of cases.

The cases are data (user_agents.json). Each expectation is what mixpanel-js's `_.info`
(src/utils.js) computes for that string — so server-side and client-side events share
breakdown rows — plus `$model`/`$manufacturer` where the string says them, and for Android's
app agent (Dalvik) what Mixpanel's Android SDK sends about the device.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from integrations.destinations.mixpanel.useragent import is_crawler, user_agent_properties

CASES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "user_agents.json").read_text())
DESKTOPS = ("on windows", "on a mac", "on linux", "on ubuntu", "on a chromebook")


def _case(what: str) -> str:
    return next(case["user_agent"] for case in CASES if case["what"] == what)


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [pytest.param(case["user_agent"], case["expected"], id=case["what"]) for case in CASES],
)
def test_a_user_agent_is_named_as_mixpanel_s_own_sdks_name_it(
    user_agent: str, expected: dict[str, Any]
) -> None:
    # when
    found = dict(user_agent_properties(user_agent))
    # then
    assert found == expected


def test_the_table_covers_at_least_twenty_five_real_user_agents() -> None:
    assert len(CASES) >= 25


def test_a_desktop_never_gets_a_device_a_model_or_a_manufacturer() -> None:
    # given
    desktops = [case["user_agent"] for case in CASES if case["what"].endswith(DESKTOPS)]
    # when
    found = [dict(user_agent_properties(ua)) for ua in desktops]
    # then
    assert len(desktops) >= 8
    assert not [f for f in found if {"$device", "$model", "$manufacturer"} & f.keys()]


def test_crawlers_that_mixpanel_js_refuses_to_track_are_recognised() -> None:
    assert is_crawler(_case("googlebot smartphone"))
    assert not is_crawler(_case("chrome on windows"))


def test_a_very_long_user_agent_is_read_only_up_to_its_first_thousand_characters() -> None:
    # given
    user_agent = "Mozilla/5.0 (Windows NT 10.0) " + "x" * 5000 + " Chrome/120.0"
    # when
    found = dict(user_agent_properties(user_agent))
    # then: the browser token lies past the cut, the OS before it
    assert found == {"$os": "Windows"}
