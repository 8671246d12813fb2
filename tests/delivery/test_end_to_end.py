"""Events in through the collection API, out at the fake Mixpanel, through real processes."""

import pytest
from segment.analytics import Client as SegmentClient

from delivery.models import Attempt, Delivery, Event
from tests.delivery.helpers import (
    CONSENTED,
    collector,
    mixpanel,
    send_batch,
    settled,
    statuses,
    track,
)
from tests.support.stack import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.services]
# A UUID v4, as analytics.js generates: Mixpanel's $identify merges only that format.
VISITOR = "0c6f4b8e-3a1d-4e2f-9b7c-5d8e1f2a3b4c"


def test_segments_own_client_reaches_mixpanel_as_the_blueprint_says_exactly_once(
    stack, fake_mixpanel
):
    # given Mixpanel installed and a source
    integration = mixpanel("retail")
    source, _ = collector(stack.base_url)
    segment = SegmentClient(source.write_key, host=stack.base_url, sync_mode=True, max_retries=1)
    denied = {"consent": {"categoryPreferences": {"analytics": False}}}
    # when a visitor browses, identifies and buys
    segment.page(
        anonymous_id=VISITOR,
        name="Home",
        context=CONSENTED,
        properties={"url": "https://shop.example/", "title": "Home"},
    )
    segment.track(
        anonymous_id=VISITOR,
        event="Product Viewed",
        context=CONSENTED,
        properties={"product_id": "p-1", "price": 12.5},
    )
    segment.identify(
        user_id="user-7",
        anonymous_id=VISITOR,
        context=CONSENTED,
        traits={"email": "jane@example.com", "name": "Jane"},
    )
    segment.track(
        user_id="user-7",
        anonymous_id=VISITOR,
        event="Order Completed",
        context=CONSENTED,
        properties={
            "order_id": "o-1",
            "total": 25.0,
            "currency": "EUR",
            "products": [{"product_id": "p-1"}],
        },
    )
    segment.track(anonymous_id="anon-8", event="Product Viewed", context=denied)
    segment.track(anonymous_id="anon-9", event="Product Viewed", context={})
    # then every consented event is delivered, the others are suppressed
    wait_until(lambda: settled(integration, 4), timeout=30)
    wait_until(lambda: statuses(integration).get("suppressed") == 2, timeout=10)
    assert Event.objects.count() == 6
    # and what arrived is exactly the stored operations, each once
    expected = [
        (op["endpoint"], op["item"])
        for d in Delivery.objects.filter(status="delivered").order_by("id")
        for op in d.operations
    ]
    received = [(r["path"], item) for r in fake_mixpanel.received() for item in r["items"]]
    assert sorted(map(repr, received)) == sorted(map(repr, expected))
    events = fake_mixpanel.events()
    assert len(events) == len(fake_mixpanel.unique_events())
    names = [e["event"] for e in events]
    assert {"page", "Product Viewed", "$identify", "Purchase"} <= set(names)
    # the user's $identify reaches Mixpanel before that user's later events
    assert names.index("$identify") < names.index("Purchase")
    assert fake_mixpanel.merged("user-7", VISITOR)  # and Mixpanel merged the visitor
    assert any("$set" in p for p in fake_mixpanel.profile_updates())


def test_events_are_batched_into_few_requests(stack, fake_mixpanel):
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    send_batch(client, [track() for _ in range(300)])
    wait_until(lambda: settled(integration, 300), timeout=30)
    track_requests = fake_mixpanel.received("/track")
    assert sum(len(r["items"]) for r in track_requests) == 300
    assert len(track_requests) < 30
    assert len(fake_mixpanel.unique_events()) == 300


def test_status_zero_fails_without_retry_and_shows_mixpanels_error(stack, fake_mixpanel):
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    fake_mixpanel.script(
        status=200, body={"status": 0, "error": "bad event"}, path="/track", times=1
    )
    send_batch(client, [track()])
    wait_until(lambda: settled(integration, 1, "failed"))
    delivery = Delivery.objects.get(integration=integration)
    assert "bad event" in delivery.error
    assert delivery.attempts == 1
    assert len(fake_mixpanel.received("/track")) == 1


def test_a_rejected_batch_is_halved_so_valid_neighbours_still_arrive(stack, fake_mixpanel):
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    fake_mixpanel.script(
        status=200, body={"status": 0, "error": "bad event"}, path="/track", times=1
    )
    send_batch(client, [track() for _ in range(2)])
    wait_until(lambda: settled(integration, 2))
    assert len(fake_mixpanel.unique_events()) == 2


def test_an_import_400_fails_only_the_records_mixpanel_names(stack, fake_mixpanel):
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    events = [track(days_ago=10) for _ in range(3)]
    # the middle record will be refused, the others are in (Mixpanel ingests them);
    # a messageId that fits Mixpanel's format is the $insert_id as it is
    insert_id = events[1]["messageId"]
    fake_mixpanel.script(
        status=400,
        path="/import",
        times=1,
        process=True,
        body={
            "code": 400,
            "error": "some data points in the request failed validation",
            "num_records_imported": 2,
            "status": "Bad Request",
            "failed_records": [
                {
                    "index": 1,
                    "$insert_id": insert_id,
                    "field": "properties.time",
                    "message": "'time' is invalid",
                }
            ],
        },
    )
    send_batch(client, events)
    wait_until(lambda: settled(integration, 2) and settled(integration, 1, "failed"))
    second = Delivery.objects.get(event__message_id=insert_id)
    assert second.status == "failed" and "'time' is invalid" in second.error
    assert Attempt.objects.filter(integration=integration, endpoint="/import").count() == 1


