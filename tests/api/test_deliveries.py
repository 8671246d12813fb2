from django.utils import timezone

from delivery.models import Attempt, Delivery, Event
from integrations.models import Source


def make_delivery(integration, status: str, name: str = "Product Viewed", **extra) -> Delivery:
    source, _ = Source.objects.get_or_create(name="Website")
    event = Event.objects.create(
        source=source,
        message_id=f"m-{Event.objects.count()}",
        type="track",
        name=name,
        payload={"type": "track", "event": name, "anonymousId": "a"},
        received_at=timezone.now(),
        fanned_out_at=timezone.now(),
    )
    op = {"endpoint": "/track", "item": {"event": name, "properties": {"token": "tok-123"}}}
    return Delivery.objects.create(
        event=event,
        integration=integration,
        status=status,
        operations=[op],
        endpoint="/track",
        **extra,
    )


def test_the_delivery_log_lists_newest_first_and_filters_by_status(api, integration):
    first = make_delivery(integration, "delivered")
    second = make_delivery(integration, "failed", error="bad event")
    body = api.get(f"/v1/admin/integrations/{integration.id}/deliveries").json()
    assert [d["id"] for d in body["items"]] == [second.id, first.id]
    failed = api.get(f"/v1/admin/integrations/{integration.id}/deliveries?status=failed").json()
    assert [d["id"] for d in failed["items"]] == [second.id]
    assert failed["items"][0]["error"] == "bad event"


def test_the_delivery_log_pages_with_before_id(api, integration):
    rows = [make_delivery(integration, "delivered") for _ in range(5)]
    url = f"/v1/admin/integrations/{integration.id}/deliveries?limit=2"
    page1 = api.get(url).json()
    assert [d["id"] for d in page1["items"]] == [rows[4].id, rows[3].id]
    page2 = api.get(f"{url}&before_id={page1['next_before_id']}").json()
    assert [d["id"] for d in page2["items"]] == [rows[2].id, rows[1].id]


def test_the_delivery_log_filters_by_event_name_and_endpoint(api, integration):
    make_delivery(integration, "delivered", name="Order Completed", destination_event="Purchase")
    make_delivery(integration, "delivered", name="Product Viewed")
    base = f"/v1/admin/integrations/{integration.id}/deliveries"
    assert len(api.get(f"{base}?event=Purchase").json()["items"]) == 1
    assert len(api.get(f"{base}?event=Order Completed").json()["items"]) == 1
    assert len(api.get(f"{base}?endpoint=/engage").json()["items"]) == 0


def test_an_unknown_status_filter_is_a_400_naming_the_field(api, integration):
    response = api.get(f"/v1/admin/integrations/{integration.id}/deliveries?status=lost")
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_a_delivery_shows_its_source_event_and_attempts_without_secrets(api, integration):
    delivery = make_delivery(integration, "failed")
    attempt = Attempt.objects.create(
        integration=integration,
        endpoint="/track",
        url="http://mp/track?verbose=1",
        item_count=1,
        kind="rejected",
        status_code=200,
        latency_ms=5,
        request_body='[{"event": "x"}]',
        response_body='{"status":0,"error":"bad"}',
    )
    attempt.deliveries.add(delivery)
    response = api.get(f"/v1/admin/integrations/{integration.id}/deliveries/{delivery.id}")
    body = response.json()
    assert body["source_event"]["event"] == "Product Viewed"
    assert body["http_attempts"][0]["response_body"] == '{"status":0,"error":"bad"}'
    assert "stored-secret-value" not in response.content.decode()


def test_replaying_one_failed_delivery_queues_it_again(api, integration):
    delivery = make_delivery(integration, "failed", error="bad", attempts=3)
    response = api.post(f"/v1/admin/integrations/{integration.id}/deliveries/{delivery.id}/replay")
    assert response.json() == {"replayed": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == ("queued", 0, "")


def test_replaying_a_delivered_delivery_is_refused_as_a_conflict(api, integration):
    delivery = make_delivery(integration, "delivered")
    response = api.post(f"/v1/admin/integrations/{integration.id}/deliveries/{delivery.id}/replay")
    assert response.status_code == 409
    assert "status" in response.json()["fields"]


def test_replaying_all_queues_every_failed_delivery_of_the_integration(api, integration):
    for _ in range(3):
        make_delivery(integration, "failed")
    make_delivery(integration, "delivered")
    response = api.post(f"/v1/admin/integrations/{integration.id}/deliveries/replay")
    assert response.json() == {"replayed": 3}
    assert Delivery.objects.filter(status="queued").count() == 3


def test_a_delivery_of_another_integration_is_404(api, integration):
    other = make_delivery(integration, "failed")
    response = api.get(f"/v1/admin/integrations/{integration.id + 99}/deliveries/{other.id}")
    assert response.status_code == 404


def test_a_failed_delivery_with_nothing_to_send_is_not_replayed(api, integration):
    # given a delivery the mapping rejected (no operations) beside one Mixpanel refused
    rejected = make_delivery(integration, "failed", error="userId: placeholder")
    Delivery.objects.filter(id=rejected.id).update(operations=[])
    make_delivery(integration, "failed", error="bad event")
    # when all failed deliveries are replayed
    response = api.post(f"/v1/admin/integrations/{integration.id}/deliveries/replay")
    # then only the one with operations goes out again
    assert response.json() == {"replayed": 1}
    rejected.refresh_from_db()
    assert rejected.status == "failed"
