"""Mixpanel's troubleshooting hints, keyed by the codes its client and transform give.

The texts follow the product page's troubleshooting table. Failure codes come from
`client.classify` (stored with each attempt); warning codes from the transform's notices.
"""

import re
from typing import Any

from integrations.destinations.base import INVALID_FIELD, HintContext

# Failure codes, as client.classify names Mixpanel's answers.
INVALID_SECRET = "invalid_secret"  # 401
WRONG_REGION = "wrong_region"  # 403: the token belongs to another region's host
INVALID_RECORDS = "invalid_records"  # 400 from /import, with failed_records
MALFORMED = "malformed"  # any other 400
STATUS_ZERO = "status_zero"  # 200 with status 0 (/track, /engage, /groups)
TOO_LARGE = "too_large"
RATE_LIMITED = "rate_limited"
UNAVAILABLE = "unavailable"
UNEXPECTED = "unexpected"
# Warning codes, from the transform.
REVENUE_WITHOUT_AMOUNT = "revenue_without_amount"
SENT_AS_ANONYMOUS = "sent_as_anonymous"
IDENTIFY_WITHOUT_ANONYMOUS_ID = "identify_without_anonymous_id"
NO_MERGE = "no_merge"

WARNING_CODES = {
    REVENUE_WITHOUT_AMOUNT: "a revenue event had no numeric amount, so no $amount was sent",
    SENT_AS_ANONYMOUS: "the userId was unusable, so the event went out as the anonymous user",
    IDENTIFY_WITHOUT_ANONYMOUS_ID: "an identify with no anonymousId cannot link earlier events",
    NO_MERGE: "the anonymous id can be merged neither by $identify nor by $merge",
}

SECRET = (
    "Invalid API secret: regenerate the API secret in Project Settings > Access Keys and "
    "paste it into this integration's settings. If the secret is right, check EU Data "
    "Residency: US and EU endpoints are completely separate."
)
RESIDENCY = (
    "Data missing in an EU project? Check EU Data Residency in this integration's settings: "
    "US and EU endpoints are completely separate, and the project token belongs to one region."
)
IDENTITY = (
    "Duplicate user profiles? Call identify before or alongside tracked events, so the "
    "$identify operation links the anonymous and known IDs."
)
FIELD = "Mixpanel refused the field `{field}`: {message}. Fix it in the event or the blueprint."
MALFORMED_TEXT = (
    "Mixpanel refused the request as malformed (400): its full response says which part. Fix "
    "the event or the blueprint, then replay."
)
STATUS_ZERO_TEXT = "Mixpanel refused the event (status 0): {error}. Fix the event, then replay."
REVENUE = "Revenue not appearing: add {amount} to {events} so Mixpanel gets $amount."

HINTS = {
    INVALID_SECRET: SECRET,
    WRONG_REGION: RESIDENCY,
    MALFORMED: MALFORMED_TEXT,
    STATUS_ZERO: STATUS_ZERO_TEXT,
    SENT_AS_ANONYMOUS: IDENTITY,
    IDENTIFY_WITHOUT_ANONYMOUS_ID: IDENTITY,
    INVALID_FIELD: FIELD,
}

# Our own client's summary of failed records: "...(record 1: properties.time: 'time' is bad)"
_RECORD_FIELD = re.compile(r"record \d+: ([\w.$\[\]-]+): (.+?)\)?$")


def hint(code: str, context: HintContext) -> str | None:
    if code in (INVALID_RECORDS, MALFORMED):
        return _field_hint(context) or MALFORMED_TEXT
    if code == STATUS_ZERO:
        error = context.response.get("error") if isinstance(context.response, dict) else None
        return STATUS_ZERO_TEXT.format(error=error or context.error or "no reason given")
    if code == REVENUE_WITHOUT_AMOUNT:
        return _revenue_hint(context.blueprint)
    if code == INVALID_FIELD and context.field:
        return FIELD.format(field=context.field, message=context.message)
    text = HINTS.get(code)
    return text if text and "{" not in text else None


def _field_hint(context: HintContext) -> str | None:
    record = _failed_record(context)
    if record and record.get("field"):
        message = str(record.get("message") or record.get("error") or "failed validation")
        return FIELD.format(field=record["field"], message=message)
    match = _RECORD_FIELD.search(context.error)
    return FIELD.format(field=match.group(1), message=match.group(2)) if match else None


def _failed_record(context: HintContext) -> dict[str, Any] | None:
    """This delivery's entry in /import's failed_records, matched by $insert_id."""
    body = context.response
    records = body.get("failed_records") if isinstance(body, dict) else None
    if not isinstance(records, list):
        return None
    records = [r for r in records if isinstance(r, dict)]
    ours = {str(i) for i in _insert_ids(context.operations)}
    for record in records:
        if str(record.get("$insert_id") or record.get("insert_id") or "") in ours:
            return record
    return records[0] if records else None


def _insert_ids(operations: tuple[dict[str, Any], ...]) -> list[Any]:
    ids = []
    for op in operations:
        props = (op.get("item") or {}).get("properties") or {}
        if props.get("$insert_id"):
            ids.append(props["$insert_id"])
    return ids


def _revenue_hint(blueprint: Any) -> str:
    """Names the blueprint's own revenue events and amount fields."""
    revenue = blueprint.get("revenue") if isinstance(blueprint, dict) else None
    revenue = revenue if isinstance(revenue, dict) else {}
    events = [str(e) for e in revenue.get("events") or []] or ["the revenue event"]
    amount = revenue.get("amount") or []
    amount = [amount] if isinstance(amount, str) else amount
    fields = [f"`{str(p).removeprefix('properties.')}`" for p in amount] or ["an amount"]
    return REVENUE.format(amount=" or ".join(fields), events=" / ".join(events))
