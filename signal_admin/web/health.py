"""An integration's health, from what actually happened to its recent deliveries."""

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.timesince import timesince

from delivery.models import Delivery
from delivery.test_event import TEST_SOURCE
from integrations.models import Integration

HEALTH_WINDOW = timedelta(hours=1)
WINDOW_TEXT = "the last hour"
# States under which the last error is news; under any other it is history, shown muted.
CURRENT_ERROR_STATES = ("failing", "degraded", "auth_error")


def real(rows: QuerySet[Delivery]) -> QuerySet[Delivery]:
    """Deliveries of the site's own events: test events are shown, never counted."""
    return rows.exclude(event__source__name=TEST_SOURCE)


def health(integration: Integration, now: datetime | None = None) -> dict[str, Any]:
    """The integration's state from what actually happened to its recent deliveries.

    First match wins: disabled, auth error, failing (permanent failures in the window),
    degraded (deliveries retrying), mostly suppressed, quiet (nothing received), sending
    (queued, not sent yet), not delivering (all filtered or suppressed) and only then OK.
    Each state has one sentence of what happened and, where there is one, the fix; when
    several of failing, degraded and mostly suppressed hold, the rest are in `also`.
    """
    now = now or timezone.now()
    if not integration.enabled:
        held = Delivery.objects.filter(integration=integration, status=Delivery.HELD).count()
        return _state(
            "disabled",
            "Disabled",
            f"Delivery is paused: new events are held, not sent ({held:,} held so far). "
            "Enable the integration to send them.",
        )
    if integration.auth_error:
        return _state("auth_error", "Auth error", integration.auth_error)
    rows = real(Delivery.objects.filter(integration=integration))
    recent = rows.filter(created_at__gte=now - HEALTH_WINDOW)
    tally = recent.aggregate(
        received=Count("id"),
        **{status: Count("id", filter=Q(status=status)) for status, _ in Delivery.STATUSES},
    )
    problems = [
        found
        for found in (
            _failing(integration, rows, now),
            _degraded(integration, rows, now),
            _mostly_suppressed(integration, recent, tally),
        )
        if found
    ]
    if problems:
        # The worst problem is the state; the others are said too, never hidden behind it.
        first, *others = problems
        return first | {"also": [{"label": p["label"], "detail": p["detail"]} for p in others]}
    return (
        _quiet(rows, tally, now)
        or _not_delivering(integration, recent, tally, now)
        or _ok(integration, recent, tally, now)
    )


def _name(integration: Integration) -> str:
    """The destination as the prose names it: its catalog name."""
    destination = integration.destination
    return destination.name if destination else integration.catalog_key


def _state(state: str, label: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"state": state, "label": label, "detail": detail, "fix": "", "also": []} | extra


def _top(rows: QuerySet[Delivery]) -> dict[str, Any] | None:
    """The most common (status code, error) among `rows`, with how many share it."""
    return (
        rows.values("status_code", "error")
        .annotate(n=Count("id"))
        .order_by("-n", "status_code", "error")
        .first()
    )


def _answer(row: dict[str, Any]) -> str:
    """What the destination answered, e.g. "429 · Too many requests", or the error alone."""
    error = Truncator((row["error"] or "").strip()).chars(200)
    code = row["status_code"]
    if code and error:
        return f"{code} · {error}"
    return str(code or error or "no answer")


def _failing(
    integration: Integration, rows: QuerySet[Delivery], now: datetime
) -> dict[str, Any] | None:
    failed = rows.filter(status=Delivery.FAILED, updated_at__gte=now - HEALTH_WINDOW)
    count = failed.count()
    if not count:
        return None
    top = _top(failed)
    assert top is not None
    noun = _plural(count, "delivery", "deliveries")
    share = f"all {count:,}" if top["n"] == count else f"{top['n']:,} of them"
    example = (
        failed.filter(status_code=top["status_code"], error=top["error"])
        .order_by("-updated_at", "-id")
        .values_list("id", flat=True)
        .first()
    )
    return _state(
        "failing",
        "Failing",
        f"{noun} failed for good in {WINDOW_TEXT}. Top reason ({share}): {_answer(top)}",
        fix=f"The delivery's page shows {_name(integration)}'s full answer and how to fix it; "
        "once fixed, replay the failed deliveries from the log.",
        fix_url=reverse("integrations:delivery", args=[integration.pk, example]),
        fix_label="Open the latest of them",
        count=count,
        reason=_answer(top),
        log_query="?status=failed",
    )


def _degraded(
    integration: Integration, rows: QuerySet[Delivery], now: datetime
) -> dict[str, Any] | None:
    retrying = rows.filter(status=Delivery.RETRYING)
    facts = retrying.aggregate(n=Count("id"), next_try=Min("next_attempt_at"))
    if not facts["n"]:
        return None
    latest = retrying.order_by("-updated_at", "-id").values("status_code", "error").first()
    assert latest is not None
    next_try = max(facts["next_try"] or now, now)
    noun = _plural(facts["n"], "delivery is", "deliveries are")
    return _state(
        "degraded",
        "Degraded",
        f"{noun} being retried: {_name(integration)} answered {_answer(latest)}.",
        fix=_retry_advice(_name(integration), latest["status_code"]),
        count=facts["n"],
        reason=_answer(latest),
        next_try=next_try,
        next_try_in=_span(now, next_try) if next_try > now else "",
        log_query="?status=retrying",
    )


