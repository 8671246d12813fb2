"""Identity: who each Mixpanel item belongs to, never a placeholder, never no one."""

import pytest

from integrations.destinations.mixpanel.identity import PLACEHOLDERS, is_uuid_v4
from integrations.destinations.mixpanel.transform import transform
from tests.mixpanel.golden import CONFIG, NOW
from tests.mixpanel.helpers import blueprint, event, props, run

UUID_V4 = "4f7c1b8e-2d3a-4c5b-9e6f-a1b2c3d4e5f6"


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
    outcome = run(event(type="identify", userId="user-9", anonymousId=None))
    assert outcome.status == "filtered"
    assert "nothing to send" in outcome.reason


def test_the_identify_event_comes_before_the_profile_updates() -> None:
    ev = event(type="identify", userId="user-9", anonymousId=UUID_V4, traits={"email": "a@b.c"})
    outcome = run(ev)
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


def _identify(anon: str | None = UUID_V4, **fields) -> dict:
    return event(type="identify", userId="user-9", anonymousId=anon, **fields)


def _names(outcome) -> list[tuple[str, str]]:
    return [(op.endpoint, op.item.get("event", "profile")) for op in outcome.operations]


@pytest.mark.parametrize(
    ("value", "v4"),
    [
        (UUID_V4, True),
        (UUID_V4.upper(), True),
        ("6ba7b810-9dad-11d1-80b4-00c04fd430c8", False),  # v1
        ("4f7c1b8e-2d3a-4c5b-7e6f-a1b2c3d4e5f6", False),  # v4 nibble, wrong variant
        ("4f7c1b8e2d3a4c5b9e6fa1b2c3d4e5f6", False),  # no hyphens
        ("{4f7c1b8e-2d3a-4c5b-9e6f-a1b2c3d4e5f6}", False),
        ("anon-1", False),
    ],
)
def test_only_a_canonical_uuid_v4_counts_as_one(value: str, v4: bool) -> None:
    assert is_uuid_v4(value) is v4


def test_a_uuid_v4_anonymous_id_is_merged_with_identify() -> None:
    outcome = run(_identify())
    assert _names(outcome) == [("/track", "$identify")]
    assert props(outcome)["$anon_id"] == UUID_V4


def test_a_non_uuid_anonymous_id_is_merged_with_merge_through_import() -> None:
    # given an anonymous id that $identify would not merge
    outcome = run(_identify("sess-42"))
    # then both ids are merged by $merge, which only /import accepts
    assert _names(outcome) == [("/import", "$merge")]
    sent = props(outcome)
    assert sent["$distinct_ids"] == ["user-9", "sess-42"]
    assert {"time", "distinct_id", "$insert_id", "token"} <= set(sent)  # strict /import
    assert outcome.destination_event == "$merge"


def test_a_merge_is_possible_with_a_service_account_alone() -> None:
    config = {"project_token": CONFIG["project_token"], "service_account_username": "sa"}
    config |= {"service_account_secret": "s3cret", "project_id": "12345"}
    outcome = transform(_identify("sess-42"), blueprint(), config, NOW)
    assert _names(outcome) == [("/import", "$merge")]


@pytest.mark.parametrize(
    "extra",
    [{}, {"service_account_username": "sa", "service_account_secret": "s3cret"}],
    ids=["token only", "service account without project id"],
)
def test_without_merge_credentials_a_non_uuid_identify_warns_instead(extra: dict) -> None:
    config = {"project_token": CONFIG["project_token"], **extra}
    outcome = transform(_identify("sess-42", traits={"plan": "pro"}), blueprint(), config, NOW)
    assert _names(outcome) == [("/engage", "profile")]
    assert "not a UUID v4" in outcome.warnings[0]
    assert "API secret or a service account" in outcome.warnings[0]


def test_a_merge_for_a_future_identify_is_timed_now_so_import_accepts_it() -> None:
    outcome = run(_identify("sess-42", timestamp="2026-11-28T15:00:00Z"))
    assert props(outcome)["time"] == 1795867200000  # NOW


def test_simplified_mode_merges_with_one_event_carrying_both_ids() -> None:
    outcome = run(_identify("sess-42"), blueprint(identity={"mode": "simplified"}))
    assert _names(outcome) == [("/track", "$identify")]
    sent = props(outcome)
    assert (sent["distinct_id"], sent["$user_id"], sent["$device_id"]) == (
        "user-9",
        "user-9",
        "sess-42",
    )
    assert "$anon_id" not in sent


def test_identify_traits_come_from_context_traits_when_the_root_has_none() -> None:
    context = {"ip": "203.0.113.5", "consent": {"categoryPreferences": {"analytics": True}}}
    context["traits"] = {"email": "a@b.c"}
    outcome = run(_identify(anon=None, traits={}, context=context))
    assert outcome.operations[0].item["$set"] == {"$email": "a@b.c"}


def test_root_traits_win_over_context_traits() -> None:
    context = {"ip": "203.0.113.5", "consent": {"categoryPreferences": {"analytics": True}}}
    context["traits"] = {"email": "old@b.c"}
    outcome = run(_identify(anon=None, traits={"email": "new@b.c"}, context=context))
    assert outcome.operations[0].item["$set"] == {"$email": "new@b.c"}


def test_an_anonymous_identify_with_traits_is_filtered_with_the_reason() -> None:
    outcome = run(event(type="identify", traits={"email": "a@b.c"}))
    assert outcome.status == "filtered"
    assert "only for identified users" in outcome.reason
    assert "traits.anonymous_profiles" in outcome.reason


def test_anonymous_profiles_can_be_kept_by_the_blueprint() -> None:
    bp = blueprint(traits={"anonymous_profiles": True})
    outcome = run(event(type="identify", traits={"email": "a@b.c"}), bp)
    assert outcome.operations[0].item["$distinct_id"] == "anon-1"


def test_an_anonymous_purchase_appends_no_transaction() -> None:
    ev = event(event="Order Completed", properties={"total": 10, "order_id": "o-1"})
    assert [op.endpoint for op in run(ev).operations] == ["/track"]
    bp = blueprint(traits={"anonymous_profiles": True})
    assert [op.endpoint for op in run(ev, bp).operations] == ["/track", "/engage"]


def test_an_anonymous_group_call_updates_the_group_but_links_no_profile() -> None:
    bp = blueprint("b2b_saas")
    outcome = run(event(type="group", groupId="acme", traits={"name": "Acme"}), bp)
    assert [op.endpoint for op in outcome.operations] == ["/groups"]
    assert "not linked to the group" in outcome.warnings[0]
    bare = run(event(type="group", groupId="acme"), bp)
    assert bare.status == "filtered"


def test_a_group_never_takes_its_traits_from_context_traits() -> None:
    # context.traits on a group call are the user's traits (RudderStack sends them there)
    context = {"ip": "203.0.113.5", "consent": {"categoryPreferences": {"analytics": True}}}
    context["traits"] = {"email": "a@b.c"}
    ev = event(type="group", userId="user-9", groupId="acme", context=context)
    outcome = run(ev, blueprint("b2b_saas"))
    assert [op.endpoint for op in outcome.operations] == ["/engage"]  # only the $union link
