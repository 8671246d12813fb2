"""The Live Events page and the JSON behind a row's details."""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from delivery.broadcast import message_for
from delivery.models import Attempt, Delivery
from integrations.models import Integration
from signal_admin.web.views.common import staff_required

REDACTED = "[redacted]"
DEMO_SHOP_URL = "/demo/"
STATUSES = [status for status, _ in Delivery.STATUSES]


@staff_required
def live(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(Integration, pk=pk)
    context = {
        "integration": integration,
        "destination": integration.destination,
        "socket_path": f"/ws/integrations/{integration.pk}/live/",
        "detail_url": reverse("integrations:live_delivery", args=[integration.pk, 0]),
        "dashboard_url": reverse("integrations:dashboard", args=[integration.pk]),
        "demo_url": DEMO_SHOP_URL,
        "statuses": STATUSES,
    }
    return render(request, "live/live.html", context)


def delivery_json(request: HttpRequest, pk: int, delivery_id: int) -> JsonResponse:
    """One delivery's source event, the requests made for it and the answers, secrets removed."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return JsonResponse({"error": "Staff only: log in as a Signal staff member."}, status=403)
    delivery = (
        Delivery.objects.select_related("event", "integration")
        .filter(pk=delivery_id, integration_id=pk)
        .first()
    )
    if delivery is None:
        return JsonResponse({"error": "No such delivery for this integration."}, status=404)
    body = {
        "delivery": message_for(delivery)
        | {"attempts": delivery.attempts, "warnings": delivery.warnings},
        "event": delivery.event.payload,
        "requests": requests_of(delivery),
    }
    return JsonResponse(redact(body, secret_values(delivery.integration)))


def requests_of(delivery: Delivery) -> list[dict[str, Any]]:
    """One entry per endpoint the delivery goes to: the latest recorded attempt with its
    answer, or, before any attempt, the operations that will be sent."""
    latest: dict[str, Attempt] = {}
    for attempt in delivery.http_attempts.order_by("-id"):
        latest.setdefault(attempt.endpoint, attempt)
    endpoints = list(dict.fromkeys(op["endpoint"] for op in delivery.operations))
    endpoints += [e for e in latest if e not in endpoints]
    return [
        sent_request(delivery, latest[endpoint])
        if endpoint in latest
        else unsent_request(delivery, endpoint)
        for endpoint in endpoints
    ]


def unsent_request(delivery: Delivery, endpoint: str) -> dict[str, Any]:
    items = [op["item"] for op in delivery.operations if op["endpoint"] == endpoint]
    return {"sent": False, "method": "POST", "endpoint": endpoint, "body": items, "response": None}


def sent_request(delivery: Delivery, attempt: Attempt) -> dict[str, Any]:
    """The recorded request, narrowed to this delivery's items when it carried a batch."""
    items = _parsed(attempt.request_body)
    mine = [op["item"] for op in delivery.operations if op["endpoint"] == attempt.endpoint]
    if isinstance(items, list):
        batch_size = len(items)
        items = [item for item in items if item in mine] or items
    else:
        # A big batch's body is stored cut short; this delivery's items were sent as built.
        batch_size = attempt.item_count
        items = mine or items
    return {
        "sent": True,
        "method": "POST",
        "url": attempt.url,
        "endpoint": attempt.endpoint,
        "batch_size": batch_size,
        "sent_at": attempt.created_at.isoformat(),
        "body": items,
        "response": {
            "status_code": attempt.status_code,
            "latency_ms": attempt.latency_ms,
            "error": attempt.error,
            "body": _parsed(attempt.response_body),
        },
    }


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def secret_values(integration: Integration) -> list[str]:
    values = integration.secrets.values() if isinstance(integration.secrets, dict) else []
    return [v for v in values if isinstance(v, str) and len(v) >= 4]


def redact(value: Any, secrets: list[str]) -> Any:
    """Belt and braces: attempts are recorded redacted, but payloads and operations are not
    written by us, and nothing on this page may ever show a secret."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {redact(k, secrets): redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secrets) for v in value]
    return value
