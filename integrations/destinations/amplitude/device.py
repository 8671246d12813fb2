"""Amplitude's device, location and library fields, from a Segment-spec `context`.

Amplitude names them itself (`platform`, `os_name`, `os_version`, `device_model`,
`device_manufacturer`, `device_brand`, `carrier`, `language`, `country`, `region`, `city`,
`location_lat`, `location_lng`, `ip`, `idfa`, `adid`, `app_version`, `library`); it has no
field for a raw user agent on HTTP V2, so the operating system and browser are read from it.
"""

import re
from typing import Any

from integrations.destinations.amplitude.compiled import Compiled

_CONTEXT_FIELDS = (  # (Amplitude field, context path)
    ("app_version", ("app", "version")),
    ("os_name", ("os", "name")),
    ("os_version", ("os", "version")),
    ("device_model", ("device", "model")),
    ("device_manufacturer", ("device", "manufacturer")),
    ("device_brand", ("device", "brand")),
    ("carrier", ("network", "carrier")),
)
_LOCATION_FIELDS = (
    ("country", "country"),
    ("region", "region"),
    ("city", "city"),
    ("location_lat", "latitude"),
    ("location_lng", "longitude"),
)
_OS = (  # (pattern, os_name, platform); the first match wins
    (re.compile(r"iPhone|iPad|iPod"), "iOS", "Web"),
    (re.compile(r"Android"), "Android", "Web"),
    (re.compile(r"Windows"), "Windows", "Web"),
    (re.compile(r"Mac OS X|Macintosh"), "Mac OS X", "Web"),
    (re.compile(r"CrOS"), "Chrome OS", "Web"),
    (re.compile(r"Linux"), "Linux", "Web"),
)
_DEVICE = re.compile(r"\((iPhone|iPad|iPod)|Android [\d.]+; ([^;)]+?)(?: Build/|\))")


def _get(context: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = context
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def device_fields(context: dict[str, Any], bp: Compiled) -> dict[str, Any]:
    """Every Amplitude device field the context gives; missing ones are left out."""
    out: dict[str, Any] = {}
    if ip := _text(context.get("ip")):
        out["ip"] = ip  # without it Amplitude does not geolocate (no "$remote" is sent)
    if bp.enrich_user_agent:
        out.update(_from_user_agent(_text(context.get("userAgent"))))
    for field, path in _CONTEXT_FIELDS:
        if value := _text(_get(context, path)):
            out[field] = value
    if _get(context, ("app", "version")) or _get(context, ("os", "name")) in ("iOS", "Android"):
        out["platform"] = _text(_get(context, ("os", "name"))) or out.get("platform", "")
    if _is_web_sdk_app(context):
        out.pop("app_version", None)  # a web SDK's context.app is the SDK, not the app
    if isinstance(session := context.get("sessionId"), int) and not isinstance(session, bool):
        out["session_id"] = session  # RudderStack's: ms since the epoch, as Amplitude's
    _advertising_id(context, out)
    if language := _text(context.get("locale")):
        out["language"] = language
    if bp.enrich_location:
        _location(context, out)
    if bp.enrich_library:
        library = context.get("library") if isinstance(context.get("library"), dict) else {}
        name, version = _text(library.get("name")), _text(library.get("version"))
        if name:
            out["library"] = f"{name}/{version}" if version else name
    return {k: v for k, v in out.items() if v not in (None, "")}


def _is_web_sdk_app(context: dict[str, Any]) -> bool:
    app, library = _text(_get(context, ("app", "name"))), _text(_get(context, ("library", "name")))
    return app is not None and app == library


def _advertising_id(context: dict[str, Any], out: dict[str, Any]) -> None:
    ad_id = _text(_get(context, ("device", "advertisingId")))
    if ad_id:
        os_name = (_text(_get(context, ("os", "name"))) or "").lower()
        out["idfa" if os_name in ("ios", "ipados") else "adid"] = ad_id


def _location(context: dict[str, Any], out: dict[str, Any]) -> None:
    location = context.get("location")
    if not isinstance(location, dict):
        return
    for field, key in _LOCATION_FIELDS:
        value = location.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[field] = value
        elif _text(value):
            out[field] = value.strip()


def _from_user_agent(agent: str | None) -> dict[str, Any]:
    """os_name, platform and device_model from a browser's user agent.

    Inferred: HTTP V2 has no user-agent field, and Amplitude shows `os_name`, `platform`
    and `device_model` in its user look-up, so those are what Signal fills.
    """
    if not agent:
        return {}
    out: dict[str, Any] = {}
    for pattern, os_name, platform in _OS:
        if pattern.search(agent):
            out["os_name"], out["platform"] = os_name, platform
            break
    if match := _DEVICE.search(agent):
        out["device_model"] = match.group(1) or match.group(2)
    return out
