"""$browser, $browser_version, $os, $device, $model and $manufacturer from a user-agent string.

The names are Mixpanel's own: the tables below follow the checks of mixpanel-js
(`_.info.browser`, `browserVersion`, `os`, `device` in its src/utils.js), in the same order,
so an event Signal sends lands in the same breakdown row as one Mixpanel's JS SDK sent from
the same browser. Android's app agent (`Dalvik/…`) is named as Mixpanel's Android SDK names
the device it runs on (`$os`, `$os_version`, `$model`, no browser). Results are cached per
string: a site sees few distinct user agents.
"""

import re
from functools import lru_cache
from typing import Any

from ua_parser import parse

MAX_USER_AGENT = 1000  # longer strings are cut before parsing: they are never real browsers

# mixpanel-js decides Safari from `navigator.vendor` ("Apple Computer, Inc."), which a server
# never sees. Every WebKit browser on Apple's systems reports that vendor; the browsers that
# report another one (Chrome, Edge, Opera, Samsung, Android's own) are named before this rule.
_APPLE_VENDOR = r"^(?!.*Android)(?=.*AppleWebKit)"

# (Mixpanel's name, what the user agent contains) — the first match wins, as in mixpanel-js.
BROWSERS: tuple[tuple[str, str], ...] = (
    ("Opera Mini", r"^(?=.*(?:Opera| OPR/)).*Mini"),
    ("Opera", r"Opera| OPR/"),
    ("BlackBerry", r"(?i)BlackBerry|PlayBook|BB10"),
    ("Internet Explorer Mobile", r"IEMobile|WPDesktop"),
    ("Samsung Internet", r"SamsungBrowser/"),
    ("Microsoft Edge", r"Edge|Edg/"),
    ("Facebook Mobile", r"FBIOS"),
    ("Whale Browser", r"Whale/"),
    ("Chrome", r"Chrome"),
    ("Chrome iOS", r"CriOS"),
    ("UC Browser", r"UCWEB|UCBrowser"),
    ("Firefox iOS", r"FxiOS"),
    ("Mobile Safari", _APPLE_VENDOR + r"(?=.*Mobile)"),
    ("Safari", _APPLE_VENDOR),
    ("Android Mobile", r"Android"),
    ("Konqueror", r"Konqueror"),
    ("Firefox", r"Firefox"),
    ("Internet Explorer", r"MSIE|Trident/"),
    ("Mozilla", r"Gecko"),
)

# Where each browser writes its version (major.minor, sent as a number). A browser without an
# entry (Facebook Mobile, Opera Mini) has no $browser_version, as in mixpanel-js — which also
# looks for a lower-case "android", so the old Android browser has none either.
BROWSER_VERSIONS: dict[str, str] = {
    "Internet Explorer Mobile": r"rv:(\d+(?:\.\d+)?)",
    "Microsoft Edge": r"Edge?/(\d+(?:\.\d+)?)",
    "Chrome": r"Chrome/(\d+(?:\.\d+)?)",
    "Chrome iOS": r"CriOS/(\d+(?:\.\d+)?)",
    "UC Browser": r"(?:UCBrowser|UCWEB)/(\d+(?:\.\d+)?)",
    "Safari": r"Version/(\d+(?:\.\d+)?)",
    "Mobile Safari": r"Version/(\d+(?:\.\d+)?)",
    "Opera": r"(?:Opera|OPR)/(\d+(?:\.\d+)?)",
    "Firefox": r"Firefox/(\d+(?:\.\d+)?)",
    "Firefox iOS": r"FxiOS/(\d+(?:\.\d+)?)",
    "Konqueror": r"Konqueror:(\d+(?:\.\d+)?)",
    "BlackBerry": r"BlackBerry (\d+(?:\.\d+)?)",
    "Android Mobile": r"android\s(\d+(?:\.\d+)?)",
    "Samsung Internet": r"SamsungBrowser/(\d+(?:\.\d+)?)",
    "Internet Explorer": r"(?:rv:|MSIE )(\d+(?:\.\d+)?)",
    "Mozilla": r"rv:(\d+(?:\.\d+)?)",
    "Whale Browser": r"Whale/(\d+(?:\.\d+)?)",
}

OPERATING_SYSTEMS: tuple[tuple[str, str], ...] = (
    ("Windows Phone", r"^(?=.*(?i:windows))(?=.*(?:Phone|WPDesktop))"),
    ("Windows", r"(?i)Windows"),
    ("iOS", r"iPhone|iPad|iPod"),
    ("Android", r"Android"),
    ("BlackBerry", r"(?i)BlackBerry|PlayBook|BB10"),
    ("Mac OS X", r"(?i)Mac"),
    ("Linux", r"Linux"),
    ("Chrome OS", r"CrOS"),
)

# $device names phones and tablets only: a desktop has none.
DEVICES: tuple[tuple[str, str], ...] = (
    ("Windows Phone", r"(?i:Windows Phone)|WPDesktop"),
    ("iPad", r"iPad"),
    ("iPod Touch", r"iPod"),
    ("iPhone", r"iPhone"),
    ("BlackBerry", r"(?i)BlackBerry|PlayBook|BB10"),
    ("Android", r"Android"),
)

