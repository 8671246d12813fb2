"""Small builders shared by the focused transform tests."""

import copy
from datetime import UTC, datetime
from typing import Any

from integrations.destinations.base import Outcome
from integrations.destinations.mixpanel.entry import MIXPANEL
from integrations.destinations.mixpanel.transform import transform
from tests.mixpanel.golden import CONFIG, NOW, merged

GRANTED = {"categoryPreferences": {"analytics": True}}


def event(**fields: Any) -> dict[str, Any]:
    """A consented track event from an anonymous visitor, with `fields` on top."""
    base = {
        "type": "track",
        "event": "Thing Happened",
        "anonymousId": "anon-1",
        "messageId": "msg-1",
        "timestamp": "2026-11-28T11:00:00Z",
        "properties": {},
        "context": {"ip": "203.0.113.5", "consent": GRANTED},
    }
    return {**base, **fields}


def blueprint(variant: str = "retail", **patch: Any) -> dict[str, Any]:
    return merged(copy.deepcopy(MIXPANEL.load_blueprint(variant)), patch)


def run(ev: dict[str, Any], bp: dict[str, Any] | None = None, now: datetime = NOW) -> Outcome:
    return transform(ev, bp if bp is not None else blueprint(), CONFIG, now)


def props(outcome: Outcome, index: int = 0) -> dict[str, Any]:
    assert outcome.status == "deliver", outcome
    return outcome.operations[index].item["properties"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