def _retry_advice(name: str, status_code: int | None) -> str:
    """What a retry means, by what the destination (called `name`) answered."""
    if status_code == 429:
        why = f"{name} is limiting the rate"
    elif status_code is None:
        why = f"Signal could not reach {name}"
    else:
        why = f"{name} is having trouble"
    return (
        f"{why}: Signal sends them again on its own with backoff. They fail only if this "
        "lasts the whole retry window."
    )


def _mostly_suppressed(
    integration: Integration, recent: QuerySet[Delivery], tally: dict[str, int]
) -> dict[str, Any] | None:
    suppressed = tally[Delivery.SUPPRESSED]
    if not suppressed or suppressed * 2 <= tally["received"]:
        return None
    top = _top(recent.filter(status=Delivery.SUPPRESSED))
    assert top is not None
    reason = (top["error"] or "the blueprint's consent policy").removeprefix("consent: ")
    received = tally["received"]
    share = (
        f"All {received:,} events"
        if suppressed == received
        else f"{suppressed:,} of {received:,} events"
    )
    return _state(
        "suppressed",
        "Mostly suppressed",
        f"{share} received in {WINDOW_TEXT} {'was' if received == 1 else 'were'} suppressed, "
        f"not sent to {_name(integration)}. Why: {reason}.",
        fix="Send consent with the events (datafly.consent({analytics: true}) in the browser, or "
        "context.consent.categoryPreferences from a server), or change the consent policy.",
        count=suppressed,
        reason=reason,
        fix_url=reverse("integrations:blueprint", args=[integration.pk]) + "#section-consent",
        fix_label="Edit the consent policy",
        log_query="?status=suppressed",
    )


def _quiet(rows: QuerySet[Delivery], tally: dict[str, int], now: datetime) -> dict | None:
    if tally["received"]:
        return None
    last = rows.order_by("-created_at").values_list("created_at", flat=True).first()
    since = f"the last one {_span(last, now)} ago" if last else "none yet"
    return _state(
        "quiet",
        "Quiet",
        f"Nothing received in {WINDOW_TEXT} ({since}).",
        fix="Install the snippet below on your site, or send a test event.",
        last_received=last,
    )


def _not_delivering(
    integration: Integration, recent: QuerySet[Delivery], tally: dict[str, int], now: datetime
) -> dict[str, Any] | None:
    if tally[Delivery.DELIVERED]:
        return None
    if tally["queued"]:
        oldest = recent.filter(status=Delivery.QUEUED).aggregate(t=Min("next_attempt_at"))["t"]
        waited = _span(oldest, now) if oldest and oldest < now else "a moment"
        return _state(
            "sending",
            "Sending",
            f"{_plural(tally['queued'], 'delivery is', 'deliveries are')} queued, none "
            f"delivered yet; the oldest has waited {waited}.",
            fix="If this lasts more than a minute, check that Signal's worker is running.",
        )
    return _state(
        "not_delivering",
        "Nothing delivered",
        f"{tally['received']:,} events received in {WINDOW_TEXT}, none sent to "
        f"{_name(integration)}: "
        f"{tally[Delivery.FILTERED]:,} filtered, "
        f"{tally[Delivery.SUPPRESSED]:,} suppressed for consent.",
        fix="Check which events the blueprint sends, and any integrations object the events "
        f"carry (integrations.{_name(integration)}: false leaves {_name(integration)} out).",
        fix_url=reverse("integrations:blueprint", args=[integration.pk]),
        fix_label="Open the blueprint",
    )


def _ok(
    integration: Integration, recent: QuerySet[Delivery], tally: dict[str, int], now: datetime
) -> dict[str, Any]:
    last = (
        recent.filter(status=Delivery.DELIVERED)
        .order_by("-delivered_at", "-id")
        .values("delivered_at", "status_code")
        .first()
    )
    when = last["delivered_at"] if last else None
    latest = f", the latest {_span(when, now)} ago" if when else ""
    code = f" ({last['status_code']})" if last and last["status_code"] else ""
    return _state(
        "ok",
        "OK",
        f"{tally[Delivery.DELIVERED]:,} delivered to {_name(integration)} in {WINDOW_TEXT}"
        f"{latest}{code}.",
    )


def _span(start: datetime, end: datetime) -> str:
    """ "12 seconds" under a minute (never "0 minutes"), else Django's "3 minutes"."""
    seconds = int((end - start).total_seconds())
    if seconds < 60:
        return _plural(max(seconds, 1), "second", "seconds")
    return timesince(start, end)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"
