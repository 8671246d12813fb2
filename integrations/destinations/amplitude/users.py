"""identify / group / alias -> Amplitude's Identify and Group Identify APIs.

identify: one `/identify` item, linking `user_id` and `device_id` and updating user
properties with `$set` (and `$setOnce` for the blueprint's `set_once` traits).
group: the user joins the group (`groups` plus a `$set` of the group type on `/identify`);
the group's traits go to `/groupidentify` as `$set` group properties.
alias: Amplitude's ingestion APIs have no alias (its User Mapping API is an add-on Signal
does not call), so the event is filtered, saying why.
"""

from typing import Any

from integrations.destinations._shared.dispatch import consent_problem
from integrations.destinations.amplitude.call import (
    GROUP_IDENTIFY_API,
    IDENTIFY_API,
    Call,
)
from integrations.destinations.amplitude.device import device_fields
from integrations.destinations.amplitude.identity import EventProblem
from integrations.destinations.base import Outcome

# Identify API items take these device fields; ip, time and location are event-only.
IDENTIFY_FIELDS = (
    "app_version",
    "platform",
    "os_name",
    "os_version",
    "device_brand",
    "device_manufacturer",
    "device_model",
    "carrier",
    "country",
    "region",
    "city",
    "language",
)


def _traits(call: Call) -> dict[str, Any]:
    traits = call.event.get("traits")
    return traits if isinstance(traits, dict) else {}


def user_properties(call: Call, traits: dict[str, Any]) -> dict[str, Any]:
    renames = dict(call.bp.trait_renames)
    ops: dict[str, dict[str, Any]] = {"$set": {}, "$setOnce": {}}
    for key, value in traits.items():
        op = "$setOnce" if key in call.bp.set_once else "$set"
        ops[op][renames.get(key, key)] = value
    return {op: values for op, values in ops.items() if values}


def _identification(call: Call) -> dict[str, Any]:
    item = call.ids(call.who(strict=True))
    fields = device_fields(call.context, call.bp)
    item.update({k: fields[k] for k in IDENTIFY_FIELDS if k in fields})
    return item


def identify(call: Call) -> Outcome:
    if not call.bp.identify:
        return Outcome("filtered", reason="the blueprint sends no identify calls")
    if problem := consent_problem(call.event, call.bp):
        return Outcome("suppressed", reason=problem)
    item = _identification(call)
    if props := user_properties(call, _traits(call)):
        item["user_properties"] = props
    call.add(IDENTIFY_API, item)
    return call.outcome("$identify")


def group(call: Call) -> Outcome:
    group_type = call.bp.group_type
    if group_type is None:
        return Outcome(
            "filtered",
            reason="the blueprint maps no groups (Amplitude groups need its Accounts add-on)",
        )
    group_id = call.event.get("groupId")
    if not isinstance(group_id, str | int) or not str(group_id).strip():
        raise EventProblem("groupId", "a group call needs a groupId")
    if problem := consent_problem(call.event, call.bp):
        return Outcome("suppressed", reason=problem)
    value = str(group_id).strip()
    item = _identification(call)
    item["groups"] = {group_type: value}
    item["user_properties"] = {"$set": {group_type: value}}
    call.add(IDENTIFY_API, item)
    traits = _traits(call)
    if call.bp.group_properties and traits:
        call.add(
            GROUP_IDENTIFY_API,
            {"group_type": group_type, "group_value": value, "group_properties": {"$set": traits}},
        )
    return call.outcome("$groupidentify")


def alias(call: Call) -> Outcome:
    return Outcome(
        "filtered",
        reason="Amplitude has no alias on its ingestion APIs: it links a user_id to a "
        "device_id when an identify or event carries both",
    )
