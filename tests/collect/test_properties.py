"""Properties of the collection API over generated traffic (hypothesis), on the real stack.

Whatever bytes a client sends, the collector answers with a 2xx or a 4xx, never a 5xx nor an
exception; a valid event is stored whatever its neighbours in a batch hold, and the answer
counts accepted and rejected events consistently; and every event the collector stored can
be mapped by the Mixpanel transform of each shipped variant, and its operations built into a
request, without an exception.

The requests go in-process through Signal's real ASGI application (`signal_admin.asgi`) on
one event loop, and are stored by the real PostgreSQL store (its async pool and group
commit): no daphne in between, so a failure shows the collector's own traceback.
"""

import asyncio
import base64
import gzip
import json
import math
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from django.db import connection
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from delivery.collect import pgstore
from delivery.collect.app import PATHS
from delivery.collect.store import sources
from delivery.collect.validate import has_nul
from delivery.models import Event
from delivery.outbox import collector_warnings
from delivery.rows import _json as read_column
from integrations.destinations.mixpanel.entry import MIXPANEL
from integrations.destinations.mixpanel.transform import transform
from integrations.integrations_object import integrations_skip
from integrations.models import Source
from signal_admin.asgi import application
from tests.mixpanel.golden import CONFIG

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

VARIANTS = ("default", "retail", "b2b_saas")
# A fixed, bounded run by default; SIGNAL_PROPERTY_EXAMPLES=5000 explores further, at random.
EXPLORE = int(os.environ.get("SIGNAL_PROPERTY_EXAMPLES", "0"))
BOUNDED = settings(
    max_examples=EXPLORE or 200,
    deadline=None,
    derandomize=not EXPLORE,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],  # no slow "explain" on a failure
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
EVENT_PATHS = sorted(path for path, kind in PATHS.items() if kind != "batch")
BATCH_PATHS = sorted(path for path, kind in PATHS.items() if kind == "batch")


# --- the in-process client ------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: Any


class Collector:
    """Calls Signal's ASGI application in-process, every request on the same event loop (the
    store's connection pool belongs to one loop, as in daphne)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def post(
        self, path: str, body: bytes, headers: list[tuple[bytes, bytes]], query: bytes = b""
    ) -> Answer:
        return self.loop.run_until_complete(self._post(path, body, headers, query))

    async def _post(self, path, body, headers, query) -> Answer:
        sent: list[dict] = []
        chunks = [body[:1], body[1:]] if len(body) > 1 else [body]
        messages = [
            {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
            for i, chunk in enumerate(chunks)
        ]

        async def receive() -> dict:
            if messages:
                return messages.pop(0)
            await asyncio.Event().wait()  # the client is still there, sending nothing more
            raise AssertionError("unreachable")

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query,
            "headers": headers,
            "client": ("203.0.113.9", 50000),
            "server": ("127.0.0.1", 8084),
        }
        await asyncio.wait_for(application(scope, receive, send), timeout=30)
        start, data = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
        assert start["type"] == "http.response.start"
        declared = dict(start["headers"]).get(b"content-length")
        assert declared is None or int(declared) == len(data)
        return Answer(start["status"], json.loads(data) if data else None)

    async def _close(self) -> None:
        if pgstore._pool is not None:
            await pgstore._pool.close()

    def close(self) -> None:
        self.loop.run_until_complete(self._close())
        self.loop.close()


@pytest.fixture
def collector():
    """A fresh store pool and writer for this test's loop, and an empty write-key cache."""
    if connection.vendor != "postgresql":
        pytest.skip("the properties run against the PostgreSQL store")
    pgstore._pool, pgstore.writer, pgstore._opening = None, pgstore.GroupWriter(), asyncio.Lock()
    sources.entries.clear()
    client = Collector()
    yield client
    client.close()
    pgstore._pool, pgstore.writer = None, pgstore.GroupWriter()
    sources.entries.clear()


