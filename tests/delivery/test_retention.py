"""Retention: what is pruned, when, and what is never touched."""

from datetime import timedelta

import pytest
from django.utils import timezone

from delivery.models import Attempt, Delivery, Event
from delivery.outbox import replay
from delivery.retention import MAX_STORED_BODY, delete_still_due, prune, stored_body
from tests.delivery.helpers import accept, mixpanel, track


def _delivery(integration, status: str, days_old: float) -> Delivery:
    source = accept(track())
    event = Event.objects.get(source=source)
    created = timezone.now() - timedelta(days=days_old)
    Event.objects.filter(pk=event.pk).update(received_at=created, fanned_out_at=created)
    row = Delivery.objects.create(event=event, integration=integration, status=status)
    Delivery.objects.filter(pk=row.pk).update(created_at=created)
    attempt = Attempt.objects.create(
        integration=integration,
        endpoint="/track",
        url="http://fake/track",
        item_count=1,
        kind="delivered",
        latency_ms=5,
        request_body="[]",
    )
    Attempt.objects.filter(pk=attempt.pk).update(created_at=created)
    attempt.deliveries.add(row)
    return row


@pytest.fixture
def integration(db):
    return mixpanel()


def test_delivered_suppressed_and_filtered_rows_go_after_the_retention_days(integration, settings):
    # given
    settings.SIGNAL_RETENTION_DAYS = 7
    old = [_delivery(integration, s, 8) for s in ("delivered", "suppressed", "filtered")]
    recent = _delivery(integration, "delivered", 6)
    # when
    pruned = prune()
    # then: the old rows, their attempts and their events are gone; the recent one stays
    assert (pruned.deliveries, pruned.attempts, pruned.events) == (3, 3, 3)
    assert not Delivery.objects.filter(pk__in=[d.pk for d in old]).exists()
    assert list(Delivery.objects.values_list("pk", flat=True)) == [recent.pk]
    assert Attempt.objects.count() == 1 and Event.objects.count() == 1


def test_failed_rows_are_kept_longer_so_they_can_be_replayed(integration, settings):
    settings.SIGNAL_RETENTION_DAYS = 7
    settings.SIGNAL_FAILED_RETENTION_DAYS = 30
    kept = _delivery(integration, "failed", 8)
    gone = _delivery(integration, "failed", 31)
    prune()
    assert list(Delivery.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not Delivery.objects.filter(pk=gone.pk).exists()


def test_pending_deliveries_and_unfanned_events_are_never_pruned(integration, settings):
    settings.SIGNAL_RETENTION_DAYS = 2
    queued = _delivery(integration, "queued", 40)
    retrying = _delivery(integration, "retrying", 40)
    waiting = accept(track())
    Event.objects.filter(source=waiting).update(received_at=timezone.now() - timedelta(days=40))
    prune()
    assert set(Delivery.objects.values_list("pk", flat=True)) == {queued.pk, retrying.pk}
    assert Event.objects.filter(source=waiting).exists()


def test_an_attempt_shared_with_a_kept_delivery_stays(integration, settings):
    settings.SIGNAL_RETENTION_DAYS = 7
    old = _delivery(integration, "delivered", 8)
    failed = _delivery(integration, "failed", 8)
    old.http_attempts.first().deliveries.add(failed)
    prune()
    assert Attempt.objects.filter(deliveries=failed).count() == 2


def test_a_failed_delivery_replayed_after_it_was_listed_for_pruning_is_kept(integration, settings):
    # given two failed deliveries past retention, listed for deletion
    settings.SIGNAL_FAILED_RETENTION_DAYS = 30
    replayed, other = _delivery(integration, "failed", 31), _delivery(integration, "failed", 31)
    operations = [{"endpoint": "/track", "item": {"event": "Product Viewed"}}]
    Delivery.objects.filter(pk=replayed.pk).update(operations=operations)
    rows = Delivery.objects.filter(status=Delivery.FAILED)
    listed = list(rows.values_list("pk", flat=True))
    # when one is replayed before the delete runs
    assert replay(integration, [replayed.pk]) == 1
    # then only the other goes; the replayed one is queued, with its attempt history
    assert delete_still_due(rows, listed) == 1
    assert list(Delivery.objects.values_list("pk", "status")) == [(replayed.pk, "queued")]
    assert not Delivery.objects.filter(pk=other.pk).exists()
    assert Delivery.objects.get(pk=replayed.pk).http_attempts.count() == 1


def test_prune_works_in_batches_and_carries_on_next_time(integration, settings, monkeypatch):
    from delivery import retention

    settings.SIGNAL_RETENTION_DAYS = 7
    monkeypatch.setattr(retention, "BATCH", 2)
    monkeypatch.setattr(retention, "MAX_BATCHES", 1)
    for _ in range(3):
        _delivery(integration, "delivered", 8)
    assert prune().deliveries == 2
    assert prune().deliveries == 1


def test_a_big_attempt_body_is_stored_cut_short_with_a_note():
    text = "x" * (MAX_STORED_BODY + 10)
    stored = stored_body(text)
    assert stored.startswith("x" * MAX_STORED_BODY)
    assert stored.endswith("(10 more characters not stored)")
    assert stored_body("[1]") == "[1]"
