"""Each integration's own live stream and delivery log, with two destinations installed.

Websockets on the real daphne (Redis channel layer, deliveries broadcast by the Celery
worker), and the log pages as a logged-in admin sees them.
"""

import json
import re
import threading
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from delivery.models import Delivery
from integrations.models import Integration
from tests.delivery.helpers import collector, send_batch, track
from tests.e2e.destinations import At, MixpanelAt
from tests.support.stack import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.services]
PASSWORD = "correct-horse-battery"  # the staff_user fixture's
ORDER = {"order_id": "o-9", "total": 30.0, "currency": "EUR", "products": [{"product_id": "p-1"}]}


def log_in(base_url: str, username: str) -> httpx.Client:
    """An admin's browser session, through the login form."""
    client = httpx.Client(base_url=base_url, timeout=10)
    form = client.get("/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    done = client.post(
        "/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{base_url}/login/"},
    )
    assert done.status_code == 302, done.text
    return client


def listen(socket: ClientConnection, frames: list[dict]) -> None:
    try:
        for message in socket:
            frames.append(json.loads(message))
    except ConnectionClosed:
        pass


def live_streams(
    sockets: ExitStack, session: httpx.Client, integrations: list[Integration]
) -> Iterator[list[dict]]:
    """Open each integration's Live Events socket; yields the frames each one hears."""
    base = str(session.base_url).rstrip("/")
    headers = {"Cookie": f"sessionid={session.cookies['sessionid']}", "Origin": base}
    for integration in integrations:
        address = f"ws://{base.removeprefix('http://')}/ws/integrations/{integration.id}/live/"
        socket = sockets.enter_context(connect(address, additional_headers=headers))
        frames: list[dict] = []
        threading.Thread(target=listen, args=(socket, frames), daemon=True).start()
        yield frames


def delivered_ids(frames: list[dict]) -> set[str]:
    return {f["id"] for f in frames if f.get("status") == Delivery.DELIVERED}


def destination_events(integration: Integration) -> dict[int, str]:
    rows = Delivery.objects.filter(integration=integration)
    return dict(rows.values_list("id", "destination_event"))


def log_rows(session: httpx.Client, integration: Integration) -> tuple[set[int], str]:
    """The delivery ids listed on the integration's delivery log page, and the page."""
    page = session.get(f"/integrations/{integration.id}/deliveries/")
    assert page.status_code == 200
    return {int(pk) for pk in re.findall(r'<tr data-delivery="(\d+)"', page.text)}, page.text


def test_each_integration_streams_and_lists_only_its_own_deliveries(
    two_stack, mixpanel_us: MixpanelAt, other: At, staff_user
):
    # given both destinations, and an admin watching each one's Live Events
    mixpanel = mixpanel_us.install("retail")
    second = other.install("default")  # Mixpanel's retail names a purchase differently
    integrations = [mixpanel, second]
    session = log_in(two_stack.base_url, staff_user.username)
    _, client = collector(two_stack.base_url)
    events = [
        track("Product Viewed", anonymousId="visitor-0001"),
        track("Order Completed", anonymousId="visitor-0001", properties=ORDER),
        track("Product Added", anonymousId="visitor-0001"),
    ]
    with ExitStack() as sockets:
        streams = list(live_streams(sockets, session, integrations))
        # when three events arrive
        send_batch(client, events)
        # then each stream hears each event delivered
        wanted = {e["messageId"] for e in events}
        for frames in streams:
            wait_until(lambda frames=frames: delivered_ids(frames) >= wanted, timeout=30)
    for integration, frames in zip(integrations, streams, strict=True):
        own = destination_events(integration)
        # only its own deliveries, each with its own destination's event name
        assert {f["delivery_id"] for f in frames} == set(own)
        for frame in frames:
            assert frame["destination_event"] == own[frame["delivery_id"]]
    # and the two destinations did name some event differently
    names = [set(destination_events(i).values()) for i in integrations]
    assert names[0] != names[1], names
    for integration, theirs in ((mixpanel, names[1]), (second, names[0])):
        listed, page = log_rows(session, integration)
        own = destination_events(integration)
        # each log lists its own deliveries, with its own destination's event names
        assert listed == set(own)
        for name in set(own.values()) - {e["event"] for e in events}:
            assert f"→ {name}" in page, name
        for name in theirs - set(own.values()) - {e["event"] for e in events}:
            assert f"→ {name}" not in page, name
