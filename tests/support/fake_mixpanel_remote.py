"""Driving a fake Mixpanel that runs in another process (benchmarks, daphne, Celery tests).

with fake_mixpanel_process() as fake:     # python -m tests.support.fake_mixpanel
    env["MIXPANEL_API_URL"] = fake.url
    ...
    assert len(fake.unique_events()) == 100
"""

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support.fake_mixpanel_rules import Project

ROOT = Path(__file__).resolve().parents[2]


class RemoteFakeMixpanel:
    """The same inspection and scripting methods as `FakeMixpanel`, over its control API."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=10.0)

    def close(self) -> None:
        self._http.close()

    def _get(self, name: str, **query: str) -> Any:
        response = self._http.get(f"/_fake/{name}", params=query)
        response.raise_for_status()
        return response.json()

    def _post(self, name: str, body: Any = None) -> None:
        self._http.post(f"/_fake/{name}", content=json.dumps(body)).raise_for_status()

    def received(self, path: str | None = None) -> list[dict[str, Any]]:
        return self._get("received", **_path(path))

    def ingested(self, path: str | None = None) -> list[dict[str, Any]]:
        return self._get("ingested", **_path(path))

    def not_ingested(self, path: str | None = None) -> list[dict[str, Any]]:
        return self._get("not_ingested", **_path(path))

    def events(self) -> list[dict[str, Any]]:
        return self._get("events")

    def unique_events(self) -> list[dict[str, Any]]:
        return self._get("unique_events")

    def profile_updates(self) -> list[dict[str, Any]]:
        return self._get("profile_updates")

    def group_updates(self) -> list[dict[str, Any]]:
        return self._get("group_updates")

    def pending_faults(self) -> list[dict[str, Any]]:
        return self._get("pending_faults")

    def identity_of(self, distinct_id: str, token: str | None = None) -> list[str]:
        return self._get("identity_of", distinct_id=distinct_id, **_token(token))

    def merged(self, a: str, b: str, token: str | None = None) -> bool:
        return self._get("merged", a=a, b=b, **_token(token))

    def identity_log(self) -> list[dict[str, Any]]:
        return self._get("identity_log")

    def script(self, status: int | None = None, body: Any = None, **options: Any) -> None:
        """Same arguments as `FakeMixpanel.script`: path, times, delay, drop, process."""
        self._post("script", {"status": status, "body": body, **options})

    def reset(self) -> None:
        self._post("reset")

    def set_projects(self, projects: list[Project]) -> None:
        self._post("projects", [p.to_json() for p in projects])


def _path(path: str | None) -> dict[str, str]:
    return {} if path is None else {"path": path}


def _token(token: str | None) -> dict[str, str]:
    return {} if token is None else {"token": token}


@contextmanager
def fake_mixpanel_process(
    port: int = 0, projects: list[Project] | None = None
) -> Iterator[RemoteFakeMixpanel]:
    """Run `python -m tests.support.fake_mixpanel` for the block's duration."""
    args = [sys.executable, "-m", "tests.support.fake_mixpanel", "--port", str(port)]
    if projects is not None:
        args += ["--projects", json.dumps([p.to_json() for p in projects])]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    remote = None
    try:
        url = proc.stdout.readline().strip()
        if not url:
            raise RuntimeError(f"fake Mixpanel exited with {proc.wait(timeout=5)}")
        remote = RemoteFakeMixpanel(url)
        yield remote
    finally:
        if remote is not None:
            remote.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
