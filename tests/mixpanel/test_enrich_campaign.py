"""utm_*, click ids and the search engine, as mixpanel-js derives them from the page."""

from typing import Any

import pytest

from tests.mixpanel.helpers import GRANTED, blueprint, event, props, run

CLICK_IDS = ["gclid", "fbclid", "msclkid", "ttclid", "li_fat_id", "twclid", "wbraid", "gbraid"]
CLICK_IDS += ["dclid", "ko_click_id", "sccid"]
MARKETING_KEYS = ("utm_", "$search_engine", "mp_keyword", *CLICK_IDS)


def sent_with(context: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return props(run(event(context={"consent": GRANTED, **context}, **fields)))


def marketing(sent: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sent.items() if k.startswith(MARKETING_KEYS)}


def test_every_context_campaign_key_becomes_a_utm_property() -> None:
    # given: analytics.js's campaign (utm_campaign as `name`, the rest without `utm_`)
    campaign = {"name": "spring", "source": "news", "medium": "email", "term": "shoes"}
    campaign |= {"content": "hero", "id": "c-42", "source_platform": "ads"}
    # when
    sent = sent_with({"campaign": campaign})
    # then
    assert marketing(sent) == {
        "utm_campaign": "spring",
        "utm_source": "news",
        "utm_medium": "email",
        "utm_term": "shoes",
        "utm_content": "hero",
        "utm_id": "c-42",
        "utm_source_platform": "ads",
    }


def test_without_a_campaign_the_utm_parameters_come_from_the_page_url() -> None:
    # given
    url = "https://shop.example/p/1?utm_source=news&utm_campaign=spring+sale&x=1#top"
    # when
    sent = sent_with({"page": {"url": url}})
    # then
    assert marketing(sent) == {"utm_source": "news", "utm_campaign": "spring sale"}


def test_without_a_query_in_the_url_the_page_search_is_read() -> None:
    # when
    sent = sent_with({"page": {"url": "https://shop.example/", "search": "?utm_medium=cpc"}})
    # then
    assert marketing(sent) == {"utm_medium": "cpc"}


def test_a_page_call_reads_its_own_url_first() -> None:
    # given
    page = event(type="page", name="Home", properties={"url": "https://a.example/?gclid=G1"})
    page["context"] |= {"page": {"url": "https://a.example/?gclid=OTHER"}}
    # when
    sent = props(run(page))
    # then
    assert sent["gclid"] == "G1"


def test_a_campaign_wins_over_the_url_but_click_ids_still_come_from_it() -> None:
    # given
    url = "https://shop.example/?utm_source=url&fbclid=F1"
    # when
    sent = sent_with({"campaign": {"source": "campaign"}, "page": {"url": url}})
    # then
    assert marketing(sent) == {"utm_source": "campaign", "fbclid": "F1"}


@pytest.mark.parametrize("click_id", CLICK_IDS)
def test_a_click_id_in_the_page_url_is_sent_under_its_own_name(click_id: str) -> None:
    # when
    sent = sent_with({"page": {"url": f"https://shop.example/?{click_id}=abc%2D1"}})
    # then
    assert marketing(sent) == {click_id: "abc-1"}


def test_the_first_of_a_repeated_parameter_wins_and_an_empty_one_is_absent() -> None:
    # when
    sent = sent_with({"page": {"url": "https://s.example/?gclid=&utm_term=a&utm_term=b"}})
    # then
    assert marketing(sent) == {"utm_term": "a"}


@pytest.mark.parametrize(
    ("referrer", "expected"),
    [
        (
            "https://www.google.com/search?q=trail+runner",
            {"$search_engine": "google"} | {"mp_keyword": "trail runner"},
        ),
        ("https://www.google.co.uk/", {"$search_engine": "google"}),
        (
            "https://www.bing.com/search?q=shoes%20red",
            {"$search_engine": "bing"} | {"mp_keyword": "shoes red"},
        ),
        (
            "https://search.yahoo.com/search?p=boots&q=no",
            {"$search_engine": "yahoo"} | {"mp_keyword": "boots"},
        ),
        ("https://duckduckgo.com/", {"$search_engine": "duckduckgo"}),
        ("https://news.ycombinator.com/item?q=shoes", {}),
    ],
)
def test_a_search_engine_referrer_names_the_engine_and_the_keyword(
    referrer: str, expected: dict[str, str]
) -> None:
    # when
    sent = sent_with({"page": {"url": "https://shop.example/", "referrer": referrer}})
    # then
    assert marketing(sent) == expected


def test_what_the_app_sent_wins_over_the_url_and_the_referrer() -> None:
    # given
    context = {"page": {"url": "https://s.example/?gclid=URL", "referrer": "https://bing.com/"}}
    explicit = {"gclid": "MINE", "$search_engine": "mine"}
    # when
    sent = sent_with(context, properties=explicit)
    # then
    assert (sent["gclid"], sent["$search_engine"]) == ("MINE", "mine")


def test_campaign_enrichment_switched_off_derives_none_of_it() -> None:
    # given
    context = {"consent": GRANTED, "campaign": {"source": "news"}}
    context |= {"page": {"url": "https://s.example/?gclid=G", "referrer": "https://bing.com/"}}
    # when
    sent = props(run(event(context=context), blueprint(enrichment={"campaign": False})))
    # then
    assert marketing(sent) == {}
