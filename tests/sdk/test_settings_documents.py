"""The settings documents analytics-next and RudderStack JS v3 fetch, served per write key."""

import base64

import pytest
from django.test import Client

from integrations.models import Source

pytestmark = pytest.mark.django_db

ORIGIN = "https://shop.example"


@pytest.fixture
def source() -> Source:
    return Source.objects.create(name="Website")


@pytest.fixture
def client() -> Client:
    return Client(HTTP_ORIGIN=ORIGIN)


def test_analytics_next_settings_name_only_segment_io_pointing_at_this_signal(client, source):
    # when
    response = client.get(f"/v1/projects/{source.write_key}/settings", HTTP_HOST="127.0.0.1:8000")
    # then
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json() == {
        "integrations": {
            "Segment.io": {
                "apiKey": source.write_key,
                "apiHost": "127.0.0.1:8000/v1",
                "protocol": "http",
            }
        },
        "metrics": {"sampleRate": 0},
    }


def test_analytics_next_settings_follow_the_requests_protocol(client, source):
    response = client.get(
        f"/v1/projects/{source.write_key}/settings", HTTP_HOST="localhost", secure=True
    )
    segment = response.json()["integrations"]["Segment.io"]
    assert (segment["protocol"], segment["apiHost"]) == ("https", "localhost/v1")


def test_analytics_next_settings_for_an_unknown_write_key_are_404(client, source):
    response = client.get("/v1/projects/nope/settings")
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"


def test_rudderstack_source_config_is_a_source_without_destinations(client, source):
    # when, as v3 asks: key in the query and as the Basic username
    auth = base64.b64encode(f"{source.write_key}:".encode()).decode()
    response = client.get(
        "/sourceConfig/",
        {"p": "npm", "v": "3.34.1", "build": "modern", "writeKey": source.write_key},
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )
    # then
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()["source"]
    assert body["id"] == str(source.pk)
    assert body["config"] == {} and body["destinations"] == []
    assert body["enabled"] is True


def test_rudderstack_source_config_takes_the_key_from_basic_auth_alone(client, source):
    auth = base64.b64encode(f"{source.write_key}:".encode()).decode()
    response = client.get("/sourceConfig/", {"p": "npm"}, HTTP_AUTHORIZATION=f"Basic {auth}")
    assert response.status_code == 200


def test_rudderstack_source_config_for_an_unknown_write_key_is_404(client, source):
    assert client.get("/sourceConfig/", {"writeKey": "nope"}).status_code == 404
    assert client.get("/sourceConfig/").status_code == 404


def test_a_write_key_with_a_nul_is_unknown_to_both_settings_documents(client, source):
    nul = base64.b64encode(b"\x00:").decode()
    assert client.get("/v1/projects/%00/settings").status_code == 404
    assert client.get("/sourceConfig/", {"writeKey": "\x00"}).status_code == 404
    assert client.get("/sourceConfig/", HTTP_AUTHORIZATION=f"Basic {nul}").status_code == 404


@pytest.mark.parametrize("path", ["/v1/projects/KEY/settings", "/sourceConfig/"])
def test_the_settings_preflight_allows_the_authorization_header(client, path):
    response = client.options(
        path,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,accept",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "authorization" in response["Access-Control-Allow-Headers"]
    assert "GET" in response["Access-Control-Allow-Methods"]
