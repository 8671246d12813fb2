"""The standalone sweeper thread (distributed mode runs the `sweep` task on Celery beat)."""

import logging
import threading

log = logging.getLogger("signal.sweeper")
_stop = threading.Event()
INTERVAL_SECONDS = 1.0


def _loop() -> None:
    from django.db import close_old_connections

    from delivery.outbox import sweep

    while not _stop.wait(INTERVAL_SECONDS):
        try:
            sweep()
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
