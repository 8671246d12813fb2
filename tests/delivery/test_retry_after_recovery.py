"""Once the destination takes a delivery again, the ones waiting out a backoff go at once
(but not the ones it throttled: they wait out the pause they were given)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from delivery.models import Delivery
from delivery.outbox import fan_out_pending
from delivery.sender import send_pending
from tests.delivery.helpers import accept, mixpanel, track


def backed_off(seconds: float) -> None:
    """Every delivery as if a 503 had put it off for `seconds`."""
    Delivery.objects.update(
        status=Delivery.RETRYING,
        attempts=5,
        error="503 Service Unavailable",
        first_attempt_at=timezone.now(),
        next_attempt_at=timezone.now() + timedelta(seconds=seconds),
    )


@pytest.mark.django_db
def test_a_delivered_round_makes_backed_off_deliveries_due_and_they_go_in_the_same_pass(
    mixpanel_at_fake,
):
    integration = mixpanel("retail")
    accept(*(track() for _ in range(3)))
    fan_out_pending()
    backed_off(60)
    accept(track("Order Completed"))
    fan_out_pending()  # a fresh event, due now

    send_pending(integration.id)

    assert Delivery.objects.filter(status=Delivery.DELIVERED).count() == 4
    assert len(mixpanel_at_fake.events()) == 4


@pytest.mark.django_db
def test_rows_within_a_lease_of_now_are_never_moved_since_a_sender_may_hold_them(
    mixpanel_at_fake,
):
    integration = mixpanel("retail")
    accept(track())
    fan_out_pending()
    backed_off(10)  # as a claimed row looks: due at its lease's end
    held = Delivery.objects.get()
    accept(track("Order Completed"))
    fan_out_pending()

    send_pending(integration.id)

    held.refresh_from_db()
    assert held.status == Delivery.RETRYING
    assert held.next_attempt_at > timezone.now()


@pytest.mark.django_db
def test_a_failed_round_moves_nothing(mixpanel_at_fake):
    integration = mixpanel("retail")
    accept(track())
    fan_out_pending()
    backed_off(60)
    waiting = Delivery.objects.get().next_attempt_at
    accept(track("Order Completed"))
    fan_out_pending()
    mixpanel_at_fake.script(status=503, body="unavailable", path="/track", times=5)

    send_pending(integration.id)

    assert Delivery.objects.filter(next_attempt_at=waiting).count() == 1


@pytest.mark.django_db
def test_a_delivery_the_destination_throttled_waits_out_its_pause_though_another_went_through(
    mixpanel_at_fake,
):
    # given a delivery put off after a 429, and a fresh event
    integration = mixpanel("retail")
    accept(track())
    fan_out_pending()
    backed_off(60)
    Delivery.objects.update(status_code=429, error="429 Too Many Requests")
    waiting = Delivery.objects.get().next_attempt_at
    accept(track("Order Completed"))
    fan_out_pending()
    # when the fresh one is delivered, then the throttled one is not made due early
    send_pending(integration.id)
    assert Delivery.objects.filter(status=Delivery.DELIVERED).count() == 1
    assert Delivery.objects.filter(status=Delivery.RETRYING, next_attempt_at=waiting).count() == 1
