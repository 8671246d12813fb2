"""The collection API against a real daphne: what is accepted is in the database."""

import base64
import gzip
import json

import httpx
import pytest

from delivery.models import Event
from integrations.models import Source

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def source() -> Source:
    return Source.objects.create(name="Website")


@pytest.fixture
def client(daphne_server, source):
    auth = base64.b64encode(f"{source.write_key}:".encode()).decode()
    with httpx.Client(base_url=daphne_server, headers={"Authorization": f"Basic {auth}"}) as c:
        yield c


def track(**extra):
    return {"event": "Product Viewed", "anonymousId": "anon-1", "properties": {"sku": "A1"}} | extra


def test_a_tracked_event_is_in_the_database_when_the_answer_is_200(client):
    response = client.post("/v1/track", json=track(messageId="m-1"))
    assert response.status_code == 200
    assert response.json() == {"success": True}
    event = Event.objects.get(message_id="m-1")
    assert event.type == "track" and event.name == "Product Viewed"
    assert event.payload["properties"] == {"sku": "A1"}
    assert event.payload["timestamp"].endswith("Z")


@pytest.mark.parametrize("path", ["page", "screen", "identify", "group", "alias"])
def test_every_call_type_is_accepted(client, path):
    body = {"userId": "u-1", "messageId": f"m-{path}", "groupId": "g-1", "previousId": "a-1"}
    assert client.post(f"/v1/{path}", json=body).status_code == 200
    assert Event.objects.get(message_id=f"m-{path}").type == path


def test_numeric_group_and_previous_ids_as_analytics_python_sends_them_are_stored(client):
    batch = [
        {"type": "group", "userId": "u-1", "groupId": 42, "messageId": "m-group"},
        {"type": "alias", "userId": "u-1", "previousId": 7, "messageId": "m-alias"},
    ]
    assert client.post("/v1/batch", json={"batch": batch}).status_code == 200
    assert Event.objects.get(message_id="m-group").payload["groupId"] == "42"
    assert Event.objects.get(message_id="m-alias").payload["previousId"] == "7"


def test_the_write_key_may_be_sent_in_the_body(daphne_server, source):
    body = track(messageId="m-body", writeKey=source.write_key)
    response = httpx.post(f"{daphne_server}/v1/track", json=body)
    assert response.status_code == 200
    assert "writeKey" not in Event.objects.get(message_id="m-body").payload


def test_a_missing_or_wrong_write_key_is_401(daphne_server):
    assert httpx.post(f"{daphne_server}/v1/track", json=track()).status_code == 401
    wrong = httpx.post(f"{daphne_server}/v1/track", json=track(writeKey="nope"))
    assert wrong.status_code == 401
    assert wrong.json()["fields"] == {"writeKey": "Unknown write key."}
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    ("where", "key"),
    [("basic", "\x00"), ("basic", "ab\x00cd"), ("query", "%00"), ("body", "\x00")],
)
def test_a_write_key_with_a_nul_is_unknown_not_a_database_error(daphne_server, where, key):
    # given a key PostgreSQL cannot even compare: it is a 401, never a 503 to retry forever
    url, headers, body = f"{daphne_server}/v1/track", {}, track()
    if where == "basic":
        headers["Authorization"] = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    elif where == "query":
        url += f"?writeKey={key}"
    else:
        body["writeKey"] = key
    response = httpx.post(url, json=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["fields"] == {"writeKey": "Unknown write key."}


def test_a_repeated_message_id_is_stored_once(client):
    for _ in range(3):
        assert client.post("/v1/track", json=track(messageId="same")).status_code == 200
    assert Event.objects.filter(message_id="same").count() == 1


def test_an_event_without_message_id_gets_a_stable_content_id(client):
    body = track(timestamp="2026-11-28T10:00:00Z")
    client.post("/v1/track", json=body)
    client.post("/v1/track", json=body)
    assert Event.objects.count() == 1
    assert Event.objects.get().message_id.startswith("sig-")


def test_a_batch_keeps_valid_events_and_names_the_rejected_ones(client):
    batch = [
        track(type="track", messageId="ok-1"),
        {"type": "track", "anonymousId": "a", "messageId": "bad-1"},
        {"type": "identify", "userId": "u-1", "traits": {"email": "a@b.c"}, "messageId": "ok-2"},
        {"type": "page", "messageId": "bad-2"},
        {"type": "nonsense", "userId": "u"},
        "not an object",
    ]
    response = client.post("/v1/batch", json={"batch": batch})
    assert response.status_code == 400
    body = response.json()
    assert body["accepted"] == 2
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [
        (1, "event"),
        (3, "userId"),
        (4, "type"),
        (5, "event"),
    ]
    assert "batch[1].event" in body["fields"]
    assert set(Event.objects.values_list("message_id", flat=True)) == {"ok-1", "ok-2"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event": 5, "anonymousId": "a"}, "event"),
        ({"event": "x", "anonymousId": "a", "properties": [1]}, "properties"),
        ({"event": "x", "userId": {"id": 1}}, "userId"),
        ({"event": "x", "anonymousId": "a", "timestamp": "yesterday"}, "timestamp"),
        ({"event": "x", "anonymousId": "a", "context": "web"}, "context"),
    ],
)
def test_wrong_types_get_a_400_naming_the_field(client, body, field):
    response = client.post("/v1/track", json=body)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_malformed_json_is_a_clear_400(client):
    response = client.post(
        "/v1/track", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]


