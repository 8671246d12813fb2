"""One event, two destinations, on the real processes: each gets its own mapping, once, and
neither's failures reach the other.

Mixpanel is one destination; the other (`other`) is Amplitude, or a second Mixpanel project
in the EU region.
"""

import time
import uuid

import pytest
from segment.analytics import Client as SegmentClient

from delivery.collect.validate import with_source_kind
from delivery.models import Attempt, Delivery
from integrations.models import Integration
from tests.delivery.helpers import CONSENTED, collector, send_batch, track
from tests.e2e.destinations import AmplitudeAt, At, MixpanelAt
from tests.support.fanout import as_multiset, delivered_count, sent_operations, statuses
from tests.support.stack import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.services]
# A UUID v4, as analytics.js generates (Mixpanel's $identify merges only that format).
VISITOR = "0c6f4b8e-3a1d-4e2f-9b7c-5d8e1f2a3b4c"
USER = "user-7781"  # at least 5 characters: Amplitude's minimum id length
ORDER = {
    "order_id": "o-1",
    "total": 25.0,
    "revenue": 25.0,
    "currency": "EUR",
    "products": [{"product_id": "p-1", "price": 12.5, "quantity": 2}],
}
STORM_SECONDS = 20


def settled(*integrations: Integration, count: int) -> bool:
    """Each integration has `count` deliveries and none is still pending."""
    for integration in integrations:
        now = statuses(integration)
        if sum(now.values()) < count or any(now[s] for s in Delivery.PENDING):
            return False
    return True


def transformed_again(row: Delivery) -> list[dict]:
    """The destination's transform run again on the stored event, with the fan-out's clock:
    the mapping the golden files pin down, with this event's own ids and times."""
    integration = row.integration
    payload = with_source_kind(row.event.payload, row.event.source.kind)
    outcome = integration.destination.transform(
        payload, integration.blueprint, integration.full_config(), row.created_at
    )
    return [op.to_json() for op in outcome.operations]


def assert_got_its_mapping_once(destination: At) -> None:
    integration = destination.integration
    rows = Delivery.objects.filter(integration=integration).select_related("event__source")
    assert {row.status for row in rows} == {Delivery.DELIVERED}, statuses(integration)
    for row in rows:
        assert row.operations == transformed_again(row), row.event.name
    # what the fake kept is exactly what the transform produced once, at fan-out
    assert as_multiset(destination.kept()) == as_multiset(sent_operations(integration))
    assert set(destination.kept_ids().values()) == {1}
    assert set(destination.arrived_ids().values()) == {1}  # nothing was even resent


def test_segments_client_reaches_each_destination_with_its_own_mapping_once(
    two_stack, mixpanel_us: MixpanelAt, other: At
):
    # given Mixpanel and the other destination installed (with group analytics), and
    # Segment's own client
    mixpanel_us.install("b2b_saas")
    other.install("b2b_saas")
    source, _ = collector(two_stack.base_url)
    segment = SegmentClient(
        source.write_key, host=two_stack.base_url, sync_mode=True, max_retries=1
    )
    # when a visitor browses, signs in, joins a company and buys
    segment.page(
        anonymous_id=VISITOR,
        name="Home",
        context=CONSENTED,
        properties={"url": "https://shop.example/", "title": "Home"},
    )
    segment.track(
        anonymous_id=VISITOR,
        event="Product Viewed",
        context=CONSENTED,
        properties={"product_id": "p-1", "price": 12.5},
    )
    segment.identify(
        user_id=USER,
        anonymous_id=VISITOR,
        context=CONSENTED,
        traits={"email": "jane@example.com", "name": "Jane"},
    )
    segment.group(
        user_id=USER,
        anonymous_id=VISITOR,
        group_id="acme-inc",
        context=CONSENTED,
        traits={"name": "Acme", "plan": "pro"},
    )
    segment.track(
        user_id=USER,
        anonymous_id=VISITOR,
        event="Order Completed",
        context=CONSENTED,
        properties=ORDER,
    )
    # then each destination has all five mapped, sent and delivered
    integrations = (mixpanel_us.integration, other.integration)
    wait_until(lambda: settled(*integrations, count=5), timeout=30)
    # and each fake kept exactly its own destination's mapping of each event, once
    assert_got_its_mapping_once(mixpanel_us)
    assert_got_its_mapping_once(other)


def test_a_400_naming_one_event_fails_only_that_events_delivery_there(
    two_stack, mixpanel_us: MixpanelAt, other: At
):
    # given both destinations and three events the other will receive in one request
    mixpanel = mixpanel_us.install("retail")
    second = other.install("retail")
    _, client = collector(two_stack.base_url)
    events = [
        track(anonymousId=f"visitor-{i}-{uuid.uuid4().hex[:6]}", days_ago=when)
        for i, when in enumerate(other.days_ago + n / 1e4 for n in (2, 1, 0))  # in this order
    ]
    refused, neighbours = events[1], [events[0], events[2]]
    # when the other destination answers that request 400, naming the middle event
    other.refuse_next(refused, index=1)
    send_batch(client, events)
    wait_until(lambda: settled(mixpanel, second, count=3), timeout=30)
    # then only that event's delivery there failed, with the destination's reason
    there = {row.event.message_id: row for row in Delivery.objects.filter(integration=second)}
    assert there[refused["messageId"]].status == Delivery.FAILED
    assert "time" in there[refused["messageId"]].error  # the field the answer named
    assert [there[e["messageId"]].status for e in neighbours] == [Delivery.DELIVERED] * 2
    # though the three went out together
    first = Attempt.objects.filter(integration=second).order_by("id").first()
    assert first.status_code == 400
    assert first.deliveries.count() == 3
    # and the neighbours are at the other destination once each (the refused one not at all)
    refused_row = [] if other.keeps_refused else [there[refused["messageId"]]]
    assert_kept(other, once=[there[e["messageId"]] for e in neighbours], never=refused_row)
    # and the same event's Mixpanel delivery was delivered like the others
    assert statuses(mixpanel) == {Delivery.DELIVERED: 3}
    assert set(mixpanel_us.kept_ids().values()) == {1}
    assert len(mixpanel_us.kept_ids()) == 3


