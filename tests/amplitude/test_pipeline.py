"""Amplitude through the real pipeline (fan-out, outbox, sender) against the fake Amplitude:
one folder and one registry line, and the generic code delivers it."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from delivery.hints import hint_for
from delivery.models import Delivery, Event
from delivery.outbox import fan_out_pending
from delivery.sender import send_pending
from integrations.catalog import get_destination
from integrations.models import Integration, Source
from signal_admin.web.services import install
from tests.delivery.helpers import mixpanel
from tests.support.fake_amplitude_fixtures import API_KEY

pytestmark = pytest.mark.django_db
CONSENTED = {"consent": {"categoryPreferences": {"analytics": True}}, "ip": "203.0.113.7"}


def amplitude(variant: str = "default", **config) -> Integration:
    return install(
        get_destination("amplitude"),
        name="Amplitude",
        variant=variant,
        config={"api_key": API_KEY} | config,
    )


def track(name: str = "Video Played", user_id: str = "user-12345", **extra) -> dict:
    return {
        "type": "track",
        "event": name,
        "userId": user_id,
        "anonymousId": "4f7c1b8e-2d3a-4c5b-9e6f-a1b2c3d4e5f6",
        "messageId": uuid.uuid4().hex,
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "properties": {"n": 1},
        "context": CONSENTED,
    } | extra


def accept(*events: dict) -> None:
    source = Source.objects.create(name=f"site-{uuid.uuid4().hex[:6]}")
    for event in events:
        Event.objects.create(
            source=source,
            message_id=event["messageId"],
            type=event["type"],
            name=event.get("event", ""),
            payload=event,
            received_at=datetime.now(UTC),
        )


def statuses(integration: Integration) -> list[str]:
    rows = Delivery.objects.filter(integration=integration).order_by("id")
    return [row.status for row in rows]


def test_events_and_an_identify_reach_the_fake_once(amplitude_at_fake):
    integration = amplitude()
    identify = {
        "type": "identify",
        "userId": "user-12345",
        "messageId": uuid.uuid4().hex,
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "traits": {"plan": "pro"},
        "context": CONSENTED,
    }
    accept(track(), track("Search Performed"), identify)
    fan_out_pending()
    send_pending(integration.id)
    assert statuses(integration) == [Delivery.DELIVERED] * 3
    assert [e["event_type"] for e in amplitude_at_fake.events()] == [
        "Video Played",
        "Search Performed",
    ]
    assert amplitude_at_fake.identifies()[0]["user_properties"] == {"$set": {"plan": "pro"}}


def test_a_400_naming_one_event_fails_only_that_event(amplitude_at_fake):
    integration = amplitude()
    bad = track("Broken")
    accept(track(), bad, track())
    fan_out_pending()
    # the event's time is made unusable after mapping, as a bad upstream value would be
    row = Delivery.objects.get(integration=integration, event__message_id=bad["messageId"])
    row.operations[0]["item"]["time"] = "yesterday"
    row.save(update_fields=["operations"])
    send_pending(integration.id)
    failed = Delivery.objects.get(pk=row.pk)
    assert failed.status == Delivery.FAILED and "time: invalid" in failed.error
    attempt = failed.http_attempts.order_by("-id").first()
    assert attempt.code == "invalid_events"
    assert "`time`" in hint_for(failed, attempt)
    # its neighbours, refused with it though not at fault, were sent again in the same round
    others = Delivery.objects.filter(integration=integration).exclude(pk=row.pk)
    assert {d.status for d in others} == {Delivery.DELIVERED}
    assert len(amplitude_at_fake.events()) == 2


def test_a_refused_api_key_holds_the_integration(amplitude_at_fake):
    integration = amplitude(api_key="not-a-known-key-000000")
    accept(track())
    fan_out_pending()
    send_pending(integration.id)
    integration.refresh_from_db()
    assert integration.auth_error
    assert amplitude_at_fake.events() == []


def test_a_throttled_user_is_backed_off_and_every_event_lands_once(amplitude_at_fake):
    integration = amplitude()
    amplitude_at_fake.throttle(user_id="hot-user-1")
    accept(track(user_id="hot-user-1"), track(), track(user_id="hot-user-1"))
    fan_out_pending()
    send_pending(integration.id)
    rows = list(Delivery.objects.filter(integration=integration).order_by("id"))
    # the throttled user's events wait out a backoff; the other user's is sent again at once
    assert [r.status for r in rows] == [Delivery.RETRYING, Delivery.DELIVERED, Delivery.RETRYING]
    assert rows[0].error.startswith("throttled: user hot-user-1")
    # for the 30 s Amplitude asks, though the other delivery went through meanwhile
    paused = datetime.now(UTC) + timedelta(seconds=25 * settings.SIGNAL_BACKOFF_SCALE)
    assert rows[0].next_attempt_at > paused and rows[2].next_attempt_at > paused
    Delivery.objects.filter(integration=integration).update(next_attempt_at=datetime.now(UTC))
    send_pending(integration.id)
    assert statuses(integration) == [Delivery.DELIVERED] * 3
    assert len(amplitude_at_fake.events()) == 3


def test_one_event_fans_out_to_mixpanel_and_amplitude_each_once(
    amplitude_at_fake, mixpanel_at_fake
):
    both = [amplitude(), mixpanel("default")]
    accept(track())
    fan_out_pending()
    for integration in both:
        send_pending(integration.id)
        assert statuses(integration) == [Delivery.DELIVERED]
    assert [e["event_type"] for e in amplitude_at_fake.events()] == ["Video Played"]
    assert [e["event"] for e in mixpanel_at_fake.unique_events()] == ["Video Played"]


def test_an_event_that_turns_amplitude_off_is_filtered_for_it_only(
    amplitude_at_fake, mixpanel_at_fake
):
    both = [amplitude(), mixpanel("default")]
    accept(track(integrations={"Amplitude": False}))
    fan_out_pending()
    for integration in both:
        send_pending(integration.id)
    assert statuses(both[0]) == [Delivery.FILTERED]
    assert statuses(both[1]) == [Delivery.DELIVERED]
    assert amplitude_at_fake.received() == []
