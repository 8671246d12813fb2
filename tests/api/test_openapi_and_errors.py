import json

import pytest

from tests.api.conftest import INSTALL_PATH


@pytest.fixture
def schema(client, db):
    response = client.get("/v1/admin/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_openapi_json_is_generated_and_includes_the_install_path(schema):
    assert schema["openapi"].startswith("3.")
    assert INSTALL_PATH.replace("mixpanel", "{key}") in schema["paths"]
    assert "post" in schema["paths"]["/v1/admin/integration-catalog/{key}/install"]


def test_openapi_json_describes_every_management_endpoint(schema):
    paths = schema["paths"]
    expected = {
        "/v1/admin/integration-catalog": {"get"},
        "/v1/admin/integration-catalog/{key}": {"get"},
        "/v1/admin/integration-catalog/{key}/install": {"post"},
        "/v1/admin/integrations": {"get"},
        "/v1/admin/integrations/{id}": {"get", "patch", "delete"},
        "/v1/admin/integrations/{id}/blueprint": {"get", "put"},
        "/v1/admin/integrations/{id}/blueprint/revisions": {"get"},
        "/v1/admin/integrations/{id}/blueprint/revisions/{number}": {"get"},
        "/v1/admin/integrations/{id}/blueprint/revisions/{number}/rollback": {"post"},
        "/v1/admin/integrations/{id}/blueprint/reset": {"post"},
        "/v1/admin/sources": {"get", "post"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path


def test_openapi_json_declares_bearer_authentication(schema):
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"} in schemes.values()
    install = schema["paths"]["/v1/admin/integration-catalog/{key}/install"]["post"]
    assert install["security"]


def test_an_unknown_path_answers_404_json(api):
    for path in ["/v1/admin/nothing-here", "/v1/admin/", "/v1/admin/integrations/abc"]:
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"] == "Not found."


def test_an_unsupported_method_answers_405_json(api):
    response = api.put("/v1/admin/integrations", {})

    assert response.status_code == 405
    assert "GET" in response["Allow"]
    assert set(response.json()) == {"error", "fields"}
    assert "method" in response.json()["fields"]
