"""One sender per integration at a time, across every worker process.

Sending an integration's deliveries strictly in order is what keeps a user's `$identify`
ahead of that user's later events. PostgreSQL's session advisory locks are released by the
server when the holder's connection ends, so a killed worker never leaves one behind; the
standalone mode (SQLite, one process) uses an in-process lock.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

LOCK_CLASS = 0x5167  # the first key of the pair: this kind of lock in Signal
_local_locks: dict[int, threading.Lock] = {}
_guard = threading.Lock()


@contextmanager
def sending(integration_id: int) -> Iterator[bool]:
    """Yields True when this caller is the integration's sender; False if another is."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, integration_id])
            acquired = cursor.fetchone()[0]
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, integration_id]
                    )
        return
    with _guard:
        lock = _local_locks.setdefault(integration_id, threading.Lock())
    acquired = lock.acquire(blocking=False)
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()
