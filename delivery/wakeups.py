"""Wake-ups for the workers: at most one queued task of each kind (and integration).

A wake-up only says "look at the outbox"; one queued task answers any number of them. Without
this, every poke while the workers were busy or down became a task of its own, and a worker
coming back spent its time on hundreds of empty fan-outs queued ahead of the sends.

The mark lives in the cache (Redis beside the broker; in-process when standalone). A send task
clears it when it starts, so a wake-up that arrives while it runs queues the next one; the
fan-out clears it when it ends and then looks once more (delivery.tasks.fanout), so only one
runs at a time. The mark expires on its own, so a task the broker lost never blocks later
wake-ups for long; the sweeper enqueues without it.
"""

import logging

from celery import current_app
from django.core.cache import cache

log = logging.getLogger("signal.wakeups")
MARK_SECONDS = 30


def _mark(name: str, args: tuple) -> str:
    return "signal:queued:" + ":".join([name, *map(str, args)])


def wake(task: str, *args, force: bool = False) -> bool:
    """Queue the task named `task` with `args` unless one is already queued; False when the
    broker refused it."""
    mark = _mark(task, args)
    try:
        if not cache.add(mark, 1, MARK_SECONDS) and not force:
            return True
    except Exception as exc:  # no cache: queue anyway, a spare task costs one empty look
        log.debug("wake-up mark unavailable: %s", exc)
    try:
        current_app.send_task(task, args=list(args), retry=False)
    except Exception as exc:
        log.warning("could not enqueue %s%s: %s", task, list(args), exc)
        _clear(mark)
        return False
    return True


def release(task: str, *args) -> None:
    """Clear the mark: wake-ups from now on queue another run."""
    _clear(_mark(task, args))


def _clear(mark: str) -> None:
    try:
        cache.delete(mark)
    except Exception as exc:
        log.debug("wake-up mark not cleared: %s", exc)