def new_source(kind: str) -> Source:
    return Source.objects.create(name=f"props-{uuid.uuid4().hex[:12]}", kind=kind)


# --- JSON as clients write it ---------------------------------------------------------------


@dataclass(frozen=True)
class Deep:
    """A value nested `depth` objects or arrays deep, written as text (json.dumps would
    recurse too far for the deepest)."""

    depth: int
    inner: Any
    array: bool = False


READABLE_DEPTH = 600  # deeper than this, no JSON parser of the collector's reads the body


def dumps(value: Any, ascii_only: bool, max_depth: int | None = None) -> str:
    """JSON text as SDKs write it: NaN/Infinity tokens (Python's), huge integers, `\\u0000`
    and lone-surrogate escapes; with `ascii_only` False, raw UTF-8. `max_depth` caps `Deep`."""
    if isinstance(value, Deep):
        open_, close = ("[", "]") if value.array else ('{"a":', "}")
        depth = min(value.depth, max_depth or value.depth)
        return open_ * depth + dumps(value.inner, ascii_only, max_depth) + close * depth
    if isinstance(value, dict):
        items = (
            f"{dumps(str(k), ascii_only)}:{dumps(v, ascii_only, max_depth)}"
            for k, v in value.items()
        )
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(v, ascii_only, max_depth) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


def encode(value: Any, mode: str, max_depth: int | None = None) -> bytes:
    """The body's bytes: `ascii` (every non-ASCII character escaped, as Python's json does),
    `utf8` (raw UTF-8; a lone surrogate escaped, as JavaScript's JSON.stringify does), or
    `raw` (a lone surrogate as its three bytes: invalid UTF-8, which a client can still send)."""
    text = dumps(value, mode == "ascii", max_depth)
    return text.encode("utf-8", "surrogatepass" if mode == "raw" else "backslashreplace")


ENCODINGS = st.sampled_from(["ascii", "utf8", "raw"])
WELL_FORMED = st.sampled_from(["ascii", "utf8"])


def mostly(good: st.SearchStrategy, wild: st.SearchStrategy, odds: int = 9) -> st.SearchStrategy:
    """`good` about `odds` times in `odds + 1`, else `wild`: an event built of fields that are
    each wild too often would be rejected nearly always, and map nothing."""
    # Not one_of(good, good, ..., wild): hypothesis draws its distinct branches evenly.
    return st.sampled_from([True] * odds + [False]).flatmap(lambda g: good if g else wild)


HUGE_INTS = st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63) - 1, 10**30, 10**400])
NUMBERS = st.one_of(
    st.integers(),
    HUGE_INTS,
    st.floats(),  # NaN and infinities included: written as Python's tokens
    st.sampled_from([0, -0.0, 1e308, 5e-324, 0.1, -1]),
)
PLAIN = st.text(st.characters(exclude_characters="\x00"), max_size=12)
# What the database cannot store (a NUL, a lone surrogate) is rare: one in an event has it
# rejected, and every event would be if every string could hold one.
ODD_TEXT = st.sampled_from(
    ["", " ", "\\u0000", "🙂", "é", "\u2028", "\u202e", "\ufeff", "\u0000", "a\u0000b", "\ud800"]
)
TEXT = mostly(PLAIN, ODD_TEXT, 20)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=10,
)
DEEP = st.builds(
    Deep,
    st.sampled_from([30, 127, 128, 129, 255, 256, 257, 600, 1100, 5000]),
    SCALARS,
    st.booleans(),
)
ANY_JSON = mostly(JSON, DEEP, 12)

