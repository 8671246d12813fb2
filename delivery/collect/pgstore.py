"""The collector's write on PostgreSQL, from daphne's own event loop.

An async connection pool keeps the hot path free of thread hand-offs: with a thread per
insert, the web process spent its time passing the GIL around rather than serving requests.
The statement is the same one the synchronous path runs (delivery.sql.prepared_insert).
"""

import asyncio
from datetime import datetime

from django.conf import settings
from django.db import connections
from psycopg import OperationalError
from psycopg_pool import AsyncConnectionPool

from delivery.collect.store import event_rows, sources, waker
from delivery.collect.validate import Accepted
from delivery.models import Event
from delivery.sql import prepared_insert

_pool: AsyncConnectionPool | None = None
_opening = asyncio.Lock()


async def pool() -> AsyncConnectionPool:
    global _pool
    async with _opening:
        if _pool is None:
            params = connections["default"].get_connection_params()
            # Django's own cursor class and adapters are for its synchronous connections.
            for name in ("cursor_factory", "context", "prepare_threshold"):
                params.pop(name, None)
            created = AsyncConnectionPool(
                kwargs={**params, "autocommit": True},
                min_size=2,
                max_size=settings.SIGNAL_COLLECT_THREADS,
                open=False,
            )
            await created.open(wait=True, timeout=10)
            _pool = created
    return _pool


async def source_id_for(write_key: str) -> int | None:
    hit, source_id = sources.get(write_key)
    if hit:
        return source_id
    async with (await pool()).connection() as conn:
        cursor = await conn.execute(
            "SELECT id FROM integrations_source WHERE write_key = %s", [write_key]
        )
        row = await cursor.fetchone()
    return sources.put(write_key, row[0] if row else None)


async def ingest(write_key: str, accepted: list[Accepted], received_at: datetime) -> bool:
    """Authenticate and store; False for an unknown write key. Retries once on a connection
    the server dropped (the pool replaces it)."""
    try:
        return await _ingest(write_key, accepted, received_at)
    except OperationalError:
        return await _ingest(write_key, accepted, received_at)


async def _ingest(write_key: str, accepted: list[Accepted], received_at: datetime) -> bool:
    source_id = await source_id_for(write_key)
    if source_id is None:
        return False
    if accepted:
        sql, params = prepared_insert(
            Event, event_rows(source_id, accepted, received_at), ("source_id", "message_id")
        )
        async with (await pool()).connection() as conn:
            await conn.execute(sql, params, binary=True)
        waker.poke()
    return True
