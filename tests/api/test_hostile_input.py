"""Bytes PostgreSQL or the parser cannot take answer a 400 naming the field, never a 500."""

import json

import pytest

from integrations.models import Integration, Source
from signal_admin.web.api.support import MAX_ID
from tests.api.conftest import INSTALL_PATH, SEED_CURL_BODY


def test_a_nul_in_a_source_name_is_a_400_naming_name(api):
    response = api.post("/v1/admin/sources", {"name": "web\x00site"})

    assert response.status_code == 400
    assert response.json()["fields"] == {"name": "must not contain NUL characters"}
    assert not Source.objects.exists()


def test_a_blank_or_too_long_source_name_is_a_400_naming_name(api):
    assert api.post("/v1/admin/sources", {"name": "\u3000\t"}).json()["fields"] == {
        "name": "This field is required."
    }
    too_long = api.post("/v1/admin/sources", {"name": "x" * 101})
    assert too_long.status_code == 400
    assert too_long.json()["fields"] == {"name": "must be at most 100 characters"}


@pytest.mark.parametrize(
    "raw",
    ['{"name": NaN}', '{"name": "\\ud800"}', '{"name": 1e400}', b'{"name": "\xff"}'],
    ids=["NaN", "lone-surrogate", "infinite-number", "invalid-utf8"],
)
def test_json_that_postgresql_cannot_store_is_invalid_json(api, raw):
    response = api.client.post(
        "/v1/admin/sources", data=raw, content_type="application/json", **api.headers()
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid JSON.",
        "fields": {"body": "The request body is not valid JSON."},
    }


def test_a_nul_in_a_config_value_is_a_400_naming_the_field(api, integration):
    body = json.loads(SEED_CURL_BODY)
    body["config"]["project_token"] = "tok\x00"
    install = api.post(INSTALL_PATH, body)
    patch = api.patch(
        f"/v1/admin/integrations/{integration.id}", {"config": {"project_id": "\x00"}}
    )

    assert install.status_code == 400
    assert install.json()["fields"] == {"config.project_token": "must not contain NUL characters"}
    assert patch.status_code == 400
    assert patch.json()["fields"] == {"config.project_id": "must not contain NUL characters"}
    assert Integration.objects.count() == 1


def test_a_nul_anywhere_in_a_blueprint_is_a_400_naming_its_path(api, integration):
    blueprint = dict(integration.blueprint, status="\x00")
    path = f"/v1/admin/integrations/{integration.id}/blueprint"
    response = api.put(path, blueprint, HTTP_IF_MATCH="*")

    assert response.status_code == 400
    assert response.json()["fields"] == {"status": "must not contain NUL characters"}
    integration.refresh_from_db()
    assert integration.blueprint["status"] != "\x00"


@pytest.mark.parametrize("raw_id", [str(MAX_ID + 1), "0", "9" * 40])
def test_an_id_no_bigint_holds_is_a_400_naming_id(api, raw_id):
    for path in [
        f"/v1/admin/integrations/{raw_id}",
        f"/v1/admin/integrations/{raw_id}/blueprint",
        f"/v1/admin/integrations/{raw_id}/deliveries",
        f"/v1/admin/integrations/1/deliveries/{raw_id}",
    ]:
        response = api.get(path)
        assert response.status_code == 400, path
        assert set(response.json()["fields"]) <= {"id", "delivery_id"}, path


def test_delivery_filters_out_of_range_are_400s_naming_them(api, integration):
    base = f"/v1/admin/integrations/{integration.id}/deliveries"
    for query, field in [
        ("event=a%00b", "event"),
        ("endpoint=" + "x" * 201, "endpoint"),
        (f"before_id={MAX_ID + 1}", "before_id"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("status=lost", "status"),
    ]:
        response = api.get(f"{base}?{query}")
        assert response.status_code == 400, query
        assert list(response.json()["fields"]) == [field], query


@pytest.mark.parametrize(
    "now", ["2024-01-01", "2024-01-01T00:00:00", "9999-12-31T23:59:59-01:00", "soon"]
)
def test_a_preview_now_that_is_not_an_rfc_3339_instant_is_a_400(api, integration, now):
    event = {"type": "track", "event": "x", "anonymousId": "a"}
    response = api.post(f"/v1/admin/integrations/{integration.id}/preview?now={now}", event)

    assert response.status_code == 400
    assert response.json()["fields"] == {"now": "must be an RFC 3339 date-time"}


def test_a_preview_as_of_a_leap_second_is_previewed(api, integration):
    event = {"type": "track", "event": "x", "anonymousId": "a"}
    now = "2016-12-31T23:59:60Z"
    response = api.post(f"/v1/admin/integrations/{integration.id}/preview?now={now}", event)

    assert response.status_code == 200, response.content


def test_the_document_declares_query_parameters_that_are_never_null(client, db):
    document = client.get("/v1/admin/openapi.json").json()
    deliveries = document["paths"]["/v1/admin/integrations/{id}/deliveries"]["get"]
    params = {p["name"]: p["schema"] for p in deliveries["parameters"]}

    assert params["id"] | {"minimum": 1, "maximum": MAX_ID} == params["id"]
    assert params["status"]["enum"] == [
        "queued",
        "delivered",
        "retrying",
        "failed",
        "suppressed",
        "filtered",
        "held",
    ]
    for name, schema in params.items():
        assert "anyOf" not in schema, name
        assert schema.get("default", "unset") is not None, name
