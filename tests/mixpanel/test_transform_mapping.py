"""Blueprint settings change the mapping as documented in this destination's README."""

import pytest

from tests.mixpanel.helpers import GRANTED, blueprint, event, props, run


def _identify(traits: dict, **bp_patch) -> list[dict]:
    outcome = run(
        event(type="identify", userId="u", anonymousId=None, traits=traits), blueprint(**bp_patch)
    )
    return [op.item for op in outcome.operations]


def test_traits_take_mixpanel_s_reserved_names_and_the_rest_stay_as_they_are() -> None:
    [update] = _identify({"email": "a@b.c", "last_name": "Li", "region": "Bavaria", "plan": "pro"})
    assert update["$set"] == {
        "$email": "a@b.c",
        "$last_name": "Li",
        "$region": "Bavaria",
        "plan": "pro",
    }


def test_a_country_that_is_not_a_two_letter_code_keeps_its_own_name() -> None:
    [update] = _identify({"country": "France"})
    assert update["$set"] == {"country": "France"}


def test_set_once_traits_go_to_a_separate_update() -> None:
    updates = _identify({"plan": "pro", "initial_referrer": "https://a.example/"})
    assert [u.get("$set") or u.get("$set_once") for u in updates] == [
        {"plan": "pro"},
        {"initial_referrer": "https://a.example/"},
    ]


def test_profiles_can_be_switched_off() -> None:
    outcome = run(
        event(type="identify", userId="u", anonymousId=None, traits={"a": 1}),
        blueprint(traits={"profiles": False}),
    )
    assert outcome.status == "filtered"


def test_keep_unmapped_false_sends_only_the_mapped_properties() -> None:
    rule = {
        "match": {"type": "track", "name": "Thing Happened"},
        "keep_unmapped": False,
        "properties": {"Plan": ["properties.plan", "context.traits.plan"]},
    }
    bp = blueprint(events=[rule])
    sent = props(
        run(
            event(
                properties={"secret": 1}, context={"consent": GRANTED, "traits": {"plan": "pro"}}
            ),
            bp,
        )
    )
    assert sent["Plan"] == "pro"
    assert "secret" not in sent


def test_the_first_matching_rule_wins() -> None:
    rules = [
        {"match": {"type": "track"}, "rename": "Anything"},
        {"match": {"type": "track", "name": "Thing Happened"}, "rename": "Specific"},
    ]
    assert run(event(), blueprint(events=rules)).destination_event == "Anything"


def test_what_the_app_sent_wins_over_what_signal_derives() -> None:
    context = {"consent": GRANTED, "campaign": {"source": "derived"}}
    sent = props(run(event(properties={"utm_source": "explicit"}, context=context)))
    assert sent["utm_source"] == "explicit"


def test_a_source_property_named_like_signal_s_own_is_not_sent_and_warned() -> None:
    outcome = run(event(properties={"distinct_id": "spoof"}))
    assert props(outcome)["distinct_id"] == "anon-1"
    assert outcome.warnings == ["properties.distinct_id is reserved; Signal sets it itself"]


def test_enrichment_can_be_switched_off() -> None:
    context = {
        "consent": GRANTED,
        "userAgent": "Mozilla/5.0 (Windows NT 10.0; rv:133.0) Gecko/20100101 Firefox/133.0",
        "library": {"name": "lib"},
    }
    off = {"page": False, "user_agent": False, "campaign": False, "library": False}
    sent = props(run(event(context=context), blueprint(enrichment=off)))
    assert "$browser" not in sent and "mp_lib" not in sent


def test_a_browser_is_recognised_from_its_user_agent() -> None:
    context = {
        "consent": GRANTED,
        "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; "
        "rv:133.0) Gecko/20100101 Firefox/133.0",
    }
    sent = props(run(event(context=context)))
    assert (sent["$browser"], sent["$browser_version"], sent["$os"]) == (
        "Firefox",
        133.0,
        "Windows",
    )
    assert "$device" not in sent


def test_an_amount_that_is_not_a_number_is_reported() -> None:
    outcome = run(event(event="Order Completed", userId="u", properties={"total": "lots"}))
    assert "$amount" not in props(outcome)
    assert 'properties.total is "lots"' in outcome.warnings[0]
    assert len(outcome.operations) == 1  # no $transactions entry without an amount


def test_a_numeric_string_amount_is_sent_as_a_number() -> None:
    outcome = run(event(event="Order Completed", properties={"revenue": "12.50"}))
    assert props(outcome)["$amount"] == 12.5


@pytest.mark.parametrize("total", [30, -30, "30.00", "-30"])
def test_a_refund_is_sent_negative_whatever_its_sign_in_the_source(total: object) -> None:
    # when
    outcome = run(event(event="Order Refunded", userId="u", properties={"total": total}))
    # then
    assert props(outcome)["$amount"] == -30
    entry = outcome.operations[1].item["$append"]["$transactions"]
    assert entry["$amount"] == -30


def test_a_refund_of_nothing_is_zero_not_minus_zero() -> None:
    outcome = run(event(event="Order Refunded", userId="u", properties={"total": 0.0}))
    assert str(props(outcome)["$amount"]) == "0.0"


def test_refunds_are_revenue_only_where_the_blueprint_lists_them() -> None:
    bp = blueprint(revenue={"refund_events": []})
    outcome = run(event(event="Order Refunded", userId="u", properties={"total": 30}), bp)
    assert "$amount" not in props(outcome)
    assert len(outcome.operations) == 1


@pytest.mark.parametrize(
    ("mrr", "sent"),
    [("49.00", 49.0), (" 49 ", 49.0), (49, 49), ("1e3", 1000.0), ("1_000", "1_000"),
     ("1,000.00", "1,000.00"), ("NaN", "NaN"), (True, True)],
)  # fmt: skip
def test_mapped_money_fields_become_numbers_when_they_are_decimals(mrr: object, sent: object):
    ev = event(event="Subscription Started", userId="u", properties={"mrr": mrr})
    assert props(run(ev, blueprint("b2b_saas")))["MRR"] == sent


def test_a_mapped_field_not_listed_as_numeric_is_sent_as_it_came() -> None:
    ev = event(event="Trial Started", userId="u", properties={"trial_plan_name": "49.00"})
    assert props(run(ev, blueprint("b2b_saas")))["Plan"] == "49.00"


def test_group_calls_link_the_user_with_union() -> None:
    outcome = run(event(type="group", groupId="acme", userId="u"), blueprint("b2b_saas"))
    [link] = [op.item for op in outcome.operations]
    assert link["$union"] == {"company_id": ["acme"]}
