"""The collector's write on PostgreSQL, from daphne's own event loop, with group commit.

An async connection pool keeps the hot path free of thread hand-offs: with a thread per
insert, the web process spent its time passing the GIL around rather than serving requests.

Requests that arrive while an insert is in flight wait for the next one, which carries all of
their events: under load one statement and one commit serve many requests, and a request
alone is written at once. Each request is answered only after the insert holding its events
has committed, so a 200 still means "in the database". If a shared insert fails on the data,
each request's events are inserted on their own, so one bad request never fails another.
"""

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connections
from psycopg import AsyncConnection, DataError, IntegrityError, OperationalError, ProgrammingError
from psycopg.errors import ProgramLimitExceeded
from psycopg_pool import AsyncConnectionPool

from delivery.collect.store import SourceKey, event_rows, sources, waker
from delivery.collect.validate import Accepted
from delivery.models import Event
from delivery.sql import prepared_insert

# A shared insert's bounds: far above one request's share, far below a statement too big to
# send (PostgreSQL takes at most 256 MB of JSON in one value).
GROUP_ROWS = 5000
GROUP_BYTES = 16 * 1024 * 1024
# Inserts in flight at once: one writes while the next group gathers.
WRITERS = 2

log = logging.getLogger("signal.collect")
# When PostgreSQL goes away, a pool keeps reconnecting on its own with a backoff that doubles
# without bound, and a request waited up to 30 s for one of its connections: clients timed
# out instead of hearing a 503, and the collector came back only when that backoff allowed.
# So a pool whose connection fails is dropped, the next request opens a new one (a refused
# connection fails at once), and for a moment after a failed open requests fail at once.
CONNECT_SECONDS = 3  # libpq's connect_timeout, and the longest wait for a pooled connection
REOPEN_AFTER_SECONDS = 0.5
_pool: AsyncConnectionPool | None = None
_opening = asyncio.Lock()
_failed_at = float("-inf")  # time.monotonic() of the last pool that could not open
_closing: set[asyncio.Task] = set()  # dropped pools closing (the loop keeps weak references)


class Unavailable(OperationalError):
    """PostgreSQL could not be reached a moment ago: the request is answered 503 at once."""


def _params() -> dict:
    params = connections["default"].get_connection_params()
    # Django's own cursor class and adapters are for its synchronous connections.
    for name in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(name, None)
    return {**params, "autocommit": True, "connect_timeout": CONNECT_SECONDS}


async def pool() -> AsyncConnectionPool:
    global _pool, _failed_at
    async with _opening:
        if _pool is None:
            if time.monotonic() - _failed_at < REOPEN_AFTER_SECONDS:
                raise Unavailable("the database could not be reached a moment ago")
            try:
                _pool = await _open(_params())
            except Exception:
                _failed_at = time.monotonic()
                raise
    return _pool


async def _open(params: dict) -> AsyncConnectionPool:
    # One direct connection first: a server that is down refuses it at once, where the pool
    # would retry until its timeout.
    await (await AsyncConnection.connect(**params)).close()
    created = AsyncConnectionPool(
        kwargs=params,
        min_size=2,
        max_size=settings.SIGNAL_COLLECT_THREADS,
        timeout=CONNECT_SECONDS,
        open=False,
    )
    try:
        await created.open(wait=True, timeout=CONNECT_SECONDS)
    except BaseException:
        await created.close()
        raise
    return created


def _discard(broken: AsyncConnectionPool) -> None:
    """Drop a pool whose server went away (unless already replaced); it closes meanwhile."""
    global _pool
    if _pool is broken:
        _pool = None
        task = asyncio.get_running_loop().create_task(broken.close())
        _closing.add(task)
        task.add_done_callback(_closing.discard)


@asynccontextmanager
async def connection() -> AsyncIterator[AsyncConnection]:
    """A pooled connection; a failure of the connection itself drops its pool."""
    current = await pool()
    try:
        async with current.connection() as conn:
            yield conn
    except ProgramLimitExceeded:  # too much data in one statement: the connection is fine
        raise
    except OperationalError:
        _discard(current)
        raise


