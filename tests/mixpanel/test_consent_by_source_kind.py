"""Missing consent can be treated differently for browser, mobile and server sources."""

import pytest

from tests.mixpanel.helpers import blueprint, event, run

BY_KIND = {"consent": {"allow_missing_by_source_kind": {"server": True, "mobile": False}}}


def without_consent(kind: str | None) -> dict:
    ev = event()
    ev["context"] = {k: v for k, v in ev.get("context", {}).items() if k != "consent"}
    if kind is not None:
        ev["_signal"] = {"source_kind": kind}
    return ev


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("server", "deliver"),
        ("mobile", "suppressed"),
        ("browser", "suppressed"),
        (None, "suppressed"),
    ],
)
def test_a_kind_named_in_the_blueprint_overrides_the_missing_consent_policy(kind, status):
    outcome = run(without_consent(kind), blueprint("retail", **BY_KIND))

    assert outcome.status == status


def test_a_kind_set_to_suppress_overrides_a_policy_that_delivers():
    patch = {"consent": {"allow_missing": True, "allow_missing_by_source_kind": {"browser": False}}}

    assert run(without_consent("browser"), blueprint("retail", **patch)).status == "suppressed"
    assert run(without_consent("server"), blueprint("retail", **patch)).status == "deliver"


def test_an_event_that_carries_consent_is_decided_by_it_whatever_its_source():
    ev = event()
    ev["_signal"] = {"source_kind": "server"}
    ev["context"] = {"consent": {"categoryPreferences": {"analytics": False}}}

    assert run(ev, blueprint("retail", **BY_KIND)).status == "suppressed"


def test_the_source_kind_never_changes_the_insert_id_of_an_event_without_a_message_id():
    plain = event()
    del plain["messageId"]
    stamped = plain | {"_signal": {"source_kind": "server"}}

    ids = {run(ev).operations[0].item["properties"]["$insert_id"] for ev in (plain, stamped)}

    assert len(ids) == 1
