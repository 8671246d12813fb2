"""An integration's dashboard, delivery log, delivery page, replay and "Send test event"."""

import json
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
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
from integrations.models import Integration
from signal_admin.web.converters import parse_id
from signal_admin.web.dashboard_stats import dashboard_context
from signal_admin.web.views.common import integration_or_404, live_url, staff_required

PAGE_SIZE = 50
SINCE = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}
SHOWN_BODY_CHARS = 100_000


def _page_context(integration: Integration) -> dict[str, Any]:
    destination = integration.destination
    return {
        "tab": "installed",
        "integration": integration,
        "destination": destination,
        "variant": destination.variant(integration.variant),
        "live_url": live_url(integration),
    }


@staff_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    integration, _ = integration_or_404(pk)
    window = request.GET.get("window", "day")
    context = _page_context(integration) | dashboard_context(request, integration, window)
    return render(request, "integrations/dashboard.html", context)


# The delivery log

# The statuses whose status code and latency describe where the delivery stands now; a queued
# one (new, or replayed) has no current answer, whatever its earlier attempts got.
ANSWERED = (Delivery.DELIVERED, Delivery.RETRYING, Delivery.FAILED)
# Not sent by choice (consent, a blueprint rule): a reason, not an error.
NEUTRAL = (Delivery.SUPPRESSED, Delivery.FILTERED)
STATUS_NAMES = [s for s, _ in Delivery.STATUSES]
# Only what the log row shows of each request; the bodies stay on the delivery page.
TRAIL_FIELDS = ("id", "endpoint", "status_code", "latency_ms", "kind", "created_at")


