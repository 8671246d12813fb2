"""The settings documents the browser SDKs fetch before they send anything.

Pointed at Signal, Segment's analytics-next and RudderStack's JS SDK v3 ask Signal, not their
vendor's CDN, how a write key is configured. Each answer names only Signal as the place to
send to, so neither SDK fetches anything else from the internet:

- analytics-next: `GET /v1/projects/{writeKey}/settings` — only the "Segment.io" integration
  (any other makes it load destination bundles from Segment's CDN) pointing at this Signal's
  `/v1`, and `metrics.sampleRate` 0 (else it posts its own metrics to Segment after 30 s).
- RudderStack v3: `GET /sourceConfig/?writeKey=KEY&p=…&v=…` (also with the key as the HTTP
  Basic username) — a source with no device-mode destinations; it checks `source.id`,
  `source.config` (an object) and `source.destinations` (a list).

An unknown write key is a 404. Both are cross-origin GETs from the customer's site; the
RudderStack one carries `Authorization`, so its preflight is answered here too.
"""

import base64

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_http_methods

from integrations.models import Source

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    "Access-Control-Allow-Headers": "authorization, accept, content-type",
    "Access-Control-Max-Age": "86400",
}


def _answer(body: dict | None, status: int = 200) -> HttpResponse:
    """A JSON document, or the empty 204 that answers a preflight, with CORS headers."""
    response = JsonResponse(body, status=status) if body is not None else HttpResponse(status=204)
    for name, value in CORS.items():
        response[name] = value
    return response


def _source(write_key: str) -> Source | None:
    # No write key holds a NUL, and PostgreSQL refuses one in a query: unknown, not a 500.
    if not write_key or "\x00" in write_key:
        return None
    return Source.objects.filter(write_key=write_key).first()


def _not_found() -> HttpResponse:
    return _answer({"error": "Unknown write key."}, status=404)


@require_http_methods(["GET", "HEAD", "OPTIONS"])
def segment_settings(request: HttpRequest, write_key: str) -> HttpResponse:
    """analytics-next's CDN settings for one write key."""
    if request.method == "OPTIONS":
        return _answer(None)
    source = _source(write_key)
    if source is None:
        return _not_found()
    return _answer(
        {
            "integrations": {
                "Segment.io": {
                    "apiKey": source.write_key,
                    "apiHost": f"{request.get_host()}/v1",
                    "protocol": request.scheme,
                }
            },
            "metrics": {"sampleRate": 0},
        }
    )


@require_http_methods(["GET", "HEAD", "OPTIONS"])
def rudderstack_source_config(request: HttpRequest) -> HttpResponse:
    """RudderStack JS v3's source configuration for one write key."""
    if request.method == "OPTIONS":
        return _answer(None)
    source = _source(request.GET.get("writeKey") or _basic_username(request))
    if source is None:
        return _not_found()
    return _answer(
        {
            "source": {
                "id": str(source.pk),
                "name": source.name,
                "writeKey": source.write_key,
                "enabled": True,
                "config": {},
                "destinations": [],
            },
        }
    )


def _basic_username(request: HttpRequest) -> str:
    auth = request.headers.get("Authorization", "")
    if auth[:6].lower() != "basic ":
        return ""
    try:
        return base64.b64decode(auth[6:]).decode().split(":", 1)[0]
    except (ValueError, UnicodeDecodeError):
        return ""
