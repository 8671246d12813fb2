"""The troubleshooting hint for a delivery, one row of the product page's table per test.

The pipeline asks the delivery's destination by code: the attempt's code (as the client
classified the answer), the warnings' codes (as the transform gave them), or the generic
code for an event the transform rejected.
"""

import json

import pytest

from delivery.hints import hint_for
from delivery.models import Attempt, Delivery, Event
from integrations.destinations.mixpanel import hints
from integrations.destinations.mixpanel.entry import MIXPANEL
from integrations.models import Integration


def delivery(status: str = Delivery.FAILED, **fields) -> Delivery:
    fields.setdefault("event", Event(type="track", name="Order Completed", payload={}))
    blueprint = fields.pop("blueprint", None) or MIXPANEL.load_blueprint("default")
    integration = Integration(catalog_key="mixpanel", variant="default", blueprint=blueprint)
    return Delivery(status=status, integration=integration, **fields)


def attempt(status_code: int | None, body: object = "", code: str = "", **fields) -> Attempt:
    text = body if isinstance(body, str) else json.dumps(body)
    return Attempt(status_code=status_code, response_body=text, latency_ms=5, code=code, **fields)


def test_a_refused_secret_says_to_regenerate_the_api_secret():
    answer = attempt(401, {"error": "Invalid credentials"}, code=hints.INVALID_SECRET)
    hint = hint_for(delivery(Delivery.RETRYING), answer)
    assert "Regenerate the API secret in Project Settings > Access Keys".lower() in hint.lower()
    assert "EU Data Residency" in hint


def test_a_host_of_the_wrong_region_points_at_the_data_residency_setting():
    hint = hint_for(delivery(), attempt(403, {"error": "not in region"}, code=hints.WRONG_REGION))
    assert "EU Data Residency" in hint
    assert "US and EU endpoints are completely separate" in hint


def test_failed_records_name_the_failing_field_of_this_deliverys_record():
    ours = {"endpoint": "/import", "item": {"properties": {"$insert_id": "ours"}}}
    body = {
        "code": 400,
        "failed_records": [
            {"index": 0, "$insert_id": "other", "field": "event", "message": "bad name"},
            {"index": 1, "$insert_id": "ours", "field": "properties.time", "message": "too old"},
        ],
    }
    answer = attempt(400, body, code=hints.INVALID_RECORDS)
    hint = hint_for(delivery(operations=[ours]), answer)
    assert "`properties.time`" in hint and "too old" in hint


def test_failed_records_name_the_field_from_the_error_when_the_body_has_none():
    error = "some data points failed validation: 1 of 3 records (record 1: properties.time: bad)"
    hint = hint_for(delivery(error=error), attempt(400, "not json", code=hints.INVALID_RECORDS))
    assert "`properties.time`" in hint


def test_a_malformed_request_points_at_the_full_response():
    answer = attempt(400, {"error": "invalid json"}, code=hints.MALFORMED)
    assert hint_for(delivery(), answer) == hints.MALFORMED_TEXT


def test_status_zero_shows_the_destinations_error_text():
    answer = attempt(200, {"status": 0, "error": "bad event"}, code=hints.STATUS_ZERO)
    hint = hint_for(delivery(error="bad event"), answer)
    assert "bad event" in hint and "status 0" in hint


def test_no_answer_shows_the_connection_error():
    failed = attempt(None, error="Could not reach Mixpanel (ConnectError); will retry")
    assert hint_for(delivery(Delivery.RETRYING), failed).startswith("Could not reach Mixpanel")


def test_a_rejection_before_sending_names_the_field():
    hint = hint_for(delivery(error="userId: is longer than 255 characters"))
    assert "`userId`" in hint and "longer than 255" in hint


def test_a_rejection_without_a_field_says_signal_did_not_send_it():
    assert (
        hint_for(delivery(error="no usable id")) == "Signal did not send this event: no usable id"
    )


def test_a_purchase_without_amount_names_the_blueprints_amount_fields_and_event():
    row = delivery(Delivery.DELIVERED, warning_codes=[hints.REVENUE_WITHOUT_AMOUNT])
    assert "add `total` or `revenue` to Order Completed" in hint_for(row)


def test_the_revenue_hint_follows_a_renamed_revenue_event():
    blueprint = MIXPANEL.load_blueprint("default")
    blueprint["revenue"] |= {"events": ["Checkout Finished"], "amount": ["properties.value"]}
    row = delivery(
        Delivery.DELIVERED, warning_codes=[hints.REVENUE_WITHOUT_AMOUNT], blueprint=blueprint
    )
    assert "add `value` to Checkout Finished" in hint_for(row)
    assert "Order Completed" not in hint_for(row)


def test_a_warnings_text_alone_never_picks_a_hint():
    warning = 'Revenue not appearing: "Order Completed" has no numeric properties.total'
    assert hint_for(delivery(Delivery.DELIVERED, warnings=[warning])) is None


@pytest.mark.parametrize("code", [hints.SENT_AS_ANONYMOUS, hints.IDENTIFY_WITHOUT_ANONYMOUS_ID])
def test_identity_problems_say_to_call_identify_before_tracked_events(code):
    row = delivery(Delivery.DELIVERED, warning_codes=[code])
    assert "identify before or alongside tracked events" in hint_for(row)


@pytest.mark.parametrize(
    ("row", "try_"),
    [
        (delivery(Delivery.DELIVERED), attempt(200, {"status": 1, "error": None})),
        (
            delivery(Delivery.RETRYING, error="Mixpanel is unavailable"),
            attempt(503, "down", code=hints.UNAVAILABLE),
        ),
        (delivery(Delivery.QUEUED), None),
    ],
)
def test_no_hint_when_there_is_nothing_to_fix(row, try_):
    assert hint_for(row, try_) is None
