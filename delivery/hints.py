"""The troubleshooting hint for one delivery, asked of its destination by code.

Pure: reads the delivery's fields, its codes and one attempt; writes nothing. The codes are
the destination's own (`SendResult.code` on each attempt, `Notice.code` on each warning);
the texts live in its folder. Only what is true of every destination is said here.
"""

import json
import re
from typing import Any

from delivery.models import Attempt, Delivery
from integrations.destinations.base import INVALID_FIELD, Destination, HintContext

UNSENT = "Signal did not send this event: {error}"
# The outbox writes a rejected event's error as "<field>: <reason>".
_LEADING_FIELD = re.compile(r"^([\w.$\[\]-]+): (.+)$", re.DOTALL)


def hint_for(delivery: Delivery, attempt: Attempt | None = None) -> str | None:
    """The fix for what went wrong, or for a warning on a delivered event; None when fine."""
    destination = delivery.integration.destination
    if destination is None:
        return None
    if delivery.status in (Delivery.FAILED, Delivery.RETRYING):
        hint = _failure_hint(destination, delivery, attempt)
        if hint:
            return hint
    context = _context(delivery, None)
    for code in delivery.warning_codes or []:
        hint = destination.hint(code, context)
        if hint:
            return hint
    return None


def _failure_hint(
    destination: Destination, delivery: Delivery, attempt: Attempt | None
) -> str | None:
    if attempt is not None and attempt.code:
        hint = destination.hint(attempt.code, _context(delivery, attempt))
        if hint:
            return hint
    if attempt is None and delivery.status == Delivery.FAILED and delivery.status_code is None:
        # Refused before sending (the transform rejected it): name the field when known.
        context = _context(delivery, None)
        if context.field:
            hint = destination.hint(INVALID_FIELD, context)
            if hint:
                return hint
        return UNSENT.format(error=delivery.error) if delivery.error else None
    if attempt is not None and attempt.status_code is None and attempt.error:
        return attempt.error  # no answer at all: what the connection said is the news
    return None


def _context(delivery: Delivery, attempt: Attempt | None) -> HintContext:
    match = _LEADING_FIELD.match(delivery.error or "") if attempt is None else None
    return HintContext(
        error=(attempt.error if attempt and attempt.error else delivery.error) or "",
        field=match.group(1) if match else "",
        message=match.group(2) if match else "",
        response=_json(attempt.response_body) if attempt else None,
        operations=tuple(delivery.operations or ()),
        blueprint=delivery.integration.blueprint or {},
    )


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None
