import json

import pytest

from integrations.catalog import get_destination
from signal_admin.web import services

# The body of the product page's "Management API Setup" curl, byte for byte.
SEED_CURL_BODY = """{
    "name": "Mixpanel",
    "variant": "default",
    "config": {
      "project_token": "abc123def456789",
      "api_secret": "your_api_secret",
      "eu_data_residency": false
    },
    "delivery_mode": "server_side"
  }"""

INSTALL_PATH = "/v1/admin/integration-catalog/mixpanel/install"


class Api:
    """The Django test client speaking JSON with a bearer token."""

    def __init__(self, client, token: str | None) -> None:
        self.client = client
        self.token = token

    def headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def request(self, method: str, path: str, body=None, raw: str | None = None, **extra):
        kwargs = {**self.headers(), **extra}
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        if data is not None:
            kwargs.update(data=data, content_type="application/json")
        return getattr(self.client, method)(path, **kwargs)

    def get(self, path, **extra):
        return self.request("get", path, **extra)

    def post(self, path, body=None, **extra):
        return self.request("post", path, body, **extra)

    def put(self, path, body=None, **extra):
        return self.request("put", path, body, **extra)

    def patch(self, path, body=None, **extra):
        return self.request("patch", path, body, **extra)

    def delete(self, path, **extra):
        return self.request("delete", path, **extra)


@pytest.fixture
def api(client, api_token) -> Api:
    return Api(client, api_token)


@pytest.fixture
def integration(db):
    return services.install(
        get_destination("mixpanel"),
        name="Mixpanel",
        variant="retail",
        config={
            "project_token": "tok-123",
            "api_secret": "stored-secret-value",
            "eu_data_residency": False,
        },
    )
