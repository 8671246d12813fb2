"""The collection API as a lean ASGI app in front of Django (the hot path).

POST /v1/{track,page,screen,identify,group,alias,batch}, authenticated by the source's write
key (HTTP Basic username, `?writeKey=` in the query, or `writeKey` in the body). A 200 means
every event is committed. The browser SDKs people already run post here unchanged:
analytics-next to /v1/{t,p,i,s,g,a,b}, RudderStack's sendBeacon to /beacon/v1/batch; both
as text/plain (a CORS-safe type), which is read as JSON like any other body.
"""

import base64
import json
import logging
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from urllib.parse import parse_qs

import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DataError, connection

from delivery.collect import pgstore, store
from delivery.collect.client_ip import connection_ip
from delivery.collect.store import SourceKey, sources
from delivery.collect.timing import iso
from delivery.collect.validate import BadRequest, check_events, events_of, parse_json
from integrations.models import Source

log = logging.getLogger("signal.collect")
# Read once: looking up the connection on every request cost more than the request's insert.
ASYNC_STORE = connection.vendor == "postgresql"
# SQLite (standalone) writes from these threads; PostgreSQL from an async pool of the same size.
DATABASE_THREADS = ThreadPoolExecutor(
    max_workers=settings.SIGNAL_COLLECT_THREADS, thread_name_prefix="collect"
)
# Big requests are parsed and validated here, off daphne's loop (a few threads: this is CPU
# work, and more would only take the GIL from the loop). Small ones, the hot path, are not.
CPU_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="collect-cpu")
INLINE_BODY_BYTES = 64 * 1024  # parsed on the loop: well under a millisecond
INLINE_EVENTS = 100  # validated on the loop: about a millisecond
# A write key sent only in the body means reading the body before knowing whom it is from:
# only up to this size (analytics-next's batches stay under 500 KB). A bigger body sends its
# key in the Authorization header or the query, which is checked before the body is read.
BODY_KEY_MAX_BYTES = 512 * 1024
# A 400 lists at most this many rejected events (with `rejected_count`, the total).
MAX_LISTED_REJECTIONS = 100
CALL_TYPES = ("track", "page", "screen", "identify", "group", "alias", "batch")
PATHS = {
    **{f"/v1/{name}": name for name in CALL_TYPES},
    # analytics-next posts to the call type's first letter (its Segment.io plugin)
    **{f"/v1/{name[0]}": name for name in CALL_TYPES},
    # RudderStack's JS SDK with `useBeacon` (navigator.sendBeacon; key in the query)
    "/beacon/v1/batch": "batch",
}
# What the SDKs put on a cross-origin request: analytics-next X-Retry-Count; RudderStack
# AnonymousId, SentAt and its Rsa-* retry headers.
ALLOWED_HEADERS = (
    b"authorization, content-type, content-encoding, accept, x-retry-count, anonymousid, "
    b"sentat, rsa-recovered, rsa-retry-attempt, rsa-since-last-attempt, "
    b"rsa-since-first-attempt, rsa-retry-reason"
)
CORS_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"POST, OPTIONS"),
    (b"access-control-allow-headers", ALLOWED_HEADERS),
    (b"access-control-max-age", b"86400"),
]


UNAVAILABLE = "Events could not be stored right now; retry shortly."


async def lookup(write_key: str) -> SourceKey:
    """The write key's source; a cached one costs no query and no thread hand-off."""
    hit, source = sources.get(write_key)
    if not hit:
        try:
            if ASYNC_STORE:
                source = await pgstore.lookup(write_key)
            else:
                source = await in_thread(store.lookup)(write_key)
        except Exception:  # nothing was stored: the client keeps the events and retries
            log.exception("could not look up a write key")
            raise BadRequest(UNAVAILABLE, field="database", status=503) from None
    if source is None:
        raise BadRequest("Unknown write key.", field="writeKey", status=401)
    return source


async def store_events(source_id: int, accepted: list, now: datetime) -> None:
    """The request's one durable write: in daphne's loop on PostgreSQL, else in a thread."""
    if ASYNC_STORE:
        return await pgstore.save(source_id, accepted, now)
    return await in_thread(store.save)(source_id, accepted, now)