async def source_for(write_key: str) -> SourceKey | None:
    """The source of a write key (one query on a cache miss); None for an unknown key."""
    hit, source = sources.get(write_key)
    if hit:
        return source
    async with connection() as conn:
        cursor = await conn.execute(
            "SELECT id, kind FROM integrations_source WHERE write_key = %s", [write_key]
        )
        row = await cursor.fetchone()
    return sources.put(write_key, SourceKey(*row) if row else None)


async def lookup(write_key: str) -> SourceKey | None:
    """`source_for`, retried once on a connection the server dropped."""
    try:
        return await source_for(write_key)
    except OperationalError:
        return await source_for(write_key)


@dataclass
class _Request:
    rows: list[dict]
    size: int  # bytes of JSON, roughly
    done: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class GroupWriter:
    """Inserts the rows of concurrent requests together; see the module's docstring."""

    def __init__(self) -> None:
        self.waiting: deque[_Request] = deque()
        self.writers: set[asyncio.Task] = set()  # held here: the loop keeps only weak references

    async def write(self, rows: list[dict], size: int) -> None:
        """Return once `rows` are committed; raise what their own insert raised."""
        request = _Request(rows, size)
        self.waiting.append(request)
        self._start_writer()
        await request.done

    def _start_writer(self) -> None:
        if self.waiting and len(self.writers) < WRITERS:
            self.writers.add(asyncio.create_task(self._drain()))

    async def _drain(self) -> None:
        try:
            while self.waiting:
                await _commit(self._take())
        finally:
            # At once, not in a done-callback: a request arriving in between would otherwise
            # count this writer as busy and wait with nobody left to write it.
            self.writers.discard(asyncio.current_task())
            self._start_writer()  # anything still waiting, should this writer have failed

    def _take(self) -> list[_Request]:
        group, rows, size = [], 0, 0
        while self.waiting and (not group or self._fits(self.waiting[0], rows, size)):
            group.append(self.waiting.popleft())
            rows, size = rows + len(group[-1].rows), size + group[-1].size
        return group

    @staticmethod
    def _fits(request: _Request, rows: int, size: int) -> bool:
        return rows + len(request.rows) <= GROUP_ROWS and size + request.size <= GROUP_BYTES


# Errors that belong to some row of the group: retried request by request to find it.
DATA_ERRORS = (DataError, IntegrityError, ProgrammingError, ProgramLimitExceeded)


async def _commit(group: list[_Request]) -> None:
    """Insert the group's rows and answer each of its requests, whatever happens."""
    try:
        await _insert([row for request in group for row in request.rows])
    except DATA_ERRORS as exc:
        if len(group) == 1:
            return _settle(group, exc)
        for request in group:  # find the request at fault: each alone
            await _commit([request])
    except Exception as exc:  # the database is down: every request hears it
        _settle(group, exc)
    else:
        _settle(group)
        _wake_workers()
    finally:
        for request in group:  # cancelled part-way (the server is stopping)
            if not request.done.done():
                request.done.cancel()


def _wake_workers() -> None:
    try:
        waker.poke()
    except Exception as exc:  # the events are committed; the sweeper fans them out
        log.warning("could not wake the workers: %s", exc)


def _settle(group: list[_Request], error: BaseException | None = None) -> None:
    for request in group:
        if request.done.done():
            continue
        if error is None:
            request.done.set_result(None)
        else:
            request.done.set_exception(error)


async def _insert(rows: list[dict]) -> None:
    """One statement; retried once on a connection the server dropped (on a new pool)."""
    sql, params = prepared_insert(Event, rows, ("source_id", "message_id"))
    for attempt in range(2):
        try:
            async with connection() as conn:
                await conn.execute(sql, params, binary=True)
            return
        except ProgramLimitExceeded:
            raise
        except OperationalError:
            if attempt:
                raise


writer = GroupWriter()


async def ingest(write_key: str, accepted: list[Accepted], received_at: datetime) -> bool:
    """Authenticate and store; False for an unknown write key."""
    source = await lookup(write_key)
    if source is None:
        return False
    await save(source.id, accepted, received_at)
    return True


async def save(source_id: int, accepted: list[Accepted], received_at: datetime) -> None:
    """Return once the events are committed (with other requests' events, see above)."""
    if accepted:
        size = sum(len(a.encoded) for a in accepted)
        await writer.write(event_rows(source_id, accepted, received_at, encoded=True), size)
