"""The delivery log and delivery page from real deliveries: the fake Mixpanel answers them."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delivery.models import Delivery
from delivery.outbox import fan_out_pending
from delivery.sender import send_pending
from integrations.destinations.mixpanel import hints
from integrations.models import Integration
from signal_admin.web.views.delivery_page import one_voice
from tests.delivery.helpers import accept, mixpanel, track

pytestmark = pytest.mark.django_db


def purchase() -> dict:
    """An Order Completed of a known user: a Purchase at /track and a charge at /engage."""
    return track(
        "Order Completed",
        userId="user-7",
        properties={"order_id": "o-1", "total": 25.0, "currency": "EUR"},
    )


def deliver(integration: Integration, *events: dict) -> None:
    accept(*events)
    fan_out_pending()
    send_pending(integration.id)


def log(client: Client, integration: Integration, **params) -> str:
    response = client.get(reverse("integrations:deliveries", args=[integration.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def page(client: Client, row: Delivery) -> str:
    url = reverse("integrations:delivery", args=[row.integration_id, row.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def text(html: str) -> str:
    """The words a reader sees: tags removed, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def log_row(html: str, row: Delivery) -> str:
    return html.split(f'data-delivery="{row.pk}"')[1].split("</tr>")[0]


def test_an_order_shows_every_request_it_made_in_its_log_row(staff_client, mixpanel_at_fake):
    # given an Order Completed delivered as a /track event and an /engage profile update
    integration = mixpanel("retail")
    deliver(integration, purchase())
    row = Delivery.objects.get(integration=integration)
    assert row.status == Delivery.DELIVERED
    assert {r["path"] for r in mixpanel_at_fake.received()} == {"/track", "/engage"}
    # then its one log row names both requests with Mixpanel's 200, and counts both
    cells = text(log_row(log(staff_client, integration), row))
    assert re.search(r"/track 200 \d+ ms · /engage 200 \d+ ms", cells), cells
    assert " 2 " in f" {cells} "
    # and the endpoint filter finds it by either request
    for endpoint in ("/track", "/engage"):
        assert f'data-delivery="{row.pk}"' in log(staff_client, integration, endpoint=endpoint)
    assert f'data-delivery="{row.pk}"' not in log(staff_client, integration, endpoint="/groups")
    # and its page lists the same requests, counting as many attempts as it shows
    html = page(staff_client, row)
    assert html.count('data-testid="attempt"') == 2
    assert re.search(r'data-testid="attempt-count">2<', html)


def test_the_log_costs_the_same_queries_for_one_delivery_or_a_page_of_them(
    staff_client, mixpanel_at_fake
):
    integration = mixpanel("retail")
    deliver(integration, purchase())
    with CaptureQueriesContext(connection) as one:
        log(staff_client, integration)
    deliver(integration, *(purchase() | {"messageId": f"m-{i}"} for i in range(49)))
    assert Delivery.objects.filter(status=Delivery.DELIVERED).count() == 50
    with CaptureQueriesContext(connection) as fifty:
        html = log(staff_client, integration)
    assert html.count("/engage</code> <span") == 50
    assert len(fifty) == len(one) <= 12


def test_a_suppressed_delivery_shows_a_neutral_reason_not_an_error(staff_client, mixpanel_at_fake):
    integration = mixpanel("retail")
    deliver(integration, track("Product Viewed", context={}))
    row = Delivery.objects.get(integration=integration)
    assert row.status == Delivery.SUPPRESSED
    cells = log_row(log(staff_client, integration), row)
    assert "status-suppressed" in cells and "reason-cell" in cells
    assert "error-cell" not in cells and "status-failed" not in cells
    assert "Reason:" in cells
    html = page(staff_client, row)
    assert 'data-testid="reason"' in html
    assert "panel-failure" not in html and "failure-error" not in html


def test_suppressed_and_filtered_are_never_styled_red():
    css = (Path(settings.BASE_DIR) / "static/css/signal.css").read_text()
    for status in ("suppressed", "filtered"):
        (rule,) = re.findall(rf"\.status-{status} \{{([^}}]*)\}}", css)
        assert "danger" not in rule, rule


