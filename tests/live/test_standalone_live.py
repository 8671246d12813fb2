"""Standalone mode: the worker thread's deliveries reach a live page served by the same process.

There the channel layer is in memory, so the broadcast must be handed to daphne's own loop
(signal_admin.standalone registers it as delivery.broadcast.serving_loop).
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.delivery.helpers import track
from tests.support.fake_mixpanel_fixtures import API_SECRET, TOKEN
from tests.support.processes import ROOT, free_port, wait_for_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@dataclass
class Standalone:
    url: str
    env: dict[str, str]
    output: list[str] = field(default_factory=list)

    def printed(self, pattern: str) -> str:
        match = re.search(pattern, "".join(self.output))
        assert match, "".join(self.output)
        return match.group(1)


@pytest.fixture
def standalone(tmp_path, fake_mixpanel) -> Iterator[Standalone]:
    """`manage.py standalone` on a fresh SQLite file, delivering to the fake Mixpanel."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    for name in ("SECRET_KEY", "SIGNAL_ENCRYPTION_KEYS", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    port = free_port()
    env.update(
        SIGNAL_VAR_DIR=str(tmp_path / "var"),
        SIGNAL_PORT=str(port),
        MIXPANEL_API_URL=fake_mixpanel.url,
        MIXPANEL_EU_API_URL=fake_mixpanel.url,
        MIXPANEL_IN_API_URL=fake_mixpanel.url,
        PYTHONUNBUFFERED="1",
        # asyncio's debug mode refuses calls into a loop from another thread, so a broadcast
        # that bypassed the serving loop would be dropped here instead of arriving late.
        PYTHONASYNCIODEBUG="1",
    )
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "standalone"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Standalone(f"http://127.0.0.1:{port}", env)
    # Keep reading, so the worker's logging never fills the pipe and blocks the server.
    reader = threading.Thread(target=lambda: server.output.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        wait_for_port(port, timeout=60, proc=proc)
        yield server
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)


def install_mixpanel(server: Standalone) -> int:
    made = subprocess.run(
        [sys.executable, "manage.py", "create_api_token", "live"],
        cwd=ROOT,
        env=server.env,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    response = httpx.post(
        f"{server.url}/v1/admin/integration-catalog/mixpanel/install",
        headers={"Authorization": f"Bearer {made.stdout.strip()}"},
        json={
            "name": "Mixpanel",
            "variant": "default",
            "config": {"project_token": TOKEN, "api_secret": API_SECRET},
            "delivery_mode": "server_side",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_a_delivery_by_the_worker_thread_reaches_a_websocket_of_the_same_process(
    standalone: Standalone, page: Page
):
    # given standalone Signal with Mixpanel installed and its printed admin password
    integration_id = install_mixpanel(standalone)
    password = standalone.printed(r"password '([^']+)'")
    write_key = standalone.printed(r"write key is (\S+)")
    frames: list[dict] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(json.loads(f))))
    # and the Live Events page open
    page.goto(f"{standalone.url}/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Installed", exact=True)).to_be_visible()
    page.goto(f"{standalone.url}/integrations/{integration_id}/live/")
    expect(page.get_by_test_id("connection-state")).to_have_text("Live")

    # when an event reaches the collection API
    event = track("Product Viewed")
    response = httpx.post(f"{standalone.url}/v1/track", json=event, auth=(write_key, ""))
    assert response.status_code == 200, response.text

    # then the page hears it queued, then delivered with Mixpanel's 200
    badge = page.locator("tr.live-row .live-badge")
    expect(badge).to_have_text(re.compile(r"delivered\s*200"), timeout=15_000)
    mine = [f for f in frames if f.get("id") == event["messageId"]]
    assert [f["status"] for f in mine] == ["queued", "delivered"]
    assert mine[-1]["status_code"] == 200
    assert mine[0]["delivery_id"] == mine[-1]["delivery_id"] is not None
