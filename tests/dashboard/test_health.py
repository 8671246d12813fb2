"""The dashboard's Health, from real deliveries sent through the pipeline to the fake Mixpanel."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from delivery.models import Delivery
from delivery.outbox import fan_out_pending
from delivery.sender import send_pending
from delivery.test_event import send_test_event
from integrations.models import Integration
from signal_admin.web.health import health as health_of
from tests.delivery.helpers import accept, mixpanel, statuses, track

NO_CONSENT = {"ip": "203.0.113.7"}
INVALID = {"status": 0, "error": "'properties.time' is invalid"}


@pytest.fixture
def integration(db, mixpanel_at_fake) -> Integration:
    return mixpanel("retail")


def deliver(integration: Integration, *events: dict) -> None:
    """Accept the events as the collector would, fan them out and run one round of sends."""
    accept(*events)
    while fan_out_pending():
        pass
    send_pending(integration.id)
    integration.refresh_from_db()


def health_panel(staff_client: Client, integration: Integration) -> str:
    url = reverse("integrations:dashboard", args=[integration.pk])
    html = staff_client.get(url).content.decode()
    return html.split('data-testid="health"')[1].split("</section>")[0]


def pill(panel: str) -> str:
    return panel.split('data-testid="health-state">')[1].split("</span>")[0].split("</i>")[1]


def test_a_400_storm_is_failing_with_the_count_and_the_top_reason(
    staff_client, integration, mixpanel_at_fake
):
    # given Mixpanel refuses every request with a 400
    mixpanel_at_fake.script(status=400, body=INVALID, path="/track", times=50)
    # when twelve events are sent
    deliver(integration, *(track(anonymousId=f"visitor-{i}") for i in range(12)))
    assert statuses(integration) == {"failed": 12}
    # then health says failing, how many and why
    health = health_of(integration)
    assert (health["state"], health["label"], health["count"]) == ("failing", "Failing", 12)
    assert "400" in health["reason"] and "'properties.time' is invalid" in health["reason"]
    html = staff_client.get(reverse("integrations:dashboard", args=[integration.pk])).content
    assert b'class="panel health health-failing"' in html
    panel = health_panel(staff_client, integration)
    assert pill(panel) == "Failing"
    assert "12 deliveries failed for good in the last hour. Top reason (all 12): 400" in panel
    assert "?status=failed" in panel
    latest = Delivery.objects.filter(integration=integration).latest("id")
    assert reverse("integrations:delivery", args=[integration.pk, latest.pk]) in panel


def test_all_suppressed_for_lack_of_consent_says_why_and_links_to_the_consent_policy(
    staff_client, integration, mixpanel_at_fake
):
    # given 1,200 events from a site whose snippet sends no consent
    deliver(integration, *(track(context=NO_CONSENT) for _ in range(1200)))
    assert statuses(integration) == {"suppressed": 1200}
    assert mixpanel_at_fake.events() == []
    # then health says mostly suppressed, why, and how to fix it
    health = health_of(integration)
    assert (health["state"], health["label"]) == ("suppressed", "Mostly suppressed")
    assert "carries no consent information" in health["reason"]
    panel = health_panel(staff_client, integration)
    assert pill(panel) == "Mostly suppressed"
    assert "All 1,200 events received in the last hour were suppressed" in panel
    assert "datafly.consent" in panel and "context.consent.categoryPreferences" in panel
    editor = reverse("integrations:blueprint", args=[integration.pk]) + "#section-consent"
    assert f'href="{editor}"' in panel
    # and the counts have thousands separators
    url = reverse("integrations:dashboard", args=[integration.pk])
    html = staff_client.get(url).content.decode()
    counts = html.split('data-testid="counts"')[1].split("</section>")[0]
    assert '<span class="stat-value" data-window="hour">1,200</span>' in counts


def test_failures_and_suppression_together_show_both(staff_client, integration, mixpanel_at_fake):
    # given one event refused with a 400 and three without consent
    mixpanel_at_fake.script(status=400, body=INVALID, path="/track", times=1)
    deliver(integration, track(), *(track(context=NO_CONSENT) for _ in range(3)))
    # then the worst is the state, and the other is said as well
    panel = health_panel(staff_client, integration)
    assert pill(panel) == "Failing"
    assert "Also mostly suppressed:</strong> 3 of 4 events received in the last hour were" in panel


def test_a_few_suppressed_among_delivered_events_is_still_ok(integration):
    deliver(integration, track(), track(), track(context=NO_CONSENT))
    assert health_of(integration)["state"] == "ok"


def test_429s_are_degraded_with_the_next_try_and_what_mixpanel_answered(
    staff_client, integration, mixpanel_at_fake
):
    # given Mixpanel rate limits the request
    mixpanel_at_fake.script(status=429, body="Too many requests", path="/track", times=1)
    before = timezone.now()
    deliver(integration, track(), track())
    assert statuses(integration) == {"retrying": 2}
    # then health says degraded, when the next try is and what Mixpanel said
    health = health_of(integration)
    assert (health["state"], health["label"], health["count"]) == ("degraded", "Degraded", 2)
    assert health["reason"].startswith("429")
    next_try = Delivery.objects.filter(integration=integration).earliest("next_attempt_at")
    assert health["next_try"] == next_try.next_attempt_at > before
    panel = health_panel(staff_client, integration)
    assert pill(panel) == "Degraded"
    assert "2 deliveries are being retried: Mixpanel answered 429" in panel
    assert "Mixpanel is limiting the rate" in panel
    assert f'Next try at <time datetime="{next_try.next_attempt_at.isoformat()}' in panel
    assert "?status=retrying" in panel


def test_nothing_received_is_quiet(staff_client, integration):
    health = health_of(integration)
    assert (health["state"], health["label"]) == ("quiet", "Quiet")
    panel = health_panel(staff_client, integration)
    assert "Nothing received in the last hour (none yet)." in panel


def test_deliveries_from_before_the_window_are_quiet_not_ok(integration):
    deliver(integration, track())
    an_hour_ago = timezone.now() - timedelta(minutes=61)
    Delivery.objects.update(created_at=an_hour_ago)
    health = health_of(integration)
    assert health["state"] == "quiet"
    assert "the last one 1\xa0hour" in health["detail"]


def test_a_disabled_integration_is_disabled_whatever_its_deliveries(staff_client, integration):
    deliver(integration, track())
    Integration.objects.filter(id=integration.id).update(enabled=False)
    integration.refresh_from_db()
    panel = health_panel(staff_client, integration)
    assert pill(panel) == "Disabled"
    assert reverse("integrations:toggle", args=[integration.pk]) in panel


def test_a_refused_secret_is_an_auth_error_with_fix_settings(staff_client, db, mixpanel_at_fake):
    # given a wrong API secret and an old event (it goes to /import, which checks the secret)
    integration = mixpanel("retail", api_secret="wrong-secret")
    deliver(integration, track(days_ago=10))
    assert integration.auth_error
    panel = health_panel(staff_client, integration)
    assert pill(panel) == "Auth error"
    assert "Fix settings" in panel
    assert reverse("integrations:edit", args=[integration.pk]) in panel


def test_events_arriving_with_200_are_ok(staff_client, integration, mixpanel_at_fake):
    deliver(integration, track(), track("Order Completed"))
    assert statuses(integration) == {"delivered": 2}
    assert len(mixpanel_at_fake.events()) == 2
    health = health_of(integration)
    assert (health["state"], health["label"]) == ("ok", "OK")
    panel = health_panel(staff_client, integration)
    assert "2 delivered to Mixpanel in the last hour, the latest" in panel
    assert "(200)" in panel


def test_ok_never_sits_beside_a_red_last_error(staff_client, integration, mixpanel_at_fake):
    # given a failure more than an hour ago, and deliveries flowing since
    mixpanel_at_fake.script(status=400, body=INVALID, path="/track", times=1)
    deliver(integration, track())
    old = timezone.now() - timedelta(hours=2)
    Delivery.objects.update(created_at=old, updated_at=old)
    deliver(integration, track())
    # then health is OK and the old error is shown as history, not in red
    url = reverse("integrations:dashboard", args=[integration.pk])
    html = staff_client.get(url).content.decode()
    assert pill(html.split('data-testid="health"')[1]) == "OK"
    last_error = html.split('data-testid="last-error"')[1].split("</section>")[0]
    assert "Not current" in last_error
    assert "status-failed" not in last_error


def test_queued_deliveries_not_yet_sent_are_sending_not_ok(integration):
    accept(track())
    fan_out_pending()
    assert health_of(integration)["state"] == "sending"


def test_events_that_all_end_filtered_are_nothing_delivered_not_ok(staff_client, integration):
    deliver(integration, *(track(integrations={"Mixpanel": False}) for _ in range(3)))
    assert statuses(integration) == {"filtered": 3}
    health = health_of(integration)
    assert (health["state"], health["label"]) == ("not_delivering", "Nothing delivered")
    panel = health_panel(staff_client, integration)
    assert "3 events received in the last hour, none sent to Mixpanel: 3 filtered" in panel
    assert reverse("integrations:blueprint", args=[integration.pk]) in panel


def test_test_events_are_shown_but_kept_out_of_health_the_totals_and_the_chart(
    staff_client, integration
):
    # when only a test event was sent
    assert send_test_event(integration).status == Delivery.DELIVERED
    # then health is quiet (the site sent nothing), and the counts and chart leave it out
    url = reverse("integrations:dashboard", args=[integration.pk])
    response = staff_client.get(url)
    assert response.context["health"]["state"] == "quiet"
    assert {row["day"] for row in response.context["counts"]} == {0}
    assert response.context["chart"]["totals"]["delivered"] == 0
    html = response.content.decode()
    assert "Test events are not counted here, in the chart or in Health: 1 sent in 24 h, 1 " in html
    latest = Delivery.objects.get(integration=integration)
    assert reverse("integrations:delivery", args=[integration.pk, latest.pk]) in html


def test_a_failed_test_event_is_not_the_last_error(staff_client, integration, mixpanel_at_fake):
    mixpanel_at_fake.script(status=400, body=INVALID, path="/track", times=1)
    assert send_test_event(integration).status == Delivery.FAILED
    url = reverse("integrations:dashboard", args=[integration.pk])
    response = staff_client.get(url)
    assert response.context["last_error"] is None
    assert response.context["health"]["state"] == "quiet"
    assert "1 sent in 24 h, 0 delivered, 1 failed" in response.content.decode()


@pytest.mark.django_db
def test_disabled_health_says_events_are_held_with_their_count(mixpanel_at_fake):
    integration = mixpanel("retail")
    integration.enabled = False
    integration.save()
    accept(*(track() for _ in range(3)))
    fan_out_pending()

    state = health_of(integration)

    assert (state["state"], state["label"]) == ("disabled", "Disabled")
    assert "new events are held, not sent (3 held so far)" in state["detail"]
