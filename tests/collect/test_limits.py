"""Cheap refusals first: what a request costs is bounded whatever it holds (in-process ASGI).

Work is counted, not timed: how often the body was received, parsed and validated, and on
which thread. No database: write keys are put in the collector's cache, and storing is
recorded instead of done.
"""

import asyncio
import base64
import gzip
import json
import threading
from dataclasses import dataclass

import pytest

from delivery.collect import app
from delivery.collect.store import SourceKey, sources

KEY = "known-key"
MILLION_ONES = b'{"batch": [' + b",".join([b"1"] * 1_000_000) + b"]}"


@dataclass
class Answer:
    status: int
    body: dict
    size: int


@pytest.fixture
def work(monkeypatch):
    """Counts of the collector's work, and the events it stored."""
    counts = {"receive": 0, "parse": 0, "check": 0, "check_threads": [], "stored": []}
    monkeypatch.setattr(sources, "entries", {})
    sources.put(KEY, SourceKey(1, "server"))
    sources.put("wrong-key", None)
    real_parse, real_check = app.parse_json, app.check_events

    def parse(body):
        counts["parse"] += 1
        return real_parse(body)

    def check(*args, **kwargs):
        counts["check"] += 1
        counts["check_threads"].append(threading.current_thread().name)
        return real_check(*args, **kwargs)

    async def store(source_id, accepted, now):
        counts["stored"].extend(a.message_id for a in accepted)

    monkeypatch.setattr(app, "parse_json", parse)
    monkeypatch.setattr(app, "check_events", check)
    monkeypatch.setattr(app, "store_events", store)
    return counts


def post(work, path: str, body: bytes, key: str | None = None, **headers: str) -> Answer:
    """One request through the collector's ASGI app; `key` as the HTTP Basic username."""
    if key is not None:
        headers["authorization"] = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    query = headers.pop("query", "").encode()
    sent: list[dict] = []

    async def receive() -> dict:
        work["receive"] += 1
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": query,
        "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
    }
    asyncio.run(app.collect(scope, receive, send))
    data = sent[1]["body"]
    return Answer(sent[0]["status"], json.loads(data), len(data))


def batch(events: list) -> bytes:
    return json.dumps({"batch": events}).encode()


def track(message_id: str) -> dict:
    return {"type": "track", "event": "Viewed", "anonymousId": "a-1", "messageId": message_id}


# A wrong key costs nothing


def test_a_million_item_gzip_bomb_with_a_wrong_header_key_is_401_before_its_body_is_read(work):
    # given the 2 KB body that inflates to a million items, and a key that is no source's
    bomb = gzip.compress(MILLION_ONES)
    assert len(bomb) < 2100
    # when
    answer = post(work, "/v1/batch", bomb, key="wrong-key", content_encoding="gzip")
    # then: refused without receiving, inflating, parsing or validating anything
    assert answer.status == 401
    assert answer.body["fields"] == {"writeKey": "Unknown write key."}
    assert (work["receive"], work["parse"], work["check"]) == (0, 0, 0)


def test_a_wrong_key_in_the_query_is_401_before_the_body_is_read(work):
    answer = post(work, "/beacon/v1/batch", gzip.compress(MILLION_ONES), query="writeKey=wrong-key")

    assert answer.status == 401
    assert (work["receive"], work["parse"], work["check"]) == (0, 0, 0)


def test_an_empty_basic_username_is_401_before_the_body_is_read(work):
    answer = post(work, "/v1/batch", MILLION_ONES, authorization="Basic " + "Og==")  # ":"

    assert answer.status == 401
    assert answer.body["fields"]["writeKey"].startswith("Missing write key")
    assert work["receive"] == 0


def test_a_wrong_key_in_the_body_is_401_without_validating_an_event(work):
    # given a batch of many bad items, authenticated only by the body's key
    body = json.dumps({"writeKey": "wrong-key", "batch": [1] * 100_000}).encode()
    # when
    answer = post(work, "/v1/batch", body)
    # then: parsed once (the key is in it), never validated
    assert answer.status == 401
    assert (work["parse"], work["check"]) == (1, 0)


def test_a_key_only_in_the_body_is_read_from_half_a_megabyte_at_most(work):
    # given the million-item bomb with a valid key inside it
    body = gzip.compress(MILLION_ONES.replace(b"{", b'{"writeKey": "known-key", ', 1))
    # when
    answer = post(work, "/v1/batch", body, content_encoding="gzip")
    # then: inflated only up to the bound, never parsed; the answer says where the key goes
    assert answer.status == 413
    assert "HTTP Basic" in answer.body["fields"]["writeKey"]
    assert (work["parse"], work["check"]) == (0, 0)


