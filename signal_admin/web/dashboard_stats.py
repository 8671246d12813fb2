"""Numbers for an integration's dashboard: counts, the chart's bars, health, the last error."""

import math
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncHour, TruncMinute
from django.http import HttpRequest
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.utils import timezone
from django.utils.dateformat import format as date_format

from delivery.models import Delivery
from delivery.test_event import TEST_SOURCE
from integrations.models import Integration, Source
from signal_admin.web.health import CURRENT_ERROR_STATES, health, real
from signal_admin.web.views.demo import DEMO_SOURCE_NAME

SNIPPET = "demo/_snippet.html"

COUNTED = [
    (Delivery.DELIVERED, "Delivered"),
    (Delivery.RETRYING, "Retrying"),
    (Delivery.FAILED, "Failed"),
    (Delivery.SUPPRESSED, "Suppressed"),
    (Delivery.FILTERED, "Filtered"),
]
# window: (number of buckets, bucket length, truncation, label format, label every n buckets)
WINDOWS = {
    "day": (24, timedelta(hours=1), TruncHour, "H:i", 6),
    "hour": (60, timedelta(minutes=1), TruncMinute, "H:i", 10),
}
CHART_WIDTH, CHART_HEIGHT = 720, 180
PLOT_LEFT, PLOT_TOP, PLOT_BOTTOM = 40, 10, 24
STACK = [
    (Delivery.DELIVERED, "delivered"),
    (Delivery.RETRYING, "retrying"),
    (Delivery.FAILED, "failed"),
]


def counts(integration: Integration, now: datetime | None = None) -> list[dict[str, Any]]:
    """Deliveries created in the last hour and day, by status, test events left out."""
    now = now or timezone.now()
    hour_ago = now - timedelta(hours=1)
    aggregates = {}
    for status, _ in COUNTED:
        aggregates[f"hour_{status}"] = Count(
            "id", filter=Q(status=status, created_at__gte=hour_ago)
        )
        aggregates[f"day_{status}"] = Count("id", filter=Q(status=status))
    totals = real(
        Delivery.objects.filter(integration=integration, created_at__gte=now - timedelta(days=1))
    ).aggregate(**aggregates)
    return [
        {"status": s, "label": label, "hour": totals[f"hour_{s}"], "day": totals[f"day_{s}"]}
        for s, label in COUNTED
    ]


def chart(integration: Integration, window: str = "day", now: datetime | None = None) -> dict:
    """Delivered vs retrying / failed per bucket, as bar geometry for `_chart.html`."""
    window = window if window in WINDOWS else "day"
    buckets, step, trunc, label_format, label_every = WINDOWS[window]
    starts = bucket_starts(now or timezone.now(), buckets, step)
    rows = (
        real(
            Delivery.objects.filter(
                integration=integration,
                created_at__gte=starts[0],
                status__in=[s for s, _ in STACK],
            )
        )
        .annotate(bucket=trunc("created_at"))
        .values("bucket", "status")
        .annotate(n=Count("id"))
    )
    per_bucket: dict[datetime, dict[str, int]] = {start: {} for start in starts}
    for row in rows:
        per_bucket.setdefault(row["bucket"], {})[row["status"]] = row["n"]
    series = [(start, per_bucket[start]) for start in starts]
    return geometry(series, step, label_format, label_every) | {"window": window}


def bucket_starts(now: datetime, buckets: int, step: timedelta) -> list[datetime]:
    local = timezone.localtime(now)
    if step >= timedelta(hours=1):
        last = local.replace(minute=0, second=0, microsecond=0)
    else:
        last = local.replace(second=0, microsecond=0)
    return [last - step * (buckets - 1 - i) for i in range(buckets)]


