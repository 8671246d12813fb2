"""The blueprint says where else to find the ids: fallback paths, read only when the event's
own userId or anonymousId is missing."""

from tests.mixpanel.helpers import blueprint, event, props, run

FALLBACKS = {
    "identity": {
        "mode": "original",
        "user_id_fallbacks": ["properties.account_email", "context.traits.email"],
        "anonymous_id_fallbacks": ["context.device.id"],
    }
}


def test_a_missing_user_id_is_read_from_the_first_fallback_that_has_one():
    ev = event(
        properties={"account_email": ""},
        context=event()["context"] | {"traits": {"email": "jane@example.com"}},
    )

    outcome = run(ev, blueprint("retail", **FALLBACKS))

    assert props(outcome)["distinct_id"] == "jane@example.com"


def test_the_events_own_ids_win_over_the_fallbacks():
    ev = event(userId="u-1", properties={"account_email": "other@example.com"})

    assert props(run(ev, blueprint("retail", **FALLBACKS)))["distinct_id"] == "u-1"


def test_an_event_with_no_anonymous_id_takes_the_device_id_in_simplified_mode():
    patch = {"identity": FALLBACKS["identity"] | {"mode": "simplified"}}
    ev = {k: v for k, v in event().items() if k != "anonymousId"}
    ev["context"] = ev["context"] | {"device": {"id": "dev-42"}}

    outcome = run(ev, blueprint("retail", **patch))

    assert props(outcome)["distinct_id"] == "$device:dev-42"


def test_without_fallbacks_an_event_without_ids_is_still_rejected_naming_the_field():
    ev = {k: v for k, v in event().items() if k != "anonymousId"}

    outcome = run(ev, blueprint("retail"))

    assert outcome.status == "rejected" and outcome.field in ("userId", "anonymousId")


def test_a_fallback_that_is_not_a_path_is_a_blueprint_error():
    from integrations.destinations.mixpanel.entry import MIXPANEL

    bad = blueprint("retail", identity={"user_id_fallbacks": ["email"]})

    assert MIXPANEL.validate_blueprint(bad) == [
        "identity.user_id_fallbacks[0]: expected a property path such as traits.email"
    ]
