"""The faithful fake Mixpanel, with fault windows and the time each item was ingested.

A window makes every request that arrives while it is open fail the same way: a 500, a 429
with `Retry-After`, a hang past Signal's HTTP timeout, or a connection closed unanswered.
None of them ingests anything, so any second copy of an item at the fake is a resend of an
answer Signal did receive.
"""

import threading
import time
from dataclasses import dataclass
from typing import Any

from tests.support.fake_mixpanel import DEFAULT_PROJECT, FakeMixpanel, Fault
from tests.support.fake_mixpanel_http import Handler

RETRY_AFTER_SECONDS = 2


class RetryAfterHandler(Handler):
    """Mixpanel documents no `Retry-After`; a proxy in front of it may well send one."""

    def send_response(self, code: int, message: str | None = None) -> None:
        super().send_response(code, message)
        if code == 429:
            self.send_header("Retry-After", str(RETRY_AFTER_SECONDS))


@dataclass
class Window:
    kind: str
    until: float  # time.monotonic()
    fault: Fault


def window_fault(kind: str, http_timeout: float) -> Fault:
    if kind == "mixpanel_500":
        return Fault(status=500)
    if kind == "mixpanel_429":
        return Fault(status=429)
    if kind == "mixpanel_timeout":
        # Held past Signal's timeout, then closed: Signal gave up, nothing was ingested.
        return Fault(delay=http_timeout + 1.0, drop=True)
    if kind == "mixpanel_drop":
        return Fault(drop=True)
    raise ValueError(f"unknown Mixpanel fault {kind}")


class ChaosMixpanel(FakeMixpanel):
    def __init__(self) -> None:
        super().__init__([DEFAULT_PROJECT])
        self._window: Window | None = None
        self._window_lock = threading.Lock()
        self.ingested_at: dict[str, list[float]] = {}  # $insert_id -> monotonic times
        self.requests_in_windows = 0

    def start(self) -> "ChaosMixpanel":
        super().start()
        self._server.RequestHandlerClass = RetryAfterHandler
        return self

    def fail_for(self, kind: str, seconds: float, http_timeout: float) -> None:
        with self._window_lock:
            fault = window_fault(kind, http_timeout)
            self._window = Window(kind, time.monotonic() + seconds, fault)

    def heal(self) -> None:
        with self._window_lock:
            self._window = None

    def _take_fault(self, path: str) -> Fault | None:
        with self._window_lock:
            window = self._window
        if window is not None and time.monotonic() < window.until:
            self.requests_in_windows += 1
            return Fault(**vars(window.fault))
        return super()._take_fault(path)

    def _record_ingested(self, path: str, token: str, item: dict[str, Any]) -> None:
        super()._record_ingested(path, token, item)
        if path in ("/track", "/import"):
            insert_id = str(item.get("properties", {}).get("$insert_id"))
            with self._lock:
                self.ingested_at.setdefault(insert_id, []).append(time.monotonic())