def test_invalid_utf8_is_a_clear_400(client):
    response = client.post("/v1/track", content=b'{"event": "\xff\xfe"}')
    assert response.status_code == 400
    assert "UTF-8" in response.json()["error"]


def test_gzip_bodies_are_accepted(client):
    body = gzip.compress(json.dumps(track(messageId="gz")).encode())
    response = client.post("/v1/track", content=body, headers={"content-encoding": "gzip"})
    assert response.status_code == 200
    assert Event.objects.filter(message_id="gz").exists()


def test_a_gzip_bomb_is_refused_with_413_without_inflating_it(client):
    bomb = gzip.compress(b" " * (64 * 1024 * 1024))
    response = client.post("/v1/track", content=bomb, headers={"content-encoding": "gzip"})
    assert response.status_code == 413


def test_a_broken_gzip_body_is_a_400(client):
    response = client.post("/v1/track", content=b"nope", headers={"content-encoding": "gzip"})
    assert response.status_code == 400


def test_a_huge_body_is_refused_with_413_before_it_is_read(client, settings):
    huge = b"x" * (5 * 1024 * 1024)
    response = client.post("/v1/track", content=huge)
    assert response.status_code == 413
    assert "larger than" in response.json()["error"]


def test_a_huge_streamed_body_without_length_is_refused_with_413(client):
    def chunks():
        for _ in range(80):
            yield b"x" * 65536

    response = client.post("/v1/track", content=chunks())
    assert response.status_code == 413


def test_the_browser_preflight_is_answered_for_any_origin(daphne_server):
    response = httpx.options(
        f"{daphne_server}/v1/batch",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "content-type" in response.headers["access-control-allow-headers"]


def test_get_is_not_allowed(client):
    assert client.get("/v1/track").status_code == 405


def test_an_event_with_a_nul_character_is_rejected_and_its_neighbours_kept(client):
    batch = [track(type="track", messageId="ok"), track(type="track", event="bad\u0000name")]
    response = client.post("/v1/batch", json={"batch": batch})
    assert response.status_code == 400
    assert [r["index"] for r in response.json()["rejected"]] == [1]
    assert list(Event.objects.values_list("message_id", flat=True)) == ["ok"]


def test_an_event_nested_too_deep_to_store_is_rejected_and_its_neighbours_kept(client):
    deep: dict = {}
    inner = deep
    for _ in range(300):
        inner["a"] = {}
        inner = inner["a"]
    batch = [track(type="track", messageId="ok"), track(type="track", properties=deep)]
    response = client.post("/v1/batch", json={"batch": batch})
    assert response.status_code == 400
    (rejected,) = response.json()["rejected"]
    assert rejected["index"] == 1 and "simplify the event" in rejected["error"]
    assert list(Event.objects.values_list("message_id", flat=True)) == ["ok"]


def test_nan_and_infinity_from_python_clients_are_stored_as_null(client):
    # Python's json.dumps writes these by default; they are not JSON, but one odd value
    # must not cost the whole request.
    body = b'{"event": "Scored", "anonymousId": "a-1", "messageId": "nan-1", '
    body += b'"properties": {"score": NaN, "limit": Infinity, "ok": 1}}'
    response = client.post("/v1/track", content=body)
    assert response.status_code == 200
    properties = Event.objects.get(message_id="nan-1").payload["properties"]
    assert properties == {"score": None, "limit": None, "ok": 1}


def test_a_body_nested_too_deeply_to_read_is_a_400(client):
    body = b'{"batch": ' + b"[" * 1100 + b"]" * 1100 + b"}"
    response = client.post("/v1/batch", content=body)
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["error"]


def test_a_write_key_that_is_not_text_a_key_could_be_is_a_401(daphne_server):
    body = b'{"event": "Viewed", "anonymousId": "a-1", "writeKey": "\\ud800"}'
    assert httpx.post(f"{daphne_server}/v1/track", content=body).status_code == 401


def test_the_text_backslash_u0000_is_stored_and_only_a_real_nul_is_rejected(client):
    # given, as JSON on the wire: "\\u0000" (six characters of text) and "\u0000" (a NUL)
    body = (
        b'{"batch": [{"type": "track", "event": "Path", "anonymousId": "a", "messageId": "text",'
        b' "properties": {"path": "C:\\\\u0000"}},'
        b' {"type": "track", "event": "Nul", "anonymousId": "a", "messageId": "nul",'
        b' "properties": {"path": "C:\\u0000"}}]}'
    )
    # when
    response = client.post("/v1/batch", content=body)
    # then
    assert response.status_code == 400
    assert [r["index"] for r in response.json()["rejected"]] == [1]
    assert Event.objects.get(message_id="text").payload["properties"]["path"] == "C:\\u0000"
    assert not Event.objects.filter(message_id="nul").exists()


@pytest.mark.parametrize("digits", [400, 5000])
def test_an_integer_too_big_for_a_double_is_stored_as_null_like_1e400(client, digits):
    body = b'{"event": "Counted", "anonymousId": "a-1", "messageId": "big-%d", ' % digits
    body += b'"properties": {"n": 1%s, "ok": 1}}' % (b"0" * digits)
    response = client.post("/v1/track", content=body)
    assert response.status_code == 200
    properties = Event.objects.get(message_id=f"big-{digits}").payload["properties"]
    assert properties == {"n": None, "ok": 1}
