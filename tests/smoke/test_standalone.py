"""`make run`'s entry point on a fresh SQLite file: starts, serves, installs, stops cleanly."""

import os
import re
import signal
import subprocess
import sys

import httpx
import pytest

from tests.support.processes import ROOT, free_port, wait_for_port
from tests.support.stack import wait_until

pytestmark = pytest.mark.slow

INSTALL_BODY = {
    "name": "Mixpanel",
    "variant": "default",
    "config": {
        "project_token": "abc123def456789",
        "api_secret": "your_api_secret",
        "eu_data_residency": False,
    },
    "delivery_mode": "server_side",
}


@pytest.fixture
def standalone_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    for name in ("SECRET_KEY", "SIGNAL_ENCRYPTION_KEYS"):
        env.pop(name, None)
    env.update(SIGNAL_VAR_DIR=str(tmp_path / "var"), SIGNAL_PORT=str(free_port()))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start(env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "standalone"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_for_port(int(env["SIGNAL_PORT"]), timeout=60, proc=proc)
    return proc


_early: dict[int, str] = {}


def proc_output_so_far(proc: subprocess.Popen) -> str:
    """The first lines the server printed (the password and write key come first)."""
    if proc.pid not in _early:
        lines = []
        while "running on" not in (line := proc.stdout.readline()):
            lines.append(line)
        _early[proc.pid] = "".join(lines)
    return _early[proc.pid]


def stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    return _early.pop(proc.pid, "") + output


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_standalone_serves_everything_installs_and_keeps_data_across_restarts(
    standalone_env, fake_mixpanel
):
    # given a fresh clone's first run, with Mixpanel's host pointed at the fake
    standalone_env["MIXPANEL_API_URL"] = fake_mixpanel.url
    base = f"http://127.0.0.1:{standalone_env['SIGNAL_PORT']}"
    proc = start(standalone_env)
    try:
        token = manage(standalone_env, "create_api_token", "smoke")
        # when the product page's curl runs against it
        response = httpx.post(
            f"{base}/v1/admin/integration-catalog/mixpanel/install",
            headers={"Authorization": f"Bearer {token}"},
            json=INSTALL_BODY,
        )
        assert response.status_code == 201, response.text
        assert "your_api_secret" not in response.text
        assert httpx.get(f"{base}/login/").status_code == 200
        assert httpx.get(f"{base}/static/css/signal.css").status_code == 200
        assert httpx.get(f"{base}/static/datafly.js").status_code == 200
        # and an event sent with the printed write key reaches Mixpanel via the worker thread
        write_key = re.search(r"write key is (\S+)", proc_output_so_far(proc)).group(1)
        event = {
            "event": "Smoke",
            "anonymousId": "a-1",
            "messageId": "smoke-1",
            "context": {"consent": {"categoryPreferences": {"analytics": True}}},
        }
        assert httpx.post(f"{base}/v1/track", json=event, auth=(write_key, "")).status_code == 200
        wait_until(lambda: fake_mixpanel.unique_events(), timeout=20)
    finally:
        first_output = stop(proc)
    # then the password was printed once, and it stopped cleanly
    assert re.search(r"password '[^']+'", first_output)
    assert "Signal stopped." in first_output

    # when it starts again, the data is still there and no new password is printed
    proc = start(standalone_env)
    try:
        listed = httpx.get(
            f"{base}/v1/admin/integrations", headers={"Authorization": f"Bearer {token}"}
        )
    finally:
        second_output = stop(proc)
    assert [i["name"] for i in listed.json()] == ["Mixpanel"]
    assert "password" not in second_output
