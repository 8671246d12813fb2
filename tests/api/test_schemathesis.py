"""Every Management API operation, fuzzed from the OpenAPI document Signal serves.

Schemathesis generates requests from `/v1/admin/openapi.json` (valid ones and, in the
coverage phase, deliberately invalid ones) and sends them through Django's real request
stack on the real test database, with a real API token. Every answer must be a documented
status with a body matching its documented schema: no input a client can send makes a 5xx,
and the document tells the truth about what the server accepts and answers.
"""

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from delivery.models import Attempt, Delivery, Event
from integrations.catalog import get_destination
from integrations.models import Source
from signal_admin.web import services

OPENAPI_PATH = "/v1/admin/openapi.json"
APP = WSGIHandler()
schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, APP)

# A response must be documented and match its schema; a request the document calls valid
# must be accepted (2xx, or 404/409 for a row that is not there or not in that state), and
# one it calls invalid must be refused with a 4xx.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    negative_data_rejection,
]
# Bodies the destination checks beyond what JSON Schema says: a blueprint's whole format, an
# event's fields, and config combinations (two data residencies, half a service account,
# or a PATCH merged with the stored config). The document describes them in words; a
# request valid by its schema may still get a documented 400 here.
CHECKED_BEYOND_THE_SCHEMA = {
    ("POST", "/v1/admin/integration-catalog/{key}/install"),
    ("PATCH", "/v1/admin/integrations/{id}"),
    ("PUT", "/v1/admin/integrations/{id}/blueprint"),
    ("POST", "/v1/admin/integrations/{id}/preview"),
}
# Enough to cover every operation in well under a minute; raise it for a deeper local run.
MAX_EXAMPLES = int(os.environ.get("SIGNAL_SCHEMATHESIS_EXAMPLES", "30"))


@pytest.fixture
def rows(db) -> dict[str, int]:
    """An integration with a failed and a delivered delivery (one with an attempt)."""
    integration = services.install(
        get_destination("mixpanel"),
        name="Mixpanel",
        variant="retail",
        config={"project_token": "tok-123", "api_secret": "s3cret", "eu_data_residency": False},
    )
    source = Source.objects.create(name="Website")
    deliveries = []
    for n, status in enumerate([Delivery.DELIVERED, Delivery.FAILED]):
        event = Event.objects.create(
            source=source,
            message_id=f"m-{n}",
            type="track",
            name="Product Viewed",
            payload={"type": "track", "event": "Product Viewed", "anonymousId": "a"},
            received_at=timezone.now(),
            fanned_out_at=timezone.now(),
        )
        op = {"endpoint": "/track", "item": {"event": "Product Viewed", "properties": {}}}
        deliveries.append(
            Delivery.objects.create(
                event=event, integration=integration, status=status, operations=[op]
            )
        )
    attempt = Attempt.objects.create(
        integration=integration,
        endpoint="/track",
        url="https://api.mixpanel.com/track",
        item_count=1,
        kind="rejected",
        status_code=400,
        latency_ms=5,
        request_body="[]",
    )
    attempt.deliveries.add(deliveries[1])
    return {"id": integration.id, "delivery_id": deliveries[1].id, "number": 1}


@pytest.fixture
def in_transaction(db):
    """Keep the test's transaction across requests, as Django's own test client does."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def aim_at_rows(case, rows: dict[str, int]) -> None:
    """Point every other valid generated id at a real row, so found rows are answered too.

    Only in valid (positive) cases: an invalid one must stay invalid to be refused.
    """
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if case.headers and "If-Match" in case.headers:
        # A valid write names the blueprint's current ETag, which no schema can know;
        # `*` is the precondition every current blueprint meets.
        case.headers["If-Match"] = "*"
    for name, real in rows.items():
        value = (case.path_parameters or {}).get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0:
            case.path_parameters[name] = real


def checks_for(case) -> list:
    if (case.method.upper(), case.path) in CHECKED_BEYOND_THE_SCHEMA:
        return [check for check in CHECKS if check is not positive_data_acceptance]
    return CHECKS


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_only_documented_responses(case, rows, api_token, in_transaction):
    """One pytest item per operation; each starts from the same rows (destructive ones too)."""
    aim_at_rows(case, rows)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_token}"}, checks=checks_for(case)
    )


def test_the_operations_checked_beyond_the_schema_are_in_the_document():
    paths = schema.raw_schema["paths"]
    for method, path in CHECKED_BEYOND_THE_SCHEMA:
        assert method.lower() in paths.get(path, {}), (method, path)
