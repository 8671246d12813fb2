"""What the collector fills in over HTTP: the client's address by source kind, through
trusted proxies only, and the event time from the client's clocks."""

import base64
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from delivery.collect.timing import parse_time
from delivery.models import Event
from integrations.models import Source

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def proxied_server(django_db_setup, django_db_blocker, artifacts):
    """A daphne that trusts X-Forwarded-For from 127.0.0.1 (as behind a local proxy)."""
    from tests.support.processes import child_env, daphne_args, free_port, running

    port = free_port()
    with django_db_blocker.unblock():
        env = child_env(SIGNAL_TRUSTED_PROXIES="127.0.0.1/32, 10.0.0.0/8")
    with running(daphne_args(port), env, artifacts / "daphne-proxied.log", port=port):
        yield f"http://127.0.0.1:{port}"


def send(base_url: str, kind: str, event: dict, **headers: str) -> dict:
    source = Source.objects.create(name=f"{kind}-{len(Source.objects.all())}", kind=kind)
    auth = base64.b64encode(f"{source.write_key}:".encode()).decode()
    response = httpx.post(
        f"{base_url}/v1/batch",
        json={"batch": [event]},
        headers={"Authorization": f"Basic {auth}", **headers},
    )
    assert response.status_code == 200, response.text
    return Event.objects.get(message_id=event["messageId"]).payload


def track(message_id: str, **extra) -> dict:
    return {
        "type": "track",
        "event": "Viewed",
        "anonymousId": "a-1",
        "messageId": message_id,
    } | extra


@pytest.mark.parametrize("kind", [Source.BROWSER, Source.MOBILE])
def test_browser_and_mobile_events_take_the_connections_address(daphne_server, kind):
    payload = send(daphne_server, kind, track(f"m-{kind}"))

    assert payload["context"]["ip"] == "127.0.0.1"


def test_a_server_source_never_gets_an_address(daphne_server):
    payload = send(daphne_server, Source.SERVER, track("m-server", context={"locale": "en"}))

    assert payload["context"] == {"locale": "en"}


def test_an_address_the_event_carries_is_kept(daphne_server):
    payload = send(daphne_server, Source.BROWSER, track("m-own", context={"ip": "203.0.113.1"}))

    assert payload["context"]["ip"] == "203.0.113.1"


def test_x_forwarded_for_is_not_believed_by_default(daphne_server):
    headers = {"X-Forwarded-For": "198.51.100.9"}
    payload = send(daphne_server, Source.BROWSER, track("m-spoof"), **headers)

    assert payload["context"]["ip"] == "127.0.0.1"


def test_behind_a_trusted_proxy_the_browsers_address_is_taken(proxied_server):
    # given a client that forged a hop, then a trusted proxy 10.0.0.5 and the local one
    headers = {"X-Forwarded-For": "6.6.6.6, 198.51.100.9, 10.0.0.5"}

    payload = send(proxied_server, Source.BROWSER, track("m-proxied"), **headers)

    assert payload["context"]["ip"] == "198.51.100.9"


def test_an_offline_queue_flushed_hours_later_keeps_its_event_times(daphne_server):
    # given an event made 3 h before a flush by a device whose clock is also 3 h fast
    now = datetime.now(UTC)
    stamp = lambda delta: (now + delta).isoformat().replace("+00:00", "Z")  # noqa: E731
    event = track("m-late", originalTimestamp=stamp(timedelta(0)), sentAt=stamp(timedelta(hours=3)))

    # when it arrives
    payload = send(daphne_server, Source.MOBILE, event)

    # then it is timed 3 h before receipt, not at the flush, and not in the device's future
    received = parse_time(payload["receivedAt"])
    assert abs(received - now) < timedelta(seconds=30)
    assert parse_time(payload["timestamp"]) == received - timedelta(hours=3)
    assert payload["sentAt"] == event["sentAt"]


def test_an_unknown_header_key_is_401_before_the_body_is_read(daphne_server):
    auth = base64.b64encode(b"nope:").decode()
    response = httpx.post(
        f"{daphne_server}/v1/track",
        content=b"{not json",
        headers={"Authorization": f"Basic {auth}"},
    )

    assert response.status_code == 401
    assert response.json()["fields"] == {"writeKey": "Unknown write key."}


def test_odd_timestamps_are_never_a_500_and_never_sink_the_batch(daphne_server):
    # given a batch of calendar-edge times beside an ordinary event
    source = Source.objects.create(name="Edge")
    auth = base64.b64encode(f"{source.write_key}:".encode()).decode()
    batch = [
        track("e-1", timestamp="9999-12-31T23:59:59-01:00"),
        track("e-2", originalTimestamp="0001-01-01T00:00:00+01:00", sentAt="9999-12-31T23:59:59Z"),
        track("e-3", timestamp="0001-01-01T00:00:00+01:00"),
        track("e-4"),
    ]

    # when
    response = httpx.post(
        f"{daphne_server}/v1/batch",
        json={"batch": batch},
        headers={"Authorization": f"Basic {auth}"},
    )

    # then every event is stored, the far-future one clamped with a warning
    assert response.status_code == 200, response.text
    payloads = {e.message_id: e.payload for e in Event.objects.filter(source=source)}
    assert set(payloads) == {"e-1", "e-2", "e-3", "e-4"}
    assert payloads["e-1"]["timestamp"] == payloads["e-1"]["receivedAt"]
    assert "clamped to receivedAt" in payloads["e-1"]["_signal"]["warnings"][0]
