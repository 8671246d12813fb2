"""Amplitude's HTTP client: one batch of items for one endpoint, one request, one SendResult.

`/2/httpapi` and `/batch` take JSON (`{"api_key", "events", "options"}`); `/identify` and
`/groupidentify` take a form (`api_key=...&identification=[...]`). `send` and
`build_request` share `_prepare`, so the preview shows exactly what is sent; `classify`
(classify.py) reads the answer as Amplitude documents it.
"""

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson

from integrations.destinations._shared.http import flag, post, redact
from integrations.destinations.amplitude.classify import Classified, classify
from integrations.destinations.amplitude.hints import UNAVAILABLE
from integrations.destinations.amplitude.identity import DEFAULT_MIN_ID_LENGTH, min_id_length
from integrations.destinations.base import Host, SendResult

JSON_ENDPOINTS = ("/2/httpapi", "/batch")
FORM_ENDPOINTS = ("/identify", "/groupidentify")
HOSTS = (  # US, EU: each overridable by its setting (tests point them at a fake)
    Host("AMPLITUDE_API_URL", "https://api2.amplitude.com", "US ingestion host"),
    Host("AMPLITUDE_EU_API_URL", "https://api.eu.amplitude.com", "EU ingestion host"),
)


@dataclass(frozen=True)
class _Request:
    url: str
    headers: dict[str, str]
    body: str
    secrets: tuple[str, ...]


def send(
    http: httpx.Client, config: dict[str, Any], endpoint: str, items: list[dict]
) -> SendResult:
    """POST one batch to Amplitude and say what became of it."""
    request = _prepare(config, endpoint, items)
    started = time.perf_counter()
    response = post(http, "Amplitude", request.url, request.body.encode(), request.headers)
    if isinstance(response, str):  # no answer: why, to retry
        return _result(request, started, Classified("retry", response, UNAVAILABLE), None, "")
    outcome = classify(endpoint, response.status_code, response.text, items)
    return _result(request, started, outcome, response.status_code, response.text)


def build_request(config: dict[str, Any], endpoint: str, items: list[dict]) -> dict[str, Any]:
    """The request `send` would make, as {method, url, headers, body}, secrets redacted."""
    request = _prepare(config, endpoint, items)
    body = redact(request.body, request.secrets)
    return {"method": "POST", "url": request.url, "headers": dict(request.headers), "body": body}


def _prepare(config: dict[str, Any], endpoint: str, items: list[dict]) -> _Request:
    api_key = str(config.get("api_key") or "")
    url = f"{_host(config)}{endpoint}"
    if endpoint in JSON_ENDPOINTS:
        payload: dict[str, Any] = {"api_key": api_key, "events": items}
        minimum = min_id_length(config)
        if minimum != DEFAULT_MIN_ID_LENGTH:
            payload["options"] = {"min_id_length": minimum}
        headers = {"Content-Type": "application/json", "Accept": "*/*"}
        body = orjson.dumps(payload).decode()
    elif endpoint in FORM_ENDPOINTS:
        identification = orjson.dumps(items).decode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "*/*"}
        body = urlencode({"api_key": api_key, "identification": identification})
    else:
        raise ValueError(f"Amplitude has no endpoint {endpoint!r}")
    return _Request(url, headers, body, _secrets(config))


def _host(config: dict[str, Any]) -> str:
    us, eu = HOSTS
    return eu.url() if flag(config.get("eu_data_residency")) else us.url()


def _secrets(config: dict[str, Any]) -> tuple[str, ...]:
    """The Secret Key is never sent; it is still scrubbed from anything Signal stores."""
    value = config.get("secret_key")
    return (value,) if isinstance(value, str) and len(value) >= 4 else ()


def _result(
    request: _Request, started: float, outcome: Classified, status: int | None, text: str
) -> SendResult:
    secrets = request.secrets
    return SendResult(
        kind=outcome.kind,
        status_code=status,
        response_body=redact(text, secrets),
        latency_ms=round((time.perf_counter() - started) * 1000),
        url=request.url,
        request_body=redact(request.body, secrets),
        error=redact(outcome.error, secrets),
        failed={i: redact(m, secrets) for i, m in outcome.failed.items()},
        retry=dict(outcome.retry),
        resend=list(outcome.resend),
        code=outcome.code,
        retry_after=outcome.retry_after,
    )
