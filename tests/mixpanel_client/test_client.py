import base64
import gzip
import json

import httpx
import pytest

from delivery.http import new_client
from integrations.destinations.mixpanel.client import build_request, send
from tests.mixpanel_client.helpers import event, profile
from tests.support.fake_mixpanel_fixtures import API_SECRET, PROJECT_ID, SA_SECRET, SA_USER


@pytest.fixture
def http():
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def service_account(mixpanel_config):
    return {
        **mixpanel_config,
        "service_account_username": SA_USER,
        "service_account_secret": SA_SECRET,
        "project_id": PROJECT_ID,
    }


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_it_delivers_events_to_track(http, mixpanel_config, mixpanel_at_fake):
    items = [event(1), event(2)]

    result = send(http, mixpanel_config, "/track", items)

    assert result.kind == "delivered"
    assert result.status_code == 200
    assert result.url == f"{mixpanel_at_fake.url}/track?verbose=1&ip=0"
    assert json.loads(result.request_body) == items
    assert [e["properties"]["$insert_id"] for e in mixpanel_at_fake.unique_events()] == [
        "evt-1",
        "evt-2",
    ]


def test_it_gzips_track_and_import_but_not_engage(http, mixpanel_config, mixpanel_at_fake):
    send(http, mixpanel_config, "/track", [event()])
    send(http, mixpanel_config, "/import", [event()])
    send(http, mixpanel_config, "/engage", [profile()])

    received = mixpanel_at_fake.received()
    encodings = {r["path"]: r["headers"].get("content-encoding") for r in received}
    assert encodings == {"/track": "gzip", "/import": "gzip", "/engage": None}


def test_it_delivers_profile_updates_to_engage(http, mixpanel_config, mixpanel_at_fake):
    result = send(http, mixpanel_config, "/engage", [profile({"$set_once": {"plan": "pro"}})])

    assert result.kind == "delivered"
    assert result.url.endswith("/engage?verbose=1")
    assert mixpanel_at_fake.profile_updates()[0]["$set_once"] == {"plan": "pro"}
    assert "authorization" not in mixpanel_at_fake.received()[0]["headers"]


def test_it_imports_with_the_api_secret_and_an_empty_password(
    http, mixpanel_config, mixpanel_at_fake
):
    result = send(http, mixpanel_config, "/import", [event()])

    assert result.kind == "delivered"
    assert json.loads(result.response_body)["num_records_imported"] == 1
    request = mixpanel_at_fake.received()[0]
    assert request["headers"]["authorization"] == basic(API_SECRET, "")
    assert request["query"] == {"strict": "1"}


def test_it_imports_with_a_service_account_and_project_id(http, service_account, mixpanel_at_fake):
    result = send(http, service_account, "/import", [event()])

    assert result.kind == "delivered"
    request = mixpanel_at_fake.received()[0]
    assert request["headers"]["authorization"] == basic(SA_USER, SA_SECRET)
    assert request["query"] == {"strict": "1", "project_id": PROJECT_ID}


def test_an_invalid_payload_answered_with_status_0_is_rejected(
    http, mixpanel_config, mixpanel_at_fake
):
    nameless = {"properties": event()["properties"]}

    result = send(http, mixpanel_config, "/track", [event(), nameless])

    assert result.kind == "rejected"
    assert result.status_code == 200
    assert "'event' must be a non-empty string" in result.error
    assert mixpanel_at_fake.events() == []


@pytest.mark.parametrize(
    "body, error",
    [
        ('{"status":0,"error":"bad $set"}', "bad $set"),
        ("0", "Mixpanel refused the payload as invalid (0)"),
    ],
)
def test_a_200_with_0_is_rejected_with_mixpanels_error(
    http, mixpanel_config, mixpanel_at_fake, body, error
):
    mixpanel_at_fake.script(200, body, path="/engage")

    result = send(http, mixpanel_config, "/engage", [profile()])

    assert (result.kind, result.error, result.response_body) == ("rejected", error, body)


def test_an_import_400_fails_only_the_records_it_lists(http, mixpanel_config, mixpanel_at_fake):
    items = [event(0), event(1, distinct_id="anonymous"), event(2)]

    result = send(http, mixpanel_config, "/import", items)

    assert result.kind == "partial"
    assert result.status_code == 400
    assert list(result.failed) == [1]
    assert "properties.distinct_id" in result.failed[1]
    assert len(mixpanel_at_fake.unique_events()) == 2


@pytest.mark.parametrize("key", ["$insert_id", "insert_id"])
def test_failed_records_are_matched_by_insert_id_before_index(
    http, mixpanel_config, mixpanel_at_fake, key
):
    failed = [{"index": 0, key: "evt-2", "field": "properties.time", "message": "too old"}]
    mixpanel_at_fake.script(400, {"code": 400, "error": "bad", "failed_records": failed})

    result = send(http, mixpanel_config, "/import", [event(0), event(1), event(2)])

    assert result.kind == "partial"
    assert result.failed == {2: "properties.time: too old"}


def test_failed_records_without_an_insert_id_are_matched_by_index(
    http, mixpanel_config, mixpanel_at_fake
):
    failed = [{"index": 1, "field": "properties.time", "message": "'properties.time' is bad"}]
    mixpanel_at_fake.script(400, {"code": 400, "error": "bad", "failed_records": failed})

    result = send(http, mixpanel_config, "/import", [event(0), event(1)])

    assert result.kind == "partial"
    assert result.failed == {1: "'properties.time' is bad"}


def test_a_400_without_failed_records_is_rejected(http, mixpanel_config, mixpanel_at_fake):
    mixpanel_at_fake.script(400, {"code": 400, "error": "malformed", "status": "Bad Request"})

    result = send(http, mixpanel_config, "/import", [event()])

    assert (result.kind, result.error, result.failed) == ("rejected", "malformed", {})


