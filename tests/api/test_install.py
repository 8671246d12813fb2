import json

from integrations.models import Integration
from tests.api.conftest import INSTALL_PATH, SEED_CURL_BODY

SECRET = "your_api_secret"


def install(api, body):
    return api.post(INSTALL_PATH, body)


def test_the_product_page_curl_body_installs_mixpanel_and_answers_201_with_the_integration(api):
    response = api.post(INSTALL_PATH, raw=SEED_CURL_BODY)

    assert response.status_code == 201, response.content
    body = response.json()
    integration = Integration.objects.get()
    assert body["id"] == integration.pk
    assert body["name"] == "Mixpanel"
    assert body["catalog_key"] == "mixpanel"
    assert body["variant"] == "default"
    assert body["delivery_mode"] == "server_side"
    assert body["enabled"] is True
    assert body["blueprint_version"] == "0.1.0"
    assert body["status"] == "alpha"
    assert body["config"]["project_token"] == "abc123def456789"
    assert body["config"]["eu_data_residency"] is False
    assert body["secrets_set"] == ["api_secret"]
    assert body["auth_error"] == ""
    assert body["created_at"] and body["updated_at"]
    assert integration.secrets["api_secret"] == SECRET


def test_the_install_response_never_contains_the_secret(api):
    response = api.post(INSTALL_PATH, raw=SEED_CURL_BODY)

    assert response.status_code == 201
    assert SECRET not in response.content.decode()
    assert "api_secret" not in response.json()["config"]


def test_installing_copies_the_variant_blueprint_into_the_integration(api):
    body = json.loads(SEED_CURL_BODY) | {"variant": "retail"}

    response = install(api, body)

    assert response.status_code == 201
    integration = Integration.objects.get()
    assert integration.variant == "retail"
    assert integration.blueprint == integration.destination.load_blueprint("retail")


def test_an_unknown_catalog_key_answers_404_json_naming_the_key(api):
    response = api.post("/v1/admin/integration-catalog/nope/install", raw=SEED_CURL_BODY)

    assert response.status_code == 404
    assert response.json()["error"]
    assert "key" in response.json()["fields"]
    assert not Integration.objects.exists()


def test_an_unknown_variant_answers_400_naming_variant(api):
    response = install(api, json.loads(SEED_CURL_BODY) | {"variant": "enterprise"})

    assert response.status_code == 400
    assert "variant" in response.json()["fields"]
    assert not Integration.objects.exists()


def test_a_missing_config_answers_400_saying_config_is_required(api):
    body = json.loads(SEED_CURL_BODY)
    del body["config"]

    response = install(api, body)

    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid input.",
        "fields": {"config": "This field is required."},
    }


def test_a_config_that_is_not_an_object_answers_400_naming_config(api):
    response = install(api, json.loads(SEED_CURL_BODY) | {"config": "project_token=abc"})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["config"]


def test_a_missing_project_token_answers_400_naming_config_project_token(api):
    body = json.loads(SEED_CURL_BODY)
    del body["config"]["project_token"]

    response = install(api, body)

    assert response.status_code == 400
    assert response.json()["fields"] == {"config.project_token": "This field is required."}
    assert not Integration.objects.exists()


def test_a_missing_api_secret_answers_400_naming_config_api_secret(api):
    body = json.loads(SEED_CURL_BODY)
    body["config"]["api_secret"] = ""

    response = install(api, body)

    assert response.status_code == 400
    assert "config.api_secret" in response.json()["fields"]


def test_a_mistyped_eu_data_residency_answers_400_naming_the_field(api):
    body = json.loads(SEED_CURL_BODY)
    body["config"]["eu_data_residency"] = "yes"

    response = install(api, body)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["config.eu_data_residency"]
    assert not Integration.objects.exists()


def test_an_unknown_config_field_answers_400_naming_it(api):
    body = json.loads(SEED_CURL_BODY)
    body["config"]["projet_token"] = "typo"

    response = install(api, body)

    assert response.status_code == 400
    assert "config.projet_token" in response.json()["fields"]


def test_a_blank_name_answers_400_naming_name(api):
    response = install(api, json.loads(SEED_CURL_BODY) | {"name": "  "})

    assert response.status_code == 400
    assert response.json()["fields"] == {"name": "This field is required."}


def test_an_unsupported_delivery_mode_answers_400_naming_delivery_mode(api):
    response = install(api, json.loads(SEED_CURL_BODY) | {"delivery_mode": "client_side"})

    assert response.status_code == 400
    assert "delivery_mode" in response.json()["fields"]


def test_a_body_that_is_not_json_answers_400_naming_the_body(api):
    response = api.post(INSTALL_PATH, raw="{not json")

    assert response.status_code == 400
    assert "body" in response.json()["fields"]


def test_a_rejected_install_never_echoes_the_secret(api):
    body = json.loads(SEED_CURL_BODY)
    body["config"]["eu_data_residency"] = "yes"

    response = install(api, body)

    assert response.status_code == 400
    assert SECRET not in response.content.decode()
