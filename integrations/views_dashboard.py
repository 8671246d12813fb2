"""An integration's dashboard, delivery log, delivery page, replay and "Send test event"."""

import json
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from delivery import outbox
from delivery.hints import hint_for
from delivery.models import Attempt, Delivery
from delivery.test_event import IntegrationDisabled, send_test_event
from integrations.converters import parse_id
from integrations.dashboard_stats import dashboard_context
from integrations.models import Integration
from integrations.views import _integration_or_404, _live_url, staff_required

PAGE_SIZE = 50
SINCE = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}
ENDPOINTS = ["/track", "/import", "/engage", "/groups"]
SHOWN_BODY_CHARS = 100_000


def _page_context(integration: Integration) -> dict[str, Any]:
    destination = integration.destination
    return {
        "tab": "installed",
        "integration": integration,
        "destination": destination,
        "variant": destination.variant(integration.variant),
        "live_url": _live_url(integration),
    }


@staff_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    integration, _ = _integration_or_404(pk)
    window = request.GET.get("window", "day")
    context = _page_context(integration) | dashboard_context(request, integration, window)
    return render(request, "integrations/dashboard.html", context)


# The delivery log


@staff_required
def deliveries(request: HttpRequest, pk: int) -> HttpResponse:
    integration, _ = _integration_or_404(pk)
    rows = Delivery.objects.filter(integration=integration).select_related("event")
    rows, filters, problems = filter_log(rows, request.GET)
    page = Paginator(rows.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    failed = Delivery.objects.filter(integration=integration, status=Delivery.FAILED).count()
    context = _page_context(integration) | {
        "page": page,
        "filters": filters,
        "filtered": any(filters.values()),
        "problems": problems,
        "statuses": [s for s, _ in Delivery.STATUSES],
        "endpoints": ENDPOINTS,
        "failed_count": failed,
    }
    return render(request, "integrations/deliveries.html", context)


def filter_log(
    rows: QuerySet[Delivery], params: Any
) -> tuple[QuerySet[Delivery], dict[str, str], list[str]]:
    """Apply the log's filters: status, endpoint, event name, and since / from–to."""
    filters = {k: params.get(k, "").strip() for k in ("status", "endpoint", "q", "since")}
    filters |= {k: params.get(k, "").strip() for k in ("from", "to")}
    problems: list[str] = []
    if filters["status"]:
        rows = rows.filter(status=filters["status"])
    if filters["endpoint"]:
        rows = rows.filter(endpoint=filters["endpoint"])
    if filters["q"]:
        q = filters["q"]
        rows = rows.filter(Q(event__name__icontains=q) | Q(destination_event__icontains=q))
    if filters["since"] in SINCE:
        rows = rows.filter(created_at__gte=timezone.now() - SINCE[filters["since"]])
    for key, lookup in (("from", "created_at__gte"), ("to", "created_at__lte")):
        if filters[key]:
            moment = _parse_moment(filters[key])
            if moment is None:
                problems.append(f"“{filters[key]}” is not a date and time (YYYY-MM-DD HH:MM).")
            else:
                rows = rows.filter(**{lookup: moment})
    return rows, filters, problems


def _parse_moment(text: str) -> datetime | None:
    try:
        moment = parse_datetime(text) or parse_datetime(f"{text}T00:00")
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


# One delivery


@staff_required
def delivery(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    integration, _ = _integration_or_404(pk)
    row = get_object_or_404(
        Delivery.objects.select_related("event"), pk=delivery_id, integration=integration
    )
    attempts = list(row.http_attempts.order_by("created_at", "id"))
    last = attempts[-1] if attempts else None
    failing = row.status in (Delivery.FAILED, Delivery.RETRYING)
    context = _page_context(integration) | {
        "delivery": row,
        "event": row.event,
        "payload_json": _pretty(row.event.payload),
        "operations_json": _pretty(row.operations),
        "attempts": [_attempt_view(a, row) for a in attempts],
        "last_attempt": last,
        "failing": failing,
        "error_response": _pretty_text(last.response_body) if failing and last else "",
        "hint": hint_for(row, last),
        "replayable": row.status == Delivery.FAILED and bool(row.operations),
    }
    return render(request, "integrations/delivery.html", context)


def _attempt_view(attempt: Attempt, row: Delivery) -> dict[str, Any]:
    """One attempt as shown: for a batch, only this delivery's items of the request body."""
    body, shown = attempt.request_body, attempt.item_count
    if attempt.item_count > 1:
        ours = [op["item"] for op in row.operations]
        items = _loads(body)
        if isinstance(items, list):
            mine = [item for item in items if item in ours]
            body, shown = json.dumps(mine, ensure_ascii=False), len(mine)
    return {
        "attempt": attempt,
        "request_json": _pretty_text(body),
        "response_json": _pretty_text(attempt.response_body),
        "shown_items": shown,
    }


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def _pretty_text(text: str) -> str:
    value = _loads(text)
    shown = _pretty(value) if value is not None else text
    if len(shown) > SHOWN_BODY_CHARS:
        return shown[:SHOWN_BODY_CHARS] + "\n… (cut here; the rest is stored)"
    return shown


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


# Actions


@staff_required(perm="integrations.change_integration")
@require_POST
def replay(request: HttpRequest, pk: int) -> HttpResponse:
    integration, _ = _integration_or_404(pk)
    raw = request.POST.get("delivery_id", "").strip()
    delivery_id = parse_id(raw)
    if raw and delivery_id is None:
        return HttpResponseBadRequest("delivery_id must be a delivery's number.")
    count = outbox.replay(integration, [delivery_id] if delivery_id is not None else None)
    if count:
        noun = "delivery" if count == 1 else "deliveries"
        text = f"Queued {count} {noun} again."
        if integration.auth_error or not integration.enabled:
            text += " They are sent once the integration is enabled and its credentials work."
        messages.success(request, text)
    else:
        messages.info(request, "Nothing to replay: no failed deliveries with operations to send.")
    if raw:
        return redirect("integrations:delivery", pk=integration.pk, delivery_id=delivery_id)
    return redirect(_back(request, reverse("integrations:deliveries", args=[integration.pk])))


@staff_required(perm="integrations.change_integration")
@require_POST
def send_test(request: HttpRequest, pk: int) -> HttpResponse:
    integration, _ = _integration_or_404(pk)
    try:
        row = send_test_event(integration)
    except IntegrationDisabled:
        messages.warning(request, disabled_test_message(integration))
    else:
        level, text = test_event_message(row)
        messages.add_message(request, level, text)
    return redirect(_back(request, reverse("integrations:dashboard", args=[integration.pk])))


def disabled_test_message(integration: Integration) -> str:
    return f"Test event not sent: {integration.name} is disabled. Enable it to send a test event."


def test_event_message(row: Delivery) -> tuple[int, str]:
    """Mixpanel's answer to the test event: status code and body, or the failure and hint."""
    attempt = row.http_attempts.order_by("-id").first()
    answer = _answer(attempt) if attempt else row.error
    if row.status == Delivery.DELIVERED:
        return messages.SUCCESS, f"Test event delivered: {answer}"
    if row.status == Delivery.FAILED:
        hint = hint_for(row, attempt)
        text = f"Test event failed (no retries): {answer}"
        if attempt and row.error and row.error not in answer:
            text += f" — {row.error}"
        return messages.ERROR, f"{text}. {hint}" if hint and hint not in text else text
    return messages.WARNING, f"Test event {row.status}: {row.error or answer}"


def _answer(attempt: Attempt) -> str:
    if attempt.status_code is None:
        return attempt.error or "no answer"
    body = attempt.response_body.strip()
    body = body if len(body) <= 500 else body[:500] + "…"
    return f"{attempt.status_code} {body}".strip()


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
