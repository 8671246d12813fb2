"""Identity: who each Mixpanel item belongs to, never a placeholder, never no one."""

import pytest

from integrations.destinations.mixpanel.identity import PLACEHOLDERS
from tests.mixpanel.helpers import blueprint, event, props, run


@pytest.mark.parametrize("placeholder", sorted(PLACEHOLDERS))
def test_a_placeholder_user_id_never_becomes_the_distinct_id(placeholder: str) -> None:
    outcome = run(event(userId=placeholder))
    assert props(outcome)["distinct_id"] == "anon-1"
    assert "$user_id" not in props(outcome)
    assert "placeholder" in outcome.warnings[0]


@pytest.mark.parametrize("placeholder", ["NULL", " undefined ", "None"])
def test_placeholders_are_recognised_whatever_their_case_or_spacing(placeholder: str) -> None:
    outcome = run(event(userId=None, anonymousId=placeholder))
    assert (outcome.status, outcome.field) == ("rejected", "anonymousId")


def test_an_event_without_any_usable_id_is_rejected() -> None:
    outcome = run(event(anonymousId="   "))
    assert (outcome.status, outcome.field) == ("rejected", "userId")
    assert outcome.operations == []


def test_an_integer_user_id_is_sent_as_a_string() -> None:
    assert props(run(event(userId=42)))["distinct_id"] == "42"


def test_a_user_id_longer_than_255_characters_is_not_used() -> None:
    outcome = run(event(userId="u" * 256, anonymousId=None))
    assert (outcome.status, outcome.field) == ("rejected", "userId")


def test_a_known_user_is_the_distinct_id_with_the_device_beside_it() -> None:
    sent = props(run(event(userId="user-9")))
    assert (sent["distinct_id"], sent["$user_id"], sent["$device_id"]) == (
        "user-9",
        "user-9",
        "anon-1",
    )


def test_simplified_mode_keys_anonymous_users_on_their_device() -> None:
    bp = blueprint(identity={"mode": "simplified"})
    sent = props(run(event(), bp))
    assert (sent["distinct_id"], sent["$device_id"]) == ("$device:anon-1", "anon-1")


def test_an_identify_without_an_anonymous_id_sends_no_identify_event() -> None:
    outcome = run(event(type="identify", userId="user-9", anonymousId=None, traits={"a": 1}))
    assert [op.endpoint for op in outcome.operations] == ["/engage"]
    assert outcome.destination_event == "$set"


def test_an_identify_with_nothing_to_send_is_filtered() -> None:
    bp = blueprint(identity={"mode": "simplified"})
    outcome = run(event(type="identify", userId="user-9"), bp)
    assert outcome.status == "filtered"
    assert "nothing to send" in outcome.reason


def test_the_identify_event_comes_before_the_profile_updates() -> None:
    outcome = run(event(type="identify", userId="user-9", traits={"email": "a@b.c"}))
    assert [op.item.get("event", "profile") for op in outcome.operations] == [
        "$identify",
        "profile",
    ]


def test_an_alias_falls_back_to_the_anonymous_id() -> None:
    outcome = run(event(type="alias", userId="user-9"))
    assert props(outcome)["distinct_id"] == "anon-1"
    assert props(outcome)["alias"] == "user-9"


def test_an_alias_onto_itself_is_filtered() -> None:
    outcome = run(event(type="alias", userId="user-9", previousId="user-9"))
    assert outcome.status == "filtered"


def test_an_alias_without_a_user_id_is_rejected() -> None:
    outcome = run(event(type="alias", previousId="anon-1"))
    assert (outcome.status, outcome.field) == ("rejected", "userId")