def dedupe_id(row: Delivery) -> str:
    """The destination's dedupe id of a delivery's event ($insert_id, insert_id)."""
    item = row.operations[0]["item"]
    return item["insert_id"] if "insert_id" in item else item["properties"]["$insert_id"]


def assert_kept(destination: At, once: list[Delivery], never: list[Delivery]) -> None:
    ids = destination.kept_ids()
    assert [ids[dedupe_id(row)] for row in once] == [1] * len(once)
    assert [ids[dedupe_id(row)] for row in never] == [0] * len(never)


@pytest.mark.parametrize("storm_at", ["mixpanel", "other"])
def test_a_429_storm_at_one_destination_does_not_slow_the_other(
    two_stack, mixpanel_us: MixpanelAt, other: At, storm_at: str
):
    # given both destinations, one of which will be stormed
    stormy, steady = (mixpanel_us, other) if storm_at == "mixpanel" else (other, mixpanel_us)
    stormy.install("retail")
    steady.install("retail")
    slow, fine = stormy.integration, steady.integration
    _, client = collector(two_stack.base_url)
    send_batch(client, [track(anonymousId="warm-up-visitor")])  # the workers' first one
    wait_until(lambda: delivered_count() == 2, timeout=30)
    # and how long the steady one takes for 200 events in calm weather
    started = time.monotonic()
    send_batch(client, [track(anonymousId=f"calm-{i:04}") for i in range(200)])
    wait_until(lambda: delivered_count(fine) == 201, timeout=30, every=0.05)
    calm = time.monotonic() - started
    wait_until(lambda: delivered_count(slow) == 201, timeout=30)
    assert set(stormy.kept_ids().values()) == {1}
    # when the stormy one answers every request 429 for a long while
    stormy.storm()
    storm_started = time.monotonic()
    send_batch(client, [track(anonymousId=f"storm-{i:04}") for i in range(200)])
    # then the steady one delivers all 200 while the stormy one has none, still retrying
    wait_until(lambda: delivered_count(fine) == 401, timeout=STORM_SECONDS, every=0.05)
    during = time.monotonic() - storm_started
    assert delivered_count(slow) == 201
    pending = statuses(slow)
    assert pending[Delivery.RETRYING] + pending[Delivery.QUEUED] == 200, pending
    # (the storm goes on for a while: the stormy one's rows keep retrying, none gets in)
    wait_until(lambda: time.monotonic() - storm_started > STORM_SECONDS / 4, timeout=10)
    assert delivered_count(slow) == 201
    refused = Attempt.objects.filter(integration=slow, status_code=429).count()
    print(
        f"\n{steady.label}: 200 events in {calm:.2f} s calm, {during:.2f} s during "
        f"{stormy.label}'s 429 storm ({during / calm:.1f}x); {stormy.label} was refused "
        f"{refused} times in {time.monotonic() - storm_started:.1f} s"
    )
    # (a bound against the calm run, generous for a busy machine: a sender stuck behind the
    # storm's retries would take seconds, the storm itself lasts STORM_SECONDS)
    assert during <= 4 * calm + 3.0
    # and once the storm ends the stormy one catches up, with each event once
    stormy.calm()
    wait_until(lambda: delivered_count(slow) == 401, timeout=60)
    assert len(stormy.kept_ids()) == 200
    assert set(stormy.kept_ids().values()) == {1}
    assert set(steady.arrived_ids().values()) == {1}  # the steady one was never asked twice


@pytest.mark.parametrize("other", ["amplitude"], indirect=True)  # a rule of Amplitude's own
def test_an_id_too_short_for_amplitude_fails_only_its_amplitude_delivery(
    two_stack, mixpanel_us: MixpanelAt, other: AmplitudeAt
):
    # given both destinations, and three events of which the middle one's only id is
    # shorter than Amplitude's minimum of 5 characters
    mixpanel = mixpanel_us.install("retail")
    amplitude = other.install("retail")
    _, client = collector(two_stack.base_url)
    events = [track(anonymousId=visitor) for visitor in ("visitor-0001", "v-12", "visitor-0003")]
    send_batch(client, events)
    wait_until(lambda: settled(mixpanel, amplitude, count=3), timeout=30)
    # then Amplitude's delivery of that event failed before any request, naming the id
    there = {r.event.message_id: r for r in Delivery.objects.filter(integration=amplitude)}
    short = there[events[1]["messageId"]]
    assert short.status == Delivery.FAILED and short.attempts == 0
    assert "v-12" in short.error
    assert [there[e["messageId"]].status for e in (events[0], events[2])] == ["delivered"] * 2
    assert len(other.kept_ids()) == 2
    # and Mixpanel delivered all three, that one included
    assert statuses(mixpanel) == {Delivery.DELIVERED: 3}
