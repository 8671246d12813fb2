"""utm_*, click ids and the search engine, named as mixpanel-js names them.

mixpanel-js reads the campaign and click ids from the page URL's query on every event
(`track_marketing`, its default) and `$search_engine`/`mp_keyword` from the referrer
(`_.info.searchInfo`). Segment's libraries parse the utm parameters into `context.campaign`
(`utm_campaign` as `name`, the others without their `utm_` prefix); Signal turns them back.
"""

import re
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote

# mixpanel-js's CAMPAIGN_KEYWORDS: the first-touch tuple it keeps as initial_utm_* on a profile.
CAMPAIGN_KEYWORDS = (
    "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "utm_id",
    "utm_source_platform", "utm_campaign_id", "utm_creative_format", "utm_marketing_tactic",
)  # fmt: skip

# mixpanel-js's CLICK_IDS, and Google's gbraid (the iOS app-campaign twin of wbraid).
CLICK_IDS = frozenset(
    {"dclid", "fbclid", "gbraid", "gclid", "ko_click_id", "li_fat_id", "msclkid", "sccid"}
    | {"ttclid", "twclid", "wbraid"}
)

# Segment's context.campaign keys whose Mixpanel name is not simply utm_<key> (and the common
# ones, looked up rather than built on the hot path).
SEGMENT_CAMPAIGN = {"name": "utm_campaign"} | {
    key: f"utm_{key}" for key in ("source", "medium", "term", "content", "id")
}

# (engine, the referrer starts with) as in mixpanel-js `_.info.searchEngine`; the keyword is
# the `q` parameter, Yahoo's is `p`.
SEARCH_ENGINES: tuple[tuple[str, str, str], ...] = (
    ("google", r"https?://(.*)google.([^/?]*)", "q"),
    ("bing", r"https?://(.*)bing.com", "q"),
    ("yahoo", r"https?://(.*)yahoo.com", "p"),
    ("duckduckgo", r"https?://(.*)duckduckgo.com", "q"),
)

MAX_QUERY = 4096  # a longer query is cut before parsing
_ENGINES = tuple(
    (engine, re.compile(pattern), re.compile(rf"[?&]{param}=([^&#]*)"))
    for engine, pattern, param in SEARCH_ENGINES
)
# A query with none of these is not parsed at all (the common case on the hot path).
_HINT = re.compile("|".join(("utm_", *sorted(CLICK_IDS))))
_SCALAR = (str, int, float, bool)


def campaign_properties(campaign: dict[str, Any]) -> list[tuple[str, Any]]:
    """utm_* for every key of a Segment `context.campaign` (name → utm_campaign)."""
    found = []
    for key, value in campaign.items():
        if value == "" or not isinstance(value, _SCALAR):
            continue
        name = SEGMENT_CAMPAIGN.get(key)
        if name is None and isinstance(key, str) and key:
            name = key if key.startswith("utm_") else f"utm_{key}"
        if name is not None:
            found.append((name, value))
    return found


def page_query(url: Any, search: Any) -> str:
    """The query string of the page: from its URL, else from `search` ("?a=b")."""
    if isinstance(url, str) and "?" in url:
        return url.partition("?")[2].partition("#")[0]
    if isinstance(search, str):
        return search.removeprefix("?")
    return ""


@lru_cache(maxsize=4096)
def query_properties(query: str, with_utm: bool) -> tuple[tuple[str, str], ...]:
    """utm_* (when `with_utm`) and click ids in a query string; the first of a name wins."""
    if not _HINT.search(query):
        return ()
    found: dict[str, str] = {}
    for key, value in parse_qsl(query[:MAX_QUERY]):
        if key in found or not value:
            continue
        if key in CLICK_IDS or (with_utm and key.startswith("utm_") and len(key) > 4):
            found[key] = value
    return tuple(found.items())


@lru_cache(maxsize=4096)
def search_info(referrer: str) -> tuple[tuple[str, str], ...]:
    """$search_engine and mp_keyword when the referrer is a search engine's page."""
    for engine, pattern, param in _ENGINES:
        if pattern.match(referrer):
            keyword = param.search(referrer)
            # as mixpanel-js: decoded first, then `+` read as a space
            text = unquote(keyword.group(1)).replace("+", " ") if keyword else ""
            if text:
                return (("$search_engine", engine), ("mp_keyword", text))
            return (("$search_engine", engine),)
    return ()
