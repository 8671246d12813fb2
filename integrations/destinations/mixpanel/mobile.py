"""The device context mobile libraries send, as Mixpanel's own mobile SDKs name it.

mixpanel-android (`AnalyticsMessages.getDefaultEventProperties`) and mixpanel-swift
(`AutomaticProperties`) send `$os`, `$os_version`, `$manufacturer`, `$model`,
`$app_version_string`, `$app_build_number`, `$screen_width`/`$screen_height`, and on Android
`$screen_dpi`, `$carrier`, `$wifi`, `$bluetooth_enabled`. Segment's and RudderStack's mobile
libraries carry the same facts in context.os/device/app/screen/network.
"""

import math
from typing import Any

# (context section, ((field, Mixpanel property), ...))
DEVICE_KEYS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("os", (("name", "$os"), ("version", "$os_version"))),
    ("device", (("manufacturer", "$manufacturer"), ("model", "$model"))),
    ("screen", (("width", "$screen_width"), ("height", "$screen_height"))),
    ("network", (("carrier", "$carrier"), ("wifi", "$wifi"), ("bluetooth", "$bluetooth_enabled"))),
)

# context.app describes the app only in an app: RudderStack's JS SDK fills it with itself
# ("RudderLabs JavaScript SDK"). Mixpanel's SDKs send no app name or bundle id; Signal sends
# them as $app_name and $app_namespace.
APP_KEYS: tuple[tuple[str, str], ...] = (
    ("name", "$app_name"),
    ("version", "$app_version_string"),
    ("build", "$app_build_number"),
    ("namespace", "$app_namespace"),
)

# context.os.name as sent by the libraries (lower-cased) → Mixpanel's SDKs' spelling. iPadOS
# stays iPadOS: mixpanel-swift sends UIDevice.systemName, which says so.
OS_NAMES: dict[str, str] = {
    "ios": "iOS",
    "ipados": "iPadOS",
    "android": "Android",
    "macos": "macOS",
    "tvos": "tvOS",
    "watchos": "watchOS",
    "visionos": "visionOS",
}

ANDROID_BASELINE_DPI = 160  # Android's density 1.0 (mdpi)
MAX_DENSITY_SCALE = 10  # a density up to this is a scale factor (2.625), above it dots per inch


def is_app(context: dict[str, Any]) -> bool:
    """An app's event: it carries context.app and no web page."""
    return isinstance(context.get("app"), dict) and not isinstance(context.get("page"), dict)


def _present(value: Any) -> bool:
    return value is not None and value != "" and not isinstance(value, dict | list)


def device_properties(context: dict[str, Any], app: bool) -> list[tuple[str, Any]]:
    """Mixpanel's device and app properties from the event's context (app: see `is_app`)."""
    found: list[tuple[str, Any]] = []
    for section, fields in DEVICE_KEYS:
        part = context.get(section)
        if isinstance(part, dict):
            found += [(key, part[name]) for name, key in fields if _present(part.get(name))]
    found = [(k, _os_name(v) if k == "$os" else v) for k, v in found]
    if app:
        part = context.get("app")
        assert isinstance(part, dict)
        found += [(key, part[name]) for name, key in APP_KEYS if _present(part.get(name))]
        dpi = _screen_dpi(context)
        if dpi is not None:
            found.append(("$screen_dpi", dpi))
    return found


def _os_name(name: Any) -> Any:
    return OS_NAMES.get(name.lower(), name) if isinstance(name, str) else name


def _screen_dpi(context: dict[str, Any]) -> int | None:
    """Android's densityDpi, from `screen.densityDpi` or `screen.density` (a dpi or a scale).

    Only on Android: iOS has no dots-per-inch figure, and mixpanel-swift sends none.
    """
    os_part, screen = context.get("os"), context.get("screen")
    if not isinstance(screen, dict) or not isinstance(os_part, dict):
        return None
    if _os_name(os_part.get("name")) != "Android":
        return None
    value = screen.get("densityDpi", screen.get("density"))
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    if value <= 0:
        return None
    return round(value if value > MAX_DENSITY_SCALE else value * ANDROID_BASELINE_DPI)