EDGE_TIMES = [
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00-23:59",
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:59:59+23:59",
    "1970-01-01T00:00:00Z",
    "2026-11-28",
    "2026-11-28T10:00:00",
    "2026-11-28T10:00:00z",
    "2026-11-28 10:00:00.123456+05:30",
    "20261128T100000Z",
    "2026-02-30T00:00:00Z",
    "2026-11-28T24:00:00Z",
    "2026-W48-6",
    "",
    "now",
]
MINUTES = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1)
OFFSETS = MINUTES.map(lambda m: timezone(timedelta(minutes=m)))
DATETIMES = st.datetimes(timezones=st.none() | st.just(UTC) | OFFSETS).map(lambda d: d.isoformat())
RECENT = st.integers(min_value=-10 * 86400, max_value=600).map(
    lambda s: (datetime.now(UTC) + timedelta(seconds=s)).isoformat().replace("+00:00", "Z")
)
GOOD_TIMES = st.one_of(RECENT, RECENT, DATETIMES, st.sampled_from(EDGE_TIMES[:11]))
TIMES = mostly(GOOD_TIMES, st.one_of(st.sampled_from(EDGE_TIMES), TEXT, NUMBERS, JSON), 6)

GOOD_IDS = st.one_of(
    st.sampled_from(["u-1", "anon-1", "0", "null", "  padded  ", "user@example.com"]),
    st.uuids().map(str),
    PLAIN.filter(str.strip),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
)
WILD_IDS = st.one_of(
    st.sampled_from(["", "   "]),
    st.text(min_size=250, max_size=260),
    NUMBERS,
    st.booleans(),
    st.none(),
    JSON,
)
IDS = mostly(GOOD_IDS, WILD_IDS, 6)
NAMES = st.sampled_from(
    [
        "Order Completed",
        "Order Refunded",
        "Product Viewed",
        "Product Added",
        "Signed Up",
        "Trial Started",
        "Trial Ended",
        "Subscription Started",
        "Subscription Upgraded",
        "Subscription Cancelled",
        "Feature Used",
        "Invite Sent",
        "Home",
    ]
)
EVENT_NAMES = mostly(
    st.one_of(NAMES, NAMES, PLAIN.filter(str.strip)),
    st.one_of(
        st.sampled_from(["$identify", "$create_alias", "mp_page_view", "", " "]),
        st.text(min_size=250, max_size=300),
        JSON,
    ),
    6,
)
VALUES = mostly(st.one_of(NUMBERS, TEXT), JSON, 3)
# What the shipped blueprints read, each with any value (a number where text is expected...).
PRODUCT = st.fixed_dictionaries(
    {}, optional={"product_id": VALUES, "price": VALUES, "quantity": VALUES, "sku": VALUES}
)
PROPERTIES = st.fixed_dictionaries(
    {},
    optional={
        "total": VALUES,
        "revenue": VALUES,
        "currency": VALUES,
        "order_id": IDS,
        "products": mostly(st.lists(mostly(PRODUCT, JSON), max_size=3), JSON, 3),
        "product_id": VALUES,
        "price": VALUES,
        "quantity": VALUES,
        "mrr": VALUES,
        "plan": VALUES,
        "method": VALUES,
        "feature": VALUES,
        "trial_start_date": TIMES,
        "trial_end_date": TIMES,
        "url": VALUES,
        "path": VALUES,
        "referrer": VALUES,
        "title": VALUES,
        "search": VALUES,
        "time": mostly(NUMBERS, TIMES, 1),
        "distinct_id": IDS,
        "token": VALUES,
        "$insert_id": VALUES,
        "company_id": IDS,
        "extra": ANY_JSON,
    },
).flatmap(lambda known: st.dictionaries(TEXT, JSON, max_size=3).map(lambda more: more | known))
TRAITS = st.fixed_dictionaries(
    {},
    optional={
        "email": VALUES,
        "name": VALUES,
        "firstName": VALUES,
        "phone": VALUES,
        "createdAt": TIMES,
        "created_at": TIMES,
        "address": mostly(
            st.fixed_dictionaries(
                {}, optional={"city": VALUES, "state": VALUES, "country": VALUES}
            ),
            JSON,
            3,
        ),
        "company": mostly(st.dictionaries(TEXT, JSON, max_size=3), JSON, 3),
        "company_id": IDS,
        "timezone": VALUES,
        "initial_referrer": VALUES,
        "signup_source": VALUES,
        "$set": JSON,
        "deep": ANY_JSON,
    },
).flatmap(lambda known: st.dictionaries(TEXT, JSON, max_size=3).map(lambda more: more | known))
GRANTED = {"categoryPreferences": {"analytics": True}}
CONSENT = mostly(
    st.just(GRANTED),
    st.one_of(
        st.just({"categoryPreferences": {"analytics": False}}),
        st.fixed_dictionaries({"categoryPreferences": mostly(st.dictionaries(TEXT, JSON), JSON)}),
        JSON,
    ),
    6,
)
USER_AGENTS = mostly(
    st.sampled_from(
        [
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Mobile Safari/537.36",
            "curl/8.4.0",
            "",
        ]
    ),
    st.one_of(TEXT, st.text(min_size=2000, max_size=2100), JSON),
    3,
)
URLS = mostly(
    st.sampled_from(
        [
            "https://shop.example/p/1?utm_source=news&utm_medium=email&gclid=abc",
            "https://shop.example/",
            "http://[::1",
            "https://user:pw@shop.example:99999/x",
            "//shop.example/a",
            "?%zz=%ff",
            "",
        ]
    ),
    VALUES,
    3,
)
PAGE = st.fixed_dictionaries(
    {},
    optional={
        "url": URLS,
        "path": VALUES,
        "referrer": URLS,
        "title": VALUES,
        "search": mostly(st.sampled_from(["?utm_campaign=c&gclid=1", "?%zz", "?a=%00"]), VALUES),
    },
)
CONTEXT = st.fixed_dictionaries(
    {"consent": CONSENT},
    optional={
        "ip": mostly(
            st.sampled_from(["203.0.113.5", "::1", "", "999.1.1.1", "fe80::1%eth0"]), JSON
        ),
        "userAgent": USER_AGENTS,
        "page": mostly(PAGE, JSON, 3),
        "campaign": mostly(
            st.dictionaries(
                st.sampled_from(["name", "source", "medium", "term", "content", "utm_x"]) | TEXT,
                VALUES,
                max_size=4,
            ),
            JSON,
            3,
        ),
        "library": mostly(
            st.fixed_dictionaries({}, optional={"name": VALUES, "version": VALUES}), JSON, 3
        ),
        "traits": mostly(TRAITS, JSON, 3),
        "device": mostly(st.dictionaries(TEXT, VALUES, max_size=3), JSON, 3),
        "os": mostly(st.fixed_dictionaries({}, optional={"name": VALUES, "version": VALUES}), JSON),
        "app": mostly(
            st.fixed_dictionaries(
                {}, optional={"name": VALUES, "version": VALUES, "build": VALUES}
            ),
            JSON,
            3,
        ),
        "screen": mostly(
            st.fixed_dictionaries(
                {}, optional={"width": VALUES, "height": VALUES, "density": VALUES}
            ),
            JSON,
            3,
        ),
        "location": mostly(
            st.fixed_dictionaries({}, optional={"latitude": VALUES, "longitude": VALUES}), JSON, 3
        ),
        "locale": VALUES,
        "timezone": VALUES,
        "groupId": IDS,
        "network": JSON,
        "extra": ANY_JSON,
    },
)
INTEGRATIONS = mostly(
    st.dictionaries(
        st.sampled_from(["All", "Mixpanel", "mixpanel", "Amplitude"]) | TEXT, JSON, max_size=4
    ),
    JSON,
    3,
)
TYPE_NAMES = ("track", "identify", "page", "screen", "group", "alias")
# Each call type's own fields, as an SDK sends them (each now and then wild, or missing).
REQUIRED = {
    "track": {"event": EVENT_NAMES},
    "group": {"groupId": IDS},
    "alias": {"previousId": IDS, "userId": IDS},
}
COMMON = {
    "userId": IDS,
    "messageId": mostly(st.uuids().map(str), IDS, 3),
    "timestamp": TIMES,
    "originalTimestamp": TIMES,
    "sentAt": TIMES,
    "receivedAt": TIMES,
    "properties": mostly(PROPERTIES, ANY_JSON),
    "traits": mostly(TRAITS, ANY_JSON),
    "context": mostly(CONTEXT, ANY_JSON),
    "integrations": INTEGRATIONS,
    "name": EVENT_NAMES,
    "category": mostly(PLAIN, VALUES),
    "channel": st.sampled_from(["web", "server", "mobile"]) | JSON,
    "version": JSON,
    "writeKey": JSON,
    "_signal": JSON,
}


