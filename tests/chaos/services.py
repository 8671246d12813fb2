"""A private PostgreSQL cluster and redis-server the chaos run may stop and start at will.

Never the machine's shared services: each lives in a temporary directory, on a free port,
and is gone when the run ends.
"""

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.processes import ROOT, free_port, wait_for_port


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian keeps each under its version)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version)
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _version(path: str) -> float:
    try:
        return float(Path(path).parts[-3])
    except ValueError:
        return 0.0


def missing_binaries() -> str | None:
    """Why a chaos run cannot start here, or None."""
    if postgres_bin() is None:
        return "PostgreSQL's initdb/pg_ctl are not installed (apt-get install postgresql)"
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (apt-get install redis-server)"
    return None


class PrivatePostgres:
    """initdb + pg_ctl in `root`, trust auth on 127.0.0.1:`port`.

    As root, the server runs as the `postgres` user (initdb refuses to run as root).
    """

    def __init__(self, root: Path, log: Path) -> None:
        self.bin = postgres_bin()
        self.data = root / "pgdata"
        self.log = log
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/signal_chaos"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(root, "postgres")

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        subprocess.run(
            [*self._as, str(self.bin / tool), *args],
            check=True,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.data}'",
            # A stop is a process stopping, never the machine losing power: the operating
            # system keeps what was written, so syncing to disk would only cost time.
            "fsync": "off",
            "max_connections": "200",
            "logging_collector": "off",
        }
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.writelines(f"{k} = {v}\n" for k, v in settings.items())
        self.start()
        where = ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        self._run("createdb", *where, "signal_chaos")

    def start(self) -> None:
        if self._as:
            # The log is written by the server's user.
            self.log.touch()
            shutil.chown(self.log, "postgres")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        wait_for_port(self.port)

    def stop(self, mode: str = "fast") -> None:
        """`fast` disconnects every client cleanly; `immediate` is a crash (WAL recovery)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def destroy(self) -> None:
        if self.running():
            with contextlib.suppress(subprocess.SubprocessError):
                self.stop("immediate")


class PrivateRedis:
    """redis-server on 127.0.0.1:`port` without persistence: every start is an empty Redis."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--logfile", str(self.log)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, proc=self.proc)

    def kill(self) -> None:
        """SIGKILL: whatever it held (queued tasks, wake-up marks, results) is gone."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def destroy(self) -> None:
        self.kill()


def wait_gone(port: int, timeout: float = 10.0) -> None:
    """Until nothing accepts connections on `port`."""
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                time.sleep(0.05)
        except OSError:
            return


def signal_env(database_url: str, redis_url: str, mixpanel_url: str | None = None) -> dict:
    """What Signal's distributed processes need to run on these services (fresh keys)."""
    from cryptography.fernet import Fernet

    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "chaos-" + os.urandom(24).hex(),
        "SIGNAL_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SIGNAL_DEMO": "false",
        "DJANGO_SETTINGS_MODULE": "signal_admin.settings",
        "PYTHONUNBUFFERED": "1",
    }
    if mixpanel_url:
        for name in ("MIXPANEL_API_URL", "MIXPANEL_EU_API_URL", "MIXPANEL_IN_API_URL"):
            env[name] = mixpanel_url
    return env


class PrivateServices:
    """A private PostgreSQL and Redis in a temporary directory, for Signal's processes."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        logs.mkdir(parents=True, exist_ok=True)
        # Not under pytest's tmp_path: the server's user must be able to reach the directory.
        self.root = Path(tempfile.mkdtemp(prefix="signal-private-"))
        self.postgres = PrivatePostgres(self.root, logs / "postgres.log")
        self.redis = PrivateRedis(logs / "redis.log")

    def __enter__(self) -> "PrivateServices":
        try:
            self.postgres.init()
            self.redis.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.redis.destroy()
        self.postgres.destroy()
        shutil.rmtree(self.root, ignore_errors=True)

    def env(self, mixpanel_url: str | None = None, **extra: str) -> dict[str, str]:
        """This process's environment with Signal pointed at the private services."""
        return {**os.environ, **signal_env(self.postgres.url, self.redis.url, mixpanel_url)} | extra

    def manage(self, env: dict[str, str], *args: str) -> str:
        """Run a management command against the private database; its output."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=True,
        )
        return done.stdout.strip()

    def query(self, sql: str) -> list[tuple]:
        import psycopg

        url = self.postgres.url.replace("postgres://", "postgresql://", 1)
        with psycopg.connect(url, connect_timeout=5) as conn:
            return conn.execute(sql).fetchall()
