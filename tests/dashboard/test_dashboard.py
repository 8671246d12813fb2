"""The dashboard, the delivery log, the delivery page, replay and "Send test event"."""

import json
import uuid
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from delivery.models import Attempt, Delivery, Event
from integrations.catalog import get_destination
from integrations.models import Integration, Source
from signal_admin.web import dashboard_stats
from signal_admin.web.services import install
from tests.support.fake_mixpanel_fixtures import API_SECRET, TOKEN

SECRET = "dash-s3cret-value-5521"
AUTH_ERROR = (
    "Mixpanel refused the credentials (401: Invalid credentials). Invalid API secret: "
    "regenerate the API secret in Project Settings > Access Keys."
)


@pytest.fixture
def integration(db) -> Integration:
    return install(
        get_destination("mixpanel"),
        name="Mixpanel",
        variant="retail",
        config={"project_token": TOKEN, "api_secret": SECRET},
    )


def make_delivery(
    integration: Integration,
    status: str = Delivery.DELIVERED,
    *,
    minutes_ago: float = 0,
    name: str = "Product Viewed",
    destination_event: str = "Product Viewed",
    endpoint: str = "/track",
    **fields,
) -> Delivery:
    source, _ = Source.objects.get_or_create(name="site")
    message_id = uuid.uuid4().hex
    payload = {"type": "track", "event": name, "messageId": message_id, "anonymousId": "a-1"}
    event = Event.objects.create(
        source=source,
        message_id=message_id,
        type="track",
        name=name,
        payload=payload,
        received_at=timezone.now(),
    )
    item = {"event": destination_event, "properties": {"$insert_id": message_id}}
    fields.setdefault("operations", [{"endpoint": endpoint, "item": item}])
    row = Delivery.objects.create(
        event=event,
        integration=integration,
        status=status,
        destination_event=destination_event,
        endpoint=endpoint,
        **fields,
    )
    when = timezone.now() - timedelta(minutes=minutes_ago)
    Delivery.objects.filter(id=row.id).update(created_at=when, updated_at=when)
    row.refresh_from_db()
    return row


def add_attempt(row: Delivery, status_code: int | None, response: object, **fields) -> Attempt:
    body = response if isinstance(response, str) else json.dumps(response)
    attempt = Attempt.objects.create(
        integration=row.integration,
        endpoint=row.endpoint,
        url=f"https://api.mixpanel.com{row.endpoint}?verbose=1",
        item_count=1,
        kind=fields.pop("kind", "delivered"),
        status_code=status_code,
        latency_ms=42,
        request_body=json.dumps([op["item"] for op in row.operations]),
        response_body=body,
        **fields,
    )
    attempt.deliveries.add(row)
    return attempt


def get(staff_client: Client, name: str, *args, **params) -> str:
    response = staff_client.get(reverse(f"integrations:{name}", args=args), params)
    assert response.status_code == 200
    return response.content.decode()


def log_ids(staff_client: Client, integration: Integration, **params) -> list[int]:
    response = staff_client.get(reverse("integrations:deliveries", args=[integration.pk]), params)
    return [row.pk for row in response.context["page"].object_list]


# The dashboard


def test_counts_cover_the_last_hour_and_the_last_day(staff_client, integration):
    # given deliveries spread over two days
    for minutes in (1, 5, 180):
        make_delivery(integration, Delivery.DELIVERED, minutes_ago=minutes)
    make_delivery(integration, Delivery.DELIVERED, minutes_ago=60 * 30)
    make_delivery(integration, Delivery.FAILED, minutes_ago=30)
    make_delivery(integration, Delivery.RETRYING, minutes_ago=300)
    make_delivery(integration, Delivery.SUPPRESSED, minutes_ago=2)
    make_delivery(integration, Delivery.FILTERED, minutes_ago=90)
    # when the dashboard is opened
    response = staff_client.get(reverse("integrations:dashboard", args=[integration.pk]))
    # then
    counts = {row["status"]: (row["hour"], row["day"]) for row in response.context["counts"]}
    assert counts == {
        "delivered": (2, 3),
        "retrying": (0, 1),
        "failed": (1, 1),
        "suppressed": (1, 1),
        "filtered": (0, 1),
    }
    log = reverse("integrations:deliveries", args=[integration.pk])
    assert f'href="{log}?status=failed&amp;since=day"' in response.content.decode()


