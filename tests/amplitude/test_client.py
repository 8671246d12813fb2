"""The Amplitude client against the fake: what each answer becomes, and what is stored."""

import json

import httpx
import pytest

from integrations.destinations.amplitude.entry import AMPLITUDE
from tests.amplitude.helpers import event, events
from tests.support.fake_amplitude_fixtures import SECRET_KEY


@pytest.fixture
def http():
    with httpx.Client(timeout=5.0) as client:
        yield client


def test_it_delivers_a_batch_and_the_fake_ingests_each_event_once(
    http, amplitude_at_fake, amplitude_config
):
    items = events(3)
    result = AMPLITUDE.send(http, amplitude_config, "/2/httpapi", items)
    again = AMPLITUDE.send(http, amplitude_config, "/2/httpapi", items)  # a resend dedupes
    assert (result.kind, result.code, result.status_code) == ("delivered", "delivered", 200)
    assert again.kind == "delivered"
    assert [e["insert_id"] for e in amplitude_at_fake.events()] == [
        "msg-0000",
        "msg-0001",
        "msg-0002",
    ]
    assert result.url == f"{amplitude_at_fake.url}/2/httpapi"


def test_it_fails_only_the_event_a_400_names_and_resends_the_others(
    http, amplitude_at_fake, amplitude_config
):
    items = [event(0), event(1, time="yesterday"), event(2)]
    result = AMPLITUDE.send(http, amplitude_config, "/2/httpapi", items)
    assert result.kind == "partial" and result.code == "invalid_events"
    assert result.failed == {1: "time: invalid"}
    assert result.resend == [0, 2] and result.retry == {}  # not at fault: sent again at once
    assert amplitude_at_fake.events() == []  # a 400 ingests nothing


def test_it_names_a_short_id_from_the_400_body(http, amplitude_at_fake, amplitude_config):
    items = [event(0), event(1, user_id="42", device_id=None)]
    result = AMPLITUDE.send(http, amplitude_config, "/2/httpapi", items)
    assert result.failed == {1: "user_id: shorter than the minimum id length"}
    hint = AMPLITUDE.hint(result.code, _context(result.error))
    assert hint and "5 characters" in hint


def test_it_sends_min_id_length_when_configured(http, amplitude_at_fake, amplitude_config):
    config = {**amplitude_config, "min_id_length": "2"}
    result = AMPLITUDE.send(http, config, "/2/httpapi", [event(0, user_id="42")])
    assert result.kind == "delivered"
    assert '"options":{"min_id_length":2}' in amplitude_at_fake.received("/2/httpapi")[0]["body"]


def test_it_rejects_a_batch_whose_every_event_is_invalid(http, amplitude_at_fake, amplitude_config):
    result = AMPLITUDE.send(http, amplitude_config, "/2/httpapi", [event(0, event_type="")])
    assert result.kind == "rejected" and result.failed == {0: "event_type: missing"}


def test_a_refused_api_key_holds_deliveries(http, amplitude_at_fake, amplitude_config):
    config = {**amplitude_config, "api_key": "not-a-known-key-000000"}
    result = AMPLITUDE.send(http, config, "/2/httpapi", events(1))
    assert (result.kind, result.code) == ("auth_error", "invalid_api_key")
    assert "EU Data Residency" in AMPLITUDE.hint(result.code, _context(result.error))


def test_a_413_asks_the_sender_to_split(http, amplitude_at_fake, amplitude_config):
    result = AMPLITUDE.send(http, amplitude_config, "/2/httpapi", events(2001))
    assert (result.kind, result.code, result.status_code) == ("too_large", "too_large", 413)


def test_a_throttled_user_is_retried_with_the_reason_and_nothing_is_lost(
    http, amplitude_at_fake, amplitude_config
):
    amplitude_at_fake.throttle(user_id="hot-user-1")
    items = [event(0), event(1, user_id="hot-user-1"), event(2)]
    result = AMPLITUDE.send(http, amplitude_config, "/2/httpapi", items)
    assert (result.kind, result.code) == ("partial", "throttled")
    assert result.failed == {}
    assert result.retry[1].startswith("throttled: user hot-user-1")
    assert list(result.retry) == [1] and result.resend == [0, 2]
    assert AMPLITUDE.send(http, amplitude_config, "/2/httpapi", items).kind == "delivered"
    assert len(amplitude_at_fake.events()) == 3


def test_a_batch_of_only_throttled_events_is_retried_whole(
    http, amplitude_at_fake, amplitude_config
):
    amplitude_at_fake.throttle(user_id="user-12345", quota=True)
    result = AMPLITUDE.send(http, amplitude_config, "/2/httpapi", events(2))
    assert (result.kind, result.code) == ("retry", "quota_exceeded")


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried(http, amplitude_at_fake, amplitude_config, status):
    amplitude_at_fake.script("/2/httpapi", status)
    result = AMPLITUDE.send(http, amplitude_config, "/2/httpapi", events(1))
    assert (result.kind, result.code) == ("retry", "unavailable")


def test_a_dropped_connection_is_retried(http, amplitude_at_fake, amplitude_config):
    amplitude_at_fake.script("/2/httpapi", 200, drop=True)
    result = AMPLITUDE.send(http, amplitude_config, "/2/httpapi", events(1))
    assert (result.kind, result.status_code, result.code) == ("retry", None, "unavailable")


