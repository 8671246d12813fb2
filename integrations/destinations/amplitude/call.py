"""One transform call: the event, its compiled blueprint and what every handler shares."""

from typing import Any

import orjson

from integrations.destinations._shared.dispatch import Call as BaseCall
from integrations.destinations.amplitude.compiled import Compiled
from integrations.destinations.amplitude.hints import (
    EVENT_TOO_LARGE,
    ID_DROPPED,
    ID_PLACEHOLDER,
    NO_TIMESTAMP,
)
from integrations.destinations.amplitude.identity import (
    DEFAULT_MIN_ID_LENGTH,
    Identity,
    event_time_ms,
    min_id_length,
    resolve,
)
from integrations.destinations.base import Notice, Operation

HTTP_API = "/2/httpapi"
BATCH_API = "/batch"
IDENTIFY_API = "/identify"
GROUP_IDENTIFY_API = "/groupidentify"
# Amplitude refuses a request of 1 MB or more on HTTP V2; one event can never be that big.
MAX_EVENT_BYTES = 1_000_000


class Call(BaseCall):
    """What every Amplitude handler needs about one event; built once per transform."""

    __slots__ = ()
    bp: Compiled

    @property
    def events_endpoint(self) -> str:
        return BATCH_API if self.bp.batch_api else HTTP_API

    def who(self, strict: bool = False) -> Identity:
        """The event's ids; `strict` keeps Amplitude's own minimum of 5 (the Identify APIs
        take no `options.min_id_length`, as far as Amplitude documents them)."""
        minimum = DEFAULT_MIN_ID_LENGTH if strict else min_id_length(self.config)
        who = resolve(self.event, self.bp, minimum)
        for field, value in who.dropped:
            self.warnings.append(
                Notice(
                    ID_DROPPED,
                    f"{field} {value!r} is shorter than Amplitude's minimum id length "
                    f"({minimum}) and was left out",
                )
            )
        for field, value in who.placeholders:
            self.warnings.append(
                Notice(
                    ID_PLACEHOLDER,
                    f"{field} {value!r} is a placeholder Amplitude refuses as an id and was "
                    "left out",
                )
            )
        return who

    def ids(self, who: Identity) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if who.user_id is not None:
            out["user_id"] = who.user_id
        if who.device_id is not None:
            out["device_id"] = who.device_id
        return out

    def time(self) -> dict[str, Any]:
        ms = event_time_ms(self.event)
        if ms is None:
            self.warnings.append(
                Notice(NO_TIMESTAMP, "the event has no timestamp: Amplitude uses its upload time")
            )
            return {}
        return {"time": ms}

    def too_large(self, index: int, op: Operation) -> str | None:
        size = len(orjson.dumps(op.item, default=str))
        if size < MAX_EVENT_BYTES:
            return None
        self.warnings.append(Notice(EVENT_TOO_LARGE, "an item is over 1 MB"))
        return (
            f"the {op.endpoint} item is {size:,} bytes: Amplitude refuses requests of 1 MB or more"
        )
