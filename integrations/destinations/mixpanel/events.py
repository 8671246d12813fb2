"""Track, page and screen calls: one Mixpanel event, plus $transactions for revenue."""

import math
from typing import Any

from integrations.destinations.base import Outcome
from integrations.destinations.mixpanel import enrich
from integrations.destinations.mixpanel.call import Call, consent_problem
from integrations.destinations.mixpanel.compiled import SYSTEM_PROPERTIES, EventRule
from integrations.destinations.mixpanel.identity import EventProblem
from integrations.destinations.mixpanel.limits import limit_properties
from integrations.destinations.mixpanel.paths import read_first
from integrations.destinations.mixpanel.profiles import engage


def _source_name(event: dict[str, Any], kind: str) -> str | None:
    if kind != "track":
        name = event.get("name")
        return name if isinstance(name, str) and name else None
    name = event.get("event")
    if not isinstance(name, str) or not name.strip():
        raise EventProblem("event", "a track call needs an event name")
    return name


def track_like(call: Call, kind: str) -> Outcome:
    event, bp = call.event, call.bp
    name = _source_name(event, kind)
    rule = bp.rule_for(kind, name)
    dest = (rule.rename if rule else None) or (name if kind == "track" else kind)
    denied = consent_problem(event, bp)
    if denied:
        return Outcome("suppressed", destination_event=dest, reason=denied)
    if rule is not None and rule.drop:
        return Outcome("filtered", destination_event=dest, reason=f"dropped by {rule.label}")
    who = call.who()
    when, endpoint = call.when()
    props = call.base_properties(who, when)
    amount = _event_properties(call, props, kind, name, rule)
    size = limit_properties(props, "properties", call.warnings)
    call.add(endpoint, {"event": dest, "properties": props}, size)
    revenue = bp.revenue
    if (
        amount is not None
        and revenue is not None
        and revenue.transactions
        and call.profiles_allowed(who)
    ):
        entry = {"$amount": amount, "$time": when.strftime("%Y-%m-%dT%H:%M:%S")}
        ip = call.profile_ip
        call.add(
            "/engage", engage(call.token, who.distinct_id, ip, "$append", {"$transactions": entry})
        )
    return call.outcome(dest)


def _event_properties(
    call: Call, props: dict[str, Any], kind: str, name: str | None, rule: EventRule | None
) -> float | int | None:
    """Fill `props` in priority order: enrichment, revenue, mappings, then pass-through.

    Returns the revenue amount, when this is a revenue event that carries one.
    """
    event, bp, context = call.event, call.bp, call.context
    source = event.get("properties")
    source = source if isinstance(source, dict) else {}
    skip: set[str] = set(rule.consumed) if rule else set()
    if bp.enrich_page:
        enrich.add_page(props, source, context, kind == "page")
        if kind == "page":
            skip |= enrich.PAGE_SOURCE_KEYS
    if kind != "track" and event.get("name") and "name" not in source:
        props["name"] = event["name"]
    if bp.enrich_user_agent:
        enrich.add_user_agent(props, source, context)
        enrich.add_device(props, source, context)
    if bp.enrich_campaign:
        enrich.add_campaign(props, source, context)
    if bp.enrich_library:
        enrich.add_library(props, source, context)
    if bp.group_key and bp.group_key not in source and context.get("groupId"):
        props[bp.group_key] = context["groupId"]
    amount = None
    if kind == "track" and bp.revenue is not None and name in bp.revenue.events:
        amount = _add_revenue(call, props, skip, name, (rule.rename if rule else None) or name)
    for mapping in rule.mappings if rule else ():
        value, _ = read_first(event, mapping.paths)
        if value is not None:
            props[mapping.target] = value
    if rule is None or rule.keep_unmapped:
        _pass_through(call, props, source, skip)
    return amount


def _pass_through(
    call: Call, props: dict[str, Any], source: dict[str, Any], skip: set[str]
) -> None:
    for key, value in source.items():
        if key in skip or key in props:
            if key in SYSTEM_PROPERTIES:
                call.warnings.append(f"properties.{key} is reserved; Signal sets it itself")
            continue
        props[key] = value


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _add_revenue(call: Call, props: dict[str, Any], skip: set[str], name: str, dest: str) -> Any:
    """$amount, $currency, Order ID and Product ID; warns when the amount is missing."""
    spec, event = call.bp.revenue, call.event
    assert spec is not None
    raw, path = read_first(event, spec.amount)
    amount = _number(raw)
    if amount is None:
        where = " or ".join(p.text for p in spec.amount)
        found = f' ({path.text} is "{raw}", not a number)' if path else ""
        call.warnings.append(
            f'Revenue not appearing: "{name}" has no numeric {where}{found}, so "{dest}" is '
            "sent without $amount and without a $transactions entry"
        )
    else:
        props["$amount"] = amount
        skip.add(path.top_property or "")  # type: ignore[union-attr]
    for target, paths in (
        ("$currency", spec.currency),
        ("Order ID", spec.order_id),
        ("Product ID", spec.product_ids),
    ):
        value, used = read_first(event, paths)
        if value is not None:
            props[target] = value
            if target != "Product ID":
                skip.add(used.top_property or "")  # type: ignore[union-attr]
    return amount
