"""The sender's short lease: renewed while it sends, due again soon after it stops."""

import time
from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.test import override_settings
from django.utils import timezone

from delivery.models import Delivery
from delivery.outbox import fan_out_pending
from delivery.rows import claim_deliveries
from delivery.sender import Round, claim
from tests.delivery.helpers import accept, mixpanel, track

# The heartbeat thread has its own connection: it sees only committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def short_lease(settings):
    settings.SIGNAL_SEND_LEASE_SECONDS = 1.0
    settings.SIGNAL_HTTP_TIMEOUT_SECONDS = 0.5


def queued(count: int):
    integration = mixpanel("retail")
    accept(*(track() for _ in range(count)))
    fan_out_pending()
    return integration


def another_sender_claims(integration) -> list:
    now = timezone.now()
    return claim_deliveries(integration.id, 100, now, now + timedelta(seconds=60))


def test_a_live_senders_rows_are_renewed_so_no_other_sender_takes_them(short_lease):
    # given three claimed deliveries
    integration = queued(3)
    rows, lease = claim(integration.id, 100)
    # when the sender holds them for three leases
    with lease:
        time.sleep(3.0)
        # then nobody else could take them, and the lease is still good for a request
        assert another_sender_claims(integration) == []
        assert lease.usable()
    assert lease.until > timezone.now()
    assert set(Delivery.objects.values_list("next_attempt_at", flat=True)) == {lease.until}


def test_a_dead_senders_rows_are_due_again_within_one_lease(short_lease):
    # given deliveries claimed by a sender that never renews (it died right after the claim)
    integration = queued(3)
    rows, _ = claim(integration.id, 100)
    assert another_sender_claims(integration) == []
    # when one lease has passed, then another sender takes them
    time.sleep(1.1)
    assert sorted(r.id for r in another_sender_claims(integration)) == [r.id for r in rows]


def test_a_lease_on_rows_another_sender_took_is_lost_and_stops_the_round(short_lease):
    # given a claim, and another sender that took one of its rows after a lapse
    integration = queued(2)
    rows, lease = claim(integration.id, 100)
    taken = timezone.now() + timedelta(seconds=60)
    Delivery.objects.filter(id=rows[0].id).update(next_attempt_at=taken)
    # when the lease is renewed, then it is lost, and no request may start under it
    assert lease.renew() is False
    assert not lease.usable()


def test_a_round_whose_lease_lapsed_sends_nothing_and_leaves_the_rows_to_their_lease(
    short_lease, mixpanel_at_fake
):
    # given a claim whose renewals could not run (the local deadline has passed)
    integration = queued(2)
    rows, lease = claim(integration.id, 100)
    lease.deadline = time.monotonic() - 1
    # when the round runs
    Round(integration, rows, lease).run()
    # then nothing went out, and the rows still wait for their lease's end, untouched
    assert mixpanel_at_fake.received() == []
    assert set(Delivery.objects.values_list("status", "next_attempt_at", "attempts")) == {
        ("queued", lease.until, 0)
    }


def test_a_rows_result_is_not_written_over_another_senders_claim(settings, mixpanel_at_fake):
    # given a round sending two rows, one of which another sender took meanwhile (the round
    # sends before its first renewal would notice)
    settings.SIGNAL_SEND_LEASE_SECONDS, settings.SIGNAL_HTTP_TIMEOUT_SECONDS = 10, 0.5
    integration = queued(2)
    rows, lease = claim(integration.id, 100)
    taken = timezone.now() + timedelta(seconds=60)
    Delivery.objects.filter(id=rows[0].id).update(next_attempt_at=taken)
    # when the round finishes
    Round(integration, rows, lease).run()
    # then only the row still held is recorded; the other is the other sender's
    assert Delivery.objects.get(id=rows[0].id).next_attempt_at == taken
    assert Delivery.objects.get(id=rows[0].id).status == "queued"
    assert Delivery.objects.get(id=rows[1].id).status == "delivered"


@override_settings(SIGNAL_SEND_LEASE_SECONDS=10, SIGNAL_HTTP_TIMEOUT_SECONDS=10)
def test_a_lease_too_short_for_the_http_timeout_is_refused_at_start():
    (error,) = [e for e in run_checks() if e.id == "signal.E010"]
    assert "1.25" in error.hint