def test_a_declared_length_over_the_body_key_bound_is_413_unread(work):
    answer = post(work, "/v1/batch", b"{}", content_length=str(app.BODY_KEY_MAX_BYTES + 1))

    assert answer.status == 413 and "writeKey" in answer.body["fields"]
    assert work["receive"] == 0


def test_with_a_header_key_a_body_up_to_the_full_limit_is_read(work):
    events = [track(f"m-{i}") | {"properties": {"pad": "x" * 500}} for i in range(1500)]
    body = batch(events)
    assert app.BODY_KEY_MAX_BYTES < len(body) < 4 * 1024 * 1024

    answer = post(work, "/v1/batch", body, key=KEY)

    assert answer.status == 200
    assert len(work["stored"]) == 1500


# A valid key: the events cap comes before validation


def test_a_million_item_gzip_bomb_with_a_valid_key_is_413_naming_batch_unvalidated(work):
    answer = post(work, "/v1/batch", gzip.compress(MILLION_ONES), key=KEY, content_encoding="gzip")

    assert answer.status == 413
    assert "at most 2000" in answer.body["fields"]["batch"]
    assert work["check"] == 0


def test_a_batch_at_the_cap_is_validated_off_the_loop_and_one_more_is_refused(work, settings):
    # given the cap
    cap = settings.SIGNAL_MAX_EVENTS_PER_REQUEST
    events = [track(f"m-{i}") for i in range(cap + 1)]
    # when a batch of one too many is sent, then it is refused whole, unvalidated
    assert post(work, "/v1/batch", batch(events), key=KEY).status == 413
    assert work["check"] == 0 and work["stored"] == []
    # when a batch at the cap is sent, then all of it is stored, validated in a worker thread
    assert post(work, "/v1/batch", batch(events[:cap]), key=KEY).status == 200
    assert len(work["stored"]) == cap
    assert work["check_threads"][0].startswith("collect-cpu")


def test_the_cap_is_a_setting(work, settings):
    settings.SIGNAL_MAX_EVENTS_PER_REQUEST = 3

    answer = post(work, "/v1/batch", batch([track(f"m-{i}") for i in range(4)]), key=KEY)

    assert answer.status == 413 and "at most 3" in answer.body["fields"]["batch"]


def test_a_small_batch_is_validated_on_the_loop_as_before(work):
    assert post(work, "/v1/batch", batch([track("m-1")]), key=KEY).status == 200

    assert work["check_threads"] == [threading.main_thread().name]


# What a 400 answers


def test_the_rejection_list_is_the_first_hundred_with_the_count_of_all(work, settings):
    # given a batch at the cap of which all but one are bad
    cap = settings.SIGNAL_MAX_EVENTS_PER_REQUEST
    events = [track("good")] + [{"type": "track", "anonymousId": "a"}] * (cap - 1)
    # when
    answer = post(work, "/v1/batch", batch(events), key=KEY)
    # then: the good one is stored, the first 100 bad ones are named, all are counted
    assert answer.status == 400
    assert work["stored"] == ["good"]
    assert answer.body["accepted"] == 1
    assert answer.body["rejected_count"] == cap - 1
    assert [r["index"] for r in answer.body["rejected"]] == list(range(1, 101))
    assert len(answer.body["fields"]) == 100 and "batch[1].event" in answer.body["fields"]
    assert answer.body["error"].startswith(f"{cap - 1} of {cap} events were rejected")
    assert answer.size < 20_000


def test_a_few_rejections_are_all_listed_with_their_count(work):
    events = [track("good"), {"type": "page"}, "nope"]

    answer = post(work, "/v1/batch", batch(events), key=KEY)

    assert answer.body["rejected_count"] == 2
    assert [r["index"] for r in answer.body["rejected"]] == [1, 2]
    assert "listed" not in answer.body["error"]


def test_an_event_over_the_size_limit_is_rejected_alone_naming_it(work, settings):
    # given a batch whose middle event is larger than an event may be
    big = "x" * settings.SIGNAL_MAX_EVENT_BYTES
    events = [track("before"), track("big") | {"properties": {"blob": big}}, track("after")]
    # when
    answer = post(work, "/v1/batch", batch(events), key=KEY)
    # then
    assert answer.status == 400
    assert work["stored"] == ["before", "after"]
    (rejected,) = answer.body["rejected"]
    assert rejected["index"] == 1 and rejected["field"] == "event"
    assert f"at most {settings.SIGNAL_MAX_EVENT_BYTES}" in rejected["error"]


def test_an_event_just_under_the_size_limit_is_stored(work, settings):
    event = track("fits") | {"properties": {"blob": "x" * (settings.SIGNAL_MAX_EVENT_BYTES - 300)}}

    assert post(work, "/v1/batch", batch([event]), key=KEY).status == 200
    assert work["stored"] == ["fits"]
