"""`make run`'s entry point on a fresh SQLite file: starts, serves, delivers, stops cleanly."""

import httpx
import pytest

from tests.support.stack import wait_until
from tests.support.standalone import running_standalone, standalone_env

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


def test_standalone_serves_everything_installs_and_keeps_data_across_restarts(
    tmp_path, fake_mixpanel
):
    # given a fresh clone's first run, with Mixpanel's host pointed at the fake
    env = standalone_env(tmp_path / "var", fake_mixpanel.url)
    with running_standalone(env) as server:
        token = server.manage("create_api_token", "smoke")
        # when the product page's curl runs against it
        response = httpx.post(
            f"{server.url}/v1/admin/integration-catalog/mixpanel/install",
            headers={"Authorization": f"Bearer {token}"},
            json=INSTALL_BODY,
        )
        assert response.status_code == 201, response.text
        assert "your_api_secret" not in response.text
        for path in ("/login/", "/static/css/signal.css", "/static/datafly.js", "/demo/"):
            assert httpx.get(f"{server.url}{path}").status_code == 200, path
        # and an event sent with the printed write key reaches Mixpanel via the worker thread
        write_key = server.printed(r"write key is (\S+)")
        event = {
            "event": "Smoke",
            "anonymousId": "a-1",
            "messageId": "smoke-1",
            "context": {"consent": {"categoryPreferences": {"analytics": True}}},
        }
        sent = httpx.post(f"{server.url}/v1/track", json=event, auth=(write_key, ""))
        assert sent.status_code == 200
        wait_until(lambda: fake_mixpanel.unique_events(), timeout=20)
        # then Ctrl-C stops it cleanly, after printing the password once
        assert server.stop() == 0
    assert server.printed(r"password '([^']+)'")
    assert "Signal stopped." in server.text

    # when it starts again, the data is still there and no new password is printed
    with running_standalone(env) as again:
        listed = httpx.get(
            f"{again.url}/v1/admin/integrations", headers={"Authorization": f"Bearer {token}"}
        )
        assert again.stop() == 0
    assert [i["name"] for i in listed.json()] == ["Mixpanel"]
    assert "password" not in again.text
