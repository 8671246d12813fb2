"""One transform call: the event, its compiled blueprint and what every handler shares."""

from datetime import datetime
from typing import Any

from integrations.destinations._shared.dispatch import Call as BaseCall
from integrations.destinations.base import Operation
from integrations.destinations.mixpanel.compiled import Compiled
from integrations.destinations.mixpanel.identity import (
    Identity,
    endpoint_for,
    epoch_ms,
    event_time,
    insert_id,
    resolve,
)
from integrations.destinations.mixpanel.limits import item_too_large


class Call(BaseCall):
    """What every Mixpanel handler needs about one event; built once per transform."""

    __slots__ = ("token", "sizes")
    bp: Compiled

    def __init__(
        self,
        event: dict[str, Any],
        bp: Compiled,
        token: str,
        now: datetime,
        config: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(event, bp, config or {}, now)
        self.token = token
        self.sizes: list[int] = []  # estimated size of each op's item, for the 1 MB check

    @property
    def event_ip(self) -> str | int:
        """The client IP for the event's `ip`; 0 tells Mixpanel not to geolocate Signal."""
        ip = self.context.get("ip")
        return ip if isinstance(ip, str) and ip else 0

    @property
    def profile_ip(self) -> str:
        ip = self.event_ip
        return ip if ip else "0"

    def who(self) -> Identity:
        bp = self.bp
        who = resolve(self.event, bp.mode, bp.user_id_fallbacks, bp.anonymous_id_fallbacks)
        if who.warning:
            self.warnings.append(who.warning)
        return who

    def profiles_allowed(self, who: Identity) -> bool:
        """Whether this user's profile may be updated: identified users only, unless the
        blueprint keeps anonymous profiles (Mixpanel advises against them)."""
        return who.user_id is not None or self.bp.traits.anonymous_profiles

    def when(self) -> tuple[datetime, str]:
        when = event_time(self.event)
        endpoint, ahead = endpoint_for(when, self.now, self.bp.always_import)
        if ahead:
            self.warnings.append("timestamp is more than 1 hour in the future")
        return when, endpoint

    def base_properties(self, who: Identity, when: datetime) -> dict[str, Any]:
        """Signal's own properties, first so the 255-property cut never reaches them."""
        props = {"token": self.token, "time": epoch_ms(when), "distinct_id": who.distinct_id}
        if who.user_id is not None:
            props["$user_id"] = who.user_id
        if who.anonymous_id is not None:
            props["$device_id"] = who.anonymous_id
        props["$insert_id"] = insert_id(self.event)
        props["ip"] = self.event_ip
        return props

    def add(self, endpoint: str, item: dict[str, Any], size: int = 0) -> None:
        super().add(endpoint, item)
        self.sizes.append(size)

    def too_large(self, index: int, op: Operation) -> str | None:
        too_large = item_too_large(op.item, self.sizes[index])
        if not too_large:
            return None
        return (
            f"the {op.endpoint} item is {too_large:,} bytes, over Mixpanel's 1 MB limit per event"
        )
