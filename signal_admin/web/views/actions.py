"""The log's actions: replay failed deliveries, and "Send test event"."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from delivery import outbox
from delivery.hints import hint_for
from delivery.models import Attempt, Delivery
from delivery.test_event import IntegrationDisabled, send_test_event
from integrations.models import Integration
from signal_admin.web.converters import parse_id
from signal_admin.web.views.common import integration_or_404, staff_required
from signal_admin.web.views.dashboard import page_context, said
from signal_admin.web.views.delivery_page import one_voice, sentences_of


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
    context = page_context(integration) | {
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
    return " ".join(s for s in sentences_of(hint) if s.rstrip(".") not in text)


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
