"""`manage.py standalone` (what `make run` runs) as a child process for tests."""

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.fake_mixpanel_fixtures import API_SECRET, TOKEN
from tests.support.processes import ROOT, free_port, wait_for_port


def standalone_env(var_dir: Path, mixpanel_url: str, **extra: str) -> dict[str, str]:
    """A fresh-clone environment: no Redis, no PostgreSQL, no keys; Mixpanel at a fake."""
    drop = {
        "DATABASE_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "SIGNAL_ENCRYPTION_KEYS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        SIGNAL_VAR_DIR=str(var_dir),
        SIGNAL_PORT=str(free_port()),
        MIXPANEL_API_URL=mixpanel_url,
        MIXPANEL_EU_API_URL=mixpanel_url,
        MIXPANEL_IN_API_URL=mixpanel_url,
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


@dataclass
class Standalone:
    url: str
    env: dict[str, str]
    proc: subprocess.Popen
    output: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.output)

    def printed(self, pattern: str) -> str:
        match = re.search(pattern, self.text)
        assert match, self.text
        return match.group(1)

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def stop(self) -> int:
        """Ctrl-C, as a person would; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@contextmanager
def running_standalone(env: dict[str, str]) -> Iterator[Standalone]:
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "standalone"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Standalone(f"http://127.0.0.1:{env['SIGNAL_PORT']}", env, proc)
    # Keep reading, so the worker's logging never fills the pipe and blocks the server.
    reader = threading.Thread(target=lambda: server.output.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        wait_for_port(int(env["SIGNAL_PORT"]), timeout=60, proc=proc)
        yield server
    finally:
        server.stop()
        reader.join(timeout=5)


def install_mixpanel(server: Standalone, token_name: str) -> int:
    """Install Mixpanel (default variant, the fake's credentials) through the Management API
    of a running standalone; returns the integration's id."""
    token = server.manage("create_api_token", token_name)
    response = httpx.post(
        f"{server.url}/v1/admin/integration-catalog/mixpanel/install",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "name": "Mixpanel",
            "variant": "default",
            "config": {"project_token": TOKEN, "api_secret": API_SECRET},
            "delivery_mode": "server_side",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]
