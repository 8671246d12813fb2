"""Identify, group and alias calls: identity merge and profile updates."""

from typing import Any

from integrations.destinations.base import Outcome
from integrations.destinations.mixpanel.call import Call, consent_problem
from integrations.destinations.mixpanel.compiled import Compiled
from integrations.destinations.mixpanel.identity import (
    EventProblem,
    Identity,
    clean_id,
    epoch_ms,
    insert_id,
)
from integrations.destinations.mixpanel.limits import limit_properties
from integrations.destinations.mixpanel.profiles import engage, group_update, split_traits


def _traits(call: Call) -> dict[str, dict[str, Any]]:
    """{"$set": ..., "$set_once": ...} from the event's traits (empty when profiles are off)."""
    traits = call.event.get("traits")
    if not isinstance(traits, dict) or not call.bp.traits.profiles:
        return {}
    to_set, to_set_once = split_traits(traits, call.bp.traits, call.warnings)
    return {op: values for op, values in (("$set", to_set), ("$set_once", to_set_once)) if values}


def _merges(bp: Compiled, who: Identity) -> bool:
    return (
        bp.mode == "original"
        and who.user_id is not None
        and who.anonymous_id is not None
        and who.user_id != who.anonymous_id
    )


def identify(call: Call) -> Outcome:
    denied = consent_problem(call.event, call.bp)
    if denied:
        return Outcome("suppressed", destination_event="$identify", reason=denied)
    who = call.who()
    when, endpoint = call.when()
    names = []
    if _merges(call.bp, who):
        props = {"token": call.token, "time": epoch_ms(when), "distinct_id": who.user_id}
        props |= {"$identified_id": who.user_id, "$anon_id": who.anonymous_id}
        props["$insert_id"] = insert_id(call.event)
        call.add(endpoint, {"event": "$identify", "properties": props})
        names.append("$identify")
    for op, values in _traits(call).items():
        size = limit_properties(values, f"traits ({op})", call.warnings)
        call.add("/engage", engage(call.token, who.distinct_id, call.profile_ip, op, values), size)
        names.append(op)
    if not names:
        return Outcome(
            "filtered",
            destination_event="$identify",
            reason="identify has no traits and nothing to merge: nothing to send",
            warnings=call.warnings,
        )
    return call.outcome(names[0])


def group(call: Call) -> Outcome:
    key = call.bp.group_key
    denied = consent_problem(call.event, call.bp)
    if denied:
        return Outcome("suppressed", destination_event="$set", reason=denied)
    if key is None:
        return Outcome("filtered", reason="the blueprint maps no group calls (groups.key)")
    group_id, problem = clean_id(call.event, "groupId")
    if group_id is None:
        raise EventProblem("groupId", problem or "a group call needs a groupId")
    who = call.who()
    call.when()  # a group call with a broken timestamp is refused like any other
    names = []
    for op, values in _traits(call).items():
        size = limit_properties(values, f"traits ({op})", call.warnings)
        call.add("/groups", group_update(call.token, key, group_id, op, values), size)
        names.append(op)
    link = engage(call.token, who.distinct_id, call.profile_ip, "$union", {key: [group_id]})
    call.add("/engage", link)
    return call.outcome(names[0] if names else "$union")


def alias(call: Call) -> Outcome:
    event, bp = call.event, call.bp
    denied = consent_problem(event, bp)
    if denied:
        return Outcome("suppressed", destination_event="$create_alias", reason=denied)
    if bp.mode == "simplified":
        return Outcome(
            "filtered",
            destination_event="$create_alias",
            reason="alias has no effect under Simplified ID Merge: events carrying both "
            "$device_id and $user_id merge the two ids",
        )
    user, problem = clean_id(event, "userId")
    if user is None:
        raise EventProblem("userId", problem or "an alias call needs a userId")
    previous, problem = clean_id(event, "previousId")
    if previous is None:
        previous, _ = clean_id(event, "anonymousId")
    if previous is None:
        raise EventProblem("previousId", problem or "an alias call needs a previousId")
    if previous == user:
        return Outcome(
            "filtered",
            destination_event="$create_alias",
            reason="previousId is the userId: nothing to alias",
        )
    when, endpoint = call.when()
    props = {"token": call.token, "time": epoch_ms(when), "distinct_id": previous}
    props |= {"alias": user, "$insert_id": insert_id(event)}
    call.add(endpoint, {"event": "$create_alias", "properties": props})
    return call.outcome("$create_alias")