def test_the_chart_draws_stacked_bars_per_hour_or_per_minute(staff_client, integration):
    make_delivery(integration, Delivery.DELIVERED, minutes_ago=1)
    make_delivery(integration, Delivery.DELIVERED, minutes_ago=2)
    make_delivery(integration, Delivery.FAILED, minutes_ago=2)
    make_delivery(integration, Delivery.RETRYING, minutes_ago=120)

    html = get(staff_client, "dashboard", integration.pk)
    assert html.count('<g class="chart-bar">') == 24
    assert 'class="bar-delivered"' in html and 'class="bar-failed"' in html
    assert 'class="bar-retrying"' in html
    assert "<script" not in html.split('data-testid="chart"')[1].split("</figure>")[0]

    html = get(staff_client, "dashboard", integration.pk, window="hour")
    assert html.count('<g class="chart-bar">') == 60
    assert 'class="bar-retrying"' not in html  # two hours ago is outside the last hour


def test_chart_bars_are_scaled_to_the_busiest_bucket(integration):
    for _ in range(3):
        make_delivery(integration, Delivery.DELIVERED, minutes_ago=1)
    make_delivery(integration, Delivery.FAILED, minutes_ago=1)
    chart = dashboard_stats.chart(integration, "hour")
    (bar,) = [b for b in chart["bars"] if b["segments"]]
    delivered, failed = bar["segments"]
    assert (delivered["kind"], failed["kind"]) == ("delivered", "failed")
    assert delivered["height"] == pytest.approx(3 * failed["height"])
    assert failed["y"] + failed["height"] == pytest.approx(delivered["y"])  # stacked on top
    assert chart["totals"] == {"delivered": 3, "retrying": 0, "failed": 1}
    assert [g["label"] for g in chart["gridlines"]] == [0, 2, 4]


def test_the_chart_writes_big_numbers_with_thousands_separators():
    start = timezone.now()
    series = [(start, {Delivery.DELIVERED: 1500, Delivery.FAILED: 12})]
    chart = dashboard_stats.geometry(series, timedelta(hours=1), "H:i", 1)
    html = render_to_string("integrations/_chart.html", {"chart": chart})
    assert "Delivered 1,500" in html and "Failed 12" in html
    assert ">2,000</text>" in html  # the axis top
    assert "1,500 delivered" in chart["bars"][0]["title"]


@pytest.mark.parametrize(("value", "top"), [(0, 2), (3, 4), (9, 10), (11, 20), (45, 60)])
def test_the_axis_top_is_a_round_number(value, top):
    assert dashboard_stats.nice_max(value) == top


def test_health_shows_the_auth_error_with_its_fix(staff_client, integration):
    integration.auth_error = AUTH_ERROR
    integration.save()
    html = get(staff_client, "dashboard", integration.pk)
    health = html.split('data-testid="health"')[1].split("</section>")[0]
    assert "Auth error" in health
    assert "Project Settings &gt; Access Keys" in health
    assert reverse("integrations:edit", args=[integration.pk]) in health


def test_the_last_error_is_the_latest_failed_or_retrying_delivery(staff_client, integration):
    make_delivery(integration, Delivery.FAILED, minutes_ago=50, error="old trouble")
    latest = make_delivery(integration, Delivery.RETRYING, minutes_ago=5, error="Rate limited")
    make_delivery(integration, Delivery.DELIVERED, minutes_ago=1)
    html = get(staff_client, "dashboard", integration.pk)
    panel = html.split('data-testid="last-error"')[1].split("</section>")[0]
    assert "Rate limited" in panel and "old trouble" not in panel
    assert reverse("integrations:delivery", args=[integration.pk, latest.pk]) in panel


def test_the_dashboard_links_live_events_the_log_settings_and_shows_the_blueprint(
    staff_client, integration
):
    html = get(staff_client, "dashboard", integration.pk)
    for name in ("live", "deliveries", "edit", "send_test"):
        assert reverse(f"integrations:{name}", args=[integration.pk]) in html
    assert "alpha · blueprint 0.1.0" in html


def test_the_detail_page_is_the_dashboard_and_the_settings(staff_client, integration):
    integration.auth_error = AUTH_ERROR
    integration.save()
    html = get(staff_client, "detail", integration.pk)
    assert 'data-testid="health"' in html and 'data-testid="chart"' in html
    assert "refused the credentials" in html
    assert 'data-field="project_token"' in html