def test_replay_all_is_disabled_and_not_primary_with_nothing_failed(staff_client, mixpanel_at_fake):
    integration = mixpanel("retail")
    deliver(integration, track())
    html = log(staff_client, integration)
    (button,) = re.findall(r'<button[^>]*data-testid="replay-all"[^>]*>[^<]*</button>', html)
    assert "disabled" in button and "button-primary" not in button
    assert "Replay all failed (0)" in button


def test_replaying_all_failed_asks_for_confirmation_first(staff_client, mixpanel_at_fake):
    # given two deliveries Mixpanel refused
    integration = mixpanel("retail")
    mixpanel_at_fake.script(status=400, body={"error": "bad"}, path="/track", times=5)
    deliver(integration, track(), track())
    assert Delivery.objects.filter(status=Delivery.FAILED).count() == 2
    url = reverse("integrations:replay", args=[integration.pk])
    # when the admin presses Replay all, a confirmation step says how many and changes nothing
    response = staff_client.post(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Replay 2 failed deliveries?" in html and 'name="confirm" value="yes"' in html
    assert Delivery.objects.filter(status=Delivery.FAILED).count() == 2
    # and confirming queues them again
    response = staff_client.post(url, {"confirm": "yes"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Queued 2 deliveries again."]
    assert Delivery.objects.filter(status=Delivery.QUEUED).count() == 2


def test_a_replayed_delivery_shows_it_is_queued_without_its_old_answer(
    staff_client, mixpanel_at_fake
):
    # given a delivery Mixpanel refused as malformed
    integration = mixpanel("retail")
    mixpanel_at_fake.script(status=400, body={"error": "bad event"}, path="/track", times=1)
    deliver(integration, track())
    row = Delivery.objects.get(integration=integration)
    assert (row.status, row.status_code) == (Delivery.FAILED, 400)
    # when it is replayed
    url = reverse("integrations:replay", args=[integration.pk])
    staff_client.post(url, {"delivery_id": row.pk})
    # then its page and its log row show it queued, with no current code or latency
    html = page(staff_client, row)
    status = html.split('data-testid="delivery-status">')[1].split("</span>")[0]
    assert status.strip() == "queued"
    assert 'data-testid="replayed"' in html and "before the replay" in html
    facts = text(html.split('<dl class="facts">')[1].split("</dl>")[0])
    assert "Latency —" in facts and "HTTP status —" in facts
    assert re.search(r'data-testid="attempt-count">1<', html)
    cells = log_row(log(staff_client, integration), row)
    assert "queued · 400" not in cells and ">queued<" in cells
    assert "Before the replay:" in cells


def test_the_failure_is_said_once_with_its_fix_and_the_raw_response_behind_a_disclosure(
    staff_client, mixpanel_at_fake
):
    integration = mixpanel("retail")
    mixpanel_at_fake.script(status=200, body={"status": 0, "error": "bad event"}, path="/track")
    deliver(integration, track())
    row = Delivery.objects.get(integration=integration)
    html = page(staff_client, row)
    failure = html.split('data-testid="failure"')[1].split("</section>")[0]
    assert failure.count('data-testid="hint"') == 1
    assert re.search(r"<details[^>]*>\s*<summary>Mixpanel's full response</summary>", failure)
    assert 'data-testid="error-response"' in failure.split("<details")[1]
    assert "below" not in text(failure) and "will retry" not in text(failure)
    # what happened names Mixpanel's error once; how to fix does not repeat it
    what = text(failure.split('data-testid="what-happened">')[1].split("</p>")[0])
    fix = text(failure.split('data-testid="hint">')[1].split("</p>")[0])
    assert what == "Mixpanel refused the event (status 0): bad event."
    assert fix == "How to fix: Fix the event, then replay."
    # and the attempt below does not say it a third time
    assert "attempt-error" not in html


def test_a_refused_secret_is_explained_once_and_fixed_once():
    error = (
        "Mixpanel refused the credentials (401: Invalid credentials). Invalid API secret: "
        "regenerate the API secret in Project Settings > Access Keys. Also check that the "
        "data residency setting (EU / India) matches the project's region."
    )
    what, fix = one_voice(error, hints.SECRET)
    assert what == "Mixpanel refused the credentials (401: Invalid credentials)."
    assert fix.count("Project Settings > Access Keys") == 1
    assert "EU Data Residency" in fix and "eu_data_residency" not in fix


def test_an_error_without_a_hint_is_said_whole():
    assert one_voice("userId: too long. Shorten it.", None) == (
        "userId: too long. Shorten it.",
        None,
    )


def test_a_delivery_given_up_on_does_not_say_it_will_retry(staff_client, mixpanel_at_fake):
    integration = mixpanel("retail")
    deliver(integration, track())
    row = Delivery.objects.get(integration=integration)
    Delivery.objects.filter(id=row.id).update(
        status=Delivery.FAILED,
        error="gave up after 8 attempts: Mixpanel is unavailable (503: down); will retry",
    )
    assert "will retry" not in text(page(staff_client, row))
    assert "will retry" not in text(log_row(log(staff_client, integration), row))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "bogus"}, "“bogus” is not a status"),
        ({"endpoint": "/nope"}, "“/nope” is not a endpoint"),
        ({"since": "century"}, "“century” is not a time range"),
        ({"from": "2026-13-45"}, "“2026-13-45” is not a date and time"),
        ({"to": "soon"}, "“soon” is not a date and time"),
        ({"page": "abc"}, "There is no page “abc”"),
    ],
)
def test_an_invalid_filter_value_is_answered_with_a_visible_message(
    staff_client, mixpanel_at_fake, params, message
):
    integration = mixpanel("retail")
    deliver(integration, track())
    html = log(staff_client, integration, **params)
    assert 'class="alert alert-error" role="alert"' in html
    assert message in html.replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert html.count("data-delivery=") == 1  # the filter is dropped, not applied


