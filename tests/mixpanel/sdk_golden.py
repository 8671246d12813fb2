"""SDK golden cases: a body exactly as a real SDK sends it, through the collector, to Mixpanel.

A case is `tests/fixtures/sdk/<sdk>/<case>.input.json`:
    {"description": "...", "sdk": "analytics-next@1.x", "variant": "retail",
     "blueprint_patch": {...}?, "received_at": "2026-11-28T12:00:00.000Z",
     "client_ip": "203.0.113.9" | null, "path": "/v1/t", "event": {...the request body...}}
The body goes through the collector's own parsing, validation and normalisation (as a request
to `path` would, with `client_ip` as the connection's address), then every accepted event
through what the fan-out does: the `integrations` object, then the Mixpanel transform with the
variant's blueprint and `now = received_at` (the collector's warnings first).
Beside it, `<case>.expected.json` is the result: one serialised Outcome for a single call, a
list (in batch order) for a batch; an event the collector refuses is
`{"collector_rejected": {"field", "error"}}`, a body it refuses `{"collector_bad_request": ...}`.
"""

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from delivery.collect.validate import BadRequest, check_events, events_of, parse_json
from delivery.outbox import collector_warnings
from integrations.destinations.mixpanel.entry import MIXPANEL
from integrations.destinations.mixpanel.transform import outcome_to_json, transform
from integrations.integrations_object import integrations_skip
from tests.mixpanel.golden import CONFIG, merged

SDK_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sdk"
# One folder per SDK; `http-api` is server code posting the HTTP Tracking API by hand.
SDKS = (
    "analytics-next",
    "analytics-python",
    "analytics-swift",
    "analytics-kotlin",
    "rudder-sdk-js",
    "rudder-sdk-android",
    "http-api",
)
# analytics-next posts to the first letter of the type (`/v1/t`); RudderStack's beacon to
# `/beacon/v1/batch`.
SHORT_PATHS = {
    "p": "page",
    "t": "track",
    "i": "identify",
    "s": "screen",
    "g": "group",
    "a": "alias",
    "b": "batch",
}


def sdk_cases() -> list[Path]:
    return sorted(SDK_FIXTURES.glob("*/*.input.json"))


def sdk_case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name.removesuffix('.input.json')}"


def path_type(path: str) -> str:
    """`/v1/t` -> track, `/v1/batch` and `/beacon/v1/batch` -> batch."""
    last = path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return SHORT_PATHS.get(last, last)


def delivered_as(payload: dict[str, Any], blueprint: dict[str, Any], now: datetime) -> Any:
    """What the fan-out makes of a stored event: the `integrations` object first, then the
    transform, with the collector's warnings before the destination's."""
    warnings = collector_warnings(payload)
    skipped = integrations_skip(payload, MIXPANEL.name)
    if skipped:
        return {"status": "filtered", "reason": skipped, "warnings": warnings}
    outcome = outcome_to_json(transform(payload, blueprint, CONFIG, now))
    return outcome | {"warnings": warnings + outcome["warnings"]}


def run_sdk_case(path: Path) -> Any:
    case = json.loads(path.read_text())
    kind = path_type(case["path"])
    received_at = case["received_at"]
    try:
        data = parse_json(json.dumps(case["event"]).encode())
        raw = events_of(data, kind)
    except BadRequest as exc:
        return {"collector_bad_request": {"field": exc.field, "error": exc.message}}
    accepted, rejected = check_events(raw, kind, received_at, client_ip=case.get("client_ip"))
    blueprint = merged(MIXPANEL.load_blueprint(case["variant"]), case.get("blueprint_patch", {}))
    now = datetime.fromisoformat(received_at.replace("Z", "+00:00"))
    results: dict[int, Any] = {
        r.index: {"collector_rejected": {"field": r.field, "error": r.error}} for r in rejected
    }
    for event in accepted:
        results[event.index] = delivered_as(event.payload, blueprint, now)
    ordered = [results[index] for index in sorted(results)]
    return ordered if kind == "batch" else ordered[0]
