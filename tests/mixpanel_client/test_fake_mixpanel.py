import base64
import gzip
import http.client
import json
import time
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from tests.mixpanel_client.helpers import event, profile
from tests.support.fake_mixpanel import FakeMixpanel
from tests.support.fake_mixpanel_fixtures import API_SECRET, PROJECT_ID, SA_SECRET, SA_USER, TOKEN
from tests.support.fake_mixpanel_remote import fake_mixpanel_process
from tests.support.fake_mixpanel_rules import PLACEHOLDER_IDS


def post(fake, path: str, body, auth=None, **headers) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(f"{fake.url}{path}", content=content, auth=auth, headers=headers)


@pytest.mark.parametrize(
    "auth, query",
    [
        (None, ""),
        (("wrong", ""), ""),
        ((API_SECRET, "not-empty"), ""),
        ((SA_USER, SA_SECRET), ""),
        ((SA_USER, SA_SECRET), "?project_id=999"),
        ((SA_USER, "wrong"), f"?project_id={PROJECT_ID}"),
    ],
)
def test_import_refuses_bad_credentials(fake_mixpanel, auth, query):
    response = post(fake_mixpanel, f"/import{query}", [event()], auth=auth)

    assert response.status_code == 401
    assert response.text == '{"code":401,"error":"Invalid credentials","status":"Unauthorized"}'
    assert fake_mixpanel.events() == []


@pytest.mark.parametrize(
    "auth, query",
    [
        ((API_SECRET, ""), ""),
        ((TOKEN, ""), ""),
        ((SA_USER, SA_SECRET), f"?project_id={PROJECT_ID}"),
    ],
)
def test_import_accepts_each_documented_credential(fake_mixpanel, auth, query):
    response = post(fake_mixpanel, f"/import{query}", [event()], auth=auth)

    assert response.json() == {"code": 200, "num_records_imported": 1, "status": "OK"}


def test_it_refuses_bodies_over_2_mib_uncompressed(fake_mixpanel):
    big = gzip.compress(json.dumps([event(note="x" * (2 * 1024 * 1024))]).encode())
    assert len(big) < 100_000

    response = post(fake_mixpanel, "/track", big, **{"Content-Encoding": "gzip"})

    assert response.status_code == 413
    assert response.text == (
        '{"code":413,"error":"request exceeds max limit of 2097152 bytes",'
        '"status":"Payload Too Large"}'
    )


def test_it_refuses_more_than_2000_items(fake_mixpanel):
    response = post(fake_mixpanel, "/track?verbose=1", [event(n) for n in range(2001)])

    assert response.status_code == 400


def test_it_refuses_gzip_on_engage(fake_mixpanel):
    body = gzip.compress(json.dumps([profile()]).encode())

    response = post(fake_mixpanel, "/engage", body, **{"Content-Encoding": "gzip"})

    assert response.status_code == 400
    assert fake_mixpanel.profile_updates() == []


def test_it_reads_form_encoded_track_and_ndjson_import(fake_mixpanel):
    form = urlencode({"data": json.dumps([event(1)]), "verbose": "1"}).encode()
    ndjson = "\n".join(json.dumps(e) for e in [event(2), event(3)]).encode()

    tracked = post(fake_mixpanel, "/track", form, **{"Content-Type": "x-www-form-urlencoded"})
    imported = post(fake_mixpanel, "/import", ndjson, auth=(API_SECRET, ""))

    assert tracked.json() == {"status": 1, "error": None}
    assert imported.json()["num_records_imported"] == 2
    assert len(fake_mixpanel.events()) == 3


def test_without_verbose_it_answers_1_or_0(fake_mixpanel):
    assert post(fake_mixpanel, "/track", [event()]).text == "1"
    assert post(fake_mixpanel, "/engage", [{"$token": TOKEN, "$set": {}}]).text == "0"


def test_profile_updates_need_exactly_one_operation(fake_mixpanel):
    two_ops = profile({"$set": {"a": 1}, "$unset": ["b"]})

    response = post(fake_mixpanel, "/engage?verbose=1", [profile(), two_ops])

    assert response.json()["status"] == 0
    assert "exactly one operation" in response.json()["error"]


def test_a_wrong_token_still_answers_1_but_is_not_ingested(fake_mixpanel):
    response = post(fake_mixpanel, "/track?verbose=1", [event(token="other-project")])

    assert response.json() == {"status": 1, "error": None}
    assert fake_mixpanel.events() == []
    assert fake_mixpanel.not_ingested()[0]["reason"] == "unknown project token"


