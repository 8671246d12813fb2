"""Identity through the real pipeline: what Signal sends is what Mixpanel actually merges."""

import uuid
from datetime import UTC, datetime

import pytest

from delivery.models import Delivery
from delivery.outbox import fan_out_pending
from delivery.sender import send_pending
from integrations.models import Integration
from tests.delivery.helpers import CONSENTED, accept, mixpanel, statuses, track
from tests.support.fake_mixpanel_fixtures import API_SECRET, TOKEN
from tests.support.fake_mixpanel_rules import Project, basic_auth

pytestmark = pytest.mark.django_db
VISITOR = "7d2f9a4c-1b3e-4f5a-8c6d-9e0f1a2b3c4d"  # a UUID v4, as analytics.js makes them


def identify(user: str, anon: str) -> dict:
    return {
        "type": "identify",
        "userId": user,
        "anonymousId": anon,
        "messageId": uuid.uuid4().hex,
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "traits": {"email": f"{user}@example.com"},
        "context": CONSENTED,
    }


def deliver(integration: Integration, *events: dict) -> None:
    accept(*events)
    fan_out_pending()
    send_pending(integration.id)
    assert statuses(integration) == {Delivery.DELIVERED: len(events)}


def test_a_uuid_anonymous_id_is_merged_at_mixpanel_by_identify(mixpanel_at_fake):
    # given a visitor browsing anonymously
    integration = mixpanel("retail")
    # when they log in
    deliver(integration, track(anonymousId=VISITOR), identify("user-1", VISITOR))
    # then Mixpanel merged their anonymous activity with the user
    assert mixpanel_at_fake.merged("user-1", VISITOR)
    assert [e["event"] for e in mixpanel_at_fake.events()] == ["Product Viewed", "$identify"]


def test_a_non_uuid_anonymous_id_is_merged_by_merge_through_import(mixpanel_at_fake):
    # given a back end that uses its own session ids, and the API secret configured
    integration = mixpanel("retail")
    # when the user logs in
    deliver(integration, identify("user-2", "sess_8f3k2l9q"))
    # then the $merge went through /import with the secret, and Mixpanel merged the ids
    (request,) = mixpanel_at_fake.received("/import")
    assert [item["event"] for item in request["items"]] == ["$merge"]
    assert basic_auth(request["headers"]["authorization"]) == (API_SECRET, "")
    assert mixpanel_at_fake.merged("user-2", "sess_8f3k2l9q")
    assert mixpanel_at_fake.received("/track") == []  # no $identify Mixpanel would ignore


def test_simplified_mode_is_merged_by_the_identify_event_carrying_both_ids(mixpanel_at_fake):
    # given a project on Simplified ID Merge, and the blueprint saying so
    mixpanel_at_fake.set_projects([Project(TOKEN, API_SECRET, id_merge="simplified")])
    integration = mixpanel("retail")
    integration.blueprint["identity"]["mode"] = "simplified"
    integration.save()
    # when a visitor (any id format) logs in
    deliver(integration, identify("user-3", "sess_43"))
    # then the one $identify event carrying $device_id and $user_id merged them
    assert mixpanel_at_fake.merged("user-3", "sess_43")
    assert mixpanel_at_fake.merged("user-3", "$device:sess_43")
    assert [log["event"] for log in mixpanel_at_fake.identity_log()] == ["$identify"]


def test_an_anonymous_purchase_creates_no_profile_at_mixpanel(mixpanel_at_fake):
    integration = mixpanel("retail")
    purchase = track("Order Completed", properties={"order_id": "o-1", "total": 20})
    deliver(integration, purchase)
    assert [e["event"] for e in mixpanel_at_fake.events()] == ["Purchase"]
    assert mixpanel_at_fake.profile_updates() == []
