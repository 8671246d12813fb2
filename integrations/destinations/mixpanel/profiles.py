"""User and group profile updates (`/engage`, `/groups`) built from traits."""

from typing import Any

from integrations.destinations.mixpanel.compiled import Traits
from integrations.destinations.mixpanel.dates import to_mixpanel_date


def _take(traits: dict[str, Any], keys: tuple[str, ...]) -> Any:
    """Remove and return the value at `keys` from `traits` (copying nested dicts on the way).

    A nested object left empty is removed too, so `address: {city}` mapped to `$city`
    leaves no empty `address` behind.
    """
    head = keys[0]
    if len(keys) == 1:
        return traits.pop(head, None)
    inner = traits.get(head)
    if not isinstance(inner, dict):
        return None
    inner = dict(inner)
    value = _take(inner, keys[1:])
    if value is None:
        return None
    if inner:
        traits[head] = inner
    else:
        del traits[head]
    return value


def _usable(target: str, value: Any) -> Any:
    """The value to send under a reserved name, or None when it does not fit that name."""
    if value is None or value == "":
        return None
    if target == "$country_code":
        # Mixpanel expects a two-letter code; anything else stays under its own name.
        if isinstance(value, str) and len(value) == 2 and value.isalpha():
            return value.upper()
        return None
    if target == "$created":
        # Mixpanel reads dates only as YYYY-MM-DDTHH:MM:SS in UTC; an epoch would be a number.
        return to_mixpanel_date(value)
    return value


def _full_name(values: dict[str, Any]) -> str | None:
    """`$first_name` and `$last_name` joined, for a profile that has no `$name`.

    Both are needed, as Segment's own Identify facade builds `name()`: a last name alone
    would show as someone's whole name in Mixpanel's UI.
    """
    parts = [values.get("$first_name"), values.get("$last_name")]
    words = [p.strip() for p in parts if isinstance(p, str) and p.strip()]
    return " ".join(words) if len(words) == 2 else None


def split_traits(
    traits: dict[str, Any], spec: Traits, warnings: list[str] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """($set, $set_once) from identify traits: common names become Mixpanel's reserved ones.

    The blueprint's `reserved` map says which trait becomes which reserved property; the
    first alias present wins (`firstName` before `first_name`). A value that does not fit
    its reserved property (a country that is not a two-letter code, a `$created` that is not
    a date) stays under its own name, with a warning for the date. Without a `$name`, a
    first and a last name make one. The blueprint's `set_once` names (first-touch fields) go
    to $set_once, keyed by the trait name as the source sent it; everything else goes to
    $set unchanged.
    """
    rest = dict(traits)
    to_set: dict[str, Any] = {}
    to_set_once: dict[str, Any] = {}
    for keys, target in spec.reserved:
        if target in to_set or target in to_set_once:
            continue  # an earlier alias (e.g. firstName before first_name) already won
        value = _peek(rest, keys)
        usable = _usable(target, value)
        if usable is None:
            if target == "$created" and value not in (None, "") and warnings is not None:
                warnings.append(_not_a_date(".".join(keys), value))
            continue
        _take(rest, keys)
        dest = to_set_once if ".".join(keys) in spec.set_once else to_set
        dest[target] = usable
    if "$name" not in to_set and "$name" not in to_set_once:
        name = _full_name(to_set) or _full_name(to_set_once)
        if name is not None:
            to_set["$name"] = name
    for key, value in rest.items():
        dest = to_set_once if key in spec.set_once else to_set
        dest.setdefault(key, value)
    return to_set, to_set_once


def _not_a_date(trait: str, value: Any) -> str:
    shown = value[:40] if isinstance(value, str) else value
    return (
        f'traits.{trait} "{shown}" is not a date Signal can read (ISO 8601, or epoch seconds '
        f"or milliseconds): sent as {trait}, not as $created"
    )


def _peek(traits: dict[str, Any], keys: tuple[str, ...]) -> Any:
    node: Any = traits
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def engage(token: str, distinct_id: str, ip: str, op: str, value: Any) -> dict[str, Any]:
    """One /engage update. `$ip` is always set so Mixpanel never geolocates Signal's server."""
    return {"$token": token, "$distinct_id": distinct_id, "$ip": ip, op: value}


def group_update(token: str, key: str, group_id: str, op: str, value: Any) -> dict[str, Any]:
    """One /groups update for the group profile `key` = `group_id`."""
    return {"$token": token, "$group_key": key, "$group_id": group_id, op: value}
