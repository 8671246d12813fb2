"""How an identify links the anonymous id to the user: the operation Mixpanel will act on.

Original ID Merge (Mixpanel's "Identifying Users (Original)" and its API reference):
- `$identify` merges `$anon_id` into `$identified_id` only when `$anon_id` is a UUID v4
  (Create Identity); any other `$anon_id` is accepted and silently not merged;
- `$merge` merges any two ids, but only through /import with the API secret or a service
  account (Merge Identities);
so a non-UUID anonymous id is merged with `$merge` when the config allows it, and otherwise
the delivery carries a warning saying why nothing will merge and how to fix it.

Simplified ID Merge ("Identifying Users (Simplified)"): the first event carrying both
`$device_id` and `$user_id` merges them; an identify sends one such `$identify` event.
"""

from datetime import datetime
from typing import NamedTuple

from integrations.destinations.base import Notice
from integrations.destinations.mixpanel import hints
from integrations.destinations.mixpanel.call import Call
from integrations.destinations.mixpanel.identity import (
    Identity,
    epoch_ms,
    insert_id,
    is_uuid_v4,
    merge_credentials,
)

NO_MERGE = (
    'anonymousId "{anon}" is not a UUID v4, so Mixpanel\'s Original ID Merge will not merge '
    "it with $identify, and $merge needs the project's API secret or a service account: add "
    "one to the integration's settings (or send UUID v4 anonymous ids) to link this user's "
    "anonymous activity"
)


class Link(NamedTuple):
    """The merge operation added (its event name), or the problem that prevented one."""

    name: str | None = None
    problem: str | None = None


def _links(who: Identity) -> bool:
    return (
        who.user_id is not None and who.anonymous_id is not None and who.user_id != who.anonymous_id
    )


def add_merge(call: Call, who: Identity, when: datetime, endpoint: str) -> Link:
    """Add the operation that links `who`'s two ids, if there is one to add.

    When no operation Mixpanel would act on is possible, the problem is also a warning.
    """
    if not _links(who):
        return Link()
    if call.bp.mode == "simplified":
        # base_properties carries distinct_id = $user_id and $device_id beside it.
        call.add(endpoint, {"event": "$identify", "properties": call.base_properties(who, when)})
        return Link("$identify")
    user, anon = who.user_id, who.anonymous_id
    assert user is not None and anon is not None
    if is_uuid_v4(anon):
        props = {"token": call.token, "time": epoch_ms(when), "distinct_id": user}
        props |= {"$identified_id": user, "$anon_id": anon, "$insert_id": insert_id(call.event)}
        props["ip"] = call.event_ip  # an event without one is placed where Signal runs
        call.add(endpoint, {"event": "$identify", "properties": props})
        return Link("$identify")
    if merge_credentials(call.config):
        # /import refuses times over 1 hour ahead; a merge is timeless, so never send one.
        stamp = epoch_ms(min(when, call.now))
        props = {"token": call.token, "time": stamp, "distinct_id": user}
        props |= {"$distinct_ids": [user, anon], "$insert_id": insert_id(call.event)}
        props["ip"] = call.event_ip
        call.add("/import", {"event": "$merge", "properties": props})
        return Link("$merge")
    problem = NO_MERGE.format(anon=anon)
    call.warnings.append(Notice(hints.NO_MERGE, problem))
    return Link(problem=problem)
