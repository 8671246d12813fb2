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
from urllib.parse import parse_qs

import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DataError, connection

from delivery.collect import pgstore
from delivery.collect.store import ingest
from delivery.collect.validate import BadRequest, check_events, events_of, parse_json

log = logging.getLogger("signal.collect")
# Read once: looking up the connection on every request cost more than the request's insert.
ASYNC_STORE = connection.vendor == "postgresql"
# SQLite (standalone) writes from these threads; PostgreSQL from an async pool of the same size.
DATABASE_THREADS = ThreadPoolExecutor(
    max_workers=settings.SIGNAL_COLLECT_THREADS, thread_name_prefix="collect"
)
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


async def store_events(write_key: str, accepted: list, now: datetime) -> bool:
    """The request's one durable write: in daphne's loop on PostgreSQL, else in a thread."""
    if ASYNC_STORE:
        return await pgstore.ingest(write_key, accepted, now)
    return await sync_to_async(ingest, thread_sensitive=False, executor=DATABASE_THREADS)(
        write_key, accepted, now
    )


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


def write_key_of(headers: dict[bytes, bytes], data: object, query: bytes = b"") -> str | None:
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if auth[:6].lower() == "basic ":
        try:
            return base64.b64decode(auth[6:]).decode().split(":", 1)[0] or None
        except (ValueError, UnicodeDecodeError):
            return None
    if b"writeKey=" in query:  # sendBeacon cannot set headers: RudderStack puts it here
        key = parse_qs(query.decode("latin-1")).get("writeKey", [""])[0]
        return key if key and key.isascii() else None
    if isinstance(data, dict) and isinstance(data.get("writeKey"), str):
        key = data["writeKey"]
        return key if key.isascii() else None  # write keys are ASCII; a lone surrogate is not
    return None


async def collect(scope, receive, send) -> None:
    path_type = PATHS[scope["path"].rstrip("/")]
    if scope["method"] == "OPTIONS":
        return await respond(send, 204, None)
    if scope["method"] != "POST":
        return await respond(send, 405, error("Use POST.", "method"))
    headers = dict(scope.get("headers") or [])
    limit = settings.SIGNAL_MAX_BODY_BYTES
    try:
        length = headers.get(b"content-length")
        if length and length.isdigit() and int(length) > limit:
            raise BadRequest(f"Body is larger than {limit} bytes.", status=413)
        body = await read_body(receive, limit)
        if headers.get(b"content-encoding", b"").strip().lower() == b"gzip":
            body = gunzip(body, limit)
        data = parse_json(body)
        write_key = write_key_of(headers, data, scope.get("query_string", b""))
        if not write_key:
            return await respond(
                send,
                401,
                error(
                    "Missing write key: send it as the HTTP Basic username or `writeKey`.",
                    "writeKey",
                ),
            )
        now = datetime.now(UTC)
        received = now.isoformat().replace("+00:00", "Z")
        accepted, rejected = check_events(
            events_of(data, path_type), path_type, received, scan_nul=b"\\u0000" in body
        )
    except BadRequest as exc:
        return await respond(send, exc.status, error(exc.message, exc.field))
    try:
        known = await store_events(write_key, accepted, now)
    except (DataError, psycopg.DataError) as exc:  # a value the database refuses: not retryable
        return await respond(send, 400, error(f"The events could not be stored: {exc}", "body"))
    except Exception:  # nothing was stored: the client keeps the events and retries
        log.exception("could not store %d events", len(accepted))
        return await respond(
            send, 503, error("Events could not be stored right now; retry shortly.", "database")
        )
    if not known:
        return await respond(send, 401, error("Unknown write key.", "writeKey"))
    await answer(send, path_type, accepted, rejected)


async def answer(send, path_type: str, accepted: list, rejected: list) -> None:
    if not rejected:
        return await respond(send, 200, {"success": True})
    total = len(rejected) + len(accepted)
    await respond(
        send,
        400,
        {
            "success": False,
            "error": f"{len(rejected)} of {total} events were rejected; the others were accepted.",
            "accepted": len(accepted),
            "rejected": [r.to_json() for r in rejected],
            "fields": {_field_path(path_type, r): r.error for r in rejected},
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
