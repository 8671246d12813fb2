"""The troubleshooting hint for a delivery, one row of the product page's table per test."""

import json

import pytest

from delivery import hints
from delivery.hints import hint_for
from delivery.models import Attempt, Delivery, Event


def delivery(status: str = Delivery.FAILED, **fields) -> Delivery:
    fields.setdefault("event", Event(type="track", name="Order Completed", payload={}))
    return Delivery(status=status, **fields)


def attempt(status_code: int | None, body: object = "", **fields) -> Attempt:
    text = body if isinstance(body, str) else json.dumps(body)
    return Attempt(status_code=status_code, response_body=text, latency_ms=5, **fields)


def test_a_401_says_to_regenerate_the_api_secret():
    hint = hint_for(delivery(Delivery.RETRYING), attempt(401, {"error": "Invalid credentials"}))
    assert "Regenerate the API secret in Project Settings > Access Keys".lower() in hint.lower()
    assert "EU Data Residency" in hint


def test_a_401_is_recognised_from_the_delivery_alone():
    assert hint_for(delivery(status_code=401)) == hints.SECRET + hints.SECRET_THEN_RESIDENCY


def test_a_403_points_at_the_data_residency_setting():
    hint = hint_for(delivery(), attempt(403, {"error": "project not in this region"}))
    assert "EU Data Residency" in hint
    assert "US and EU endpoints are completely separate" in hint


def test_a_400_names_the_failing_field_of_this_deliverys_record():
    ours = {"endpoint": "/import", "item": {"properties": {"$insert_id": "ours"}}}
    body = {
        "code": 400,
        "failed_records": [
            {"index": 0, "$insert_id": "other", "field": "event", "message": "bad name"},
            {"index": 1, "$insert_id": "ours", "field": "properties.time", "message": "too old"},
        ],
    }
    hint = hint_for(delivery(operations=[ours]), attempt(400, body))
    assert "`properties.time`" in hint and "too old" in hint


def test_a_400_names_the_field_from_the_error_when_the_body_has_none():
    error = "some data points failed validation: 1 of 3 records (record 1: properties.time: bad)"
    hint = hint_for(delivery(error=error), attempt(400, "not json"))
    assert "`properties.time`" in hint


def test_a_400_without_a_field_points_at_the_full_response():
    assert hint_for(delivery(), attempt(400, {"error": "invalid json"})) == hints.MALFORMED


def test_status_zero_shows_mixpanels_error_text():
    hint = hint_for(delivery(error="bad event"), attempt(200, {"status": 0, "error": "bad event"}))
    assert "bad event" in hint and "status 0" in hint


def test_no_answer_shows_the_connection_error():
    failed = attempt(None, error="Could not reach Mixpanel (ConnectError); will retry")
    assert hint_for(delivery(Delivery.RETRYING), failed).startswith("Could not reach Mixpanel")


def test_a_rejection_before_sending_names_the_field():
    hint = hint_for(delivery(error="userId: is longer than 255 characters"))
    assert "`userId`" in hint and "longer than 255" in hint


def test_a_purchase_without_amount_says_to_add_total_or_revenue():
    warning = 'Revenue not appearing: "Order Completed" has no numeric properties.total'
    hint = hint_for(delivery(Delivery.DELIVERED, warnings=[warning]))
    assert "add `total` or `revenue` to Order Completed" in hint


@pytest.mark.parametrize(
    "row",
    [
        delivery(Delivery.DELIVERED, warnings=["userId is empty: sent as the anonymous user"]),
        delivery(
            Delivery.DELIVERED,
            event=Event(type="identify", payload={"type": "identify", "userId": "u-1"}),
        ),
    ],
)
def test_identity_problems_say_to_call_identify_before_tracked_events(row):
    assert "identify before or alongside tracked events" in hint_for(row)


@pytest.mark.parametrize(
    ("row", "try_"),
    [
        (delivery(Delivery.DELIVERED), attempt(200, {"status": 1, "error": None})),
        (delivery(Delivery.RETRYING, error="Mixpanel is unavailable"), attempt(503, "down")),
        (delivery(Delivery.QUEUED), None),
    ],
)
def test_no_hint_when_there_is_nothing_to_fix(row, try_):
    assert hint_for(row, try_) is None