def test_install_on_your_site_shows_the_first_sources_write_key(staff_client, integration):
    html = get(staff_client, "dashboard", integration.pk)
    assert "create_source" in html  # no source yet: how to make one
    source = Source.objects.create(name="Shop")
    html = get(staff_client, "dashboard", integration.pk)
    section = html.split('data-testid="install-section"')[1].split("</section>")[0]
    assert source.write_key in section
    assert "http://testserver" in section


def test_install_on_your_site_never_offers_the_demo_shops_source(staff_client, integration):
    # given the demo shop opened first, so its source is the oldest
    assert staff_client.get("/demo/").status_code == 200
    demo = Source.objects.get(name="Demo shop")
    html = get(staff_client, "dashboard", integration.pk)
    assert "create_source" in html  # the demo's source is not the user's
    # when the user makes a source of their own
    own = Source.objects.create(name="Shop")
    html = get(staff_client, "dashboard", integration.pk)
    # then the snippet has the user's key, never the demo's
    section = html.split('data-testid="install-section"')[1].split("</section>")[0]
    assert own.write_key in section
    assert demo.write_key not in section


# The delivery log


def test_the_log_is_newest_first_fifty_a_page(staff_client, integration):
    rows = [make_delivery(integration) for _ in range(120)]
    newest_first = [r.pk for r in reversed(rows)]
    assert log_ids(staff_client, integration) == newest_first[:50]
    assert log_ids(staff_client, integration, page=3) == newest_first[100:]
    html = get(staff_client, "deliveries", integration.pk, page=2)
    assert "51–100 of 120" in html
    assert "?page=1" in html and "?page=3" in html


def test_pages_keep_the_filters(staff_client, integration):
    for _ in range(60):
        make_delivery(integration, Delivery.FAILED)
    html = get(staff_client, "deliveries", integration.pk, status="failed")
    assert "?status=failed&amp;page=2" in html


def test_the_log_filters_by_status_endpoint_and_event_name(staff_client, integration):
    delivered = make_delivery(integration, name="Order Completed", destination_event="Purchase")
    failed = make_delivery(integration, Delivery.FAILED, endpoint="/import")
    profile = make_delivery(integration, name="", destination_event="$set", endpoint="/engage")
    assert log_ids(staff_client, integration, status="failed") == [failed.pk]
    assert log_ids(staff_client, integration, endpoint="/engage") == [profile.pk]
    assert log_ids(staff_client, integration, q="order comp") == [delivered.pk]
    assert log_ids(staff_client, integration, q="purchase") == [delivered.pk]