def call_of(kind: Any) -> st.SearchStrategy:
    own = REQUIRED.get(kind, {}) if isinstance(kind, str) else {}
    # Every SDK sends a context (its library, at least): the consent in it decides whether
    # the transform maps the event at all.
    required = {"type": st.just(kind), "anonymousId": IDS, "context": COMMON["context"], **own}
    optional = {k: v for k, v in COMMON.items() if k not in required}
    if kind not in ("track", "page", "screen"):
        optional["event"] = EVENT_NAMES  # what a hand-rolled client may send anyway
    return st.fixed_dictionaries(required, optional=optional)


def _drop_one(pair: tuple[dict, int]) -> dict:
    event, n = pair
    gone = sorted(event)[n % len(event)]
    return {key: value for key, value in event.items() if key != gone}


# A call as an SDK builds it; now and then a wrong type, a missing field, or anything at all.
EVENTS = mostly(
    st.sampled_from(TYPE_NAMES).flatmap(call_of),
    st.one_of(
        JSON.flatmap(call_of),
        st.tuples(st.sampled_from(TYPE_NAMES).flatmap(call_of), st.integers(0, 40)).map(_drop_one),
        ANY_JSON,
    ),
    6,
)
BATCH_ITEMS = st.lists(EVENTS, max_size=6)
CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "text/plain",
            "text/plain;charset=UTF-8",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "",
        ]
    ),
    st.binary(max_size=40),
)