def test_a_page_view_is_labelled_with_its_path(staff_client, mixpanel_at_fake):
    integration = mixpanel("retail")
    view = track(type="page", context={**track()["context"], "page": {"path": "/pricing"}})
    del view["event"]
    deliver(integration, view)
    row = Delivery.objects.get(integration=integration)
    cells = log_row(log(staff_client, integration), row)
    assert ">/pricing</a>" in cells
    assert ">page</a>" not in cells


def test_counts_have_thousands_separators(staff_client, mixpanel_at_fake):
    integration = mixpanel("retail")
    deliver(integration, track())
    row = Delivery.objects.get(integration=integration)
    Delivery.objects.filter(id=row.id).update(latency_ms=12345, attempts=0)
    row.http_attempts.update(latency_ms=12345)
    assert "12,345 ms" in log(staff_client, integration)


def test_a_fresh_delivery_was_received_just_now(staff_client, mixpanel_at_fake):
    integration = mixpanel("retail")
    deliver(integration, track())
    html = log(staff_client, integration)
    assert "just now" in html and "0 min" not in html


# "Send test event" answers in the same voice


def send_test_message(client: Client, integration: Integration) -> str:
    url = reverse("integrations:send_test", args=[integration.pk])
    (message,) = [str(m) for m in client.post(url, follow=True).context["messages"]]
    return message


def test_a_test_event_mixpanel_was_down_for_never_says_it_will_retry(
    staff_client, mixpanel_at_fake
):
    integration = mixpanel("retail")
    mixpanel_at_fake.script(status=503, path="/track", body="unavailable", times=1)
    message = send_test_message(staff_client, integration)
    assert message.startswith("Test event failed (no retries): 503")
    assert "will retry" not in message


def test_a_test_event_refused_for_its_secret_names_the_fix_once(staff_client, mixpanel_at_fake):
    integration = mixpanel("retail")
    mixpanel_at_fake.script(status=401, path="/track", body={"error": "Invalid credentials"})
    message = send_test_message(staff_client, integration)
    assert message.count("Project Settings > Access Keys") == 1, message


def test_a_retrying_delivery_says_when_it_is_tried_next(staff_client, mixpanel_at_fake):
    integration = mixpanel("retail")
    mixpanel_at_fake.script(status=503, path="/track", body="unavailable", times=1)
    deliver(integration, track())
    row = Delivery.objects.get(integration=integration)
    assert row.status == Delivery.RETRYING
    html = page(staff_client, row)
    next_try = text(html.split('data-testid="next-try">')[1].split("</p>")[0])
    assert re.fullmatch(r"Next try \w+ \d+, [\d:]+ \((in \d+ s|due now)\)\.", next_try), next_try
