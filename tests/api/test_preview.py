"""The preview endpoint answers exactly the golden Mixpanel operations, nothing sent."""

import json

import pytest

from integrations.catalog import get_destination
from signal_admin.web import services
from tests.mixpanel.golden import CONFIG, NOW, case_id, cases, expected_path, merged

NOW_PARAM = NOW.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize("path", cases(), ids=case_id)
def test_the_preview_of_every_fixture_event_is_its_golden_outcome(api, path, settings):
    # given an integration of the fixture's variant, with the fixture's blueprint
    settings.MIXPANEL_API_URL = "http://127.0.0.1:1"  # nothing may be sent
    variant = path.parent.name
    case = json.loads(path.read_text())
    integration = services.install(
        get_destination("mixpanel"), name="Mixpanel", variant=variant, config=CONFIG
    )
    for key, value in case.get("config_patch", {}).items():
        # e.g. no API secret, which the install form requires: set on the row directly
        integration.config.pop(key, None)
        integration.secrets.pop(key, None)
        if value is not None:
            integration.config[key] = value
    integration.save()
    if case.get("blueprint_patch"):
        blueprint = merged(integration.blueprint, case["blueprint_patch"])
        put = api.put(
            f"/v1/admin/integrations/{integration.id}/blueprint", blueprint, HTTP_IF_MATCH="*"
        )
        assert put.status_code == 200, put.content
    # when the fixture event is previewed
    response = api.post(
        f"/v1/admin/integrations/{integration.id}/preview?now={NOW_PARAM}", case["event"]
    )
    # then the answer is the golden outcome, plus the requests it becomes
    assert response.status_code == 200, response.content
    body = response.json()
    requests = body.pop("requests")
    body.pop("collector")
    assert body == json.loads(expected_path(path).read_text())
    endpoints = [op["endpoint"] for op in body["operations"]]
    assert [r["url"].split("?")[0].rsplit("/", 1)[-1] for r in requests] == [
        e.lstrip("/") for e in dict.fromkeys(endpoints)
    ]
    assert CONFIG["api_secret"] not in response.content.decode()


def test_a_preview_of_an_event_the_collector_would_refuse_says_so(api, integration):
    response = api.post(f"/v1/admin/integrations/{integration.id}/preview", {"type": "track"})
    assert response.status_code == 200
    body = response.json()
    assert body["collector"] == {
        "accepted": False,
        "fields": {"userId": "every event needs a `userId` or an `anonymousId`"},
    }
    assert body["status"] == "rejected"


def test_a_preview_of_an_event_meant_for_other_destinations_is_filtered(api, integration):
    event = {"type": "track", "event": "Debug", "anonymousId": "a-1"}
    event["integrations"] = {"All": True, "mixpanel": False}
    response = api.post(f"/v1/admin/integrations/{integration.id}/preview", event)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["reason"]) == ("filtered", "integrations.mixpanel is false")
    assert body["requests"] == []


def test_a_preview_of_something_other_than_an_event_is_a_400(api, integration):
    response = api.post(f"/v1/admin/integrations/{integration.id}/preview", [1, 2])
    assert response.status_code == 400
    assert "body" in response.json()["fields"]


def test_a_preview_with_a_bad_now_is_a_400(api, integration):
    event = {"type": "track", "event": "x", "anonymousId": "a"}
    response = api.post(f"/v1/admin/integrations/{integration.id}/preview?now=soon", event)
    assert response.status_code == 400
    assert "now" in response.json()["fields"]


def test_the_preview_decides_as_for_the_source_kind_asked_for(api, db):
    integration = services.install(
        get_destination("mixpanel"), name="Mixpanel", variant="retail", config=CONFIG
    )
    integration.blueprint["consent"]["allow_missing_by_source_kind"] = {"server": True}
    integration.save()
    event = {"type": "track", "event": "Invoice Paid", "userId": "u-1"}
    path = f"/v1/admin/integrations/{integration.id}/preview"

    server = api.post(f"{path}?source_kind=server", event)
    default = api.post(path, event)
    unknown = api.post(f"{path}?source_kind=fridge", event)

    assert server.json()["status"] == "deliver"
    assert default.json()["status"] == "suppressed"
    assert unknown.status_code == 400 and "source_kind" in unknown.json()["fields"]
