"""Default properties Mixpanel's own SDKs would set, derived server-side from the event context.

Each function adds only keys the source properties do not already carry: what the app sent
explicitly wins over what Signal derives.
"""

from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from ua_parser import parse

CAMPAIGN_KEYS = (
    ("name", "utm_campaign"),
    ("source", "utm_source"),
    ("medium", "utm_medium"),
    ("term", "utm_term"),
    ("content", "utm_content"),
)
MAX_USER_AGENT = 1000  # longer strings are cut before parsing: they are never real browsers


@lru_cache(maxsize=4096)
def user_agent_properties(user_agent: str) -> tuple[tuple[str, Any], ...]:
    """$browser, $browser_version, $os and $device for one user-agent string (cached)."""
    result = parse(user_agent[:MAX_USER_AGENT])
    found: list[tuple[str, Any]] = []
    browser = result.user_agent
    if browser is not None and browser.family != "Other":
        found.append(("$browser", browser.family))
        version = _version(browser.major, browser.minor)
        if version is not None:
            found.append(("$browser_version", version))
    if result.os is not None and result.os.family != "Other":
        found.append(("$os", result.os.family))
    if result.device is not None and result.device.family != "Other":
        found.append(("$device", result.device.family))
    return tuple(found)


def _version(major: str | None, minor: str | None) -> float | None:
    # Mixpanel's SDKs send the browser version as a number (major.minor).
    try:
        return float(f"{major}.{minor or 0}")
    except (TypeError, ValueError):
        return None


@lru_cache(maxsize=4096)
def referring_domain(referrer: str) -> str | None:
    try:
        return urlsplit(referrer).hostname or None
    except ValueError:
        return None


def add_user_agent(out: dict[str, Any], source: dict[str, Any], context: dict[str, Any]) -> None:
    user_agent = context.get("userAgent")
    if isinstance(user_agent, str) and user_agent:
        for key, value in user_agent_properties(user_agent):
            if key not in source:
                out[key] = value


# Segment's device context (mobile libraries send it instead of a user agent).
DEVICE_KEYS = (
    ("os", (("name", "$os"), ("version", "$os_version"))),
    ("device", (("manufacturer", "$manufacturer"), ("model", "$model"))),
    ("app", (("version", "$app_version_string"), ("build", "$app_build_number"))),
    ("screen", (("width", "$screen_width"), ("height", "$screen_height"))),
)


def add_device(out: dict[str, Any], source: dict[str, Any], context: dict[str, Any]) -> None:
    """Device properties from context.os/device/app/screen, where the user agent left gaps."""
    for section, fields in DEVICE_KEYS:
        part = context.get(section)
        if not isinstance(part, dict):
            continue
        for name, key in fields:
            value = part.get(name)
            if value is not None and value != "" and key not in source and key not in out:
                out[key] = value


def add_campaign(out: dict[str, Any], source: dict[str, Any], context: dict[str, Any]) -> None:
    campaign = context.get("campaign")
    if not isinstance(campaign, dict):
        return
    for name, key in CAMPAIGN_KEYS:
        value = campaign.get(name)
        if value is not None and value != "" and key not in source:
            out[key] = value


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
    page = context.get("page")
    page = page if isinstance(page, dict) else {}
    pick = source if is_page else {}
    url = pick.get("url") or page.get("url")
    referrer = pick.get("referrer") or page.get("referrer")
    if url and "$current_url" not in source:
        out["$current_url"] = url
    if is_page:
        title = pick.get("title") or page.get("title")
        if title:
            out["title"] = title
    if referrer and isinstance(referrer, str) and "$referrer" not in source:
        out["$referrer"] = referrer
        domain = referring_domain(referrer)
        if domain and "$referring_domain" not in source:
            out["$referring_domain"] = domain


PAGE_SOURCE_KEYS = frozenset({"url", "title", "referrer"})
