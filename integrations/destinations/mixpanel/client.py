"""Mixpanel's HTTP client: one batch of items for one endpoint, one request, one SendResult.

`send` and `build_request` share `_prepare`, so the preview shows exactly what is sent.
Every answer is classified by `classify`, following Mixpanel's documented responses.
"""

import base64
import gzip
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import orjson

from integrations.destinations._shared.http import REDACTED, flag, post, redact
from integrations.destinations.base import Host, SendKind, SendResult
from integrations.destinations.mixpanel import hints

QUERY = {
    # ip=0: Mixpanel geolocates from each event's own `ip`, never from Signal's address.
    "/track": {"verbose": "1", "ip": "0"},
    "/import": {"strict": "1"},
    "/engage": {"verbose": "1"},
    "/groups": {"verbose": "1"},
}
GZIPPED = ("/track", "/import")  # Mixpanel does not support gzip on /engage and /groups
HOSTS = (  # US, EU, India: each overridable by its setting (tests point them at a fake)
    Host("MIXPANEL_API_URL", "https://api.mixpanel.com", "US ingestion host"),
    Host("MIXPANEL_EU_API_URL", "https://api-eu.mixpanel.com", "EU ingestion host"),
    Host("MIXPANEL_IN_API_URL", "https://api-in.mixpanel.com", "India ingestion host"),
)
AUTH_HINT = "Invalid API secret: regenerate the API secret in Project Settings > Access Keys"
REGION_HINT = (
    "Also check that the data residency setting (EU / India) matches the project's region "
    "and, with a service account, that the project ID is right."
)
HOST_HINT = (
    "The project token does not match this host ({host}): check the project token in "
    "Project Settings > Access Keys and the EU / India data residency setting."
)

Classified = tuple[SendKind, str, dict[int, str]]


@dataclass(frozen=True)
class _Request:
    url: str
    headers: dict[str, str]  # with Authorization, when the endpoint takes it
    body: str  # the JSON text, uncompressed
    content: bytes  # the bytes on the wire
    secrets: tuple[str, ...]


def send(
    http: httpx.Client, config: dict[str, Any], endpoint: str, items: list[dict]
) -> SendResult:
    """POST one batch to Mixpanel and say what became of it."""
    request = _prepare(config, endpoint, items)
    started = time.perf_counter()
    response = post(http, "Mixpanel", request.url, request.content, request.headers)
    if isinstance(response, str):  # no answer: why, to retry
        return _result(request, started, ("retry", response, {}), None, "")
    host = urlsplit(request.url).netloc
    outcome = classify(endpoint, response.status_code, response.text, items, host)
    return _result(request, started, outcome, response.status_code, response.text)


def build_request(config: dict[str, Any], endpoint: str, items: list[dict]) -> dict[str, Any]:
    """The request `send` would make, as {method, url, headers, body}, secrets redacted.

    `body` is the uncompressed JSON text; a `Content-Encoding: gzip` header says it is
    compressed on the wire.
    """
    request = _prepare(config, endpoint, items)
    headers = {
        name: f"Basic {REDACTED}" if name == "Authorization" else value
        for name, value in request.headers.items()
    }
    body = redact(request.body, request.secrets)
    return {"method": "POST", "url": request.url, "headers": headers, "body": body}


