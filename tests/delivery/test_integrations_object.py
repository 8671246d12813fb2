"""The event's `integrations` object decides which destinations get it (Segment's spec), and
the collector's warnings travel with every delivery."""

import pytest

from delivery import broadcast
from delivery.models import Delivery
from delivery.outbox import fan_out_pending
from integrations.integrations_object import integrations_skip
from tests.delivery.helpers import accept, mixpanel, track

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broadcasts(monkeypatch) -> list[dict]:
    """The live-events messages fan-out announces."""
    sent: list[dict] = []
    monkeypatch.setattr(broadcast, "broadcast", lambda _id, messages: sent.extend(messages))
    return sent


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        ({"Mixpanel": False}, "integrations.Mixpanel is false"),
        ({"mixpanel": False, "All": True}, "integrations.mixpanel is false"),
        ({"All": False}, "integrations.All is false"),
        ({"All": False, "Amplitude": True}, "integrations.All is false"),
        ({"All": False, "Mixpanel": True}, None),
        ({"All": False, "MIXPANEL": {"some": "option"}}, None),
        ({"Amplitude": False}, None),
        ({}, None),
        (None, None),
    ],
)
def test_the_named_destination_wins_over_all(flags, reason):
    assert integrations_skip({"integrations": flags}, "Mixpanel") == reason


def test_an_event_left_out_is_filtered_with_the_reason_and_shown_live(broadcasts):
    # given one Mixpanel integration and two events, one opting out of it
    integration = mixpanel()
    skipped = track(integrations={"Mixpanel": False})
    accept(skipped, track())

    # when they are fanned out
    fan_out_pending()

    # then the opted-out one is filtered with the reason, the other queued
    row = Delivery.objects.get(integration=integration, event__message_id=skipped["messageId"])
    assert (row.status, row.error, row.operations) == (
        Delivery.FILTERED,
        "integrations.Mixpanel is false",
        [],
    )
    assert Delivery.objects.filter(integration=integration, status=Delivery.QUEUED).count() == 1
    live = {m["id"]: m for m in broadcasts}
    assert live[skipped["messageId"]]["status"] == "filtered"
    assert live[skipped["messageId"]]["error"] == "integrations.Mixpanel is false"


def test_all_false_with_the_destination_true_is_delivered(broadcasts):
    integration = mixpanel()
    accept(track(integrations={"All": False, "Mixpanel": True}))

    fan_out_pending()

    assert Delivery.objects.get(integration=integration).status == Delivery.QUEUED


def test_the_collectors_warnings_come_first_on_every_delivery(broadcasts):
    # given an event the collector clamped, and one it also left out of Mixpanel
    warning = "timestamp 2026-12-01T15:00:00.000Z is 3 h ahead of receipt: clamped to receivedAt"
    kept = track(_signal={"warnings": [warning]}, properties={"token": "mine"})
    skipped = track(_signal={"warnings": [warning]}, integrations={"All": False})
    integration = mixpanel()
    accept(kept, skipped)

    # when
    fan_out_pending()

    # then the destination's own warning follows the collector's
    rows = {row.event.message_id: row for row in Delivery.objects.filter(integration=integration)}
    assert rows[kept["messageId"]].warnings == [
        warning,
        "properties.token is reserved; Signal sets it itself",
    ]
    assert rows[skipped["messageId"]].warnings == [warning]


def test_fan_out_tells_the_transform_the_kind_of_source_each_event_came_from(broadcasts):
    integration = mixpanel("retail")
    blueprint = integration.blueprint
    blueprint["consent"] = blueprint["consent"] | {"allow_missing_by_source_kind": {"server": True}}
    integration.save()
    from_server = accept(track("Invoice Paid", context={}))
    from_server.kind = "server"
    from_server.save()
    accept(track("Invoice Paid", context={}))  # a browser source

    fan_out_pending()

    by_kind = dict(
        Delivery.objects.values_list("event__source__kind", "status").order_by(
            "event__source__kind"
        )
    )
    assert by_kind == {"server": Delivery.QUEUED, "browser": Delivery.SUPPRESSED}
    stored = Delivery.objects.get(event__source=from_server).event.payload
    assert "_signal" not in stored  # the source event is kept as it was collected
