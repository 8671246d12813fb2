"""What one event becomes at an integration's destination, under any blueprint. Nothing is sent.

Shared by the preview API and the blueprint editor, which previews an edited blueprint before
it is saved and compares it with the saved one.
"""

from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from delivery.collect.validate import check_events, normalize, with_source_kind
from integrations.destinations.base import Outcome
from integrations.integrations_object import integrations_skip
from integrations.models import Integration


def requests_for(integration: Integration, operations: list[dict[str, Any]]) -> list[dict]:
    """The HTTP requests the operations become, one per endpoint, secrets removed."""
    by_endpoint: dict[str, list[dict[str, Any]]] = {}
    for op in operations:
        by_endpoint.setdefault(op["endpoint"], []).append(op["item"])
    build = integration.destination.build_request
    config = integration.full_config()
    return [build(config, endpoint, items) for endpoint, items in by_endpoint.items()]


def preview(
    integration: Integration,
    event: dict[str, Any],
    *,
    blueprint: dict[str, Any] | None = None,
    when: datetime | None = None,
    source_kind: str = "browser",
) -> dict[str, Any]:
    """The outcome (decision, reason, operations), the requests, and the collector's verdict.

    The event is checked and normalised as the collection API would store it, then mapped
    through `blueprint` (the integration's saved one by default) as if sent from a source of
    `source_kind` (browser, mobile or server).
    """
    when = when or timezone.now()
    received = when.astimezone(UTC).isoformat().replace("+00:00", "Z")
    accepted, rejected = check_events([event], "batch", received)
    # An event the collector would refuse is still mapped, so the blueprint's own verdict
    # shows beside the collector's.
    payload = accepted[0].payload if accepted else normalize(event, received)
    payload = with_source_kind(payload, source_kind)
    destination = integration.destination
    skipped = integrations_skip(payload, destination.name)
    if skipped:
        outcome = Outcome("filtered", reason=skipped).to_json()
    else:
        rules = integration.blueprint if blueprint is None else blueprint
        outcome = destination.transform(payload, rules, integration.full_config(), when).to_json()
    return {
        **outcome,
        "requests": requests_for(integration, outcome["operations"]),
        "collector": {"accepted": not rejected, "fields": {r.field: r.error for r in rejected}},
    }
