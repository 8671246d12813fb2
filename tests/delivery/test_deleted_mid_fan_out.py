"""An integration deleted while a fan-out maps events for it: no delivery row outlives it.

The delivery table has no foreign-key constraints, so it is the fan-out's hold on the
integrations (FOR KEY SHARE) and the deletion's lock on its row that keep them consistent.
Real PostgreSQL, two connections.
"""

import threading
import time

import pytest
from django.db import connection

from delivery import outbox
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