def in_thread(function):
    return sync_to_async(function, thread_sensitive=False, executor=DATABASE_THREADS)


def on_cpu_thread(function):
    return sync_to_async(function, thread_sensitive=False, executor=CPU_THREADS)


def handles(path: str) -> bool:
    return path.rstrip("/") in PATHS


async def respond(send, status: int, body: dict | None) -> None:
    data = json.dumps(body).encode() if body is not None else b""
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(data))]
    await send({"type": "http.response.start", "status": status, "headers": headers + CORS_HEADERS})
    await send({"type": "http.response.body", "body": data})


def error(message: str, field: str) -> dict:
    return {"success": False, "error": message, "fields": {field: message}}


async def read_body(receive, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BadRequest("The client went away.", status=400)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BadRequest(f"Body is larger than {limit} bytes.", status=413)
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def gunzip(body: bytes, limit: int) -> bytes:
    """Decompress at most `limit` bytes, so a gzip bomb costs us nothing."""
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(body, limit + 1)
    except zlib.error:
        raise BadRequest("Body is not valid gzip.", field="Content-Encoding") from None
    if len(data) > limit or decompressor.unconsumed_tail:
        raise BadRequest(f"Decompressed body is larger than {limit} bytes.", status=413)
    return data


MISSING_KEY = "Missing write key: send it as the HTTP Basic username or `writeKey`."
BODY_KEY_TOO_LARGE = (
    f"A body over {BODY_KEY_MAX_BYTES} bytes must send its write key as the HTTP Basic "
    "username or `?writeKey=`, not in the body."
)


def basic_key(headers: dict[bytes, bytes]) -> tuple[bool, str | None]:
    """(whether HTTP Basic auth was sent, its username: the write key)."""
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if auth[:6].lower() != "basic ":
        return False, None
    try:
        return True, base64.b64decode(auth[6:]).decode().split(":", 1)[0] or None
    except (ValueError, UnicodeDecodeError):
        return True, None


def header_key(headers: dict[bytes, bytes], query: bytes) -> tuple[bool, str | None]:
    """(whether a key came outside the body, that key): Basic auth, else `?writeKey=`
    (RudderStack's beacon: sendBeacon cannot set headers)."""
    sent, key = basic_key(headers)
    if sent or b"writeKey=" not in query:
        return sent, key
    key = parse_qs(query.decode("latin-1")).get("writeKey", [""])[0]
    return True, key if key and key.isascii() else None


def body_key(data: object) -> str | None:
    if isinstance(data, dict) and isinstance(data.get("writeKey"), str):
        key = data["writeKey"]
        return key if key.isascii() else None  # write keys are ASCII; a lone surrogate is not
    return None


async def read_events(
    receive, path_type: str, headers: dict, query: bytes = b""
) -> tuple[SourceKey, list, bool]:
    """Authenticate and read the request: its source, its raw events, and whether the body
    has a `\\u0000` escape.

    Cheap refusals first: a declared length over the limit is refused unread; a write key in
    the Authorization header or the query string is checked before the body is read; a key
    only in the body is read from a body of at most BODY_KEY_MAX_BYTES; a batch over the
    events cap is refused before any event is validated.
    """
    in_header, write_key = header_key(headers, query)
    bound = settings.SIGNAL_MAX_BODY_BYTES
    if not in_header:
        bound = min(bound, BODY_KEY_MAX_BYTES)
    length = headers.get(b"content-length")
    if length and length.isdigit() and int(length) > bound:
        raise too_large(bound)
    source = await authenticate(write_key) if in_header else None
    data, body = await read_json(receive, headers, bound)
    if source is None:
        source = await authenticate(body_key(data))
    raw = events_of(data, path_type, settings.SIGNAL_MAX_EVENTS_PER_REQUEST)
    return source, raw, b"\\u0000" in body


async def authenticate(write_key: str | None) -> SourceKey:
    if not write_key:
        raise BadRequest(MISSING_KEY, field="writeKey", status=401)
    if "\x00" in write_key:  # no write key has one, and PostgreSQL refuses it in a query
        raise BadRequest("Unknown write key.", field="writeKey", status=401)
    return await lookup(write_key)


def too_large(bound: int) -> BadRequest:
    if bound < settings.SIGNAL_MAX_BODY_BYTES:
        return BadRequest(BODY_KEY_TOO_LARGE, field="writeKey", status=413)
    return BadRequest(f"Body is larger than {bound} bytes.", status=413)


async def read_json(receive, headers: dict, bound: int) -> tuple[object, bytes]:
    """The body (at most `bound` bytes, as sent and inflated) and its JSON; a big body is
    parsed off the loop."""
    try:
        body = await read_body(receive, bound)
        if headers.get(b"content-encoding", b"").strip().lower() == b"gzip":
            body = gunzip(body, bound)
    except BadRequest as exc:
        if exc.status == 413:
            raise too_large(bound) from None
        raise
    if len(body) <= INLINE_BODY_BYTES:
        return parse_json(body), body
    return await on_cpu_thread(parse_json)(body), body


async def validate(raw: list, path_type: str, now: datetime, nul: bool, ip: str | None):
    """`check_events` with the configured event size; a big batch off the loop."""
    check = partial(
        check_events,
        raw,
        path_type,
        iso(now),
        scan_nul=nul,
        client_ip=ip,
        max_event_bytes=settings.SIGNAL_MAX_EVENT_BYTES,
    )
    return check() if len(raw) <= INLINE_EVENTS else await on_cpu_thread(check)()


async def collect(scope, receive, send) -> None:
    path_type = PATHS[scope["path"].rstrip("/")]
    if scope["method"] == "OPTIONS":
        return await respond(send, 204, None)
    if scope["method"] != "POST":
        return await respond(send, 405, error("Use POST.", "method"))
    headers = dict(scope.get("headers") or [])
    try:
        query = scope.get("query_string", b"")
        source, raw, nul = await read_events(receive, path_type, headers, query)
        now = datetime.now(UTC)
        # A browser's or phone's address is its user's; a back end's is only its own.
        ip = connection_ip(scope) if source.kind != Source.SERVER else None
        accepted, rejected = await validate(raw, path_type, now, nul, ip)
    except BadRequest as exc:
        return await respond(send, exc.status, error(exc.message, exc.field))
    try:
        await store_events(source.id, accepted, now)
    except (DataError, psycopg.DataError) as exc:  # a value the database refuses: not retryable
        return await respond(send, 400, error(f"The events could not be stored: {exc}", "body"))
    except Exception:  # nothing was stored: the client keeps the events and retries
        log.exception("could not store %d events", len(accepted))
        return await respond(send, 503, error(UNAVAILABLE, "database"))
    await answer(send, path_type, accepted, rejected)


async def answer(send, path_type: str, accepted: list, rejected: list) -> None:
    """200, or a 400 naming the first MAX_LISTED_REJECTIONS rejected events (in `rejected`
    and `fields`) with the count of all of them: its size is bounded whatever was sent."""
    if not rejected:
        return await respond(send, 200, {"success": True})
    total = len(rejected) + len(accepted)
    listed = rejected[:MAX_LISTED_REJECTIONS]
    message = f"{len(rejected)} of {total} events were rejected; the others were accepted."
    if len(listed) < len(rejected):
        message += f" The first {len(listed)} are listed."
    await respond(
        send,
        400,
        {
            "success": False,
            "error": message,
            "accepted": len(accepted),
            "rejected": [r.to_json() for r in listed],
            "rejected_count": len(rejected),
            "fields": {_field_path(path_type, r): r.error for r in listed},
        },
    )


def _field_path(path_type: str, rejected) -> str:
    return f"batch[{rejected.index}].{rejected.field}" if path_type == "batch" else rejected.field


class CollectionRouter:
    """Send collection paths to `collect`, everything else (Django, websockets) to `app`."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and handles(scope["path"]):
            return await collect(scope, receive, send)
        return await self.app(scope, receive, send)