def test_identify_is_form_encoded_with_the_api_key(http, amplitude_at_fake, amplitude_config):
    item = {"user_id": "user-12345", "user_properties": {"$set": {"plan": "pro"}}}
    result = AMPLITUDE.send(http, amplitude_config, "/identify", [item])
    assert result.kind == "delivered"
    assert amplitude_at_fake.identifies() == [item]
    request = amplitude_at_fake.received("/identify")[0]
    assert request["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert request["body"].startswith("api_key=")


def test_group_identify_reaches_the_fake(http, amplitude_at_fake, amplitude_config):
    item = {"group_type": "company", "group_value": "acme", "group_properties": {"$set": {}}}
    assert AMPLITUDE.send(http, amplitude_config, "/groupidentify", [item]).kind == "delivered"
    assert amplitude_at_fake.group_identifies() == [item]


def test_eu_residency_sends_to_the_eu_host(http, settings, fake_amplitude, amplitude_config):
    settings.AMPLITUDE_API_URL = "http://127.0.0.1:1"
    settings.AMPLITUDE_EU_API_URL = fake_amplitude.url
    config = {**amplitude_config, "eu_data_residency": True}
    assert AMPLITUDE.send(http, config, "/batch", events(1)).kind == "delivered"
    assert fake_amplitude.received("/batch")


def test_the_secret_key_never_leaks(http, amplitude_at_fake, amplitude_config):
    amplitude_at_fake.script("/2/httpapi", 400, body={"code": 400, "error": f"echo {SECRET_KEY}"})
    result = AMPLITUDE.send(http, amplitude_config, "/2/httpapi", [event(0, note=SECRET_KEY)])
    stored = [result.request_body, result.response_body, result.error, result.url]
    stored += list(result.failed.values())
    preview = AMPLITUDE.build_request(amplitude_config, "/2/httpapi", [event(0, note=SECRET_KEY)])
    assert all(SECRET_KEY not in text for text in stored + [str(preview)])


def test_the_preview_is_the_request_that_is_sent(http, amplitude_at_fake, amplitude_config):
    items = events(2)
    preview = AMPLITUDE.build_request(amplitude_config, "/2/httpapi", items)
    AMPLITUDE.send(http, amplitude_config, "/2/httpapi", items)
    sent = amplitude_at_fake.received("/2/httpapi")[0]
    assert (preview["method"], preview["url"]) == ("POST", f"{amplitude_at_fake.url}/2/httpapi")
    assert preview["body"] == sent["body"]


def test_a_403_from_amplitudes_firewall_rejects_the_batch_to_be_halved_not_held(
    http, amplitude_at_fake, amplitude_config
):
    # a 403 is Amplitude's firewall refusing a value in the request, not the API key
    amplitude_at_fake.script("/2/httpapi", 403, body="<html>403 Forbidden</html>")
    result = AMPLITUDE.send(http, amplitude_config, "/2/httpapi", events(2))
    assert (result.kind, result.code, result.failed) == ("rejected", "blocked", {})
    assert "firewall" in result.error


def test_a_429_asks_for_amplitudes_pause_30_s_for_events_and_15_s_for_identify(
    http, amplitude_at_fake, amplitude_config
):
    amplitude_at_fake.throttle(times=1)
    assert AMPLITUDE.send(http, amplitude_config, "/2/httpapi", events(2)).retry_after == 30
    from integrations.destinations.amplitude.classify import classify

    assert classify("/identify", 429, "{}", [{}]).retry_after == 15


def test_a_silenced_device_400_fails_the_silenced_and_pauses_the_throttled_events():
    from integrations.destinations.amplitude.classify import classify

    # the example body of Amplitude's HTTP V2 documentation
    body = {
        "code": 400,
        "eps_threshold": 100,
        "error": "Events silenced for device_id",
        "exceeded_daily_quota_devices": {},
        "silenced_devices": ["silenced_device_id_1", "silenced_device_id_2"],
        "silenced_events": [5, 6],
        "throttled_devices": {"throttled_device_id_1": 0, "throttled_device_id_2": 100},
        "throttled_events": [3, 4],
    }
    items = [{"event_type": "X", "device_id": f"device-{n}"} for n in range(8)]
    outcome = classify("/2/httpapi", 400, json.dumps(body), items)
    assert (outcome.kind, sorted(outcome.failed), sorted(outcome.retry)) == (
        "partial",
        [5, 6],
        [3, 4],
    )
    assert outcome.resend == [0, 1, 2, 7] and outcome.retry_after == 30


def test_every_answer_carries_a_code(http, amplitude_at_fake, amplitude_config):
    for status in (200, 400, 401, 403, 413, 429, 500, 418):
        amplitude_at_fake.script("/2/httpapi", status)
        assert AMPLITUDE.send(http, amplitude_config, "/2/httpapi", events(1)).code


def _context(error: str):
    from integrations.destinations.base import HintContext

    return HintContext(error=error)


def test_a_throttle_storm_throttles_every_event_of_the_next_requests(
    http, amplitude_at_fake, amplitude_config
):
    amplitude_at_fake.throttle(times=2)
    kinds = [AMPLITUDE.send(http, amplitude_config, "/2/httpapi", events(2)).kind for _ in "abc"]
    assert kinds == ["retry", "retry", "delivered"]
