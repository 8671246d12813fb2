from django.utils import timezone

from delivery import sql
from delivery.models import Event
from integrations.models import Source


def rows(source: Source, ids: list[str]) -> list[dict]:
    now = timezone.now()
    return [
        {
            "source_id": source.id,
            "message_id": i,
            "type": "track",
            "name": "x",
            "payload": {"event": "x", "n": [1, {"a": None}]},
            "received_at": now,
        }
        for i in ids
    ]


def test_a_bulk_insert_skips_conflicts_and_returns_only_new_rows(db):
    source = Source.objects.create(name="s")
    sql.insert_ignoring_conflicts(Event, rows(source, ["a"]), ("source_id", "message_id"))
    returned = sql.insert_ignoring_conflicts(
        Event, rows(source, ["a", "b"]), ("source_id", "message_id"), returning=("message_id",)
    )
    assert returned == [("b",)]
    stored = Event.objects.get(message_id="b")
    assert stored.payload == {"event": "x", "n": [1, {"a": None}]}
    assert stored.received_at.tzinfo is not None


def test_a_bulk_insert_larger_than_one_statement_allows_is_split(db, monkeypatch):
    source = Source.objects.create(name="s")
    monkeypatch.setattr(sql, "MAX_PARAMETERS", 12)  # two rows per statement
    ids = [f"m-{n}" for n in range(5)]
    returned = sql.insert_ignoring_conflicts(
        Event, rows(source, ids), ("source_id", "message_id"), returning=("message_id",)
    )
    assert sorted(r[0] for r in returned) == ids
    assert Event.objects.count() == 5
