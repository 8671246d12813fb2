"""profile_context: what Mixpanel's SDKs keep on the profile, from one event's context."""

from typing import Any

import pytest

from integrations.destinations.mixpanel.enrich import profile_context

CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
UTM_NONE = {
    f"initial_utm_{key}": None
    for key in ("source", "medium", "campaign", "content", "term", "id", "source_platform")
    + ("campaign_id", "creative_format", "marketing_tactic")
}


def test_a_context_that_says_nothing_adds_nothing() -> None:
    assert profile_context({}) == ({}, {})


def test_a_location_sets_latitude_and_longitude() -> None:
    # when
    to_set, once = profile_context({"location": {"latitude": 52.52, "longitude": 13.405}})
    # then
    assert (to_set, once) == ({"$latitude": 52.52, "$longitude": 13.405}, {})


@pytest.mark.parametrize(
    "location",
    [
        {"latitude": 52.52},
        {"latitude": "52.52", "longitude": "13.4"},
        {"latitude": True, "longitude": 13.4},
        {"latitude": 91, "longitude": 13.4},
        {"latitude": 52.5, "longitude": float("nan")},
        "Berlin",
    ],
)
def test_a_location_without_two_valid_coordinates_is_not_sent(location: Any) -> None:
    assert profile_context({"location": location}) == ({}, {})


def test_a_web_page_sets_the_initial_referrer_once_and_the_browser() -> None:
    # given
    page = {"url": "https://shop.example/", "referrer": "https://news.example:8443/a?b=1"}
    # when
    to_set, once = profile_context({"page": page, "userAgent": CHROME_MAC})
    # then
    assert to_set == {"$os": "Mac OS X", "$browser": "Chrome", "$browser_version": 120.0}
    assert once == {
        "$initial_referrer": "https://news.example:8443/a?b=1",
        "$initial_referring_domain": "news.example",
    }


def test_a_web_page_without_a_referrer_is_direct_traffic() -> None:
    # when
    _, once = profile_context({"page": {"url": "https://shop.example/", "referrer": ""}})
    # then
    assert once == {"$initial_referrer": "$direct", "$initial_referring_domain": "$direct"}


def test_utm_parameters_become_the_first_touch_tuple_with_nulls_for_the_rest() -> None:
    # given
    page = {"url": "https://shop.example/?utm_source=news&utm_medium=email&gclid=G"}
    # when
    _, once = profile_context({"page": page})
    # then
    assert {k: v for k, v in once.items() if k.startswith("initial_")} == UTM_NONE | {
        "initial_utm_source": "news",
        "initial_utm_medium": "email",
    }


def test_the_context_campaign_wins_over_the_url_for_the_first_touch() -> None:
    # given
    context = {"campaign": {"name": "spring"}, "page": {"url": "https://s.example/?utm_source=x"}}
    # when
    _, once = profile_context(context)
    # then
    assert once["initial_utm_campaign"] == "spring"
    assert once["initial_utm_source"] is None


def test_an_app_event_has_no_referrer_and_no_browser_on_the_profile() -> None:
    # given
    context = {"app": {"name": "Shop"}, "os": {"name": "iOS"}, "userAgent": CHROME_MAC}
    # then
    assert profile_context(context) == ({}, {})


def test_a_first_referrer_the_sdk_kept_is_the_initial_referrer() -> None:
    # RudderStack's JS SDK keeps the first referrer in context.page, as mixpanel-js's cookie
    page = {"referrer": "https://shop.example.com/", "initial_referrer": "https://www.google.com/"}
    _, once = profile_context({"page": page})
    assert once["$initial_referrer"] == "https://www.google.com/"
    assert once["$initial_referring_domain"] == "www.google.com"


def test_events_carry_the_kept_first_referrer_and_no_direct_referrer() -> None:
    from integrations.destinations.mixpanel.enrich import add_page

    out: dict[str, Any] = {}
    page = {"url": "https://shop.example.com/", "referrer": "$direct"}
    page["initial_referrer"] = "$direct"
    add_page(out, {}, {"page": page}, is_page=False)
    assert "$referrer" not in out
    assert out["$initial_referrer"] == "$direct"
    assert out["$initial_referring_domain"] == "$direct"
