"""track / page / screen -> Amplitude events (HTTP V2 `/2/httpapi`, or `/batch`).

Event type: the blueprint rule's `rename` ("{name}" is the page's or screen's name), else
the track's event name, else "Loaded a Page" / "Loaded a Screen" (Segment's own names for
unnamed views). Properties: the rule's mappings first, then the event's other properties
unless `keep_unmapped` is off. Revenue follows the blueprint's revenue spec (revenue.py).
"""

from typing import Any

from integrations.destinations._shared.dispatch import consent_problem
from integrations.destinations.amplitude import revenue
from integrations.destinations.amplitude.call import Call
from integrations.destinations.amplitude.compiled import EventRule
from integrations.destinations.amplitude.device import device_fields
from integrations.destinations.amplitude.identity import EventProblem, insert_id
from integrations.destinations.amplitude.paths import first, top_property
from integrations.destinations.base import Outcome

UNNAMED = {"page": "Loaded a Page", "screen": "Loaded a Screen"}
MAX_EVENT_TYPE = 1024  # inferred: Amplitude truncates longer names in its UI


def track_like(call: Call, kind: str) -> Outcome:
    event = call.event
    name = event.get("event") if kind == "track" else event.get("name")
    name = name.strip() if isinstance(name, str) and name.strip() else None
    if kind == "track" and name is None:
        raise EventProblem("event", "a track call needs an event name")
    rule = call.bp.rule(kind, name)
    if rule is not None and rule.drop:
        return Outcome("filtered", reason=f"the blueprint drops {kind} {name or ''}".strip())
    problem = consent_problem(event, call.bp)
    if problem:
        return Outcome("suppressed", reason=problem)
    event_type = _event_type(kind, name, rule)
    who = call.who()
    base = {"event_type": event_type, **call.ids(who), **call.time()}
    if message := insert_id(event):
        base["insert_id"] = message
    base.update(device_fields(call.context, call.bp))
    if (session := _segment_session_id(event)) is not None:
        base["session_id"] = session
    item = {**base, "event_properties": _properties(event, rule)}
    if user_properties := _campaign(call):
        item["user_properties"] = user_properties
    if call.bp.group_type and (group := _group_id(call.context)):
        item["groups"] = {call.bp.group_type: group}
    products = revenue.apply(call, name, item, base) if kind == "track" else []
    call.add(call.events_endpoint, item)
    for product in products:
        call.add(call.events_endpoint, product)
    return call.outcome(event_type)


def _event_type(kind: str, name: str | None, rule: EventRule | None) -> str:
    if rule is not None and rule.rename:
        if "{name}" not in rule.rename:
            return rule.rename
        return rule.rename.replace("{name}", name) if name else UNNAMED[kind]
    return (name or UNNAMED.get(kind, kind))[:MAX_EVENT_TYPE]


def _properties(event: dict[str, Any], rule: EventRule | None) -> dict[str, Any]:
    source = event.get("properties")
    source = source if isinstance(source, dict) else {}
    out: dict[str, Any] = {}
    consumed: set[str] = set()
    for target, paths in rule.mappings if rule else ():
        value = first(event, paths)
        consumed.update(p for p in map(top_property, paths) if p)
        if value is not None:
            out[target] = value
    if rule is None or rule.keep_unmapped:
        for key, value in source.items():
            if key not in consumed and key not in out:
                out[key] = value
    return out


def _campaign(call: Call) -> dict[str, Any]:
    """UTM parameters as Amplitude's SDKs set them: `utm_*` now, `initial_utm_*` once."""
    campaign = call.context.get("campaign")
    if not call.bp.enrich_campaign or not isinstance(campaign, dict):
        return {}
    utm = {
        f"utm_{'campaign' if key == 'name' else key}": value
        for key, value in campaign.items()
        if key in ("name", "source", "medium", "term", "content") and isinstance(value, str)
    }
    if not utm:
        return {}
    return {"$set": utm, "$setOnce": {f"initial_{k}": v for k, v in utm.items()}}


def _group_id(context: dict[str, Any]) -> str | None:
    value = context.get("groupId")
    return str(value) if isinstance(value, str | int) and str(value) else None


def _segment_session_id(event: dict[str, Any]) -> int | None:
    """Segment's browser plugin for Amplitude puts the session in
    `integrations.Amplitude.session_id` (or under "Actions Amplitude"), in ms."""
    flags = event.get("integrations")
    if not isinstance(flags, dict):
        return None
    for key in ("Amplitude", "Actions Amplitude"):
        options = flags.get(key)
        session = options.get("session_id") if isinstance(options, dict) else None
        if isinstance(session, int) and not isinstance(session, bool):
            return session
    return None