def test_a_401_is_an_auth_error_with_the_fix(http, mixpanel_config, mixpanel_at_fake):
    result = send(http, {**mixpanel_config, "api_secret": "wrong-secret"}, "/import", [event()])

    assert result.kind == "auth_error"
    assert result.status_code == 401
    assert "Invalid API secret: regenerate the API secret in Project Settings > Access Keys" in (
        result.error
    )


def test_a_403_is_an_auth_error_naming_the_host(http, mixpanel_config, mixpanel_at_fake):
    mixpanel_at_fake.script(403, {"error": "project token does not match"})

    result = send(http, mixpanel_config, "/track", [event()])

    assert result.kind == "auth_error"
    assert "data residency" in result.error
    assert mixpanel_at_fake.url.removeprefix("http://") in result.error


def test_a_413_is_too_large(http, mixpanel_config, mixpanel_at_fake):
    items = [event(n, note="x" * 800_000) for n in range(3)]

    result = send(http, mixpanel_config, "/track", items)

    assert (result.kind, result.status_code) == ("too_large", 413)
    assert "2097152" in result.error


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_rate_limits_and_server_errors_are_retried(http, mixpanel_config, mixpanel_at_fake, status):
    mixpanel_at_fake.script(status)

    result = send(http, mixpanel_config, "/track", [event()])

    assert (result.kind, result.status_code) == ("retry", status)
    assert mixpanel_at_fake.events() == []


def test_a_timeout_is_retried(settings, mixpanel_config, mixpanel_at_fake):
    settings.SIGNAL_HTTP_TIMEOUT_SECONDS = 0.2
    mixpanel_at_fake.script(delay=1.0)

    with new_client() as http:
        result = send(http, mixpanel_config, "/track", [event()])

    assert (result.kind, result.status_code) == ("retry", None)
    assert "in time" in result.error


def test_a_dropped_connection_is_retried(http, mixpanel_config, mixpanel_at_fake):
    mixpanel_at_fake.script(drop=True)

    result = send(http, mixpanel_config, "/engage", [profile()])

    assert (result.kind, result.status_code) == ("retry", None)
    assert "Could not reach Mixpanel" in result.error


def test_a_refused_connection_is_retried(http, settings, mixpanel_config):
    settings.MIXPANEL_API_URL = "http://127.0.0.1:1"

    result = send(http, mixpanel_config, "/track", [event()])

    assert (result.kind, result.status_code, result.response_body) == ("retry", None, "")


def test_an_unexpected_200_body_is_retried(http, mixpanel_config, mixpanel_at_fake):
    mixpanel_at_fake.script(200, "<html>proxy</html>")

    result = send(http, mixpanel_config, "/track", [event()])

    assert result.kind == "retry"


def test_latency_is_measured(http, mixpanel_config, mixpanel_at_fake):
    mixpanel_at_fake.script(delay=0.15)

    result = send(http, mixpanel_config, "/track", [event()])

    assert result.kind == "delivered"
    assert result.latency_ms >= 150


@pytest.mark.parametrize("region", ["eu", "india"])
def test_residency_reaches_only_its_host(http, mixpanel_config, fake_mixpanel_regions, region):
    config = {**mixpanel_config, f"{'in' if region == 'india' else region}_data_residency": True}

    for endpoint, item in [("/track", event()), ("/import", event()), ("/engage", profile())]:
        assert send(http, config, endpoint, [item]).kind == "delivered"

    fakes = vars(fake_mixpanel_regions)
    assert len(fakes.pop(region).received()) == 3
    assert [len(fake.received()) for fake in fakes.values()] == [0, 0]


@pytest.mark.parametrize("status", [200, 401])
def test_secrets_appear_nowhere_in_the_result(http, service_account, mixpanel_at_fake, status):
    config = service_account if status == 200 else {**service_account, "project_id": "999"}
    leaky = event(note=f"{API_SECRET} {SA_SECRET}")

    results = [send(http, config, path, [leaky]) for path in ("/track", "/import")]

    assert results[1].status_code == status
    for result in results:
        text = json.dumps(vars(result))
        assert API_SECRET not in text and SA_SECRET not in text


def test_build_request_shows_what_send_sends_without_secrets(
    http, service_account, mixpanel_at_fake
):
    items = [event()]

    preview = build_request(service_account, "/import", items)
    send(http, service_account, "/import", items)

    sent = mixpanel_at_fake.received()[0]
    assert preview["method"] == "POST"
    assert preview["url"] == f"{mixpanel_at_fake.url}/import?strict=1&project_id={PROJECT_ID}"
    assert preview["headers"]["Authorization"] == "Basic [redacted]"
    assert preview["headers"]["Content-Encoding"] == sent["headers"]["content-encoding"]
    assert json.loads(preview["body"]) == sent["items"]
    text = json.dumps(preview)
    assert SA_SECRET not in text and API_SECRET not in text
    assert base64.b64encode(f"{SA_USER}:{SA_SECRET}".encode()).decode() not in text


def test_build_request_for_track_is_the_uncompressed_json(mixpanel_config, settings):
    settings.MIXPANEL_API_URL = "https://api.mixpanel.com"
    items = [event()]

    preview = build_request(mixpanel_config, "/track", items)

    assert preview["url"] == "https://api.mixpanel.com/track?verbose=1&ip=0"
    assert "Authorization" not in preview["headers"]
    assert json.loads(preview["body"]) == items
    assert gzip.compress(preview["body"].encode())  # gzip happens on the wire only


def test_an_unknown_endpoint_is_a_programming_error(mixpanel_config):
    with pytest.raises(ValueError):
        build_request(mixpanel_config, "/decide", [])
