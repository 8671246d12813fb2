"""The Amplitude transform: one Segment-spec event + blueprint -> Amplitude operations.

Pure: no I/O, no clock, no database. Every outcome is either operations to send (events
for `/2/httpapi` or `/batch`, identifications for `/identify`, group identifications for
`/groupidentify`) or a recorded decision (`suppressed` by consent, `filtered` by the
blueprint or because Amplitude has no such call, `rejected` with the field at fault). See
this folder's README for the mapping tables.
"""

from datetime import datetime
from typing import Any

from integrations.destinations._shared.dispatch import dispatch
from integrations.destinations.amplitude import events, users
from integrations.destinations.amplitude.blueprint import compiled
from integrations.destinations.amplitude.call import Call
from integrations.destinations.amplitude.compiled import Compiled
from integrations.destinations.base import Outcome

_HANDLERS = {
    "track": lambda call: events.track_like(call, "track"),
    "page": lambda call: events.track_like(call, "page"),
    "screen": lambda call: events.track_like(call, "screen"),
    "identify": users.identify,
    "group": users.group,
    "alias": users.alias,
}


def transform(
    event: dict[str, Any], blueprint: dict[str, Any], config: dict[str, Any], now: datetime
) -> Outcome:
    """Turn one event into Amplitude operations, or a decision saying why not."""

    def start(bp: Compiled) -> Call | Outcome:
        if not config.get("api_key"):
            return Outcome("rejected", reason="the integration has no API key", field="config")
        return Call(event, bp, config, now)

    return dispatch(event, blueprint, compiled=compiled, handlers=_HANDLERS, start=start)