# ua-parser's device brand → the manufacturer as the device itself reports it (Android's
# Build.MANUFACTURER, which Mixpanel's Android SDK sends; "Apple" from its iOS SDK).
MANUFACTURERS: dict[str, str] = {
    "Apple": "Apple",
    "Samsung": "samsung",
    "Google": "Google",
    "XiaoMi": "Xiaomi",
    "Huawei": "HUAWEI",
    "OnePlus": "OnePlus",
    "Motorola": "motorola",
    "Oppo": "OPPO",
    "Vivo": "vivo",
    "Sony": "Sony",
    "LG": "LGE",
    "Nokia": "HMD Global",
    "Realme": "realme",
}

# Devices whose model and maker a user agent can say (Windows Phone and BlackBerry ones don't
# in a way that matches what their own SDKs would send).
HARDWARE_DEVICES = frozenset({"Android", "iPhone", "iPad", "iPod Touch"})

# Android's placeholder model in Chrome's reduced user agent ("Android 10; K"): no model at all.
PLACEHOLDER_MODELS = frozenset({"K"})

# What mixpanel-js will not track at all (its BLOCKED_UA_STRS), lower case.
CRAWLERS: tuple[str, ...] = (
    "ahrefsbot", "ahrefssiteaudit", "amazonbot", "baiduspider", "bingbot", "bingpreview",
    "chrome-lighthouse", "facebookexternal", "petalbot", "pinterest", "screaming frog",
    "yahoo! slurp", "yandex", "adsbot-google", "apis-google", "duplexweb-google",
    "feedfetcher-google", "google favicon", "google web preview", "google-read-aloud",
    "googlebot", "googleweblight", "mediapartners-google", "storebot-google",
)  # fmt: skip

_BROWSERS = tuple((name, re.compile(pattern)) for name, pattern in BROWSERS)
_VERSIONS = {name: re.compile(pattern) for name, pattern in BROWSER_VERSIONS.items()}
_OPERATING_SYSTEMS = tuple((name, re.compile(pattern)) for name, pattern in OPERATING_SYSTEMS)
_DEVICES = tuple((name, re.compile(pattern)) for name, pattern in DEVICES)
# The model is Build.MODEL verbatim, after the version and an old browser's locale; it may
# hold parentheses ("moto g(30)").
_ANDROID_MODEL = re.compile(
    r"Android [^;)]*;(?: [a-z]{2}[-_][a-zA-Z]{2};)? ((?:[^;()]|\([^;()]*\))+?)"
    r"(?: Build/[^;)]*)?(?:; wv)?\)"
)
_DALVIK = re.compile(r"^Dalvik/[\d.]+ \(Linux; U; Android ([^;)]+)")
_IOS_MODEL = re.compile(r"^(?:iPhone|iPad|iPod)\d+,\d+$")


def _first(rules: tuple[tuple[str, re.Pattern[str]], ...], user_agent: str) -> str | None:
    for name, pattern in rules:
        if pattern.search(user_agent):
            return name
    return None


def browser_version(browser: str, user_agent: str) -> float | None:
    """The version as mixpanel-js sends it: major.minor as a number (`120.0` → 120)."""
    pattern = _VERSIONS.get(browser)
    found = pattern.search(user_agent) if pattern else None
    return float(found.group(1)) if found else None


def _hardware(user_agent: str, device: str) -> list[tuple[str, Any]]:
    """$model and $manufacturer, when the user agent says them (phones and tablets only)."""
    found: list[tuple[str, Any]] = []
    parsed = parse(user_agent).device
    if device == "Android":
        model = _ANDROID_MODEL.search(user_agent)
        if model and model.group(1) not in PLACEHOLDER_MODELS:
            found.append(("$model", model.group(1)))
    elif parsed is not None and parsed.model and _IOS_MODEL.match(parsed.model):
        found.append(("$model", parsed.model))  # in-app browsers name it: FBDV/iPhone14,2
    manufacturer = MANUFACTURERS.get(parsed.brand or "") if parsed is not None else None
    if manufacturer and (device != "Android" or found):
        found.append(("$manufacturer", manufacturer))
    return found


def _app_agent(user_agent: str) -> tuple[tuple[str, Any], ...] | None:
    """Android's own HTTP agent in an app: the device as Mixpanel's Android SDK names it."""
    dalvik = _DALVIK.match(user_agent)
    if dalvik is None:
        return None
    found: list[tuple[str, Any]] = [("$os", "Android"), ("$os_version", dalvik.group(1))]
    found += _hardware(user_agent, "Android")
    return tuple(found)


@lru_cache(maxsize=4096)
def user_agent_properties(user_agent: str) -> tuple[tuple[str, Any], ...]:
    """Mixpanel's default properties for one user-agent string (cached), as (key, value)."""
    user_agent = user_agent[:MAX_USER_AGENT]
    app = _app_agent(user_agent)
    if app is not None:
        return app
    found: list[tuple[str, Any]] = []
    browser = _first(_BROWSERS, user_agent)
    if browser is not None:
        found.append(("$browser", browser))
        version = browser_version(browser, user_agent)
        if version is not None:
            found.append(("$browser_version", version))
    os_name = _first(_OPERATING_SYSTEMS, user_agent)
    if os_name is not None:
        found.append(("$os", os_name))
    device = _first(_DEVICES, user_agent)
    if device is not None:
        found.append(("$device", device))
        if device in HARDWARE_DEVICES:
            found += _hardware(user_agent, device)
    return tuple(found)


BROWSER_ONLY = frozenset({"$browser", "$browser_version", "$device"})


@lru_cache(maxsize=4096)
def is_crawler(user_agent: str) -> bool:
    """True for the crawlers mixpanel-js refuses to track (not applied by the transform)."""
    lowered = user_agent.lower()
    return any(name in lowered for name in CRAWLERS)