@staff_required
def deliveries(request: HttpRequest, pk: int) -> HttpResponse:
    integration, destination = integration_or_404(pk)
    trail = Attempt.objects.only(*TRAIL_FIELDS).order_by("created_at", "id")
    rows = (
        Delivery.objects.filter(integration=integration)
        .select_related("event")
        .prefetch_related(Prefetch("http_attempts", queryset=trail, to_attr="trail"))
    )
    rows, filters, problems = filter_log(rows, request.GET, destination.endpoints)
    paginator = Paginator(rows.order_by("-id"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    problems += _page_problem(request.GET.get("page", ""), page.number)
    now = timezone.now()
    for row in page.object_list:
        _describe(row, now)
    failed = Delivery.objects.filter(integration=integration, status=Delivery.FAILED).count()
    context = _page_context(integration) | {
        "page": page,
        "total": f"{paginator.count:,}",
        "filters": filters,
        "filtered": any(filters.values()),
        "problems": problems,
        "statuses": STATUS_NAMES,
        "endpoints": destination.endpoints,
        "failed_count": failed,
        "failed_shown": f"{failed:,}",
    }
    return render(request, "integrations/deliveries.html", context)


def filter_log(
    rows: QuerySet[Delivery], params: Any, endpoints: Sequence[str]
) -> tuple[QuerySet[Delivery], dict[str, str], list[str]]:
    """Apply the log's filters: status, endpoint (one of the destination's `endpoints`),
    event name, and since / from–to.

    A value no filter knows is named in a problem and dropped from the filters (so the form
    shows what is really applied), never silently ignored.
    """
    filters = {k: params.get(k, "").strip() for k in ("status", "endpoint", "q", "since")}
    filters |= {k: params.get(k, "").strip() for k in ("from", "to")}
    problems: list[str] = []
    for key, known, noun in (
        ("status", STATUS_NAMES, "status"),
        ("endpoint", list(endpoints), "endpoint"),
        ("since", list(SINCE), "time range"),
    ):
        if filters[key] and filters[key] not in known:
            problems.append(
                f"“{filters[key]}” is not a {noun} (choose {', '.join(known)}): "
                f"showing every {noun}."
            )
            filters[key] = ""
    if filters["status"]:
        rows = rows.filter(status=filters["status"])
    if filters["endpoint"]:
        rows = rows.filter(_any_request_to(filters["endpoint"]))
    if filters["q"]:
        q = filters["q"]
        rows = rows.filter(Q(event__name__icontains=q) | Q(destination_event__icontains=q))
    if filters["since"]:
        rows = rows.filter(created_at__gte=timezone.now() - SINCE[filters["since"]])
    for key, lookup in (("from", "created_at__gte"), ("to", "created_at__lte")):
        if filters[key]:
            moment = _parse_moment(filters[key])
            if moment is None:
                problems.append(
                    f"“{filters[key]}” is not a date and time (YYYY-MM-DD HH:MM): "
                    f"the “{key.title()}” filter is not applied."
                )
                filters[key] = ""
            else:
                rows = rows.filter(**{lookup: moment})
    return rows, filters, problems


def _any_request_to(endpoint: str) -> Q:
    """A delivery with any request to the endpoint, made or (not sent yet) planned."""
    made = Attempt.deliveries.through.objects.filter(
        delivery_id=OuterRef("pk"), attempt__endpoint=endpoint
    )
    return Q(Exists(made)) | Q(endpoint=endpoint) | Q(operations__contains=[{"endpoint": endpoint}])


def _page_problem(raw: str, shown: int) -> list[str]:
    raw = raw.strip()
    if not raw or raw == str(shown):
        return []
    return [f"There is no page “{raw}”: showing page {shown}."]


def _parse_moment(text: str) -> datetime | None:
    try:
        moment = parse_datetime(text) or parse_datetime(f"{text}T00:00")
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _describe(row: Delivery, now: datetime) -> None:
    """What a log row or the delivery page shows beside the stored fields."""
    trail = getattr(row, "trail", None)
    if trail is None:
        trail = list(row.http_attempts.order_by("created_at", "id"))
    row.trail = trail
    row.label = event_label(row.event)
    row.same_name = row.destination_event.casefold() == row.label.casefold()
    row.requests = len(trail) if trail else row.attempts
    row.answered = row.status in ANSWERED
    row.replayed = row.status == Delivery.QUEUED and bool(trail)
    row.neutral = row.status in NEUTRAL
    row.said = said(row)
    row.ago = ago(row.created_at, now)
    row.changed_ago = ago(row.updated_at, now)


def event_label(event: Any) -> str:
    """The event's name; for a page or screen view without one, the path it was viewed at."""
    if event.name:
        return event.name
    payload = event.payload if isinstance(event.payload, dict) else {}
    if event.type in ("page", "screen"):
        context = payload.get("context") if isinstance(payload.get("context"), dict) else {}
        page = context.get("page") if isinstance(context.get("page"), dict) else {}
        props = payload.get("properties") if isinstance(payload.get("properties"), dict) else {}
        path = page.get("path") or props.get("path") or payload.get("name")
        if isinstance(path, str) and path:
            return path
    return event.type


def said(row: Delivery) -> str:
    """The delivery's error as it stands: a failure given up on no longer "will retry"."""
    error = row.error
    if row.status == Delivery.FAILED:
        error = error.replace("; will retry", "")
    return error


def ago(moment: datetime | None, now: datetime) -> str:
    """A short relative time ("just now", "5 min ago", "3 h ago"); empty past a day."""
    if moment is None:
        return ""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return ""


def _due_in(moment: datetime | None, now: datetime) -> str:
    """ "in 40 s", "in 3 min", or "due now" for a next try."""
    if moment is None:
        return ""
    seconds = (moment - now).total_seconds()
    if seconds < 1:
        return "due now"
    return f"in {int(seconds)} s" if seconds < 90 else f"in {round(seconds / 60)} min"


# One delivery


@staff_required
def delivery(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    integration, _ = integration_or_404(pk)
    row = get_object_or_404(
        Delivery.objects.select_related("event"), pk=delivery_id, integration=integration
    )
    attempts = list(row.http_attempts.order_by("created_at", "id"))
    row.trail = attempts
    now = timezone.now()
    _describe(row, now)
    last = attempts[-1] if attempts else None
    failing = row.status in (Delivery.FAILED, Delivery.RETRYING)
    what, hint = one_voice(row.said, hint_for(row, last))
    context = _page_context(integration) | {
        "delivery": row,
        "event": row.event,
        "payload_json": _pretty(row.event.payload),
        "operations_json": _pretty(row.operations),
        "attempts": [_attempt_view(a, row) for a in attempts],
        "last_attempt": last,
        "failing": failing,
        "error_response": _pretty_text(last.response_body) if failing and last else "",
        "what_happened": what,
        "next_try_in": _due_in(row.next_attempt_at, now),
        "hint": hint,
        "replayable": row.status == Delivery.FAILED and bool(row.operations),
    }
    return render(request, "integrations/delivery.html", context)


def one_voice(error: str, hint: str | None) -> tuple[str, str | None]:
    """What happened and how to fix it, each said once.

    Errors often carry their own advice and hints often restate the error, so: what happened
    is the error's first sentence (or the hint's sentence that quotes it), and the fix is the
    hint's sentences that say something new.
    """
    sentences = _sentences(hint or "")
    if not error:
        return "", " ".join(sentences) or None
    quoting = [s for s in sentences if error.rstrip(".") in s]
    what = quoting[0] if quoting else _sentences(error)[0] if hint else error
    fix = [s for s in sentences if s != what and s.rstrip(".") not in what]
    return what, " ".join(fix) or None


def _sentences(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text) if part.strip()]


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
        # The delivery's own error already says it; the attempt shows only what differs.
        "error": attempt.error if attempt.error not in row.said else "",
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
    integration, _ = integration_or_404(pk)
    raw = request.POST.get("delivery_id", "").strip()
    delivery_id = parse_id(raw)
    if raw and delivery_id is None:
        return HttpResponseBadRequest("delivery_id must be a delivery's number.")
    if delivery_id is None and request.POST.get("confirm") != "yes":
        return _confirm_replay_all(request, integration)
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


def _confirm_replay_all(request: HttpRequest, integration: Integration) -> HttpResponse:
    """The step before a bulk replay: how many will be sent again, and a button to do it."""
    failed = Delivery.objects.filter(integration=integration, status=Delivery.FAILED)
    count = failed.exclude(operations=[]).count()
    back = _back(request, reverse("integrations:deliveries", args=[integration.pk]))
    context = _page_context(integration) | {
        "count": count,
        "count_shown": f"{count:,}",
        "unsendable": failed.count() - count,
        "back": back,
    }
    return render(request, "integrations/replay_confirm.html", context)


@staff_required(perm="integrations.change_integration")
@require_POST
def send_test(request: HttpRequest, pk: int) -> HttpResponse:
    integration, _ = integration_or_404(pk)
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
    """The destination's answer to the test event: status code and body, or the failure and hint."""
    attempt = row.http_attempts.order_by("-id").first()
    answer = _answer(attempt) if attempt else said(row)
    if row.status == Delivery.DELIVERED:
        return messages.SUCCESS, f"Test event delivered: {answer}"
    if row.status == Delivery.FAILED:
        what, fix = one_voice(said(row), hint_for(row, attempt))
        text = f"Test event failed (no retries): {answer}"
        if attempt and what and what.rstrip(".") not in answer:
            text += f" — {what.rstrip('.')}"
        fix = _unsaid(fix or "", text)
        return messages.ERROR, f"{text}. {fix}" if fix else text
    return messages.WARNING, f"Test event {row.status}: {row.error or answer}"


def _unsaid(hint: str, text: str) -> str:
    """The hint's sentences the text does not already say (the error often names the fix)."""
    return " ".join(s for s in _sentences(hint) if s.rstrip(".") not in text)


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
