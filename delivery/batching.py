"""Planning HTTP batches from pending deliveries: per endpoint, by count and by bytes."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from delivery.rows import DeliveryRow


@dataclass
class Entry:
    delivery: DeliveryRow
    op_index: int
    item: dict[str, Any]
    size: int


@dataclass
class Batch:
    endpoint: str
    entries: list[Entry] = field(default_factory=list)
    size: int = 2  # the enclosing []

    def only(self, indexes: list[int]) -> "Batch":
        entries = [self.entries[i] for i in indexes]
        return Batch(self.endpoint, entries, 2 + sum(e.size for e in entries))

    def halves(self) -> tuple["Batch", "Batch"]:
        middle = len(self.entries) // 2
        return (
            Batch(self.endpoint, self.entries[:middle], sum(e.size for e in self.entries[:middle])),
            Batch(self.endpoint, self.entries[middle:], sum(e.size for e in self.entries[middle:])),
        )


def fits_unmeasured(deliveries: list[DeliveryRow], max_bytes: int) -> bool:
    """Whether all these deliveries' operations, as stored, fit in one request's bytes: then
    no batch can be too big and no item needs serializing just to be measured."""
    if any(not d.operations_bytes for d in deliveries):
        return False
    return 2 + sum(d.operations_bytes for d in deliveries) <= max_bytes


def plan(
    deliveries: list[DeliveryRow],
    max_items: int | Callable[[str], int],
    max_bytes: int,
    rank: Callable[[str], int] = lambda endpoint: 0,
) -> list[Batch]:
    """Group pending operations by endpoint in delivery order, within both limits.

    `max_items` is a count, or the destination's `max_items` (a count per endpoint).
    Endpoints go in the order `rank` gives (the destination's `endpoint_rank`)."""
    by_endpoint: dict[str, list[Entry]] = {}
    measure = not fits_unmeasured(deliveries, max_bytes)
    for delivery in deliveries:
        pending = delivery.pending_operations()
        for index, op in pending:
            if measure:
                size = len(orjson.dumps(op["item"])) + 1  # bytes, and the comma
            else:  # a share of the row's stored size, which is at least its items and commas
                size = delivery.operations_bytes // len(pending)
            entry = Entry(delivery, index, op["item"], size)
            by_endpoint.setdefault(op["endpoint"], []).append(entry)
    batches: list[Batch] = []
    for endpoint in sorted(by_endpoint, key=rank):
        most = max_items(endpoint) if callable(max_items) else max_items
        batch = Batch(endpoint)
        for entry in by_endpoint[endpoint]:
            full = len(batch.entries) >= most or batch.size + entry.size > max_bytes
            if batch.entries and full:
                batches.append(batch)
                batch = Batch(endpoint)
            batch.entries.append(entry)
            batch.size += entry.size
        batches.append(batch)
    return batches