# --- requests ---------------------------------------------------------------------------------


@dataclass
class Request:
    path: str
    body: bytes
    headers: list[tuple[bytes, bytes]]
    query: bytes = b""


def basic(key: str) -> bytes:
    return b"Basic " + base64.b64encode(f"{key}:".encode())


@st.composite
def requests(draw, write_key: str) -> Request:
    """Any request a client could make: any path of the API, any way (or none) of sending the
    key, any body (garbage, any JSON, events), any content type, gzip or a false claim of it."""
    path = draw(st.sampled_from(sorted(PATHS)))
    path += draw(st.sampled_from(["", "/"]))
    shape = draw(st.sampled_from(["garbage", "json", "events"]))
    auth = draw(st.sampled_from(["basic", "query", "body", "none", "wrong", "garbage"]))
    if shape == "garbage":
        value: Any = None
        text = draw(st.binary(max_size=200))
    else:
        if shape == "json":
            value = draw(ANY_JSON)
        elif PATHS[path.rstrip("/")] == "batch":
            value = {"batch": draw(BATCH_ITEMS | ANY_JSON)}
            if draw(st.booleans()):
                value["sentAt"] = draw(TIMES)
        else:
            value = draw(EVENTS)
        if auth == "body" and isinstance(value, dict):
            value["writeKey"] = write_key
        text = encode(value, draw(ENCODINGS))
    headers = [(b"content-type", draw(CONTENT_TYPES))]
    query = b""
    if auth == "basic":
        headers.append((b"authorization", basic(write_key)))
    elif auth == "query":
        query = b"writeKey=" + write_key.encode() + draw(st.sampled_from([b"", b"&x=%ff", b"&&"]))
    elif auth == "wrong":
        headers.append((b"authorization", basic(draw(st.text(max_size=30)))))
    elif auth == "garbage":
        headers.append((b"authorization", draw(st.binary(max_size=40))))
        query = draw(st.binary(max_size=40))
    gzipped = draw(st.sampled_from(["no", "yes", "claimed", "truncated"]))
    if gzipped != "no":
        headers.append((b"content-encoding", draw(st.sampled_from([b"gzip", b" GZIP ", b"Gzip"]))))
    if gzipped == "yes":
        text = gzip.compress(text)
    elif gzipped == "truncated":
        text = gzip.compress(text)[: draw(st.integers(0, 30))]
    if draw(st.booleans()):
        declared = draw(st.sampled_from([str(len(text)), "0", "abc", "99999999999999999999"]))
        headers.append((b"content-length", declared.encode()))
    return Request(path, text, headers, query)


