"""The Live Events websocket, driven through Signal's own ASGI application."""

from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from delivery.broadcast import broadcast, broadcast_deliveries
from delivery.models import Delivery
from signal_admin.asgi import application
from signal_admin.web.consumers import RECENT_ON_CONNECT
from tests.delivery.helpers import mixpanel
from tests.live.conftest import delivered

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_memory_layer")]

HOST = "127.0.0.1:8084"
OWN_ORIGIN = f"http://{HOST}"
SPEC_FIELDS = {
    "id",
    "received_at",
    "type",
    "event",
    "destination_event",
    "status",
    "status_code",
    "endpoint",
    "error",
    "latency_ms",
}


def run(scenario: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return async_to_sync(scenario)()


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def socket(
    integration_id: int, session: str | None = None, origin: str | None = OWN_ORIGIN
) -> WebsocketCommunicator:
    headers = [(b"host", HOST.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if session is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()))
    return WebsocketCommunicator(
        application, f"/ws/integrations/{integration_id}/live/", headers=headers
    )


def message(delivery_id: int, status: str = "delivered", **fields: Any) -> dict[str, Any]:
    return {
        "id": f"msg-{delivery_id}",
        "delivery_id": delivery_id,
        "received_at": "2025-01-01T00:00:00+00:00",
        "type": "track",
        "event": "Product Viewed",
        "destination_event": "Product Viewed",
        "status": status,
        "status_code": 200 if status == "delivered" else None,
        "endpoint": "/track",
        "error": "",
        "latency_ms": 12,
    } | fields


@pytest.fixture
def staff_session(staff_user) -> str:
    return session_cookie(staff_user)


def test_the_integrations_socket_hears_its_updates_and_another_hears_nothing(
    integration, staff_session
):
    # given a staff member watching two integrations
    other = mixpanel("default")

    async def scenario():
        mine, theirs = socket(integration.id, staff_session), socket(other.id, staff_session)
        assert (await mine.connect())[0]
        assert (await theirs.connect())[0]
        # when the pipeline broadcasts an update of the first integration
        await sync_to_async(broadcast)(integration.id, [message(7)])
        # then its socket hears it, and only its socket
        heard = await mine.receive_json_from()
        assert await theirs.receive_nothing(timeout=0.3)
        await mine.disconnect()
        await theirs.disconnect()
        return heard

    assert run(scenario) == message(7)


def test_each_message_of_a_batch_reaches_the_browser_as_its_own_object(integration, staff_session):
    async def scenario():
        communicator = socket(integration.id, staff_session)
        await communicator.connect()
        await sync_to_async(broadcast)(integration.id, [message(1), message(2), message(3)])
        heard = [await communicator.receive_json_from() for _ in range(3)]
        assert await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()
        return heard

    assert [m["delivery_id"] for m in run(scenario)] == [1, 2, 3]


def test_a_real_deliverys_update_carries_the_fields_spec_fixes(integration, source, staff_session):
    # given a delivered event
    row = delivered(integration, source, "Order Completed")

    async def scenario():
        communicator = socket(integration.id, staff_session)
        await communicator.connect()
        backlog = await communicator.receive_json_from()
        # when the sender broadcasts it
        await sync_to_async(broadcast_deliveries)([row])
        update = await communicator.receive_json_from()
        await communicator.disconnect()
        return backlog, update

    backlog, update = run(scenario)
    # then it carries every field the SPEC names, with the delivery's values
    assert backlog == update
    assert set(update) >= SPEC_FIELDS
    assert update["id"] == row.event.message_id
    assert update["delivery_id"] == row.id
    assert (update["event"], update["destination_event"]) == ("Order Completed", "Order Completed")
    assert (update["status"], update["status_code"], update["endpoint"]) == (
        "delivered",
        200,
        "/track",
    )
    assert update["latency_ms"] == 12


def test_it_sends_the_latest_deliveries_oldest_first_on_connect(integration, source, staff_session):
    # given more deliveries than the backlog holds, and one of another integration
    rows = [delivered(integration, source, f"Event {i}") for i in range(RECENT_ON_CONNECT + 5)]
    delivered(mixpanel("default"), source, "Elsewhere")

    async def scenario():
        communicator = socket(integration.id, staff_session)
        assert (await communicator.connect())[0]
        heard = [await communicator.receive_json_from() for _ in range(RECENT_ON_CONNECT)]
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()
        return heard

    # then the newest ones arrive, oldest first, only this integration's
    heard = run(scenario)
    assert [m["delivery_id"] for m in heard] == [r.id for r in rows[-RECENT_ON_CONNECT:]]
    assert heard[-1]["event"] == f"Event {RECENT_ON_CONNECT + 4}"


def test_a_page_that_connects_to_a_quiet_integration_gets_nothing_until_something_happens(
    integration, staff_session
):
    async def scenario():
        communicator = socket(integration.id, staff_session)
        assert (await communicator.connect())[0]
        quiet = await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()
        return quiet

    assert run(scenario)


def refused(communicator: WebsocketCommunicator) -> bool:
    async def scenario():
        connected, _ = await communicator.connect()
        if connected:
            await communicator.disconnect()
        else:
            await communicator.wait()
        return not connected

    return run(scenario)


def test_it_refuses_anonymous_sockets(integration):
    assert refused(socket(integration.id))


def test_it_refuses_a_signed_in_user_who_is_not_staff(integration):
    user = User.objects.create_user("visitor", password="not-staff-123")
    assert refused(socket(integration.id, session_cookie(user)))


def test_it_refuses_an_inactive_staff_member(integration):
    user = User.objects.create_user("former", password="gone-12345", is_staff=True)
    session = session_cookie(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert refused(socket(integration.id, session))


def test_it_refuses_an_integration_that_does_not_exist(integration, staff_session):
    assert refused(socket(integration.id + 1000, staff_session))


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://127.0.0.1.evil.example",
        None,
        "http://127.0.0.1:9999",
        "https://127.0.0.1:8084",
        "http://127.0.0.1",
        "null",
        "file://",
    ],
)
def test_it_refuses_other_origins_even_with_a_staff_session(integration, staff_session, origin):
    assert refused(socket(integration.id, staff_session, origin=origin))


