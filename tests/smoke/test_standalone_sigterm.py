"""`make run` stopped by SIGTERM while a Live Events websocket streams: a clean exit, no crash.

It once ended with a segmentation fault in that situation; the standalone command now enables
faulthandler, so a crash would print "Fatal Python error" and every thread's traceback here.
"""

import json
import re
import signal
import subprocess
import threading
import time
from contextlib import ExitStack

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.delivery.helpers import track
from tests.support.stack import wait_until
from tests.support.standalone import (
    Standalone,
    install_mixpanel,
    running_standalone,
    standalone_env,
)

pytestmark = pytest.mark.slow
SOCKETS = 3
CRASH_SIGNS = ("Segmentation fault", "Fatal Python error", "Traceback")


def log_in(server: Standalone) -> str:
    """Log in as the printed admin through the login form; returns the session cookie."""
    password = server.printed(r"password '([^']+)'")
    with httpx.Client(base_url=server.url) as client:
        form = client.get("/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        done = client.post(
            "/login/",
            data={"username": "admin", "password": password, "csrfmiddlewaretoken": csrf},
            headers={"Referer": f"{server.url}/login/"},
        )
        assert done.status_code == 302, done.text
        return client.cookies["sessionid"]


def keep_sending(server: Standalone, write_key: str, stop: threading.Event) -> None:
    """Post events until told to stop, or until the server is gone."""
    with httpx.Client(base_url=server.url, auth=(write_key, ""), timeout=5) as client:
        while not stop.is_set():
            try:
                client.post("/v1/batch", json={"batch": [track() for _ in range(5)]})
            except httpx.HTTPError:
                return


def test_sigterm_while_a_live_events_socket_is_open_stops_cleanly(tmp_path, fake_mixpanel):
    # given standalone Signal with Mixpanel installed and staff users' Live Events sockets
    env = standalone_env(tmp_path / "var", fake_mixpanel.url)
    frames: list[dict] = []
    with running_standalone(env) as server, ExitStack() as sockets:
        integration_id = install_mixpanel(server, "sigterm")
        write_key = server.printed(r"write key is (\S+)")
        address = (
            f"ws://{server.url.removeprefix('http://')}/ws/integrations/{integration_id}/live/"
        )
        headers = {"Cookie": f"sessionid={log_in(server)}", "Origin": server.url}
        for _ in range(SOCKETS):
            socket = sockets.enter_context(connect(address, additional_headers=headers))
            threading.Thread(target=listen, args=(socket, frames), daemon=True).start()
        stop = threading.Event()
        sender = threading.Thread(target=keep_sending, args=(server, write_key, stop))
        sender.start()
        try:
            # and live events streaming to them while more keep arriving
            wait_until(lambda: delivered(frames) >= 10 * SOCKETS, timeout=30)
            # when SIGTERM arrives
            started = time.monotonic()
            server.proc.send_signal(signal.SIGTERM)
            code = exit_code(server.proc, timeout=30)
            stopped = time.monotonic() - started
        finally:
            stop.set()
            sender.join(timeout=10)
    # then it stops cleanly, promptly, and nothing crashed on the way out
    print(f"\nstopped {stopped:.1f} s after SIGTERM with live sockets open; exit code {code}")
    assert code == 0, server.text[-5000:]
    assert not [sign for sign in CRASH_SIGNS if sign in server.text], server.text[-5000:]
    assert "Signal stopped." in server.text


def exit_code(proc: subprocess.Popen, timeout: float) -> int | None:
    """The exit code, or None if it is still running after `timeout` seconds."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def listen(socket, frames: list[dict]) -> None:
    try:
        for message in socket:
            frames.append(json.loads(message))
    except ConnectionClosed:
        pass


def delivered(frames: list[dict]) -> int:
    return sum(1 for frame in frames if frame.get("status") == "delivered")
