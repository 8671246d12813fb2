"""Default properties Mixpanel's own SDKs would set, derived server-side from the event context.

Each function adds only keys the source properties do not already carry: what the app sent
explicitly wins over what Signal derives.
"""

import math
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from integrations.destinations.mixpanel import campaign as marketing
from integrations.destinations.mixpanel import mobile
from integrations.destinations.mixpanel.useragent import BROWSER_ONLY, user_agent_properties


@lru_cache(maxsize=4096)
def referring_domain(referrer: str) -> str | None:
    try:
        return urlsplit(referrer).hostname or None
    except ValueError:
        return None


def _fill(out: dict[str, Any], source: dict[str, Any], pairs: Any) -> None:
    # What the app sent itself, and what an earlier step derived, both win.
    for key, value in pairs:
        if key not in source and key not in out:
            out[key] = value


def _user_agent(context: dict[str, Any], app: bool) -> tuple[tuple[str, Any], ...]:
    user_agent = context.get("userAgent")
    if not isinstance(user_agent, str) or not user_agent:
        return ()
    found = user_agent_properties(user_agent)
    # Mixpanel's mobile SDKs send no browser: an app's web view is not one.
    return tuple(p for p in found if p[0] not in BROWSER_ONLY) if app else found


def add_user_agent(out: dict[str, Any], source: dict[str, Any], context: dict[str, Any]) -> None:
    """Browser, OS and device properties from context.userAgent and the device context.

    A browser's user agent comes first (it names things as mixpanel-js does); in an app the
    device context the library measured comes first and the user agent only fills gaps.
    """
    app = mobile.is_app(context)
    device = mobile.device_properties(context, app)
    agent = _user_agent(context, app)
    _fill(out, source, device if app else agent)
    _fill(out, source, agent if app else device)


def add_campaign(
    out: dict[str, Any], source: dict[str, Any], context: dict[str, Any], is_page: bool = False
) -> None:
    """utm_* from context.campaign, else from the page URL's query; click ids from the query;
    $search_engine and mp_keyword from a search engine's referrer."""
    page = _page(context)
    pick = source if is_page else {}
    campaign = context.get("campaign")
    has_campaign = isinstance(campaign, dict) and bool(campaign)
    if has_campaign:
        _fill(out, source, marketing.campaign_properties(campaign))  # type: ignore[arg-type]
    query = marketing.page_query(
        pick.get("url") or page.get("url"), pick.get("search") or page.get("search")
    )
    if query:
        _fill(out, source, marketing.query_properties(query, not has_campaign))
    referrer = pick.get("referrer") or page.get("referrer")
    if isinstance(referrer, str) and referrer:
        _fill(out, source, marketing.search_info(referrer))


def _page(context: dict[str, Any]) -> dict[str, Any]:
    page = context.get("page")
    return page if isinstance(page, dict) else {}


def add_library(out: dict[str, Any], source: dict[str, Any], context: dict[str, Any]) -> None:
    library = context.get("library")
    if not isinstance(library, dict):
        return
    if library.get("name") and "mp_lib" not in source:
        out["mp_lib"] = library["name"]
    if library.get("version") and "$lib_version" not in source:
        out["$lib_version"] = library["version"]


def add_page(
    out: dict[str, Any], source: dict[str, Any], context: dict[str, Any], is_page: bool
) -> None:
    """$current_url, $referrer and $referring_domain (and `title` on page events).

    A page call's own properties (url, title, referrer) come first, then context.page; they
    are sent under Mixpanel's names, so the caller drops the originals.
    """
    page = _page(context)
    pick = source if is_page else {}
    url = pick.get("url") or page.get("url")
    referrer = pick.get("referrer") or page.get("referrer")
    if url and "$current_url" not in source:
        out["$current_url"] = url
    if is_page:
        title = pick.get("title") or page.get("title")
        if title:
            out["title"] = title
    # "$direct" is RudderStack's word for no referrer; mixpanel-js then sends no $referrer.
    if referrer and isinstance(referrer, str) and referrer != DIRECT and "$referrer" not in source:
        out["$referrer"] = referrer
        domain = referring_domain(referrer)
        if domain and "$referring_domain" not in source:
            out["$referring_domain"] = domain
    initial = pick.get("initial_referrer") or page.get("initial_referrer")
    if initial and isinstance(initial, str) and "$initial_referrer" not in source:
        # RudderStack's JS SDK keeps the first referrer, as mixpanel-js does in its cookie.
        out["$initial_referrer"] = initial
        out["$initial_referring_domain"] = _domain_or_direct(initial)


def _domain_or_direct(referrer: str) -> str:
    return (referrer != DIRECT and referring_domain(referrer)) or DIRECT


DIRECT = "$direct"
# A page call's properties that go out under Mixpanel's names (RudderStack also copies its
# referring domain and first referrer there).
PAGE_SOURCE_KEYS = frozenset(
    {"url", "title", "referrer", "referring_domain", "initial_referrer", "initial_referring_domain"}
)


# What mixpanel-js's people.set adds to every $set (`_.info.people_properties`).
PEOPLE_USER_AGENT_KEYS = ("$os", "$browser", "$browser_version")


def profile_context(context: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Profile properties Mixpanel's SDKs keep on the user, from one event's context.

    Returns (additions to `$set`, additions to `$set_once`); pure, and empty for a context
    that says nothing. The caller merges them under the traits (a trait always wins):
    - `$latitude`/`$longitude` from context.location (both finite numbers), in `$set`;
    - a web page (context.page present), as mixpanel-js does: `$os`, `$browser`,
      `$browser_version` from the user agent in `$set`; `$initial_referrer` and
      `$initial_referring_domain` in `$set_once` (`"$direct"` without a referrer); and when
      the page has utm parameters, the first-touch tuple `initial_utm_*` in `$set_once`
      (every mixpanel-js campaign keyword, null where absent).
    """
    to_set: dict[str, Any] = {}
    once: dict[str, Any] = {}
    location = context.get("location")
    if isinstance(location, dict):
        latitude, longitude = location.get("latitude"), location.get("longitude")
        if _coordinate(latitude, 90) and _coordinate(longitude, 180):
            to_set["$latitude"], to_set["$longitude"] = latitude, longitude
    page = context.get("page")
    if not isinstance(page, dict):
        return to_set, once
    found = dict(_user_agent(context, app=False))
    to_set.update((key, found[key]) for key in PEOPLE_USER_AGENT_KEYS if key in found)
    referrer = page.get("initial_referrer") or page.get("referrer")
    referrer = referrer if isinstance(referrer, str) and referrer else DIRECT
    once["$initial_referrer"] = referrer
    once["$initial_referring_domain"] = _domain_or_direct(referrer)
    once.update(_first_touch(context, page))
    return to_set, once


def _coordinate(value: Any, bound: float) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and -bound <= value <= bound


def _first_touch(context: dict[str, Any], page: dict[str, Any]) -> dict[str, Any]:
    utm: dict[str, Any] = {}
    _fill(utm, {}, _campaign_pairs(context, page))
    if not utm:
        return {}
    tuple_ = dict.fromkeys(marketing.CAMPAIGN_KEYWORDS) | utm
    return {f"initial_{key}": value for key, value in tuple_.items()}


def _campaign_pairs(context: dict[str, Any], page: dict[str, Any]) -> Any:
    campaign = context.get("campaign")
    if isinstance(campaign, dict) and campaign:
        return marketing.campaign_properties(campaign)
    query = marketing.page_query(page.get("url"), page.get("search"))
    pairs = marketing.query_properties(query, True) if query else ()
    return [(key, value) for key, value in pairs if key.startswith("utm_")]