def test_the_log_filters_by_time(staff_client, integration):
    older = make_delivery(integration, minutes_ago=60 * 24 * 30)
    this_week = make_delivery(integration, minutes_ago=60 * 24 * 3)
    today = make_delivery(integration, minutes_ago=60 * 5)
    recent = make_delivery(integration, minutes_ago=10)
    assert log_ids(staff_client, integration, since="hour") == [recent.pk]
    assert log_ids(staff_client, integration, since="day") == [recent.pk, today.pk]
    assert log_ids(staff_client, integration, since="week") == [recent.pk, today.pk, this_week.pk]
    start = (timezone.now() - timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")
    end = (timezone.now() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert log_ids(staff_client, integration, **{"from": start, "to": end}) == [
        this_week.pk,
        older.pk,
    ]


def test_a_bad_date_is_reported_and_ignored(staff_client, integration):
    make_delivery(integration)
    html = get(staff_client, "deliveries", integration.pk, **{"from": "yesterday-ish"})
    assert "is not a date and time" in html
    assert len(log_ids(staff_client, integration, **{"from": "yesterday-ish"})) == 1


def test_each_row_shows_time_events_endpoint_status_attempts_latency_and_error(
    staff_client, integration
):
    make_delivery(
        integration,
        Delivery.FAILED,
        name="Order Completed",
        destination_event="Purchase",
        status_code=400,
        attempts=2,
        latency_ms=87,
        error="properties.time: 'time' is invalid",
    )
    html = get(staff_client, "deliveries", integration.pk)
    row = html.split("<tbody>")[1]
    assert "Order Completed" in row and "→ Purchase" in row
    assert "<code>/track</code>" in row
    assert "failed · 400" in row
    assert ">2</td>" in row and "87 ms" in row
    assert "&#x27;time&#x27; is invalid" in row


# The delivery page


def test_the_delivery_page_shows_bodies_mixpanels_error_and_the_hint(staff_client, integration):
    row = make_delivery(
        integration,
        Delivery.FAILED,
        endpoint="/import",
        status_code=400,
        attempts=1,
        error="some data points in the request failed validation",
        warnings=["properties.$os is reserved; Signal sets it itself"],
    )
    insert_id = row.operations[0]["item"]["properties"]["$insert_id"]
    response = {
        "code": 400,
        "error": "some data points in the request failed validation",
        "failed_records": [
            {"index": 0, "$insert_id": insert_id, "field": "properties.time", "message": "old"}
        ],
    }
    add_attempt(row, 400, response, kind="rejected", code="invalid_records")
    html = get(staff_client, "delivery", integration.pk, row.pk)
    assert 'data-testid="source-event"' in html and row.event.message_id in html
    assert 'data-testid="operations"' in html
    assert "https://api.mixpanel.com/import?verbose=1" in html
    assert html.count("failed_records") >= 2  # the error panel and the attempt's response
    assert "Mixpanel refused the field `properties.time`" in html
    assert "properties.$os is reserved" in html
    assert "42 ms" in html
    assert f'name="delivery_id" value="{row.pk}"' in html


def test_a_batched_attempt_shows_only_this_deliverys_items(staff_client, integration):
    row = make_delivery(integration)
    other = make_delivery(integration)
    attempt = add_attempt(row, 200, {"status": 1, "error": None})
    both = [op["item"] for d in (row, other) for op in d.operations]
    Attempt.objects.filter(id=attempt.id).update(item_count=2, request_body=json.dumps(both))
    html = get(staff_client, "delivery", integration.pk, row.pk)
    assert row.event.message_id in html.split("Attempts")[1]
    assert other.event.message_id not in html
    assert "this event's 1 of 2 items" in html


def test_a_delivery_of_another_integration_is_not_found(staff_client, integration):
    other = install(
        get_destination("mixpanel"),
        name="Other",
        variant="default",
        config={
            "project_token": TOKEN,
            "api_secret": API_SECRET,
        },
    )
    row = make_delivery(other)
    url = reverse("integrations:delivery", args=[integration.pk, row.pk])
    assert staff_client.get(url).status_code == 404


# Replay


def test_replaying_one_failed_delivery_queues_it_again(staff_client, integration):
    row = make_delivery(integration, Delivery.FAILED, attempts=3, error="bad event")
    untouched = make_delivery(integration, Delivery.FAILED, attempts=1)
    url = reverse("integrations:replay", args=[integration.pk])
    response = staff_client.post(url, {"delivery_id": row.pk}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Queued 1 delivery again."]
    assert response.redirect_chain[-1][0] == reverse(
        "integrations:delivery", args=[integration.pk, row.pk]
    )
    row.refresh_from_db()
    assert (row.status, row.attempts, row.error) == ("queued", 0, "")
    untouched.refresh_from_db()
    assert untouched.status == "failed"


def test_replaying_all_failed_deliveries(staff_client, integration):
    failed = [make_delivery(integration, Delivery.FAILED, attempts=2) for _ in range(3)]
    delivered = make_delivery(integration, Delivery.DELIVERED, attempts=1)
    html = get(staff_client, "deliveries", integration.pk)
    assert "Replay all failed (3)" in html
    url = reverse("integrations:replay", args=[integration.pk])
    response = staff_client.post(url, {"confirm": "yes"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Queued 3 deliveries again."]
    for row in failed:
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("queued", 0)
    delivered.refresh_from_db()
    assert delivered.status == "delivered"


def test_replay_requires_post_and_a_numeric_id(staff_client, integration):
    url = reverse("integrations:replay", args=[integration.pk])
    assert staff_client.get(url).status_code == 405
    assert staff_client.post(url, {"delivery_id": "x"}).status_code == 400


@pytest.mark.parametrize("raw", ["9" * 30, "\u00b2", "-1"])
def test_a_delivery_id_no_row_can_have_is_refused(staff_client, integration, raw):
    url = reverse("integrations:replay", args=[integration.pk])
    assert staff_client.post(url, {"delivery_id": raw}).status_code == 400


def test_a_page_for_a_huge_id_is_not_found(staff_client, integration):
    huge = "9" * 30
    assert staff_client.get(f"/integrations/{integration.pk}/deliveries/{huge}/").status_code == 404
    assert staff_client.get(f"/integrations/{huge}/dashboard/").status_code == 404
    biggest = "9" * 18
    assert staff_client.get(f"/integrations/{biggest}/dashboard/").status_code == 404


# Secrets


def test_the_api_secret_never_appears_on_these_pages(staff_client, integration):
    integration.auth_error = AUTH_ERROR
    integration.save()
    row = make_delivery(integration, Delivery.FAILED, endpoint="/import", status_code=401)
    add_attempt(row, 401, {"error": "Invalid credentials"}, kind="auth_error")
    pages = [
        ("dashboard", [integration.pk], {}),
        ("dashboard", [integration.pk], {"window": "hour"}),
        ("detail", [integration.pk], {}),
        ("deliveries", [integration.pk], {}),
        ("delivery", [integration.pk, row.pk], {}),
    ]
    for name, args, params in pages:
        response = staff_client.get(reverse(f"integrations:{name}", args=args), params)
        assert response.status_code == 200
        assert SECRET.encode() not in response.content, name


def test_anonymous_visitors_are_sent_to_log_in(db, integration):
    row = make_delivery(integration)
    for name, args in [
        ("dashboard", [integration.pk]),
        ("deliveries", [integration.pk]),
        ("delivery", [integration.pk, row.pk]),
    ]:
        response = Client().get(reverse(f"integrations:{name}", args=args))
        assert response.status_code == 302 and response.url.startswith("/login/")
    for name in ("replay", "send_test"):
        response = Client().post(reverse(f"integrations:{name}", args=[integration.pk]))
        assert response.status_code == 302


# Send test event


@pytest.fixture
def live_integration(db, mixpanel_at_fake) -> Integration:
    return install(
        get_destination("mixpanel"),
        name="Mixpanel",
        variant="retail",
        config={"project_token": TOKEN, "api_secret": API_SECRET},
    )


def send_test(staff_client: Client, integration: Integration):
    url = reverse("integrations:send_test", args=[integration.pk])
    return staff_client.post(url, follow=True)


def test_send_test_event_shows_mixpanels_200(staff_client, live_integration, mixpanel_at_fake):
    response = send_test(staff_client, live_integration)
    assert [str(m) for m in response.context["messages"]] == [
        'Test event delivered: 200 {"status":1,"error":null}'
    ]
    assert response.redirect_chain[-1][0] == reverse(
        "integrations:dashboard", args=[live_integration.pk]
    )
    assert [e["event"] for e in mixpanel_at_fake.events()] == ["Signal Test Event"]


def test_send_test_event_goes_back_to_the_page_it_came_from(staff_client, live_integration):
    url = reverse("integrations:send_test", args=[live_integration.pk])
    detail = reverse("integrations:detail", args=[live_integration.pk])
    assert staff_client.post(url, {"next": detail}).url == detail
    assert staff_client.post(url, {"next": "https://evil.example/"}).url == reverse(
        "integrations:dashboard", args=[live_integration.pk]
    )


def test_send_test_event_shows_a_refused_secret_with_the_fix(
    staff_client, live_integration, mixpanel_at_fake
):
    # /track does not check the secret in reality; the script stands in for any refusal
    mixpanel_at_fake.script(status=401, path="/track", body={"error": "Invalid credentials"})
    response = send_test(staff_client, live_integration)
    (message,) = [str(m) for m in response.context["messages"]]
    assert message.startswith("Test event failed (no retries): 401")
    assert "Invalid credentials" in message
    assert "Project Settings > Access Keys" in message
    assert SECRET.encode() not in response.content


def test_send_test_event_is_not_retried_when_mixpanel_is_down(
    staff_client, live_integration, mixpanel_at_fake
):
    mixpanel_at_fake.script(status=503, path="/track", body="unavailable", times=1)
    response = send_test(staff_client, live_integration)
    (message,) = [str(m) for m in response.context["messages"]]
    assert message.startswith("Test event failed (no retries): 503 unavailable")
    assert len(mixpanel_at_fake.received("/track")) == 1
    assert Delivery.objects.get(integration=live_integration).status == "failed"


def test_send_test_event_shows_status_zero_with_mixpanels_error(
    staff_client, live_integration, mixpanel_at_fake
):
    body = {"status": 0, "error": "bad event"}
    mixpanel_at_fake.script(status=200, path="/track", body=body, times=1)
    (message,) = [str(m) for m in send_test(staff_client, live_integration).context["messages"]]
    assert message.startswith('Test event failed (no retries): 200 {"status":0')
    assert "bad event" in message
