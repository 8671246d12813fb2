"""A fan-out run in a thread and stopped after mapping its events, and a fan-out task's lock
held in a thread, for tests of what runs beside them (a second fan-out, a deletion). Real
PostgreSQL: what is paused holds its locks."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection

from delivery import locks, outbox


class Paused:
    """Makes the fan-out run in a thread stop after mapping its events, until let go (or,
    with `fail`, give up there and roll back)."""

    def __init__(self, monkeypatch, fail: bool = False) -> None:
        self.mapped, self.go, self.fail = threading.Event(), threading.Event(), fail
        self.thread: threading.Thread | None = None
        real = outbox.rows_for

        def rows_for(events, integrations, now):
            rows = real(events, integrations, now)
            if threading.current_thread() is self.thread and events:
                self.mapped.set()
                assert self.go.wait(20)
                if self.fail:
                    raise RuntimeError("the older fan-out died")
            return rows

        monkeypatch.setattr(outbox, "rows_for", rows_for)

    def start(self, limit: int) -> None:
        def run() -> None:
            try:
                outbox.fan_out_pending(limit=limit)
            except RuntimeError:
                pass
            finally:
                connection.close()

        self.thread = threading.Thread(target=run)
        self.thread.start()
        assert self.mapped.wait(20)


def if_postgres() -> None:
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("side-by-side fan-outs need row locks that can be skipped (PostgreSQL)")


@contextmanager
def another_fan_out_task_running() -> Iterator[None]:
    """Hold the fan-out task's lock from another connection, as a task running elsewhere."""
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with locks.fanning_out() as mine:
                assert mine
                holding.set()
                done.wait(20)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(20)
        yield
    finally:
        done.set()
        holder.join(20)
