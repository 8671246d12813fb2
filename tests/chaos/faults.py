"""The faults, injected at random moments from a seeded schedule, in two lanes that overlap:
the infrastructure (worker, web server, Redis, PostgreSQL) and Mixpanel.

Each lane first injects every one of its kinds once, in a random order, then random kinds
until the fault phase ends. The infrastructure lane waits for every process to serve again
before its next fault, so each fault hits a whole stack, as an outage in production would.
"""

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.chaos.fake import ChaosMixpanel
from tests.chaos.services import PrivatePostgres, PrivateRedis, wait_gone
from tests.chaos.supervisor import Supervisor

INFRA = ("worker_kill", "daphne_kill", "redis_restart", "postgres_restart")
MIXPANEL = ("mixpanel_500", "mixpanel_429", "mixpanel_timeout", "mixpanel_drop")
KINDS = INFRA + MIXPANEL


@dataclass
class Fault:
    kind: str
    started: float  # time.monotonic()
    ended: float  # the fault is over: process killed, service back, window closed
    detail: str = ""
    # PostgreSQL only: from the moment it stopped answering to the moment it was started.
    down: tuple[float, float] | None = None


@dataclass
class Timing:
    """Seconds: gaps between a lane's faults, and how long outages and windows last."""

    gap: tuple[float, float] = (3.0, 12.0)
    postgres_down: tuple[float, float] = (4.0, 8.0)
    redis_down: tuple[float, float] = (0.5, 3.0)
    window: tuple[float, float] = (5.0, 10.0)


@dataclass
class Injector:
    rng: random.Random
    supervisor: Supervisor
    postgres: PrivatePostgres
    redis: PrivateRedis
    mixpanel: ChaosMixpanel
    http_timeout: float
    timing: Timing
    faults: list[Fault] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, until: float) -> list[threading.Thread]:
        """Start both lanes; they stop injecting at `until` (time.monotonic())."""
        infra_rng = random.Random(self.rng.random())
        mixpanel_rng = random.Random(self.rng.random())
        lanes = [
            threading.Thread(
                target=self._lane, args=(INFRA, infra_rng, until, True), name="chaos-infra"
            ),
            threading.Thread(
                target=self._lane, args=(MIXPANEL, mixpanel_rng, until, False), name="chaos-mp"
            ),
        ]
        for lane in lanes:
            lane.start()
        return lanes

    def _lane(
        self, kinds: tuple[str, ...], rng: random.Random, until: float, wait_ready: bool
    ) -> None:
        first = list(kinds)
        rng.shuffle(first)
        while first or time.monotonic() < until:
            kind = first.pop(0) if first else rng.choice(kinds)
            time.sleep(rng.uniform(*self.timing.gap))
            if time.monotonic() >= until and not self._owed(kind):
                return
            try:
                if wait_ready:
                    self.supervisor.wait_ready(timeout=90)
                self._inject(kind, rng)
            except Exception as exc:  # reported: a fault that could not be injected
                self.errors.append(f"{kind}: {exc!r}")
                return

    def _owed(self, kind: str) -> bool:
        """Whether `kind` was not injected yet (every kind is, once, even late)."""
        with self.lock:
            return all(f.kind != kind for f in self.faults)

    def _inject(self, kind: str, rng: random.Random) -> None:
        inject: Callable[[random.Random], Fault] = getattr(self, kind)
        fault = inject(rng)
        with self.lock:
            self.faults.append(fault)

    def worker_kill(self, rng: random.Random) -> Fault:
        name = rng.choice([n for n in self.supervisor.procs if n.startswith("worker")])
        at = time.monotonic()
        pid = self.supervisor.kill(name)
        return Fault("worker_kill", at, at, f"SIGKILL {name} (pid {pid})")

    def daphne_kill(self, rng: random.Random) -> Fault:
        name = rng.choice([n for n in self.supervisor.procs if n.startswith("daphne")])
        at = time.monotonic()
        pid = self.supervisor.kill(name)
        return Fault("daphne_kill", at, at, f"SIGKILL {name} (pid {pid})")

    def redis_restart(self, rng: random.Random) -> Fault:
        down = rng.uniform(*self.timing.redis_down)
        started = time.monotonic()
        self.redis.kill()
        time.sleep(down)
        self.redis.start()
        return Fault("redis_restart", started, time.monotonic(), f"SIGKILL, {down:.1f} s down")

    def postgres_restart(self, rng: random.Random) -> Fault:
        mode = rng.choice(("fast", "immediate"))
        hold = rng.uniform(*self.timing.postgres_down)
        started = time.monotonic()
        self.postgres.stop(mode)
        wait_gone(self.postgres.port)
        stopped = time.monotonic()
        time.sleep(hold)
        starting = time.monotonic()
        self.postgres.start()
        detail = f"pg_ctl stop -m {mode}, {starting - stopped:.1f} s down"
        return Fault("postgres_restart", started, time.monotonic(), detail, (stopped, starting))

    def _window(self, kind: str, rng: random.Random) -> Fault:
        seconds = rng.uniform(*self.timing.window)
        started = time.monotonic()
        self.mixpanel.fail_for(kind, seconds, self.http_timeout)
        time.sleep(seconds)
        self.mixpanel.heal()
        return Fault(kind, started, time.monotonic(), f"{seconds:.1f} s window")

    def mixpanel_500(self, rng: random.Random) -> Fault:
        return self._window("mixpanel_500", rng)

    def mixpanel_429(self, rng: random.Random) -> Fault:
        return self._window("mixpanel_429", rng)

    def mixpanel_timeout(self, rng: random.Random) -> Fault:
        return self._window("mixpanel_timeout", rng)

    def mixpanel_drop(self, rng: random.Random) -> Fault:
        return self._window("mixpanel_drop", rng)
