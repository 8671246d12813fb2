"""One delivery's page: the event, the operations, each request and the hint."""

import json
import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from delivery.hints import hint_for
from delivery.models import Attempt, Delivery
from signal_admin.web.views.common import integration_or_404, staff_required
from signal_admin.web.views.dashboard import describe, due_in, page_context

SHOWN_BODY_CHARS = 100_000


@staff_required
def delivery(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    integration, _ = integration_or_404(pk)
    row = get_object_or_404(
        Delivery.objects.select_related("event"), pk=delivery_id, integration=integration
    )
    attempts = list(row.http_attempts.order_by("created_at", "id"))
    row.trail = attempts
    now = timezone.now()
    describe(row, now)
    last = attempts[-1] if attempts else None
    failing = row.status in (Delivery.FAILED, Delivery.RETRYING)
    what, hint = one_voice(row.said, hint_for(row, last))
    context = page_context(integration) | {
        "delivery": row,
        "event": row.event,
        "payload_json": _pretty(row.event.payload),
        "operations_json": _pretty(row.operations),
        "attempts": [_attempt_view(a, row) for a in attempts],
        "last_attempt": last,
        "failing": failing,
        "error_response": _pretty_text(last.response_body) if failing and last else "",
        "what_happened": what,
        "next_try_in": due_in(row.next_attempt_at, now),
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
    sentences = sentences_of(hint or "")
    if not error:
        return "", " ".join(sentences) or None
    quoting = [s for s in sentences if error.rstrip(".") in s]
    what = quoting[0] if quoting else sentences_of(error)[0] if hint else error
    fix = [s for s in sentences if s != what and s.rstrip(".") not in what]
    return what, " ".join(fix) or None


def sentences_of(text: str) -> list[str]:
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