def geometry(
    series: list[tuple[datetime, dict[str, int]]],
    step: timedelta,
    label_format: str,
    label_every: int,
) -> dict[str, Any]:
    """Stacked bars (delivered at the bottom, then retrying, then failed) in SVG units."""
    plot_width = CHART_WIDTH - PLOT_LEFT
    plot_height = CHART_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    top = nice_max(max((sum(c.values()) for _, c in series), default=0))
    slot = plot_width / len(series)
    bars, labels = [], []
    for index, (start, bucket) in enumerate(series):
        x = PLOT_LEFT + index * slot
        base, segments = CHART_HEIGHT - PLOT_BOTTOM, []
        for status, kind in STACK:
            height = plot_height * bucket.get(status, 0) / top
            if height:
                base -= height
                segments.append({"kind": kind, "y": round(base, 2), "height": round(height, 2)})
        title = f"{date_format(start, label_format)}: " + ", ".join(
            f"{bucket.get(status, 0):,} {kind}" for status, kind in STACK
        )
        bars.append({"x": round(x + slot * 0.15, 2), "width": round(slot * 0.7, 2)})
        bars[-1].update(segments=segments, title=title)
        if index % label_every == 0:
            labels.append({"x": round(x + slot / 2, 2), "text": date_format(start, label_format)})
    gridlines = [
        {"y": round(CHART_HEIGHT - PLOT_BOTTOM - plot_height * f, 2), "label": round(top * f)}
        for f in (0, 0.5, 1)
    ]
    totals = {kind: sum(b.get(status, 0) for _, b in series) for status, kind in STACK}
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "plot_left": PLOT_LEFT,
        "label_y": CHART_HEIGHT - 6,
        "bars": bars,
        "labels": labels,
        "gridlines": gridlines,
        "totals": totals,
        "empty": not any(totals.values()),
    }


def nice_max(value: int) -> int:
    """The axis top: the first of 2, 4, 6, 8, 10, 20, 40, ... at or above `value`."""
    if value <= 2:
        return 2
    magnitude = 10 ** math.floor(math.log10(value))
    return next(f * magnitude for f in (2, 4, 6, 8, 10) if value <= f * magnitude)


def last_error(integration: Integration) -> Delivery | None:
    """The most recent failed or retrying delivery of the site's events that has an error.

    A test event's outcome is told when it is sent and beside the counts, not here.
    """
    return (
        real(
            Delivery.objects.filter(
                integration=integration, status__in=[Delivery.FAILED, Delivery.RETRYING]
            )
        )
        .exclude(error="")
        .select_related("event")
        .order_by("-updated_at", "-id")
        .first()
    )


def test_events(integration: Integration, now: datetime | None = None) -> dict[str, Any]:
    """This integration's test events in the last day, and the latest: shown apart, never
    in the totals, the chart or health."""
    now = now or timezone.now()
    rows = Delivery.objects.filter(
        integration=integration,
        created_at__gte=now - timedelta(days=1),
        event__source__name=TEST_SOURCE,
    )
    facts = rows.aggregate(
        sent=Count("id"),
        delivered=Count("id", filter=Q(status=Delivery.DELIVERED)),
        failed=Count("id", filter=Q(status=Delivery.FAILED)),
    )
    return facts | {"latest": rows.order_by("-id").first() if facts["sent"] else None}


def install_snippet(request: HttpRequest) -> dict[str, Any]:
    """Context for "Install on your site": the user's first source's write key and this host.

    Signal's own sources (test events, the demo shop) are never offered for a user's site.
    """
    own = Source.objects.exclude(name__in=[TEST_SOURCE, DEMO_SOURCE_NAME])
    source = own.order_by("id").first()
    try:
        snippet = select_template([SNIPPET]).template.name
    except TemplateDoesNotExist:
        snippet = ""  # the shared partial is not there: the page shows a plain fallback
    return {
        "source": source,
        "write_key": source.write_key if source else "",
        "host": f"{request.scheme}://{request.get_host()}",
        "snippet_template": snippet,
    }


def dashboard_context(
    request: HttpRequest, integration: Integration, window: str = "day"
) -> dict[str, Any]:
    """Everything the dashboard blocks need; shared by the dashboard and the detail page."""
    state = health(integration)
    return {
        "counts": counts(integration),
        "chart": chart(integration, window),
        "health": state,
        "last_error": last_error(integration),
        "last_error_current": state["state"] in CURRENT_ERROR_STATES,
        "test_events": test_events(integration),
        "failed_count": Delivery.objects.filter(
            integration=integration, status=Delivery.FAILED
        ).count(),
        **install_snippet(request),
    }