def test_a_401_flags_the_integration_and_deliveries_wait_until_the_secret_is_fixed(
    stack, fake_mixpanel
):
    from signal_admin.web.services import update_config
    from tests.support.fake_mixpanel_fixtures import API_SECRET

    integration = mixpanel("retail", api_secret="wrong-secret")
    _, client = collector(stack.base_url)
    send_batch(client, [track(days_ago=10) for _ in range(2)])
    wait_until(lambda: type(integration).objects.get(id=integration.id).auth_error)
    integration.refresh_from_db()
    assert "Project Settings > Access Keys" in integration.auth_error
    assert statuses(integration) == {"retrying": 2}
    assert len(fake_mixpanel.received("/import")) == 1  # no hammering with a bad secret
    # when the admin fixes the secret
    update_config(integration, {"api_secret": API_SECRET}, partial=True)
    integration.save()
    wait_until(lambda: settled(integration, 2), timeout=30)
    assert len(fake_mixpanel.unique_events()) == 2


def test_a_413_splits_the_batch_and_resends(stack, fake_mixpanel):
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    fake_mixpanel.script(
        status=413,
        path="/track",
        times=1,
        body={
            "code": 413,
            "error": "request exceeds max limit of 2097152 bytes",
            "status": "Payload Too Large",
        },
    )
    send_batch(client, [track() for _ in range(10)])
    wait_until(lambda: settled(integration, 10))
    assert len(fake_mixpanel.unique_events()) == 10
    assert len(fake_mixpanel.received("/track")) >= 3


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 429, "times": 4, "body": {"error": "rate limited"}},
        {"status": 500, "times": 2, "body": "oops"},
        {"status": 503, "times": 2, "body": "unavailable"},
        {"delay": 3.0, "times": 1},
        {"drop": True, "times": 2},
    ],
    ids=["429-storm", "500", "503", "timeout", "dropped-connection"],
)
def test_transient_failures_retry_until_every_event_arrives_once(stack, fake_mixpanel, fault):
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    fake_mixpanel.script(path="/track", **fault)
    send_batch(client, [track() for _ in range(20)])
    wait_until(lambda: settled(integration, 20), timeout=60)
    assert len(fake_mixpanel.unique_events()) == 20
    assert Attempt.objects.filter(integration=integration).count() >= 2
    retried = Delivery.objects.filter(integration=integration, attempts__gte=2).count()
    assert retried == 20


def test_an_event_older_than_five_days_goes_to_import_with_basic_auth(stack, fake_mixpanel):
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    send_batch(client, [track(days_ago=10)])
    wait_until(lambda: settled(integration, 1))
    (request,) = fake_mixpanel.received("/import")
    assert request["headers"]["authorization"].startswith("Basic ")
    assert request["query"].get("strict") == "1"
    assert not fake_mixpanel.received("/track")


def test_a_worker_killed_mid_batch_loses_nothing(stack, fake_mixpanel):
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    # the first send hangs long enough for us to kill the worker in the middle of it
    fake_mixpanel.script(path="/track", delay=3.0, times=1)
    send_batch(client, [track() for _ in range(50)])
    wait_until(lambda: fake_mixpanel.received("/track"), timeout=20)
    stack.kill("worker")
    stack.start_worker("worker2")
    wait_until(lambda: settled(integration, 50), timeout=60)
    assert len(fake_mixpanel.unique_events()) == 50


def test_transient_failures_past_the_retry_window_fail_with_the_last_error(stack, fake_mixpanel):
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    fake_mixpanel.script(path="/track", status=503, body="down", times=1000)
    Delivery.objects.none()
    send_batch(client, [track()])
    wait_until(lambda: Delivery.objects.filter(integration=integration, attempts__gte=2).exists())
    # the window is measured from the first attempt; move it back past four hours
    from datetime import timedelta

    from django.utils import timezone

    Delivery.objects.filter(integration=integration).update(
        first_attempt_at=timezone.now() - timedelta(hours=5)
    )
    wait_until(lambda: settled(integration, 1, "failed"), timeout=30)
    delivery = Delivery.objects.get(integration=integration)
    assert "gave up" in delivery.error and "503" in delivery.error


def test_a_failed_delivery_replayed_from_the_api_arrives_with_the_same_insert_id(
    stack, fake_mixpanel, client
):
    from integrations.models import ApiToken

    integration = mixpanel("retail")
    _, collect = collector(stack.base_url)
    fake_mixpanel.script(
        status=200, body={"status": 0, "error": "bad event"}, path="/track", times=1
    )
    send_batch(collect, [track()])
    wait_until(lambda: settled(integration, 1, "failed"))
    delivery = Delivery.objects.get(integration=integration)
    insert_id = delivery.operations[0]["item"]["properties"]["$insert_id"]
    _, token = ApiToken.issue("replay")
    response = client.post(
        f"/v1/admin/integrations/{integration.id}/deliveries/{delivery.id}/replay",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.json() == {"replayed": 1}
    wait_until(lambda: settled(integration, 1), timeout=30)
    (event,) = fake_mixpanel.unique_events()
    assert event["properties"]["$insert_id"] == insert_id
