"""The troubleshooting hint for one delivery, from the product page's table.

Pure: reads the delivery's fields, its event's payload and one attempt; writes nothing.
"""

import json
import re
from typing import Any

from delivery.models import Attempt, Delivery

SECRET = (
    "Invalid API secret: regenerate the API secret in Project Settings > Access Keys and "
    "paste it into this integration's settings."
)
SECRET_THEN_RESIDENCY = (
    " If the secret is right, check EU Data Residency: US and EU endpoints are completely separate."
)
RESIDENCY = (
    "Data missing in an EU project? Check EU Data Residency in this integration's settings: "
    "US and EU endpoints are completely separate, and the project token belongs to one region."
)
REVENUE = (
    "Revenue not appearing: add `total` or `revenue` to Order Completed so Mixpanel gets $amount."
)
IDENTITY = (
    "Duplicate user profiles? Call identify before or alongside tracked events, so the "
    "$identify operation links the anonymous and known IDs."
)
FIELD = "Mixpanel refused the field `{field}`: {message}. Fix it in the event or the blueprint."
MALFORMED = (
    "Mixpanel refused the request as malformed (400): its full response says which part. Fix "
    "the event or the blueprint, then replay."
)
STATUS_ZERO = "Mixpanel refused the event (status 0): {error}. Fix the event, then replay."
UNSENT = "Signal did not send this event: {error}"

# "...: 1 of 3 records (record 1: properties.time: 'time' is invalid)" or "userId: too long"
_RECORD_FIELD = re.compile(r"record \d+: ([\w.$\[\]-]+): (.+?)\)?$")
_LEADING_FIELD = re.compile(r"^([\w.$\[\]-]+): (.+)$")


def hint_for(delivery: Delivery, attempt: Attempt | None = None) -> str | None:
    """The fix for what went wrong, or for a warning on a delivered event; None when fine."""
    if delivery.status in (Delivery.FAILED, Delivery.RETRYING):
        hint = _failure_hint(delivery, attempt)
        if hint:
            return hint
    return _warning_hint(delivery)


def _failure_hint(delivery: Delivery, attempt: Attempt | None) -> str | None:
    code = attempt.status_code if attempt else delivery.status_code
    body = _json(attempt.response_body) if attempt else None
    if code == 401:
        return SECRET + SECRET_THEN_RESIDENCY
    if code == 403:
        return RESIDENCY
    if code == 400:
        return _field_hint(delivery, body) or MALFORMED
    if _is_status_zero(code, body, attempt):
        error = body.get("error") if isinstance(body, dict) else None
        return STATUS_ZERO.format(error=error or delivery.error or "no reason given")
    if code is None and attempt is None and delivery.status == Delivery.FAILED:
        # Refused before sending (the transform rejected it): name the field when known.
        match = _LEADING_FIELD.match(delivery.error)
        if match:
            return FIELD.format(field=match.group(1), message=match.group(2))
        return UNSENT.format(error=delivery.error) if delivery.error else None
    if code is None and attempt is not None and attempt.error:
        return attempt.error
    return None


def _is_status_zero(code: int | None, body: Any, attempt: Attempt | None) -> bool:
    if code is None or not 200 <= code < 300:
        return False
    if isinstance(body, dict) and body.get("status") == 0:
        return True
    return body == 0 or (attempt is not None and attempt.kind == "rejected")


def _field_hint(delivery: Delivery, body: Any) -> str | None:
    record = _failed_record(delivery, body)
    if record and record.get("field"):
        message = str(record.get("message") or record.get("error") or "failed validation")
        return FIELD.format(field=record["field"], message=message)
    match = _RECORD_FIELD.search(delivery.error) or _LEADING_FIELD.match(delivery.error)
    return FIELD.format(field=match.group(1), message=match.group(2)) if match else None


def _failed_record(delivery: Delivery, body: Any) -> dict[str, Any] | None:
    records = body.get("failed_records") if isinstance(body, dict) else None
    if not isinstance(records, list):
        return None
    records = [r for r in records if isinstance(r, dict)]
    ours = {str(i) for i in _insert_ids(delivery)}
    for record in records:
        if str(record.get("$insert_id") or record.get("insert_id") or "") in ours:
            return record
    return records[0] if records else None


def _insert_ids(delivery: Delivery) -> list[Any]:
    ids = []
    for op in delivery.operations or []:
        props = (op.get("item") or {}).get("properties") or {}
        if props.get("$insert_id"):
            ids.append(props["$insert_id"])
    return ids


def _warning_hint(delivery: Delivery) -> str | None:
    warnings = " ".join(str(w) for w in delivery.warnings or [])
    if "Revenue not appearing" in warnings or "without $amount" in warnings:
        return REVENUE
    if "sent as the anonymous user" in warnings or _identify_cannot_merge(delivery):
        return IDENTITY
    return None


def _identify_cannot_merge(delivery: Delivery) -> bool:
    """An identify with a user but no anonymous id cannot link the visitor's earlier events."""
    known = Delivery.event.is_cached(delivery) or delivery.event_id is not None
    payload = delivery.event.payload if known else None
    payload = payload if isinstance(payload, dict) else {}
    return (
        payload.get("type") == "identify"
        and bool(payload.get("userId"))
        and not payload.get("anonymousId")
    )


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None
