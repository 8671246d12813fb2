"""pytest fixtures for the fake Amplitude (registered in tests/conftest.py's pytest_plugins)."""

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.fake_amplitude import DEFAULT_API_KEY, FakeAmplitude

API_KEY = DEFAULT_API_KEY
SECRET_KEY = "amp-secret-7f3e9c1d2b4a"
UNREACHABLE = "http://127.0.0.1:1"  # nothing listens there: a wrong-region request fails fast
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_amplitude() -> Iterator[FakeAmplitude]:
    """A fake Amplitude in this process that knows API_KEY."""
    with FakeAmplitude([API_KEY]) as fake:
        yield fake


@pytest.fixture
def amplitude_at_fake(settings, fake_amplitude) -> FakeAmplitude:
    """Settings point the US host at `fake_amplitude`; the EU host is unreachable."""
    settings.AMPLITUDE_API_URL = fake_amplitude.url
    settings.AMPLITUDE_EU_API_URL = UNREACHABLE
    return fake_amplitude


@pytest.fixture
def amplitude_config() -> dict[str, Any]:
    """An integration config for the fake's project (US residency)."""
    return {"api_key": API_KEY, "secret_key": SECRET_KEY, "eu_data_residency": False}


class RemoteFakeAmplitude:
    """The fake's inspection and scripting methods, over its control API."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._http = httpx.Client(base_url=url, timeout=10.0)

    def _get(self, name: str, **query: str) -> Any:
        response = self._http.get(f"/_fake/{name}", params=query)
        response.raise_for_status()
        return response.json()

    def _post(self, name: str, **body: Any) -> None:
        self._http.post(f"/_fake/{name}", content=json.dumps(body)).raise_for_status()

    def received(self, path: str | None = None) -> list[dict[str, Any]]:
        return self._get("received", **({"path": path} if path else {}))

    def events(self) -> list[dict[str, Any]]:
        return self._get("events")

    def identifies(self) -> list[dict[str, Any]]:
        return self._get("identifies")

    def group_identifies(self) -> list[dict[str, Any]]:
        return self._get("group_identifies")

    def script(self, path: str, status: int, body: Any = None, times: int = 1) -> None:
        self._post("script", path=path, status=status, body=body, times=times)

    def throttle(self, **options: Any) -> None:
        self._post("throttle", **options)

    def reset(self) -> None:
        self._post("reset")

    def close(self) -> None:
        self._http.close()


@contextmanager
def fake_amplitude_process(port: int = 0) -> Iterator[RemoteFakeAmplitude]:
    """`python -m tests.support.fake_amplitude` in its own process, stopped on exit."""
    command = [sys.executable, "-m", "tests.support.fake_amplitude", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline() if process.stdout else ""
        remote = RemoteFakeAmplitude(json.loads(line)["url"])
        yield remote
        remote.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def remote_fake_amplitude() -> Iterator[RemoteFakeAmplitude]:
    """A fake Amplitude in its own process, for tests whose sender is another process."""
    with fake_amplitude_process() as remote:
        yield remote
