"""Signal's processes under a supervisor that restarts whatever exits, as systemd would.

A process the chaos run killed and one that exited on its own are restarted the same way,
after `RESTART_DELAY` (systemd's `RestartSec`); the second kind is recorded, since nothing
but the chaos should make a process exit.
"""

import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.processes import ROOT

RESTART_DELAY = 1.0


def worker_args(name: str, concurrency: int) -> list[str]:
    return [
        sys.executable, "-m", "celery", "-A", "signal_admin", "worker", "-Q", "delivery",
        "-P", "threads", "-c", str(concurrency), "-n", f"{name}@%h", "-l", "INFO",
        "--without-mingle", "--without-gossip", "--without-heartbeat",
    ]  # fmt: skip


def beat_args(schedule: Path) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "signal_admin", "beat", "-l", "INFO"] + [
        "-s",
        str(schedule),
    ]


@dataclass
class Exit:
    name: str
    at: float
    returncode: int
    injected: bool


@dataclass
class Managed:
    name: str
    args: list[str]
    ready_text: str | None = None  # logged once the process serves
    port: int | None = None
    proc: subprocess.Popen | None = None
    log_start: int = 0
    started_at: float = 0.0
    kills: int = 0
    starts: int = 0
    killed_pids: set[int] = field(default_factory=set)
    exited_at: float | None = None


class Supervisor:
    def __init__(self, logs: Path, env: dict[str, str]) -> None:
        self.logs, self.env = logs, env
        self.procs: dict[str, Managed] = {}
        self.exits: list[Exit] = []
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, name: str, args: list[str], ready_text: str | None = None, port=None) -> None:
        self.procs[name] = Managed(name, args, ready_text, port)
        self._spawn(self.procs[name])

    def _spawn(self, managed: Managed) -> None:
        log_path = self.logs / f"{managed.name}.log"
        with open(log_path, "ab") as log:
            managed.log_start = log.tell()
            managed.proc = subprocess.Popen(
                managed.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        managed.started_at = time.monotonic()
        managed.exited_at = None
        managed.starts += 1

    def ready(self, name: str) -> bool:
        managed = self.procs[name]
        if managed.proc is None or managed.proc.poll() is not None:
            return False
        if managed.port is not None and not _listening(managed.port):
            return False
        if managed.ready_text is not None:
            with open(self.logs / f"{name}.log", "rb") as log:
                log.seek(managed.log_start)
                return managed.ready_text.encode() in log.read()
        return True

    def all_ready(self) -> bool:
        with self._lock:
            return all(self.ready(name) for name in self.procs)

    def wait_ready(self, timeout: float = 90.0, names: list[str] | None = None) -> float:
        """Seconds until every process (or those named) serves; raises after `timeout`."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            with self._lock:
                if all(self.ready(n) for n in names or list(self.procs)):
                    return time.monotonic() - started
            time.sleep(0.1)
        raise TimeoutError(f"processes not ready within {timeout}s: {self.describe()}")

    def describe(self) -> str:
        return ", ".join(f"{n}={'up' if self.ready(n) else 'down'}" for n in self.procs)

    def kill(self, name: str) -> int:
        """SIGKILL `name` (the supervisor brings it back); returns the pid killed."""
        with self._lock:
            managed = self.procs[name]
            pid = managed.proc.pid
            managed.killed_pids.add(pid)
            managed.kills += 1
            managed.proc.send_signal(signal.SIGKILL)
            return pid

    def start(self) -> None:
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            with self._lock:
                for managed in self.procs.values():
                    self._check(managed)

    def _check(self, managed: Managed) -> None:
        proc = managed.proc
        if proc is None or proc.poll() is None:
            return
        now = time.monotonic()
        if managed.exited_at is None:
            managed.exited_at = now
            injected = proc.pid in managed.killed_pids
            self.exits.append(Exit(managed.name, now, proc.returncode, injected))
        elif now - managed.exited_at >= RESTART_DELAY:
            self._spawn(managed)

    def unexpected_exits(self) -> list[Exit]:
        return [e for e in self.exits if not e.injected]

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for managed in self.procs.values():
            if managed.proc is not None and managed.proc.poll() is None:
                managed.proc.terminate()
        for managed in self.procs.values():
            if managed.proc is None:
                continue
            try:
                managed.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                managed.proc.kill()
                managed.proc.wait()


def _listening(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False
