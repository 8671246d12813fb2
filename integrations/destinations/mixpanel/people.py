"""Identify, group and alias calls: identity merge and profile updates."""

from typing import Any

from integrations.destinations._shared.dispatch import consent_problem
from integrations.destinations.base import Notice, Outcome
from integrations.destinations.mixpanel import enrich
from integrations.destinations.mixpanel.call import Call
from integrations.destinations.mixpanel.hints import IDENTIFY_WITHOUT_ANONYMOUS_ID
from integrations.destinations.mixpanel.identity import EventProblem, clean_id, epoch_ms, insert_id
from integrations.destinations.mixpanel.limits import limit_properties
from integrations.destinations.mixpanel.merges import add_merge
from integrations.destinations.mixpanel.profiles import engage, group_update, split_traits

ANONYMOUS_PROFILE = (
    "Mixpanel advises setting profiles only for identified users (a userId), so Signal sets "
    "none for anonymous ones (traits.anonymous_profiles: true in the blueprint keeps them)"
)


# The ids themselves, which SDKs copy into traits (Segment's reserved `id`; RudderStack's
# Android SDK adds `userId` and `anonymousId`): the profile is already keyed by them.
ID_TRAITS = frozenset({"id", "userId", "anonymousId"})


def _identify_traits(event: dict[str, Any]) -> Any:
    """Root `traits`, else `context.traits`: RudderStack's SDKs send identify traits only
    there. (A group's `context.traits` are the user's traits, never the group's.)"""
    traits = event.get("traits")
    if not (isinstance(traits, dict) and traits):
        context = event.get("context")
        traits = context.get("traits") if isinstance(context, dict) else None
    if isinstance(traits, dict) and not ID_TRAITS.isdisjoint(traits):
        return {k: v for k, v in traits.items() if k not in ID_TRAITS}
    return traits


def _traits(call: Call, traits: Any) -> dict[str, dict[str, Any]]:
    """{"$set": ..., "$set_once": ...} from traits (empty when profiles are off)."""
    if not isinstance(traits, dict) or not call.bp.traits.profiles:
        return {}
    to_set, to_set_once = split_traits(traits, call.bp.traits, call.warnings)
    return {op: values for op, values in (("$set", to_set), ("$set_once", to_set_once)) if values}


UNLINKED = (
    "identify has a userId but no anonymousId, so Mixpanel cannot link this user's earlier "
    "anonymous events to the profile"
)


def identify(call: Call) -> Outcome:
    denied = consent_problem(call.event, call.bp)
    if denied:
        return Outcome("suppressed", destination_event="$identify", reason=denied)
    who = call.who()
    if who.user_id and not who.anonymous_id:
        call.warnings.append(Notice(IDENTIFY_WITHOUT_ANONYMOUS_ID, UNLINKED))
    when, endpoint = call.when()
    link = add_merge(call, who, when, endpoint)
    names = [link.name] if link.name else []
    updates = _traits(call, _identify_traits(call.event))
    if updates and not call.profiles_allowed(who):
        # Anonymous, so there is nothing to merge either.
        return _filtered(call, f"identify from an anonymous user: {ANONYMOUS_PROFILE}")
    for op, values in _with_context(call, updates).items():
        size = limit_properties(values, f"traits ({op})", call.warnings)
        call.add("/engage", engage(call.token, who.distinct_id, call.profile_ip, op, values), size)
        names.append(op)
    if not names and link.problem:
        return _filtered(call, f"identify has no traits and nothing to merge: {link.problem}")
    if not names:
        return _filtered(call, "identify has no traits and nothing to merge: nothing to send")
    return call.outcome(names[0])


def _with_context(call: Call, updates: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The profile properties Mixpanel's SDKs keep from the context (location, first
    referrer, browser), under the traits: a trait always wins. Only beside trait updates, so
    an identify without traits never makes a profile."""
    if not updates or not call.bp.enrich_page:
        return updates
    to_set, to_set_once = enrich.profile_context(call.context)
    merged = {"$set": to_set | updates.get("$set", {}), "$set_once": to_set_once}
    merged["$set_once"] |= updates.get("$set_once", {})
    return {op: values for op, values in merged.items() if values}


def _filtered(call: Call, reason: str) -> Outcome:
    return Outcome("filtered", destination_event="$identify", reason=reason, warnings=call.warnings)


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
    for op, values in _traits(call, call.event.get("traits")).items():
        size = limit_properties(values, f"traits ({op})", call.warnings)
        call.add("/groups", group_update(call.token, key, group_id, op, values), size)
        names.append(op)
    if not call.profiles_allowed(who):
        # The group's own profile is not the user's: only the user's link to it waits.
        if not names:
            reason = f"group from an anonymous user, without traits: {ANONYMOUS_PROFILE}"
            return Outcome("filtered", destination_event="$union", reason=reason)
        call.warnings.append(
            f"the anonymous user is not linked to the group ($union): {ANONYMOUS_PROFILE}"
        )
        return call.outcome(names[0])
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
