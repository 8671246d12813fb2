"""Planning batches: by count and bytes, measuring items only when the bytes could matter."""

from datetime import timedelta

import orjson
import pytest
from django.utils import timezone

from delivery import batching
from delivery.batching import plan
from delivery.outbox import fan_out_pending
from delivery.rows import DeliveryRow, claim_deliveries
from tests.delivery.helpers import accept, mixpanel, track


def row(pk: int, item: dict, stored: int) -> DeliveryRow:
    operations = [{"endpoint": "/import", "item": item}]
    return DeliveryRow(
        id=pk, event_id=pk, integration_id=1, operations=operations, operations_bytes=stored
    )


def exact(item: dict) -> int:
    return len(orjson.dumps(item)) + 1


@pytest.fixture
def no_measuring(monkeypatch):
    def refuse(value):
        raise AssertionError("an item was serialized just to be measured")

    monkeypatch.setattr(batching.orjson, "dumps", refuse)


def test_rows_whose_stored_operations_fit_one_request_are_batched_without_measuring_items(
    no_measuring,
):
    rows = [row(n, {"event": "Viewed", "n": n}, stored=200) for n in range(1, 11)]
    batches = plan(rows, max_items=4, max_bytes=10_000)
    assert [len(b.entries) for b in batches] == [4, 4, 2]


def test_rows_that_may_not_fit_have_each_item_measured_and_batches_stay_within_bytes():
    item = {"event": "Viewed", "properties": {"text": "x" * 80}}
    rows = [row(n, item, stored=400) for n in range(1, 11)]
    limit = 2 + 3 * exact(item)
    batches = plan(rows, max_items=100, max_bytes=limit)
    assert [len(b.entries) for b in batches] == [3, 3, 3, 1]
    assert all(b.size <= limit for b in batches)


def test_an_endpoint_with_a_lower_item_limit_gets_smaller_batches_than_the_others():
    rows = [row(n, {"event": "Viewed"}, stored=100) for n in range(1, 8)]
    for extra in range(8, 11):  # three rows for an endpoint that takes two a request
        rows.append(row(extra, {"group": extra}, stored=100))
        rows[-1].operations[0]["endpoint"] = "/groupidentify"
    limits = {"/groupidentify": 2}
    batches = plan(rows, max_items=lambda e: limits.get(e, 5), max_bytes=10_000)
    assert [(b.endpoint, len(b.entries)) for b in batches] == [
        ("/import", 5),
        ("/import", 2),
        ("/groupidentify", 2),
        ("/groupidentify", 1),
    ]


def test_a_row_whose_stored_size_is_unknown_is_measured():
    item = {"event": "Viewed"}
    batches = plan([row(1, item, stored=0)], max_items=10, max_bytes=10_000)
    assert batches[0].entries[0].size == exact(item)


@pytest.mark.django_db
def test_a_claimed_row_knows_its_stored_size_which_no_item_of_it_exceeds_even_in_utf_8(
    mixpanel_at_fake,
):
    integration = mixpanel("retail")
    accept(track(properties={"product_id": "sku-1", "title": "Café crème ☕ 東京"}))
    fan_out_pending()
    now = timezone.now()
    [claimed] = claim_deliveries(integration.id, 10, now, now + timedelta(seconds=30))
    items = [op["item"] for op in claimed.operations]
    assert claimed.operations_bytes >= 2 + sum(exact(item) for item in items)
