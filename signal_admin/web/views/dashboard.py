"""An integration's dashboard and its delivery log, with the filters."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from delivery.models import Attempt, Delivery
from integrations.models import Integration
from signal_admin.web.dashboard_stats import dashboard_context
from signal_admin.web.views.common import integration_or_404, live_url, staff_required

PAGE_SIZE = 50
SINCE = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}


def page_context(integration: Integration) -> dict[str, Any]:
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
    context = page_context(integration) | dashboard_context(request, integration, window)
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
        describe(row, now)
    failed = Delivery.objects.filter(integration=integration, status=Delivery.FAILED).count()
    context = page_context(integration) | {
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


def describe(row: Delivery, now: datetime) -> None:
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


def due_in(moment: datetime | None, now: datetime) -> str:
    """ "in 40 s", "in 3 min", or "due now" for a next try."""
    if moment is None:
        return ""
    seconds = (moment - now).total_seconds()
    if seconds < 1:
        return "due now"
    return f"in {int(seconds)} s" if seconds < 90 else f"in {round(seconds / 60)} min"
