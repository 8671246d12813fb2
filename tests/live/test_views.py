"""The Live Events page and the JSON behind a row's details."""

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from delivery.models import Attempt, Delivery
from tests.delivery.helpers import mixpanel
from tests.live.conftest import delivered
from tests.support.fake_mixpanel_fixtures import API_SECRET

pytestmark = pytest.mark.django_db


def detail_url(integration_id: int, delivery_id: int) -> str:
    return reverse("integrations:live_delivery", args=[integration_id, delivery_id])


def attempt_for(row: Delivery, **fields) -> Attempt:
    batch = [{"event": "Someone else", "properties": {}}] + [op["item"] for op in row.operations]
    attempt = Attempt.objects.create(
        integration=row.integration,
        endpoint="/track",
        url="http://mixpanel.test/track?verbose=1&ip=0",
        item_count=len(batch),
        kind="delivered",
        status_code=200,
        latency_ms=12,
        request_body=json.dumps(batch),
        response_body='{"status": 1, "error": null}',
        **fields,
    )
    attempt.deliveries.add(row)
    return attempt


def test_the_page_connects_to_its_integrations_socket(staff_client, integration):
    response = staff_client.get(reverse("integrations:live", args=[integration.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-socket-path="/ws/integrations/{integration.pk}/live/"' in html
    assert "js/live.js" in html and "css/live.css" in html


def test_the_empty_state_says_what_to_do(staff_client, integration):
    html = staff_client.get(reverse("integrations:live", args=[integration.pk])).content.decode()
    assert "Send an event from your site" in html
    assert 'href="/demo/"' in html
    assert "Send test event" in html
    assert reverse("integrations:dashboard", args=[integration.pk]) in html


def test_the_page_never_renders_the_api_secret(staff_client, integration):
    html = staff_client.get(reverse("integrations:live", args=[integration.pk])).content.decode()
    assert API_SECRET not in html


def test_the_page_sends_anonymous_visitors_to_log_in(integration):
    response = Client().get(reverse("integrations:live", args=[integration.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_page_is_404_for_an_integration_that_does_not_exist(staff_client, integration):
    response = staff_client.get(reverse("integrations:live", args=[integration.pk + 1000]))
    assert response.status_code == 404


def test_the_page_is_forbidden_to_non_staff(integration):
    visitor = Client()
    visitor.force_login(User.objects.create_user("visitor", password="not-staff-123"))
    response = visitor.get(reverse("integrations:live", args=[integration.pk]))
    assert response.status_code == 403


def test_details_show_the_source_event_the_recorded_request_and_the_response(
    staff_client, integration, source
):
    # given a delivery sent in a batch with another event
    row = delivered(integration, source, "Order Completed")
    attempt_for(row)
    # when its details are fetched
    response = staff_client.get(detail_url(integration.pk, row.pk))
    # then they show the event, this delivery's items of the request, and Mixpanel's answer
    assert response.status_code == 200
    body = response.json()
    assert body["event"] == row.event.payload
    assert body["delivery"]["delivery_id"] == row.pk
    assert body["delivery"]["status"] == "delivered"
    [request] = body["requests"]
    assert request["sent"] is True
    assert request["url"] == "http://mixpanel.test/track?verbose=1&ip=0"
    assert request["batch_size"] == 2
    assert request["body"] == [{"event": "Order Completed", "properties": {}}]
    assert request["response"] == {
        "status_code": 200,
        "latency_ms": 12,
        "error": "",
        "body": {"status": 1, "error": None},
    }


def test_details_of_a_batch_stored_cut_short_show_this_deliverys_items(
    staff_client, integration, source
):
    # given: a 2,000-item request whose stored body was capped
    row = delivered(integration, source, "Order Completed")
    attempt = attempt_for(row)
    Attempt.objects.filter(pk=attempt.pk).update(
        request_body='[{"event": "Someone else"... (99,000 more characters not stored)',
        item_count=2000,
    )
    # when
    [request] = staff_client.get(detail_url(integration.pk, row.pk)).json()["requests"]
    # then: the items as this delivery built and sent them
    assert request["body"] == [{"event": "Order Completed", "properties": {}}]
    assert request["batch_size"] == 2000


def test_details_use_the_latest_attempt(staff_client, integration, source):
    row = delivered(integration, source)
    attempt_for(row, error="first try")
    latest = attempt_for(row)
    Attempt.objects.filter(pk=latest.pk).update(response_body="late answer", status_code=502)
    [request] = staff_client.get(detail_url(integration.pk, row.pk)).json()["requests"]
    assert request["response"]["status_code"] == 502
    assert request["response"]["body"] == "late answer"


def test_details_show_one_request_per_endpoint_and_what_is_not_sent_yet(
    staff_client, integration, source
):
    # given a purchase whose /track item was sent and whose /engage item waits
    row = delivered(integration, source, "Order Completed")
    engage = {"$distinct_id": "u-1", "$append": {"$transactions": {"$amount": 25}}}
    Delivery.objects.filter(pk=row.pk).update(
        operations=row.operations + [{"endpoint": "/engage", "item": engage}], status="retrying"
    )
    row.refresh_from_db()
    attempt_for(row)
    # then both show, the recorded one with its answer
    requests = staff_client.get(detail_url(integration.pk, row.pk)).json()["requests"]
    assert [(r["endpoint"], r["sent"]) for r in requests] == [("/track", True), ("/engage", False)]
    assert requests[1]["body"] == [engage]
    assert requests[1]["response"] is None


def test_details_before_any_attempt_show_the_operations_to_send(staff_client, integration, source):
    row = delivered(integration, source)
    Delivery.objects.filter(pk=row.pk).update(status="queued", status_code=None)
    body = staff_client.get(detail_url(integration.pk, row.pk)).json()
    assert body["requests"] == [
        {
            "sent": False,
            "method": "POST",
            "endpoint": "/track",
            "body": [{"event": "Product Viewed", "properties": {}}],
            "response": None,
        }
    ]


def test_details_of_a_suppressed_event_have_no_request(staff_client, integration, source):
    row = delivered(integration, source)
    Delivery.objects.filter(pk=row.pk).update(
        status="suppressed", operations=[], error="no analytics consent"
    )
    body = staff_client.get(detail_url(integration.pk, row.pk)).json()
    assert body["requests"] == []
    assert body["delivery"]["error"] == "no analytics consent"


def test_details_never_show_the_api_secret(staff_client, integration, source):
    # given a secret that found its way into the event, the operations and the answer
    row = delivered(integration, source)
    row.event.payload["properties"] = {"leak": API_SECRET}
    row.event.save()
    Delivery.objects.filter(pk=row.pk).update(
        operations=[{"endpoint": "/track", "item": {"token": API_SECRET}}], status="queued"
    )
    response = staff_client.get(detail_url(integration.pk, row.pk))
    assert API_SECRET not in response.content.decode()
    assert response.json()["requests"][0]["body"] == [{"token": "[redacted]"}]


def test_details_are_404_for_a_delivery_of_another_integration(staff_client, integration, source):
    row = delivered(mixpanel("default"), source)
    response = staff_client.get(detail_url(integration.pk, row.pk))
    assert response.status_code == 404
    assert response.json()["error"]


def test_details_are_staff_only(integration, source):
    row = delivered(integration, source)
    anonymous = Client().get(detail_url(integration.pk, row.pk))
    visitor = Client()
    visitor.force_login(User.objects.create_user("visitor", password="not-staff-123"))
    assert anonymous.status_code == 403
    assert visitor.get(detail_url(integration.pk, row.pk)).status_code == 403
