"""Standalone mode: the worker thread's deliveries reach a live page served by the same process.

There the channel layer is in memory, so the broadcast must be handed to daphne's own loop
(signal_admin.standalone registers it as delivery.broadcast.serving_loop).
"""

import json
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.delivery.helpers import track
from tests.support.standalone import (
    Standalone,
    install_mixpanel,
    running_standalone,
    standalone_env,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def standalone(tmp_path, fake_mixpanel) -> Iterator[Standalone]:
    """`manage.py standalone` on a fresh SQLite file, delivering to the fake Mixpanel."""
    # asyncio's debug mode refuses calls into a loop from another thread, so a broadcast
    # that bypassed the serving loop would be dropped here instead of arriving late.
    env = standalone_env(tmp_path / "var", fake_mixpanel.url, PYTHONASYNCIODEBUG="1")
    with running_standalone(env) as server:
        yield server


def test_a_delivery_by_the_worker_thread_reaches_a_websocket_of_the_same_process(
    standalone: Standalone, page: Page
):
    # given standalone Signal with Mixpanel installed and its printed admin password
    integration_id = install_mixpanel(standalone, "live")
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
