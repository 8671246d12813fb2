"""Group commit on PostgreSQL: concurrent requests share inserts, and each is answered only
for its own rows."""

import asyncio
import base64
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import orjson
import pytest
from django.db import connection
from psycopg import DataError

from delivery.collect import pgstore
from delivery.collect.store import SourceKey
from delivery.collect.validate import Accepted
from delivery.models import Event
from integrations.models import Source

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fresh_pool():
    """Each asyncio.run has its own loop: the pool and the writer start anew for it."""
    if connection.vendor != "postgresql":
        pytest.skip("group commit is the PostgreSQL store")
    pgstore._pool, pgstore.writer = None, pgstore.GroupWriter()
    pgstore._opening, pgstore._failed_at = asyncio.Lock(), float("-inf")
    yield
    pgstore._pool, pgstore.writer = None, pgstore.GroupWriter()
    pgstore._failed_at = float("-inf")


@pytest.fixture
def inserts(monkeypatch) -> list[int]:
    """The row count of each insert the collector makes (the real insert still runs)."""
    made: list[int] = []
    real_insert = pgstore._insert

    async def counted(rows):
        made.append(len(rows))
        await real_insert(rows)

    monkeypatch.setattr(pgstore, "_insert", counted)
    return made


def accepted(message_id: str) -> Accepted:
    payload = {"type": "track", "event": "Viewed", "anonymousId": "a", "messageId": message_id}
    return Accepted(0, message_id, "track", "Viewed", payload, orjson.dumps(payload))


async def ingest_all(write_key: str, requests: list[list[Accepted]]) -> list[object]:
    try:
        now = datetime.now(UTC)
        calls = [pgstore.ingest(write_key, events, now) for events in requests]
        return await asyncio.gather(*calls, return_exceptions=True)
    finally:
        if pgstore._pool is not None:
            await pgstore._pool.close()


def test_concurrent_requests_are_stored_by_fewer_inserts_than_requests(fresh_pool, inserts):
    # given fifty requests arriving together, and a count of the inserts made
    source = Source.objects.create(name="Website")
    requests = [[accepted(f"m-{i}")] for i in range(50)]
    # when they are ingested, then each is answered and every event is stored
    assert asyncio.run(ingest_all(source.write_key, requests)) == [True] * 50
    assert Event.objects.count() == 50
    assert sum(inserts) == 50 and len(inserts) < 50


def test_a_request_that_cannot_be_stored_fails_alone(fresh_pool):
    # given a request whose message id is too long for its column, among valid ones
    source = Source.objects.create(name="Website")
    bad = [accepted("x" * 300)]
    requests = [[accepted("m-1")], bad, [accepted("m-2"), accepted("m-3")]]
    # when they are ingested together
    answers = asyncio.run(ingest_all(source.write_key, requests))
    # then only the bad request fails, and its neighbours' events are stored
    assert answers[0] is True and answers[2] is True
    assert isinstance(answers[1], DataError)
    assert sorted(Event.objects.values_list("message_id", flat=True)) == ["m-1", "m-2", "m-3"]


def test_many_concurrent_clients_each_get_200_for_events_in_the_database(daphne_server):
    source = Source.objects.create(name="Website")
    auth = base64.b64encode(f"{source.write_key}:".encode()).decode()

    def post(i: int) -> int:
        body = {"event": "Viewed", "anonymousId": f"a-{i}", "messageId": f"c-{i}"}
        response = httpx.post(
            f"{daphne_server}/v1/track", json=body, headers={"Authorization": f"Basic {auth}"}
        )
        return response.status_code

    with ThreadPoolExecutor(32) as pool:
        statuses = list(pool.map(post, range(200)))
    assert statuses == [200] * 200
    assert Event.objects.filter(message_id__startswith="c-").count() == 200


def test_the_collector_answers_503_when_the_database_cannot_take_the_events(
    fresh_pool, monkeypatch
):
    # given a known write key, and a database the collector cannot reach
    from delivery.collect.app import collect

    source = Source.objects.create(name="Website")
    pgstore.sources.put(source.write_key, SourceKey(source.id, source.kind))
    auth = base64.b64encode(f"{source.write_key}:".encode())
    body = b'{"event": "Viewed", "anonymousId": "a-1", "messageId": "lost-1"}'
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    unreachable = {"host": "127.0.0.1", "port": 1, "connect_timeout": 3, "autocommit": True}
    monkeypatch.setattr(pgstore, "_params", lambda: unreachable)

    async def post() -> None:
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/v1/track",
            "headers": [(b"authorization", b"Basic " + auth)],
        }
        await collect(scope, receive, send)

    # when an event is posted, then the answer is a 503 that says to retry, never a 200
    asyncio.run(post())
    assert sent[0]["status"] == 503
    assert b"retry" in sent[1]["body"]
    assert not Event.objects.filter(message_id="lost-1").exists()


def test_a_shared_insert_is_bounded_in_bytes_too(fresh_pool, inserts, monkeypatch):
    # given a byte bound smaller than any two requests
    source = Source.objects.create(name="Website")
    monkeypatch.setattr(pgstore, "GROUP_BYTES", 1)
    requests = [[accepted(f"m-{i}")] for i in range(5)]
    # when they are ingested together, then each went in an insert of its own
    assert asyncio.run(ingest_all(source.write_key, requests)) == [True] * 5
    assert inserts == [1] * 5