def _prepare(config: dict[str, Any], endpoint: str, items: list[dict]) -> _Request:
    if endpoint not in QUERY:
        raise ValueError(f"Mixpanel has no endpoint {endpoint!r}")
    query = dict(QUERY[endpoint])
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if endpoint == "/import":
        user, password, project_id = _import_credentials(config)
        if project_id:
            query["project_id"] = project_id
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    content = orjson.dumps(items)
    body = content.decode()
    if endpoint in GZIPPED:
        content = gzip.compress(content, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    url = f"{_host(config)}{endpoint}?{urlencode(query)}"
    return _Request(url, headers, body, content, _secrets(config))


def _host(config: dict[str, Any]) -> str:
    us, eu, india = HOSTS
    if flag(config.get("eu_data_residency")):
        return eu.url()
    if flag(config.get("in_data_residency")):
        return india.url()
    return us.url()


def _import_credentials(config: dict[str, Any]) -> tuple[str, str, str]:
    """(username, password, project_id): a service account, else the API secret, else the
    project token, as Mixpanel's Basic auth forms for /import."""
    user = config.get("service_account_username") or ""
    secret = config.get("service_account_secret") or ""
    if user and secret:
        return user, secret, str(config.get("project_id") or "")
    return config.get("api_secret") or config.get("project_token") or "", "", ""


def _secrets(config: dict[str, Any]) -> tuple[str, ...]:
    values = (config.get("api_secret"), config.get("service_account_secret"))
    return tuple(v for v in values if isinstance(v, str) and len(v) >= 4)


def _result(
    request: _Request, started: float, outcome: Classified, status: int | None, text: str
) -> SendResult:
    kind, error, failed = outcome
    return SendResult(
        code=code_for(kind, status, failed),
        kind=kind,
        status_code=status,
        response_body=redact(text, request.secrets),
        latency_ms=round((time.perf_counter() - started) * 1000),
        url=request.url,
        request_body=redact(request.body, request.secrets),
        error=redact(error, request.secrets),
        failed={i: redact(m, request.secrets) for i, m in failed.items()},
    )


def code_for(kind: SendKind, status: int | None, failed: dict[int, str]) -> str:
    """The hint code for one classified answer (see hints.py)."""
    if status is None:
        return hints.UNAVAILABLE
    if 200 <= status < 300:
        return {"rejected": hints.STATUS_ZERO, "retry": hints.UNEXPECTED}.get(kind, "")
    by_status = {
        401: hints.INVALID_SECRET,
        403: hints.WRONG_REGION,
        413: hints.TOO_LARGE,
        429: hints.RATE_LIMITED,
    }
    if status == 400:
        return hints.INVALID_RECORDS if failed else hints.MALFORMED
    return by_status.get(status, hints.UNAVAILABLE if status >= 500 else "")


def classify(
    endpoint: str, status: int, text: str, items: list[dict], host: str = ""
) -> Classified:
    """(kind, error, failed) for one Mixpanel answer, per its documented responses."""
    body = _json(text)
    reason = _error_text(body, text)
    if 200 <= status < 300:
        return _classify_success(endpoint, body, text)
    if status == 400:
        return _classify_bad_request(endpoint, body, reason, items)
    if status == 401:
        error = f"Mixpanel refused the credentials (401: {reason}). {AUTH_HINT}. {REGION_HINT}"
        return "auth_error", error, {}
    if status == 403:
        hint = HOST_HINT.format(host=host or "the Mixpanel host")
        return "auth_error", f"Mixpanel refused the request (403: {reason}). {hint}", {}
    if status == 413:
        return "too_large", f"Mixpanel refused the batch as too large (413: {reason})", {}
    if status == 429:
        return "retry", f"Rate limited by Mixpanel (429: {reason}); will retry", {}
    if status >= 500 or status == 408:
        return "retry", f"Mixpanel is unavailable ({status}: {reason}); will retry", {}
    return "rejected", f"Mixpanel answered {status}: {reason}", {}


def _classify_success(endpoint: str, body: Any, text: str) -> Classified:
    if endpoint == "/import":
        if isinstance(body, dict) and (body.get("code") == 200 or body.get("status") == "OK"):
            return "delivered", "", {}
    else:
        flag = body.get("status") if isinstance(body, dict) else body
        if flag == 1 and not isinstance(flag, bool):
            return "delivered", "", {}
        if flag == 0 and not isinstance(flag, bool):
            error = body.get("error") if isinstance(body, dict) else None
            return "rejected", error or "Mixpanel refused the payload as invalid (0)", {}
    return "retry", f"Unexpected answer from Mixpanel: {text[:200]!r}; will retry", {}


def _classify_bad_request(endpoint: str, body: Any, reason: str, items: list[dict]) -> Classified:
    records = body.get("failed_records") if isinstance(body, dict) else None
    if endpoint != "/import" or not isinstance(records, list) or not records:
        return "rejected", reason, {}
    failed = _match_failed(records, items)
    if not failed or len(failed) >= len(items):
        return "rejected", _failure_summary(reason, failed, items), failed
    return "partial", _failure_summary(reason, failed, items), failed


def _failure_summary(reason: str, failed: dict[int, str], items: list[dict]) -> str:
    if not failed:
        return reason
    first = min(failed)
    return f"{reason}: {len(failed)} of {len(items)} records (record {first}: {failed[first]})"


def _match_failed(records: list[Any], items: list[dict]) -> dict[int, str]:
    """Failed records by item index: matched on `insert_id` / `$insert_id`, else `index`."""
    by_id: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        insert_id = (item.get("properties") or {}).get("$insert_id")
        if insert_id:
            by_id.setdefault(str(insert_id), []).append(index)
    failed: dict[int, str] = {}
    for record in records:
        if not isinstance(record, dict):
            continue
        message = _record_message(record)
        for index in _record_indexes(record, by_id, len(items)):
            failed[index] = f"{failed[index]}; {message}" if index in failed else message
    return failed


def _record_indexes(record: dict[str, Any], by_id: dict[str, list[int]], count: int) -> list[int]:
    insert_id = record.get("$insert_id") or record.get("insert_id")
    if insert_id and str(insert_id) in by_id:
        return by_id[str(insert_id)]
    index = record.get("index")
    if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < count:
        return [index]
    return []


def _record_message(record: dict[str, Any]) -> str:
    message = str(record.get("message") or record.get("error") or "failed validation")
    field = record.get("field")
    return f"{field}: {message}" if field and str(field) not in message else message


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _error_text(body: Any, text: str) -> str:
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"])
    return text.strip()[:500] or "no body"
