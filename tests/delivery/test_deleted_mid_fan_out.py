"""An integration deleted while the pipeline works for it: no delivery row outlives it, and
neither the fan-out nor the sender waits on the deletion or deadlocks with it.

The delivery table has no foreign-key constraints, so it is the fan-out's hold on the
integrations (FOR KEY SHARE, skipping locked ones) and the deletion's lock on its row that
keep them consistent. Real PostgreSQL, several connections.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from delivery import outbox, sender
from delivery.models import Delivery, Event
from integrations.blueprints import save
from integrations.models import BlueprintRevision, Integration
from tests.delivery.helpers import accept, mixpanel, track
from tests.delivery.paused import Paused, if_postgres

RESET = BlueprintRevision.RESET
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def in_thread(work) -> threading.Thread:
    def run() -> None:
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


class SlowDeletion:
    """A deletion that has locked the integration's row and deletes it when let go."""

    def __init__(self, integration: Integration) -> None:
        self.pk, self.errors = integration.pk, []
        self.locked, self.go = threading.Event(), threading.Event()
        self.thread = in_thread(self._run)
        assert self.locked.wait(20)

    def _run(self) -> None:
        try:
            with transaction.atomic():
                rows = Integration.objects.select_for_update().filter(pk=self.pk)
                list(rows.values_list("pk"))
                self.locked.set()
                assert self.go.wait(20)
                Integration.objects.get(pk=self.pk).delete()
        except Exception as exc:
            self.errors.append(exc)

    def finish(self) -> None:
        self.go.set()
        self.thread.join(20)


def test_a_deletion_waits_for_the_fan_out_mapping_for_it_and_takes_its_rows_too(monkeypatch):
    if_postgres()
    # given a fan-out that has mapped an event for an integration and not yet committed
    shop = mixpanel("retail")
    accept(track("Order Completed"))
    fan_out = Paused(monkeypatch)
    fan_out.start(limit=10)
    # when the integration is deleted meanwhile, the deletion waits for the fan-out
    deleting = in_thread(lambda: Integration.objects.get(pk=shop.pk).delete())
    deleting.join(timeout=1)
    assert deleting.is_alive(), "the deletion did not wait for the fan-out holding it"
    fan_out.go.set()
    fan_out.thread.join(20)
    deleting.join(20)
    # then the integration is gone with every row the fan-out wrote for it
    assert not Integration.objects.filter(pk=shop.pk).exists()
    assert not Delivery.objects.filter(integration_id=shop.pk).exists()
    assert Event.objects.get().fanned_out_at is not None


def test_a_fan_out_that_starts_during_a_deletion_maps_only_for_the_integrations_left(
    monkeypatch,
):
    if_postgres()
    # given two integrations, and one fan-out holding both while it maps an event
    shop, app = mixpanel("retail"), mixpanel("default")
    accept(track("Product Viewed"))
    first = Paused(monkeypatch)
    first.start(limit=1)
    # when `shop` is being deleted (waiting for the first fan-out) and a second event arrives
    deleting = in_thread(lambda: Integration.objects.get(pk=shop.pk).delete())
    deleting.join(timeout=0.5)
    accept(track("Product Added"))
    second: list[int] = []
    later = in_thread(lambda: second.append(outbox.fan_out_pending()))
    time.sleep(0.5)
    first.go.set()
    for thread in (first.thread, deleting, later):
        thread.join(20)
    # then the second event went only to the integration that is left, and nothing to `shop`
    assert second == [1]
    assert not Delivery.objects.filter(integration_id=shop.pk).exists()
    names = Delivery.objects.filter(integration=app).values_list("event__name", flat=True)
    assert sorted(names) == ["Product Added", "Product Viewed"]


def test_saving_a_blueprint_does_not_wait_for_a_fan_out_holding_the_integration(monkeypatch):
    if_postgres()
    # given a fan-out holding the integration while it maps
    shop = mixpanel("retail")
    accept(track())
    fan_out = Paused(monkeypatch)
    fan_out.start(limit=1)
    try:
        # when its blueprint is saved meanwhile, then the save goes through at once
        saving = in_thread(
            lambda: save(shop.pk, shop.blueprint, expected=None, author="test", kind=RESET)
        )
        saving.join(timeout=5)
        assert not saving.is_alive(), "the blueprint save waited for the fan-out"
    finally:
        fan_out.go.set()
        fan_out.thread.join(20)
    assert Integration.objects.get(pk=shop.pk).blueprint_revision == shop.blueprint_revision + 1


def test_a_fan_out_during_a_long_deletion_goes_on_without_the_integration_being_deleted():
    if_postgres()
    # given two integrations, one of them being deleted (its row locked, its rows going)
    shop, app = mixpanel("retail"), mixpanel("default")
    accept(track("Product Viewed"))
    deletion = SlowDeletion(shop)
    try:
        # when a fan-out runs meanwhile, then it does not wait for the deletion
        done: list[int] = []
        fan_out = in_thread(lambda: done.append(outbox.fan_out_pending()))
        fan_out.join(timeout=5)
        assert not fan_out.is_alive(), "the fan-out waited for the deletion"
    finally:
        deletion.finish()
    # and it mapped the event for the other integration only
    assert done == [1] and deletion.errors == []
    assert list(Delivery.objects.values_list("integration_id", flat=True)) == [app.pk]


def test_a_sender_recording_refused_credentials_during_the_deletion_does_not_deadlock_it():
    if_postgres()
    # given deliveries claimed by a sender, and the integration's deletion holding its row
    shop = mixpanel("retail")
    accept(track(), track())
    outbox.fan_out_pending()
    rows, lease = sender.claim(shop.pk, 10)
    deletion = SlowDeletion(shop)
    # when the sender writes that the destination refused the credentials, meanwhile
    verdicts = {row.id: sender.Verdict(held="invalid secret", tries=1) for row in rows}
    errors: list[Exception] = []

    def finish() -> None:
        try:
            sender.finish(shop, rows, verdicts, "invalid secret", lease.until)
        except Exception as exc:
            errors.append(exc)

    finishing = in_thread(finish)
    finishing.join(timeout=1)
    deletion.finish()
    finishing.join(20)
    # then both went through: the integration and its deliveries are gone
    assert errors == [] and deletion.errors == []
    assert not Integration.objects.filter(pk=shop.pk).exists()
    assert not Delivery.objects.filter(integration_id=shop.pk).exists()
