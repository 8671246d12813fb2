"""Track, page and screen calls: one Mixpanel event, plus $transactions for revenue."""

import math
import re
from datetime import datetime
from typing import Any

from integrations.destinations._shared.dispatch import consent_problem
from integrations.destinations.base import Notice, Outcome
from integrations.destinations.mixpanel import enrich
from integrations.destinations.mixpanel.call import Call
from integrations.destinations.mixpanel.compiled import SYSTEM_PROPERTIES, EventRule
from integrations.destinations.mixpanel.dates import mixpanel_time
from integrations.destinations.mixpanel.hints import REVENUE_WITHOUT_AMOUNT
from integrations.destinations.mixpanel.identity import EventProblem, Identity
from integrations.destinations.mixpanel.limits import event_name, limit_properties
from integrations.destinations.mixpanel.paths import Path, read_first
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
    dest = event_name(dest, call.warnings)
    denied = consent_problem(event, bp)
    if denied:
        return Outcome("suppressed", destination_event=dest, reason=denied)
    if rule is not None and rule.drop:
        return Outcome("filtered", destination_event=dest, reason=f"dropped by {rule.label}")
    who = call.who()
    when, endpoint = call.when()
    props = call.base_properties(who, when)
    amount = _event_properties(call, props, kind, name, rule)
    if "$ignore" in props:
        return Outcome("filtered", destination_event=dest, reason=IGNORED, warnings=call.warnings)
    size = limit_properties(props, "properties", call.warnings)
    call.add(endpoint, {"event": dest, "properties": props}, size)
    revenue = bp.revenue
    if (
        amount is not None
        and revenue is not None
        and revenue.transactions
        and call.profiles_allowed(who)
    ):
        _add_transaction(call, who, when, amount)
    return call.outcome(dest)


# Mixpanel's ingestion "silently drops" an event carrying $ignore (its reserved properties
# page): Signal shows the event as filtered instead of reporting a delivery that never lands.
IGNORED = "properties.$ignore is set: Mixpanel would drop it"


def _add_transaction(call: Call, who: Identity, when: datetime, amount: float | int) -> None:
    """The profile's $transactions entry: a refund's amount is negative, so revenue nets."""
    entry = {"$amount": amount, "$time": mixpanel_time(when)}
    item = engage(call.token, who.distinct_id, call.profile_ip, "$append", {"$transactions": entry})
    call.add("/engage", item)


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
    if bp.enrich_campaign:
        enrich.add_campaign(props, source, context, kind == "page")
    if bp.enrich_library:
        enrich.add_library(props, source, context)
    if bp.group_key and bp.group_key not in source and context.get("groupId"):
        props[bp.group_key] = context["groupId"]
    amount = None
    revenue = bp.revenue
    if kind == "track" and revenue is not None:
        refund = name in revenue.refund_events
        if refund or name in revenue.events:
            dest = (rule.rename if rule else None) or name
            amount = _add_revenue(call, props, skip, name, dest, refund)  # type: ignore[arg-type]
    for mapping in rule.mappings if rule else ():
        value, path = read_first(event, mapping.paths)
        if value is None:
            continue
        if mapping.numeric:
            value = _as_number(call, value, mapping.target, path)
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


# A plain decimal, as money is written: "49", "49.00", "-3.5", ".5", "1e3". Not "1_000"
# (which float() would take), "1,000.00" (whose separators depend on the locale) or "NaN".
_DECIMAL = re.compile(r"\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*")


def _number(value: Any) -> float | int | None:
    """A finite number from a number or a decimal string; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value if math.isfinite(value) else None
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def _as_number(call: Call, value: Any, target: str, path: Path | None) -> Any:
    """A mapped money field as a number; a value that is not one is sent as is, with a warning."""
    number = _number(value)
    if number is None:
        shown = value[:40] if isinstance(value, str) else value
        where = path.text if path else target
        call.warnings.append(f'{target}: {where} is "{shown}", not a number; sent as it is')
        return value
    return number


def _add_revenue(
    call: Call, props: dict[str, Any], skip: set[str], name: str, dest: str, refund: bool
) -> Any:
    """$amount, $currency, Order ID and Product ID; warns when the amount is missing.

    A refund's $amount is negative whatever the sign the source gave it, so that summing
    $amount over purchases and refunds (and Mixpanel's revenue report) nets the refunds.
    """
    spec, event = call.bp.revenue, call.event
    assert spec is not None
    raw, path = read_first(event, spec.amount)
    amount = _number(raw)
    if amount is None:
        where = " or ".join(p.text for p in spec.amount)
        found = f' ({path.text} is "{raw}", not a number)' if path else ""
        lead = "Refund not netted" if refund else "Revenue not appearing"
        message = (
            f'{lead}: "{name}" has no numeric {where}{found}, so "{dest}" is '
            "sent without $amount and without a $transactions entry"
        )
        call.warnings.append(Notice(REVENUE_WITHOUT_AMOUNT, message))
    else:
        amount = -abs(amount) if refund and amount else amount
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
