"""Disabled means held, not dropped: events received while an integration is disabled are kept
and sent once, when it is enabled again — through the real pipeline and the fake Mixpanel."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from delivery.models import Delivery, Event
from delivery.outbox import fan_out_pending, release_if_enabled_meanwhile
from delivery.retention import prune
from delivery.sender import send_pending
from integrations.models import Integration
from tests.delivery.helpers import accept, mixpanel, statuses, track
from tests.support.stack import wait_until

pytestmark = pytest.mark.django_db


@pytest.fixture
def disabled(mixpanel_at_fake) -> Integration:
    integration = mixpanel("retail")
    Integration.objects.filter(pk=integration.pk).update(enabled=False)
    integration.refresh_from_db()
    return integration


def toggle(client: Client, integration: Integration):
    return client.post(reverse("integrations:toggle", args=[integration.pk]), follow=True)


def shown(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_an_event_sent_while_disabled_is_stored_held_and_not_sent(disabled, mixpanel_at_fake):
    # when an event arrives while the integration is disabled
    accept(track("Product Viewed"))
    fan_out_pending()
    send_pending(disabled.id)
    # then it is kept, mapped once, and nothing reaches Mixpanel
    row = Delivery.objects.get(integration=disabled)
    assert row.status == Delivery.HELD
    assert row.next_attempt_at is None
    assert [op["endpoint"] for op in row.operations] == ["/track"]
    assert mixpanel_at_fake.received() == []


def test_a_consent_denied_event_while_disabled_is_suppressed_not_held(disabled):
    # the transform still decides: what it would not send is not held either
    accept(track(context={"consent": {"categoryPreferences": {"analytics": False}}}))
    fan_out_pending()
    assert statuses(disabled) == {Delivery.SUPPRESSED: 1}


def test_the_sweeper_never_wakes_a_sender_for_held_rows(disabled, mixpanel_at_fake):
    accept(track())
    fan_out_pending()
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=1))
    Integration.objects.filter(pk=disabled.pk).update(enabled=True)
    # even with the integration enabled behind Signal's back, a held row is not claimed
    assert send_pending(disabled.id) == 0
    assert statuses(disabled) == {Delivery.HELD: 1}


def test_enabling_from_the_page_delivers_what_was_held_exactly_once(
    staff_client, disabled, mixpanel_at_fake, django_capture_on_commit_callbacks
):
    # given two events held while disabled
    accept(track("Product Viewed"), track("Product Viewed"))
    fan_out_pending()
    # when the integration is enabled with the page's toggle
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = toggle(staff_client, disabled)
    # then they are queued, a send is woken, and the page says how many are going out
    assert callbacks, "enabling must wake the sender"
    assert shown(response) == ["Mixpanel enabled. Sending 2 held events now."]
    assert statuses(disabled) == {Delivery.QUEUED: 2}
    send_pending(disabled.id)
    send_pending(disabled.id)
    assert statuses(disabled) == {Delivery.DELIVERED: 2}
    assert [e["event"] for e in mixpanel_at_fake.events()] == ["Product Viewed"] * 2


def test_enabling_through_the_api_delivers_what_was_held_exactly_once(
    client, api_token, disabled, mixpanel_at_fake, django_capture_on_commit_callbacks
):
    accept(track("Product Viewed"))
    fan_out_pending()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.patch(
            f"/v1/admin/integrations/{disabled.pk}",
            data=json.dumps({"enabled": True}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {api_token}",
        )
    assert response.status_code == 200, response.content
    assert response.json()["enabled"] is True
    assert callbacks, "enabling must wake the sender"
    send_pending(disabled.id)
    send_pending(disabled.id)
    assert statuses(disabled) == {Delivery.DELIVERED: 1}
    assert [e["event"] for e in mixpanel_at_fake.events()] == ["Product Viewed"]


def test_disabling_says_events_are_held_and_the_page_counts_them(staff_client, mixpanel_at_fake):
    integration = mixpanel("retail")
    detail = reverse("integrations:detail", args=[integration.pk])
    # before disabling, the page says what disabling does
    assert "Disabling holds new events" in staff_client.get(detail).content.decode()
    response = toggle(staff_client, integration)
    assert shown(response) == [
        "Mixpanel disabled. New events are held, not sent, and are sent when you enable it again."
    ]
    accept(track(), track(), track())
    fan_out_pending()
    html = staff_client.get(detail).content.decode()
    assert "3 held events will be sent to Mixpanel when you enable it." in html
    assert "Enable and send 3 held" in html
    assert mixpanel_at_fake.received() == []


def test_disabling_through_the_api_holds_new_events(client, api_token, mixpanel_at_fake):
    integration = mixpanel("retail")
    response = client.patch(
        f"/v1/admin/integrations/{integration.pk}",
        data=json.dumps({"enabled": False}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_token}",
    )
    assert response.status_code == 200
    accept(track())
    fan_out_pending()
    assert statuses(integration) == {Delivery.HELD: 1}


def test_send_test_event_while_disabled_says_so_and_sends_nothing(
    staff_client, disabled, mixpanel_at_fake
):
    url = reverse("integrations:send_test", args=[disabled.pk])
    response = staff_client.post(url, follow=True)
    assert shown(response) == [
        "Test event not sent: Mixpanel is disabled. Enable it to send a test event."
    ]
    assert mixpanel_at_fake.received() == []
    assert not Delivery.objects.exists() and not Event.objects.exists()


def test_retention_keeps_held_rows_however_old(disabled, settings):
    settings.SIGNAL_RETENTION_DAYS = 1
    settings.SIGNAL_FAILED_RETENTION_DAYS = 1
    accept(track())
    fan_out_pending()
    long_ago = timezone.now() - timedelta(days=90)
    Delivery.objects.update(created_at=long_ago)
    Event.objects.update(received_at=long_ago, fanned_out_at=long_ago)
    prune()
    assert statuses(disabled) == {Delivery.HELD: 1}
    assert Event.objects.count() == 1


def test_held_rows_show_in_the_log_and_filter_by_status(staff_client, disabled):
    accept(track("Product Viewed"))
    fan_out_pending()
    url = reverse("integrations:deliveries", args=[disabled.pk])
    html = staff_client.get(url, {"status": "held"}).content.decode()
    assert "status-held" in html
    assert "Product Viewed" in html
    assert '<option value="held" selected>' in html


def test_the_api_lists_held_deliveries(client, api_token, disabled):
    accept(track())
    fan_out_pending()
    response = client.get(
        f"/v1/admin/integrations/{disabled.pk}/deliveries",
        {"status": "held"},
        HTTP_AUTHORIZATION=f"Bearer {api_token}",
    )
    assert response.status_code == 200, response.content
    assert "held" in response.content.decode()


@pytest.mark.slow
@pytest.mark.services
def test_through_the_real_stack_a_held_event_is_delivered_once_after_enabling(
    stack, fake_mixpanel, api_token
):
    import httpx

    from tests.delivery.helpers import collector, send_batch

    integration = mixpanel("retail")
    Integration.objects.filter(pk=integration.pk).update(enabled=False)
    source, collect = collector(stack.base_url)
    send_batch(collect, [track("Checkout Started")])
    wait_until(lambda: statuses(integration).get(Delivery.HELD) == 1)
    assert fake_mixpanel.received() == []
    admin = httpx.Client(
        base_url=stack.base_url, headers={"Authorization": f"Bearer {api_token}"}, timeout=10
    )
    assert admin.patch(
        f"/v1/admin/integrations/{integration.pk}", json={"enabled": True}
    ).is_success
    wait_until(lambda: statuses(integration) == {Delivery.DELIVERED: 1})
    assert [e["event"] for e in fake_mixpanel.events()] == ["Checkout Started"]


def test_rows_held_by_a_fan_out_that_raced_an_enable_are_released_by_the_fan_out(
    disabled, mixpanel_at_fake
):
    # given rows held by a fan-out that read the integration as disabled, and an enable whose
    # own release ran before those rows were committed (so it found nothing)
    accept(track())
    fan_out_pending()
    Integration.objects.filter(pk=disabled.pk).update(enabled=True)
    # when the fan-out looks again after its commit
    release_if_enabled_meanwhile({disabled.id})
    # then they are queued and sent once
    assert statuses(disabled) == {Delivery.QUEUED: 1}
    send_pending(disabled.id)
    assert statuses(disabled) == {Delivery.DELIVERED: 1}
    assert len(mixpanel_at_fake.events()) == 1
