"""One sender per integration, and one fan-out, at a time, across every worker process.

Sending an integration's deliveries strictly in order is what keeps a user's `$identify`
ahead of that user's later events, and deliveries are sent in the order the fan-out inserted
them. PostgreSQL's advisory locks are released by the server when the holder's connection
ends (or, for a transaction's, when it ends), so a killed worker never leaves one behind; the
standalone mode (SQLite, one process) uses in-process locks.
"""

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from django.db import connection

LOCK_CLASS = 0x5167  # the first key of the pair: a sender's lock, keyed by integration
FANOUT_CLASS = 0x5168  # a fan-out's: the second key says whose, a task's or a round's
TASK, ROUND = 0, 1
_local_locks: dict[tuple[int, int], threading.Lock] = {}
_guard = threading.Lock()


def sending(integration_id: int) -> AbstractContextManager[bool]:
    """Yields True when this caller is the integration's sender; False if another is."""
    return _held(LOCK_CLASS, integration_id)


def fanning_out() -> AbstractContextManager[bool]:
    """Yields True when this caller is the one fan-out task running; False if another is."""
    return _held(FANOUT_CLASS, TASK)


def one_fan_out_round_at_a_time() -> None:
    """Inside a transaction: wait until no other fan-out round's transaction is open, then
    keep others waiting until this one ends. Rounds that claimed events side by side could
    commit out of order, and a sender would take a later event's delivery first.

    SQLite has a single writer: its rounds are one at a time already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [FANOUT_CLASS, ROUND])


@contextmanager
def _held(kind: int, key: int) -> Iterator[bool]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [kind, key])
            acquired = cursor.fetchone()[0]
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [kind, key])
        return
    with _guard:
        lock = _local_locks.setdefault((kind, key), threading.Lock())
    acquired = lock.acquire(blocking=False)
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()
