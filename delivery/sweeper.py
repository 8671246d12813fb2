"""The standalone sweeper thread (distributed mode runs the `sweep` task on Celery beat)."""

import logging
import threading
import time

log = logging.getLogger("signal.sweeper")
_stop = threading.Event()
INTERVAL_SECONDS = 1.0


def _loop() -> None:
    from django.conf import settings
    from django.db import close_old_connections

    from delivery.outbox import sweep
    from delivery.retention import prune

    last_prune = 0.0
    while not _stop.wait(INTERVAL_SECONDS):
        try:
            sweep()
            if time.monotonic() - last_prune >= settings.SIGNAL_PRUNE_INTERVAL_SECONDS:
                last_prune = time.monotonic()
                prune()
        except Exception:  # the next round tries again; a sweep is never fatal
            log.exception("sweep failed")
        finally:
            close_old_connections()


def start_background() -> threading.Thread:
    _stop.clear()
    thread = threading.Thread(target=_loop, name="outbox-sweeper", daemon=True)
    thread.start()
    return thread


def stop_background(thread: threading.Thread) -> None:
    _stop.set()
    thread.join(timeout=5)
