"""Signal's distributed stack for end-to-end tests: daphne, Celery workers and beat on Redis."""

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis

from tests.support.processes import (
    ROOT,
    child_env,
    daphne_args,
    free_port,
    terminate,
    wait_for_port,
)


class Stack:
    """Real processes sharing the test database and a Redis database of their own."""

    def __init__(self, logs: Path, redis_url: str, mixpanel_url: str, **env: str) -> None:
        self.logs = logs
        self.redis_url = redis_url
        # Fast timings by default; a test measuring the real ones passes them in `env`.
        fast = {
            "SIGNAL_SEND_LEASE_SECONDS": "4",
            "SIGNAL_SWEEP_INTERVAL_SECONDS": "0.5",
            "SIGNAL_HTTP_TIMEOUT_SECONDS": "2",
            "SIGNAL_BACKOFF_SCALE": "0.05",
        }
        self.env = child_env(
            REDIS_URL=redis_url,
            MIXPANEL_API_URL=mixpanel_url,
            MIXPANEL_EU_API_URL=env.pop("MIXPANEL_EU_API_URL", mixpanel_url),
            MIXPANEL_IN_API_URL=env.pop("MIXPANEL_IN_API_URL", mixpanel_url),
            SIGNAL_DEMO=env.pop("SIGNAL_DEMO", "true"),  # the browser tests click the demo shop
            **(fast | env),
        )
        self.procs: dict[str, subprocess.Popen] = {}
        self.base_url = ""

    def spawn(self, name: str, args: list[str], port: int | None = None) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115  (closed in stop)
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=log)
        proc.log = log  # type: ignore[attr-defined]
        proc.log_start = log.tell()  # type: ignore[attr-defined]
        self.procs[name] = proc
        if port is not None:
            wait_for_port(port, proc=proc)
        return proc

    def start_web(self, name: str = "daphne") -> str:
        port = free_port()
        self.spawn(name, daphne_args(port), port=port)
        url = f"http://127.0.0.1:{port}"
        self.base_url = self.base_url or url
        return url

    def start_worker(
        self, name: str = "worker", concurrency: int = 4, pool: str = "threads"
    ) -> subprocess.Popen:
        return self.spawn(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "signal_admin",
                "worker",
                "-Q",
                "delivery",
                "-P",
                pool,
                "-c",
                str(concurrency),
                "-n",
                f"{name}@%h",
                "-l",
                "INFO",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
        )

    def wait_for_log(self, name: str, text: str, timeout: float = 60) -> None:
        """Wait until process `name` has logged `text` since it started (e.g. a worker's
        "ready.")."""
        proc = self.procs[name]
        path = self.logs / f"{name}.log"

        def logged() -> bool:
            with open(path, "rb") as log:
                log.seek(proc.log_start)  # type: ignore[attr-defined]
                return text.encode() in log.read()

        wait_until(logged, timeout=timeout, every=0.1)

    def start_beat(self) -> subprocess.Popen:
        schedule = self.logs / "beat-schedule"
        return self.spawn(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "signal_admin",
                "beat",
                "-l",
                "INFO",
                "-s",
                str(schedule),
            ],
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name)
        proc.send_signal(sig)
        proc.wait(timeout=20)
        proc.log.close()  # type: ignore[attr-defined]

    def stop(self) -> None:
        for name in list(self.procs):
            proc = self.procs[name]
            terminate(proc)
            proc.log.close()  # type: ignore[attr-defined]
            self.procs.pop(name)


def flush_redis(url: str) -> None:
    redis.Redis.from_url(url).flushdb()


def wait_until(check: Callable[[], object], timeout: float = 30.0, every: float = 0.2):
    """Poll until `check()` is truthy; returns its value or raises with the last one."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
