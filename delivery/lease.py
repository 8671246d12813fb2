"""A sender's hold on the deliveries it claimed: a short lease, renewed while it sends.

Claiming a row pushes its `next_attempt_at` to the lease's end, so no other sender takes it
until then. While the round runs, a heartbeat thread pushes that end forward every fifth of
the lease; when the sender dies the renewals stop and the rows are due again within one
lease (`SIGNAL_SEND_LEASE_SECONDS`, 15 s by default), not after a long fixed one.

Two rules keep a row from being sent twice while its first sender may still be alive:
- a renewal (and the round's final write) only touches rows whose `next_attempt_at` is still
  the value this lease last wrote, so a row another sender has taken is never ours again;
- a request starts only while the lease has at least the HTTP timeout left. A sender whose
  renewals fail (its database went away) stops sending before the lease can run out under it.
On PostgreSQL the per-integration advisory lock (delivery.locks) is held as well.
"""

import logging
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from delivery.models import Delivery
from delivery.rows import any_of

log = logging.getLogger("signal.lease")
RENEWALS_PER_LEASE = 5


def lease_seconds() -> float:
    return float(settings.SIGNAL_SEND_LEASE_SECONDS)


def lease_end(now: datetime) -> datetime:
    """The `next_attempt_at` a claim made at `now` writes."""
    return now + timedelta(seconds=lease_seconds())


class Lease:
    """The claimed rows `ids`, held until `until` (the value their `next_attempt_at` has).

    Use as a context manager around the sending: it renews in the background meanwhile.
    """

    def __init__(self, ids: list[int], until: datetime, claimed_at: float | None = None) -> None:
        self.ids = list(ids)
        self.until = until
        self.seconds = lease_seconds()
        # Counted from before the claim's statement, so the local view is never too hopeful.
        self.deadline = (claimed_at if claimed_at is not None else time.monotonic()) + self.seconds
        self.lost = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "Lease":
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="send-lease", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop renewing; after this `until` is fixed, so the round can write its results."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def usable(self) -> bool:
        """Whether a request may start now: held, with at least the HTTP timeout left."""
        with self._lock:
            left = self.deadline - time.monotonic()
            return not self.lost and left >= settings.SIGNAL_HTTP_TIMEOUT_SECONDS

    def renew(self) -> bool:
        """Push the lease's end forward; False once a row is no longer ours."""
        started, until = time.monotonic(), lease_end(timezone.now())
        with self._lock:
            if self.lost:
                return False
            held = self.until
        renewed = Delivery.objects.filter(
            id__in=any_of(self.ids), status__in=Delivery.PENDING, next_attempt_at=held
        ).update(next_attempt_at=until)
        with self._lock:
            if renewed == len(self.ids):
                self.until, self.deadline = until, started + self.seconds
            else:
                # Some row was taken after a lapse (or changed by hand): stop sending.
                self.lost = True
                log.warning(
                    "lost the lease on %d of %d deliveries", len(self.ids) - renewed, len(self.ids)
                )
        return not self.lost

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.seconds / RENEWALS_PER_LEASE):
                try:
                    if not self.renew():
                        return
                except Exception as exc:  # the next beat tries again; `usable` turns False
                    log.warning(
                        "could not renew the lease of %d deliveries: %s", len(self.ids), exc
                    )
        finally:
            connection.close()  # this thread's own connection, if it opened one
