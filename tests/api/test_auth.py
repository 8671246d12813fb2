import pytest
from django.test import Client

from integrations.models import ApiToken, Integration
from tests.api.conftest import INSTALL_PATH, SEED_CURL_BODY, Api

PROTECTED = [
    ("get", "/v1/admin/integration-catalog"),
    ("get", "/v1/admin/integration-catalog/mixpanel"),
    ("post", INSTALL_PATH),
    ("get", "/v1/admin/integrations"),
    ("get", "/v1/admin/sources"),
    ("post", "/v1/admin/sources"),
]


def assert_401_json(response, field="Authorization"):
    assert response.status_code == 401, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"]
    assert field in body["fields"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_endpoint_without_a_token_answers_401_json(client, db, method, path):
    assert_401_json(Api(client, None).request(method, path))


def test_a_wrong_token_answers_401_json(client, db):
    assert_401_json(Api(client, "sig_not-a-real-token").get("/v1/admin/integrations"))


def test_a_token_under_another_scheme_answers_401_json(client, api_token):
    response = client.get("/v1/admin/integrations", HTTP_AUTHORIZATION=f"Token {api_token}")

    assert_401_json(response)


def test_a_revoked_token_answers_401_json(client, api_token):
    ApiToken.objects.get().revoke()

    assert_401_json(Api(client, api_token).get("/v1/admin/integrations"))


def test_a_rejected_install_creates_nothing(client, db):
    Api(client, "sig_wrong").post(INSTALL_PATH, raw=SEED_CURL_BODY)

    assert not Integration.objects.exists()


def test_a_logged_in_staff_session_without_a_bearer_token_answers_401(db, staff_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_user)

    assert_401_json(browser.get("/v1/admin/integrations"))
    assert_401_json(Api(browser, None).post(INSTALL_PATH, raw=SEED_CURL_BODY))
    assert not Integration.objects.exists()


def test_a_bearer_token_works_without_csrf_even_beside_a_session(db, staff_user, api_token):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_user)

    response = Api(browser, api_token).post(INSTALL_PATH, raw=SEED_CURL_BODY)

    assert response.status_code == 201


def test_using_a_token_records_when_it_was_last_used(api):
    assert ApiToken.objects.get().last_used_at is None

    assert api.get("/v1/admin/integrations").status_code == 200

    assert ApiToken.objects.get().last_used_at is not None
