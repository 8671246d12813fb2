"""The collector's one durable write, and the wake-up for the fan-out workers."""

import logging
import threading
import time
from datetime import datetime
from typing import NamedTuple

import orjson
from django.db import InterfaceError, OperationalError, connection

from delivery.collect.validate import Accepted
from delivery.models import Event
from delivery.sql import insert_ignoring_conflicts
from integrations.models import Source

log = logging.getLogger("signal.collect")


class SourceKey(NamedTuple):
    """What the hot path needs of a source: where to store, and whose address it sees."""

    id: int
    kind: str


class WriteKeyCache:
    """Write key -> source (None for an unknown key), kept briefly so the hot path does no
    extra query; shared by the threaded and the async store."""

    def __init__(self, ttl: float = 30.0, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self.entries: dict[str, tuple[float, SourceKey | None]] = {}

    def get(self, write_key: str) -> tuple[bool, SourceKey | None]:
        cached = self.entries.get(write_key)
        if cached and time.monotonic() - cached[0] < self.ttl:
            return True, cached[1]
        return False, None

    def put(self, write_key: str, source: SourceKey | None) -> SourceKey | None:
        if len(self.entries) >= self.size:
            self.entries.clear()
        self.entries[write_key] = (time.monotonic(), source)
        return source


sources = WriteKeyCache()


def source_for(write_key: str) -> SourceKey | None:
    """The source of a write key (one query on a cache miss); None for an unknown key."""
    hit, source = sources.get(write_key)
    if hit:
        return source
    found = Source.objects.filter(write_key=write_key).values_list("id", "kind").first()
    return sources.put(write_key, SourceKey(*found) if found else None)


def lookup(write_key: str) -> SourceKey | None:
    """`source_for`, retried once on a connection the database dropped."""
    try:
        return source_for(write_key)
    except (InterfaceError, OperationalError):
        connection.close()  # no Django request retires this thread's connection
        return source_for(write_key)


def ingest(write_key: str, accepted: list[Accepted], received_at: datetime) -> bool:
    """Authenticate and store; False for an unknown key."""
    source = lookup(write_key)
    if source is None:
        return False
    save(source.id, accepted, received_at)
    return True


def save(source_id: int, accepted: list[Accepted], received_at: datetime) -> None:
    """Store and wake the workers, retried once on a connection the database dropped."""
    if not accepted:
        return
    try:
        store(source_id, accepted, received_at)
    except (InterfaceError, OperationalError):
        # These threads serve no Django request, so nothing else retires a connection the
        # database dropped: retire it and try once more on a fresh one.
        connection.close()
        store(source_id, accepted, received_at)
    waker.poke()


def event_rows(
    source_id: int, accepted: list[Accepted], received_at: datetime, encoded: bool = False
) -> list[dict]:
    """The rows to insert. With `encoded`, payloads are the JSON validation already made
    (for a statement built with orjson), not serialised a second time."""
    return [
        {
            "source_id": source_id,
            "message_id": a.message_id,
            "type": a.type,
            "name": a.name,
            "payload": orjson.Fragment(a.encoded) if encoded else a.payload,
            "received_at": received_at,
        }
        for a in accepted
    ]


def store(source_id: int, accepted: list[Accepted], received_at: datetime) -> None:
    """Insert the events in one statement; a repeated messageId is stored once.

    In autocommit: one round trip and one commit per request.
    """
    rows = event_rows(source_id, accepted, received_at)
    insert_ignoring_conflicts(Event, rows, conflict=("source_id", "message_id"))


class Waker:
    """Wakes the fan-out workers from a thread of its own, off the request path.

    Requests only set a flag. The thread turns any number of pokes into one task at most
    every `interval`, and a poke that lands while a task is being sent causes another, so
    no stored event waits for the sweeper unless the broker is down.
    """

    def __init__(self, interval: float = 0.05, broker_backoff: float = 2.0) -> None:
        self.interval, self.broker_backoff = interval, broker_backoff
        self.flag = threading.Event()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def poke(self) -> None:
        self.flag.set()
        if self.thread is None or not self.thread.is_alive():
            with self.lock:
                if self.thread is None or not self.thread.is_alive():
                    self.thread = threading.Thread(
                        target=self.run, name="fanout-waker", daemon=True
                    )
                    self.thread.start()

    def run(self) -> None:
        from delivery.outbox import enqueue_fanout

        while True:
            self.flag.wait()
            self.flag.clear()
            # The events are committed: if the broker is down, the sweeper fans them out.
            if not enqueue_fanout():
                time.sleep(self.broker_backoff)
            time.sleep(self.interval)


waker = Waker()
