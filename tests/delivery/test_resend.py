"""Items a destination refused only because of their neighbours (`SendResult.resend`) are
sent again in the same round; a batch whose every item is to be resent waits for a retry.

The destination here is Mixpanel's own folder with its answers scripted, so the sender, the
outbox and the database are the real ones.
"""

import pytest

from delivery.models import Delivery
from delivery.outbox import fan_out_pending
from delivery.sender import send_pending
from integrations.catalog import REGISTRY
from integrations.destinations.base import SendResult
from integrations.destinations.mixpanel.entry import Mixpanel
from tests.delivery.helpers import accept, mixpanel, track

pytestmark = pytest.mark.django_db


class Scripted(Mixpanel):
    """Answers each request with the next scripted result; records what each carried."""

    key = "scripted"

    def __init__(self, answers: list) -> None:
        self.answers, self.requests = answers, []

    def send(self, http, config, endpoint, items):
        self.requests.append(len(items))
        kind, fields = self.answers.pop(0) if self.answers else ("delivered", {})
        return SendResult(kind, 200, "", 1, "http://scripted", "[]", **fields)


def installed(monkeypatch, answers: list) -> tuple[Scripted, object]:
    destination = Scripted(answers)
    monkeypatch.setitem(REGISTRY, "scripted", destination)
    integration = mixpanel()
    integration.catalog_key = "scripted"
    integration.save(update_fields=["catalog_key"])
    accept(track(), track(), track())
    fan_out_pending()
    return destination, integration


def statuses(integration) -> list[str]:
    return list(
        Delivery.objects.filter(integration=integration)
        .order_by("id")
        .values_list("status", flat=True)
    )


def test_the_innocent_neighbours_of_a_refused_item_are_sent_again_at_once(monkeypatch):
    answer = {"failed": {1: "time: invalid"}, "resend": [0, 2], "error": "one bad event"}
    destination, integration = installed(monkeypatch, [("partial", answer)])
    send_pending(integration.id)
    assert destination.requests == [3, 2]
    assert statuses(integration) == [Delivery.DELIVERED, Delivery.FAILED, Delivery.DELIVERED]


def test_a_batch_whose_every_item_is_to_be_resent_waits_for_a_retry_and_loses_none(monkeypatch):
    answer = {"resend": [0, 1, 2], "error": "nothing taken"}
    destination, integration = installed(monkeypatch, [("partial", answer)])
    send_pending(integration.id)
    assert destination.requests == [3]
    assert statuses(integration) == [Delivery.RETRYING] * 3
    assert set(Delivery.objects.values_list("error", flat=True)) == {"nothing taken"}


def test_a_rejection_naming_each_items_fault_fails_each_without_halving(monkeypatch):
    answer = {"failed": {0: "time: invalid", 1: "time: invalid", 2: "event: too long"}}
    destination, integration = installed(monkeypatch, [("rejected", answer | {"error": "all"})])
    send_pending(integration.id)
    assert destination.requests == [3]
    rows = Delivery.objects.filter(integration=integration).order_by("id")
    assert [(r.status, r.error) for r in rows] == [
        (Delivery.FAILED, "time: invalid"),
        (Delivery.FAILED, "time: invalid"),
        (Delivery.FAILED, "event: too long"),
    ]


def test_a_rejection_that_names_no_item_is_halved_to_find_the_culprit(monkeypatch):
    refused = ("rejected", {"error": "bad request"})
    destination, integration = installed(monkeypatch, [refused, refused, ("delivered", {})])
    send_pending(integration.id)
    # 3 items: refused; the first one alone: refused; the other two: delivered
    assert destination.requests == [3, 1, 2]
    assert statuses(integration) == [Delivery.FAILED, Delivery.DELIVERED, Delivery.DELIVERED]
