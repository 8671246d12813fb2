"""Clients of the collection API, as Segment's libraries behave: a batch that got no 2xx is
sent again, unchanged (same messageIds), until one answers 2xx.

Every request is recorded (when, to which web server, what came back), and every event's
acknowledgement time, so the run can check what a 2xx promised against what Mixpanel got.
"""

import base64
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

CLIENT_TIMEOUT_SECONDS = 10.0
CONSENTED = {"consent": {"categoryPreferences": {"analytics": True}}, "ip": "203.0.113.7"}


@dataclass
class Request:
    started: float
    ended: float
    server: int
    events: int
    outcome: str  # an HTTP status ("200", "503") or the exception's class name


@dataclass
class Load:
    """What all clients sent and heard."""

    sent: dict[str, float] = field(default_factory=dict)  # messageId -> first sent
    acked: dict[str, float] = field(default_factory=dict)  # messageId -> 2xx received
    requests: list[Request] = field(default_factory=list)
    gave_up: int = 0  # events whose batch never got a 2xx before the clients stopped
    lock: threading.Lock = field(default_factory=threading.Lock)


def event(message_id: str, seq: int, user: str) -> dict:
    return {
        "type": "track",
        "event": "Chaos Tick",
        "userId": user,
        "messageId": message_id,
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "properties": {"chaos_id": message_id, "seq": seq},
        "context": CONSENTED,
    }


class Client(threading.Thread):
    """One client: a batch of 1..`max_batch` events every `interval` seconds on average."""

    def __init__(
        self,
        number: int,
        urls: list[str],
        write_key: str,
        load: Load,
        rng: random.Random,
        interval: float,
        max_batch: int,
        stop: threading.Event,
        give_up: threading.Event,
    ) -> None:
        super().__init__(name=f"chaos-client-{number}", daemon=True)
        self.number, self.urls, self.load, self.rng = number, urls, load, rng
        self.interval, self.max_batch = interval, max_batch
        self.stop, self.give_up = stop, give_up
        auth = base64.b64encode(f"{write_key}:".encode()).decode()
        self.http = httpx.Client(
            headers={"Authorization": f"Basic {auth}"}, timeout=CLIENT_TIMEOUT_SECONDS
        )
        self.server = number % len(urls)
        self.seq = 0

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.deliver(self.next_batch())
                self.stop.wait(self.rng.uniform(0.5, 1.5) * self.interval)
        finally:
            self.http.close()

    def next_batch(self) -> list[dict]:
        batch = []
        for _ in range(self.rng.randint(1, self.max_batch)):
            self.seq += 1
            batch.append(event(uuid.uuid4().hex, self.seq, f"user-{self.number}-{self.seq % 50}"))
        now = time.monotonic()
        with self.load.lock:
            for item in batch:
                self.load.sent[item["messageId"]] = now
        return batch

    def deliver(self, batch: list[dict]) -> None:
        """Send until a 2xx, the way a client library retries; other web server on failure."""
        pause = 0.2
        while not self.give_up.is_set():
            outcome = self.post(batch)
            if outcome.startswith("2"):
                return
            self.server = (self.server + 1) % len(self.urls)
            self.give_up.wait(pause)
            pause = min(pause * 2, 2.0)
        with self.load.lock:
            self.load.gave_up += len(batch)

    def post(self, batch: list[dict]) -> str:
        server, started = self.server, time.monotonic()
        try:
            response = self.http.post(f"{self.urls[server]}/v1/batch", json={"batch": batch})
            outcome = str(response.status_code)
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        ended = time.monotonic()
        with self.load.lock:
            self.load.requests.append(Request(started, ended, server, len(batch), outcome))
            if outcome.startswith("2"):
                for item in batch:
                    self.load.acked.setdefault(item["messageId"], ended)
        return outcome