# --- what a stored event must survive ---------------------------------------------------------


BLUEPRINTS = {variant: MIXPANEL.load_blueprint(variant) for variant in VARIANTS}


def assert_deliverable(payload: dict[str, Any], now: datetime) -> None:
    """What fan-out and sending do with a stored payload, for each shipped variant: the
    integrations object, the collector's warnings, the transform, the outcome as a delivery
    row stores it, and each operation built into Mixpanel's request."""
    integrations_skip(payload, "mixpanel")
    collector_warnings(payload)
    for variant, blueprint in BLUEPRINTS.items():
        outcome = transform(payload, blueprint, CONFIG, now)
        assert outcome.status in ("deliver", "suppressed", "filtered", "rejected"), variant
        event(f"{variant}: {outcome.status}")  # see --hypothesis-show-statistics
        stored = orjson.dumps(outcome.to_json())  # a delivery row is written with orjson
        assert not has_nul(stored), (variant, "PostgreSQL cannot store a NUL")
        for operation in outcome.operations:
            MIXPANEL.build_request(CONFIG, operation.endpoint, [operation.item])


def assert_answer_is_not_a_server_error(answer: Answer) -> None:
    event(f"answered {answer.status}")
    assert 200 <= answer.status < 500, answer
    assert isinstance(answer.body, dict) or answer.status == 204, answer
    if answer.body is not None:
        assert answer.body["success"] is (answer.status == 200), answer


def stored_payloads(source: Source) -> list[dict[str, Any]]:
    """The source's stored payloads as fan-out reads them (`claim_events`: the column's text
    through orjson), not through the ORM's json.loads: PostgreSQL writes a stored 1e20 as
    100000000000000000000, which orjson reads back as the float it was."""
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT payload FROM {table} WHERE source_id = %s ORDER BY id", [source.id])
        return [read_column(payload) for (payload,) in cursor.fetchall()]


# --- the properties ---------------------------------------------------------------------------


@BOUNDED
@given(data=st.data(), kind=st.sampled_from([Source.BROWSER, Source.MOBILE, Source.SERVER]))
def test_no_request_is_ever_answered_with_a_server_error(collector, data, kind):
    # given a source, and any request a client could send with (or without) its key
    source = new_source(kind)
    request = data.draw(requests(source.write_key))
    # when it is posted, then the answer is a 2xx or a 4xx with a JSON body
    answer = collector.post(request.path, request.body, request.headers, request.query)
    assert_answer_is_not_a_server_error(answer)
    # and whatever it stored can be delivered
    now = datetime.now(UTC)
    for payload in stored_payloads(source):
        assert_deliverable(payload, now)


NEIGHBOUR = {
    "type": "track",
    "event": "Product Viewed",
    "anonymousId": "anon-neighbour",
    "properties": {"product_id": "A1"},
    "context": {"consent": GRANTED},
}


