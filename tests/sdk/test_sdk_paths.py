"""The collection API as the browser SDKs people already run call it, against a real daphne.

analytics-next posts to /v1/{t,p,i,s,g,a,b} as text/plain with Basic auth; RudderStack's JS
SDK posts /v1/{type} with AnonymousId and SentAt headers and, with `useBeacon`, sends
/beacon/v1/batch?writeKey=KEY as text/plain with no Authorization at all.
"""

import base64
import json

import httpx
import pytest

from delivery.models import Event
from integrations.models import Source

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = "https://shop.example"


@pytest.fixture
def source() -> Source:
    return Source.objects.create(name="Website")


def basic(source: Source) -> str:
    return "Basic " + base64.b64encode(f"{source.write_key}:".encode()).decode()


def text_plain(body: dict) -> bytes:
    return json.dumps(body).encode()


def call(message_id: str, **extra) -> dict:
    return {"anonymousId": "anon-1", "messageId": message_id} | extra


@pytest.mark.parametrize(
    ("short", "kind", "extra"),
    [
        ("t", "track", {"event": "Product Viewed"}),
        ("p", "page", {"name": "Home"}),
        ("i", "identify", {"userId": "u-1"}),
        ("s", "screen", {"name": "Home"}),
        ("g", "group", {"groupId": "g-1"}),
        ("a", "alias", {"userId": "u-1", "previousId": "anon-1"}),
    ],
)
def test_analytics_next_short_paths_are_the_call_types(daphne_server, source, short, kind, extra):
    # given analytics-next's Segment.io plugin request
    headers = {"Authorization": basic(source), "Content-Type": "text/plain", "Origin": ORIGIN}
    # when
    response = httpx.post(
        f"{daphne_server}/v1/{short}",
        content=text_plain(call(f"ajs-next-{short}", **extra)),
        headers=headers,
    )
    # then
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    assert Event.objects.get(message_id=f"ajs-next-{short}").type == kind


def test_analytics_next_batches_to_v1_b(daphne_server, source):
    # given a batch as its batched dispatcher sends it (writeKey and sentAt at the top)
    body = {
        "writeKey": source.write_key,
        "batch": [call("b-1", type="track", event="A"), call("b-2", type="page", name="P")],
        "sentAt": "2026-01-01T00:00:00.000Z",
    }
    # when
    response = httpx.post(
        f"{daphne_server}/v1/b",
        content=text_plain(body),
        headers={"Authorization": basic(source), "Content-Type": "text/plain"},
    )
    # then
    assert response.status_code == 200, response.text
    assert set(Event.objects.values_list("message_id", flat=True)) == {"b-1", "b-2"}


def test_rudderstack_beacon_takes_the_write_key_from_the_query(daphne_server, source):
    # given what navigator.sendBeacon sends: a text/plain blob, no Authorization header
    body = {"batch": [call("beacon-1", type="track", event="Left")], "sentAt": "2026-01-01T00:00Z"}
    # when
    response = httpx.post(
        f"{daphne_server}/beacon/v1/batch",
        params={"writeKey": source.write_key},
        content=text_plain(body),
        headers={"Content-Type": "text/plain;charset=UTF-8", "Origin": ORIGIN},
    )
    # then
    assert response.status_code == 200, response.text
    assert Event.objects.get(message_id="beacon-1").name == "Left"


def test_a_wrong_write_key_in_the_query_is_401(daphne_server, source):
    body = {"batch": [call("beacon-2", type="track", event="Left")]}
    response = httpx.post(
        f"{daphne_server}/beacon/v1/batch?writeKey=nope", content=text_plain(body)
    )
    assert response.status_code == 401
    assert not Event.objects.exists()


def test_a_text_plain_body_on_a_long_path_is_read_as_json(daphne_server, source):
    response = httpx.post(
        f"{daphne_server}/v1/track",
        content=text_plain(call("plain-1", event="Signed Up")),
        headers={"Authorization": basic(source), "Content-Type": "text/plain"},
    )
    assert response.status_code == 200, response.text
    assert Event.objects.get(message_id="plain-1").name == "Signed Up"


def test_rudderstack_headers_are_accepted_on_a_cross_origin_post(daphne_server, source):
    # given RudderStack's XHR queue request, headers and all
    headers = {
        "Authorization": basic(source),
        "Content-Type": "application/json;charset=UTF-8",
        "AnonymousId": base64.b64encode(b"anon-1").decode(),
        "SentAt": "2026-01-01T00:00:00.000Z",
        "Origin": ORIGIN,
    }
    # when
    response = httpx.post(
        f"{daphne_server}/v1/track",
        content=text_plain(call("rs-1", event="Viewed", originalTimestamp="2026-01-01T00:00Z")),
        headers=headers,
    )
    # then
    assert response.status_code == 200, response.text
    assert Event.objects.filter(message_id="rs-1").exists()


@pytest.mark.parametrize("path", ["/v1/t", "/v1/b", "/v1/track", "/beacon/v1/batch"])
def test_the_preflight_allows_every_header_the_sdks_send(daphne_server, path):
    # given the headers analytics-next and RudderStack put on their requests
    sent = ["authorization", "content-type", "anonymousid", "sentat", "x-retry-count"]
    # when the browser asks first
    response = httpx.options(
        f"{daphne_server}{path}",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": ",".join(sent),
        },
    )
    # then
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    allowed = {h.strip() for h in response.headers["access-control-allow-headers"].split(",")}
    assert set(sent) <= allowed
    assert "POST" in response.headers["access-control-allow-methods"]