def test_track_silently_drops_events_older_than_5_days(fake_mixpanel):
    old = event(time=int(time.time()) - 6 * 24 * 3600)

    response = post(fake_mixpanel, "/track?verbose=1", [old, event(1)])

    assert response.json()["status"] == 1
    assert [e["properties"]["$insert_id"] for e in fake_mixpanel.events()] == ["evt-1"]


@pytest.mark.parametrize("placeholder", sorted(PLACEHOLDER_IDS))
def test_strict_import_rejects_placeholder_distinct_ids(fake_mixpanel, placeholder):
    items = [event(0), event(1, distinct_id=placeholder.upper())]

    response = post(fake_mixpanel, "/import?strict=1", items, auth=(API_SECRET, ""))

    assert response.status_code == 400
    body = response.json()
    assert body["num_records_imported"] == 1
    assert [(r["index"], r["field"]) for r in body["failed_records"]] == [
        (1, "properties.distinct_id")
    ]
    assert [e["properties"]["$insert_id"] for e in fake_mixpanel.events()] == ["evt-0"]


@pytest.mark.parametrize(
    "props, field",
    [
        ({"time": None}, "properties.time"),
        ({"time": int(time.time()) + 7200}, "properties.time"),
        ({"$insert_id": "x" * 37}, "properties.$insert_id"),
        ({"$insert_id": "has space"}, "properties.$insert_id"),
        ({"distinct_id": None}, "properties.distinct_id"),
    ],
)
def test_strict_import_validates_each_record(fake_mixpanel, props, field):
    response = post(fake_mixpanel, "/import?strict=1", [event(**props)], auth=(API_SECRET, ""))

    assert response.json()["failed_records"][0]["field"] == field


def test_it_deduplicates_like_mixpanel(fake_mixpanel):
    first, other = event(1), event(2)
    retry_same_time = json.loads(json.dumps(first))
    seconds = {**first, "properties": {**first["properties"], "$insert_id": "evt-3"}}

    post(fake_mixpanel, "/track", [first, other])
    post(fake_mixpanel, "/import", [retry_same_time, seconds], auth=(API_SECRET, ""))

    assert len(fake_mixpanel.events()) == 4
    ids = [e["properties"]["$insert_id"] for e in fake_mixpanel.unique_events()]
    assert ids == ["evt-1", "evt-2", "evt-3"]


def test_scripted_faults_come_first_then_normal_answers(fake_mixpanel):
    fake_mixpanel.script(503, path="/track", times=2)
    fake_mixpanel.script(429)

    statuses = [post(fake_mixpanel, p, [event()]).status_code for p in ["/engage", "/track"] * 2]

    assert statuses == [429, 503, 200, 503]
    assert fake_mixpanel.pending_faults() == []
    assert fake_mixpanel.events() == []


def test_a_processed_fault_ingests_before_answering(fake_mixpanel):
    fake_mixpanel.script(drop=True, process=True)

    with pytest.raises(httpx.RemoteProtocolError):
        post(fake_mixpanel, "/track", [event()])

    assert len(fake_mixpanel.events()) == 1
    assert fake_mixpanel.received()[0]["response"]["dropped"] is True


def test_it_records_every_request(fake_mixpanel):
    post(fake_mixpanel, "/import?strict=1", [event()], auth=(API_SECRET, ""))

    [request] = fake_mixpanel.received()
    assert request["path"] == "/import"
    assert request["query"] == {"strict": "1"}
    assert request["headers"]["authorization"].startswith("Basic ")
    assert request["items"][0]["event"] == "Purchase"
    assert request["response"]["status"] == 200


def test_it_keeps_connections_alive(fake_mixpanel):
    parts = urlsplit(fake_mixpanel.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    body = json.dumps([event()])

    for _ in range(3):
        connection.request("POST", "/track", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b"1")
        assert response.getheader("Content-Length") == "1"
    connection.close()

    assert len(fake_mixpanel.received()) == 3


def test_several_fakes_start_and_stop_quickly():
    started = time.perf_counter()

    for _ in range(5):
        with FakeMixpanel() as fake:
            post(fake, "/track", [event()])

    assert time.perf_counter() - started < 3


@pytest.mark.slow
def test_control_endpoints_drive_it_from_another_process():
    with fake_mixpanel_process() as remote:
        remote.script(503, path="/track")
        assert post(remote, "/track", [event()]).status_code == 503
        assert post(remote, "/track?verbose=1", [event()]).json()["status"] == 1
        auth = "Basic " + base64.b64encode(b"nope:").decode()
        assert post(remote, "/import", [event()], Authorization=auth).status_code == 401

        assert [r["response"]["status"] for r in remote.received()] == [503, 200, 401]
        assert len(remote.unique_events()) == 1
        assert remote.received("/import")[0]["headers"]["authorization"] == auth
        remote.reset()
        assert remote.received() == [] and remote.events() == []