@BOUNDED
@given(
    events=BATCH_ITEMS,
    position=st.integers(min_value=0),
    sent_at=st.none() | TIMES,
    mode=WELL_FORMED,
    gzipped=st.booleans(),
)
def test_a_valid_event_is_stored_whatever_its_neighbours_hold(
    collector, events, position, sent_at, mode, gzipped
):
    # given a batch of generated events with one known-valid event among them
    source = new_source(Source.BROWSER)
    neighbour_id = f"neighbour-{uuid.uuid4().hex}"
    index = position % (len(events) + 1)
    batch = [*events[:index], {**NEIGHBOUR, "messageId": neighbour_id}, *events[index:]]
    body: dict[str, Any] = {"batch": batch}
    if sent_at is not None:
        body["sentAt"] = sent_at
    text = encode(body, mode, max_depth=READABLE_DEPTH)
    headers = [(b"content-type", b"application/json"), (b"authorization", basic(source.write_key))]
    if gzipped:
        text = gzip.compress(text)
        headers.append((b"content-encoding", b"gzip"))
    # when it is posted
    answer = collector.post("/v1/batch", text, headers)
    # then the valid event is stored, and the answer counts the batch's events consistently
    assert answer.status in (200, 400), answer
    assert Event.objects.filter(source=source, message_id=neighbour_id).exists(), answer
    if answer.status == 200:
        assert answer.body == {"success": True}
        rejected: list[int] = []
    else:
        assert answer.body["accepted"] + answer.body["rejected_count"] == len(batch), answer
        rejected = [r["index"] for r in answer.body["rejected"]]
        assert len(rejected) == answer.body["rejected_count"] == len(set(rejected)), answer
        assert index not in rejected and all(0 <= i < len(batch) for i in rejected), answer
        assert set(answer.body["fields"]) == {
            f"batch[{r['index']}].{r['field']}" for r in answer.body["rejected"]
        }
    accepted = len(batch) - len(rejected)
    stored = Event.objects.filter(source=source).count()
    assert 1 <= stored <= accepted, answer
    if _distinct_message_ids(batch, rejected):  # then nothing accepted was a repeat
        assert stored == accepted, answer
    # and every event stored can be delivered
    now = datetime.now(UTC)
    for payload in stored_payloads(source):
        assert_deliverable(payload, now)


def _distinct_message_ids(batch: list[Any], rejected: list[int]) -> bool:
    ids = [
        event.get("messageId")
        for i, event in enumerate(batch)
        if i not in rejected and isinstance(event, dict)
    ]
    texts = [i.strip() for i in ids if isinstance(i, str)]
    return len(texts) == len(ids) and all(texts) and len(set(texts)) == len(texts)


@BOUNDED
@given(data=st.data(), path=st.sampled_from(EVENT_PATHS), mode=ENCODINGS)
def test_an_accepted_single_call_is_stored_and_deliverable(collector, data, path, mode):
    # given one call shaped for its endpoint (whose path decides its type), or anything
    event = data.draw(mostly(call_of(PATHS[path]), EVENTS, 3))
    source = new_source(Source.MOBILE)
    headers = [(b"content-type", b"text/plain"), (b"authorization", basic(source.write_key))]
    answer = collector.post(path, encode(event, mode), headers)
    # then it is a 200 exactly when it was stored, else a 4xx
    assert_answer_is_not_a_server_error(answer)
    stored = stored_payloads(source)
    if answer.status == 200:
        assert len(stored) == 1, answer
        assert stored[0]["type"] == PATHS[path]
    else:
        assert stored == [], answer
    now = datetime.now(UTC)
    for payload in stored:
        assert_deliverable(payload, now)


def test_the_generated_json_is_what_a_client_sends():
    # the helper writes what SDKs write: Python's tokens, huge integers, escapes, depth
    assert (
        encode({"a": [math.nan, math.inf, 10**30]}, "ascii")
        == b'{"a":[NaN,Infinity,' + str(10**30).encode() + b"]}"
    )
    assert encode("\u0000\ud800", "ascii") == b'"\\u0000\\ud800"'
    assert encode("é\ud800", "utf8") == '"é'.encode() + b'\\ud800"'
    assert encode("\ud800", "raw") == b'"\xed\xa0\x80"'
    assert encode([Deep(2, 1), Deep(9, 1, array=True)], "ascii", max_depth=2) == (
        b'[{"a":{"a":1}},[[1]]]'
    )
