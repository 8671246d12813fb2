"""The Mixpanel transform: one Segment-spec event + blueprint -> Mixpanel operations.

Pure: no I/O, no clock, no database. `now` decides /track (last 5 days) versus /import.
Every outcome is either operations to send, in the order they must be sent, or a recorded
decision (`suppressed` by consent, `filtered` by the blueprint, `rejected` with the field
at fault). See this folder's README for the mapping tables.

`destination_event` is the Mixpanel event name (`Purchase`, `$identify`, `$create_alias`);
for an outcome that only updates profiles it is the first profile operation (`$set`,
`$union`).
"""

from datetime import datetime
from typing import Any

from integrations.destinations._shared.dispatch import dispatch
from integrations.destinations.base import Outcome
from integrations.destinations.mixpanel import events, people
from integrations.destinations.mixpanel.blueprint import compiled
from integrations.destinations.mixpanel.call import Call
from integrations.destinations.mixpanel.compiled import Compiled

_HANDLERS = {
    "track": lambda call: events.track_like(call, "track"),
    "page": lambda call: events.track_like(call, "page"),
    "screen": lambda call: events.track_like(call, "screen"),
    "identify": people.identify,
    "group": people.group,
    "alias": people.alias,
}


def transform(
    event: dict[str, Any], blueprint: dict[str, Any], config: dict[str, Any], now: datetime
) -> Outcome:
    """Turn one event into Mixpanel operations, or a decision saying why not."""

    def start(bp: Compiled) -> Call | Outcome:
        token = config.get("project_token")
        if not token:
            return Outcome(
                "rejected", reason="the integration has no project token", field="config"
            )
        return Call(event, bp, token, now, config)

    return dispatch(event, blueprint, compiled=compiled, handlers=_HANDLERS, start=start)


def outcome_to_json(outcome: Outcome) -> dict[str, Any]:
    """An Outcome as plain JSON: the golden files' shape, reused by the preview API."""
    return outcome.to_json()