def test_it_accepts_a_staff_session_from_its_own_origin(integration, staff_session):
    assert not refused(socket(integration.id, staff_session))


def test_it_accepts_an_origin_listed_in_csrf_trusted_origins(integration, staff_session, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://signal.example.com"]
    assert not refused(socket(integration.id, staff_session, origin="https://signal.example.com"))


def test_an_unknown_websocket_path_is_refused_without_an_error(staff_session):
    async def scenario():
        headers = [(b"host", HOST.encode()), (b"origin", OWN_ORIGIN.encode())]
        communicator = WebsocketCommunicator(application, "/ws/nothing/here/", headers=headers)
        connected, code = await communicator.connect()
        return connected, code

    assert run(scenario) == (False, 4404)


def test_a_socket_for_a_huge_integration_id_is_refused_without_an_error(staff_session):
    assert refused(socket(int("9" * 30), staff_session))


def test_it_stops_hearing_updates_after_disconnecting(integration, staff_session):
    async def scenario():
        first, second = socket(integration.id, staff_session), socket(integration.id, staff_session)
        await first.connect()
        await second.connect()
        await first.disconnect()
        await sync_to_async(broadcast)(integration.id, [message(9)])
        heard = await second.receive_json_from()
        await second.disconnect()
        return heard

    assert run(scenario)["delivery_id"] == 9


def test_the_fan_out_broadcasts_each_new_delivery_with_its_id(integration, source):
    # given a stored event and a listener on the integration's group
    from channels.layers import get_channel_layer
    from django.utils import timezone

    from delivery.broadcast import group_name
    from delivery.models import Event
    from delivery.outbox import fan_out_pending

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_name(integration.id), channel)
    event = {
        "type": "track",
        "event": "Product Viewed",
        "anonymousId": "a",
        "messageId": "m-9",
        "timestamp": timezone.now().isoformat(),
        "context": {"consent": {"categoryPreferences": {"analytics": True}}},
    }
    Event.objects.create(
        source=source,
        message_id="m-9",
        type="track",
        name="Product Viewed",
        payload=event,
        received_at=timezone.now(),
    )
    # when the fan-out creates the delivery rows in bulk
    fan_out_pending()
    # then the update names the row it belongs to
    (update,) = async_to_sync(layer.receive)(channel)["messages"]
    row = Delivery.objects.get()
    assert (update["delivery_id"], update["status"]) == (row.id, "queued")


def test_a_replay_is_broadcast_so_the_live_view_shows_the_row_queued_again(integration, source):
    # given a failed delivery and a listener on the integration's group
    from channels.layers import get_channel_layer

    from delivery.broadcast import group_name
    from delivery.outbox import replay

    row = delivered(integration, source)
    Delivery.objects.filter(id=row.id).update(status="failed", error="HTTP 400")
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_name(integration.id), channel)
    # when it is replayed
    assert replay(integration, [row.id]) == 1
    # then the live view hears that it is queued again, without the old error
    (update,) = async_to_sync(layer.receive)(channel)["messages"]
    assert (update["delivery_id"], update["status"], update["error"]) == (row.id, "queued", "")


def test_a_held_delivery_is_broadcast_held_and_then_queued_when_enabled(integration, source):
    # given a disabled integration and a listener on its group
    from channels.layers import get_channel_layer
    from django.utils import timezone

    from delivery.broadcast import group_name
    from delivery.models import Event
    from delivery.outbox import fan_out_pending
    from signal_admin.web.services import set_enabled

    set_enabled(integration, False)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_name(integration.id), channel)
    payload = {
        "type": "track",
        "event": "Product Viewed",
        "anonymousId": "a",
        "messageId": "m-held",
        "timestamp": timezone.now().isoformat(),
        "context": {"consent": {"categoryPreferences": {"analytics": True}}},
    }
    Event.objects.create(
        source=source,
        message_id="m-held",
        type="track",
        name="Product Viewed",
        payload=payload,
        received_at=timezone.now(),
    )
    # when an event arrives while disabled, then Live Events shows it held
    fan_out_pending()
    (update,) = async_to_sync(layer.receive)(channel)["messages"]
    row = Delivery.objects.get()
    assert (update["delivery_id"], update["status"]) == (row.id, "held")
    # and when the integration is enabled, the same row turns queued
    assert set_enabled(integration, True) == 1
    (update,) = async_to_sync(layer.receive)(channel)["messages"]
    assert (update["delivery_id"], update["status"]) == (row.id, "queued")
