"""Segment's and RudderStack's own Python SDKs, unchanged but for their host, against Signal.

Each SDK posts to /v1/batch of a running Signal (its real processes); the events must reach
the fake Mixpanel, and none may carry the back end's address as the user's location.
"""

import pytest
from rudderstack.analytics import Client as RudderClient
from segment.analytics import Client as SegmentClient

from delivery.models import Event
from integrations.models import Source
from tests.delivery.helpers import mixpanel, settled
from tests.support.stack import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.django_db(transaction=True)]

CONSENTED = {"consent": {"categoryPreferences": {"analytics": True}}}
TRAITS = {"email": "jane@example.com", "name": "Jane Smith"}
ORDER = {"order_id": "o-1", "total": 25.0, "currency": "EUR", "products": [{"product_id": "p-1"}]}


def make_source(kind: str = "server") -> Source:
    return Source.objects.create(name=f"{kind} back end", kind=kind)


def send_with(client, user_id: str) -> None:
    """A back end's calls: a page, a screen, a view, an identify and a purchase."""
    client.page(
        user_id=user_id, name="Home", properties={"url": "https://shop.example/"}, context=CONSENTED
    )
    client.screen(user_id=user_id, name="Cart", context=CONSENTED)
    client.track(
        user_id=user_id, event="Product Viewed", properties={"product_id": "p-1"}, context=CONSENTED
    )
    client.identify(user_id=user_id, traits=TRAITS, context=dict(CONSENTED))
    client.track(user_id=user_id, event="Order Completed", properties=ORDER, context=CONSENTED)
    client.flush()


def segment_client(source: Source, base_url: str) -> SegmentClient:
    return SegmentClient(source.write_key, host=base_url, sync_mode=True, max_retries=1)


def rudder_client(source: Source, base_url: str) -> RudderClient:
    return RudderClient(source.write_key, host=base_url, sync_mode=True, max_retries=1)


def delivered_events(fake, user_id: str, count: int) -> list[dict]:
    def mine() -> list[dict]:
        return [e for e in fake.events() if e["properties"].get("distinct_id") == user_id]

    return wait_until(lambda: len(mine()) >= count and mine(), timeout=30)


def assert_no_server_ip(events: list[dict], profiles: list[dict]) -> None:
    for event in events:
        assert event["properties"].get("ip", 0) in (0, "0"), event
    for profile in profiles:
        assert profile.get("$ip", 0) in (0, "0"), profile


@pytest.mark.parametrize(
    ("make_client", "user_id"),
    [(segment_client, "user-segment"), (rudder_client, "user-rudder")],
    ids=["segment-analytics-python", "rudder-sdk-python"],
)
def test_a_server_sdk_sends_page_screen_track_identify_and_purchase_unchanged(
    stack, fake_mixpanel, make_client, user_id
):
    # given Mixpanel installed and a server source
    integration = mixpanel("retail")
    source = make_source(kind="server")
    # when the back end sends through its SDK
    send_with(make_client(source, stack.base_url), user_id)
    # then Signal stored all five and delivered the events (the profile: tests below)
    assert Event.objects.filter(source=source).count() == 5
    wait_until(lambda: settled(integration, 4), timeout=30)
    events = delivered_events(fake_mixpanel, user_id, 4)
    assert {"page", "screen", "Product Viewed", "Purchase"} <= {e["event"] for e in events}
    # and nothing carries the back end's address as the user's
    assert_no_server_ip(events, fake_mixpanel.profile_updates())


def test_segments_identify_traits_reach_the_profile(stack, fake_mixpanel):
    mixpanel("retail")
    source = make_source(kind="server")
    segment = segment_client(source, stack.base_url)
    segment.identify(user_id="user-s", traits=TRAITS, context=dict(CONSENTED))
    segment.flush()
    profile = wait_until(lambda: fake_mixpanel.profile_updates(), timeout=30)[0]
    assert profile["$distinct_id"] == "user-s"
    assert profile["$set"]["$email"] == "jane@example.com"
    assert_no_server_ip([], fake_mixpanel.profile_updates())


def test_rudderstacks_identify_traits_in_context_reach_the_profile(stack, fake_mixpanel):
    # given RudderStack's Python SDK, which puts identify traits only in context.traits
    mixpanel("retail")
    source = make_source(kind="server")
    rudder = rudder_client(source, stack.base_url)
    # when
    rudder.identify(user_id="user-r", traits=TRAITS, context=dict(CONSENTED))
    rudder.flush()
    # then the profile gets them (the SDK sent none at the root)
    stored = Event.objects.get(source=source).payload
    assert stored["context"]["traits"] == stored["traits"]
    profile = wait_until(lambda: fake_mixpanel.profile_updates(), timeout=30)[0]
    assert profile["$distinct_id"] == "user-r"
    assert profile["$set"]["$email"] == "jane@example.com"
    assert_no_server_ip([], fake_mixpanel.profile_updates())
