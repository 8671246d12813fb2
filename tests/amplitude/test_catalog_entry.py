"""Amplitude's catalog entry: fields, hosts, endpoints, limits, variants, samples and hints."""

from integrations.destinations.amplitude.entry import AMPLITUDE
from integrations.destinations.base import HintContext


def test_it_describes_amplitude_with_its_fields():
    assert (AMPLITUDE.key, AMPLITUDE.name, AMPLITUDE.category) == (
        "amplitude",
        "Amplitude",
        "Analytics",
    )
    fields = {f.key: f for f in AMPLITUDE.fields}
    assert fields["api_key"].required and fields["api_key"].type == "string"
    assert fields["secret_key"].secret and not fields["secret_key"].required
    assert fields["eu_data_residency"].type == "boolean"
    assert fields["eu_data_residency"].default is False
    assert fields["min_id_length"].advanced


def test_its_variants_and_status_come_from_the_blueprints():
    assert [v.key for v in AMPLITUDE.variants] == ["default", "retail", "b2b_saas"]
    assert AMPLITUDE.status == "alpha" and AMPLITUDE.blueprint_version == "0.1.0"


def test_its_hosts_are_settings_of_its_own(settings):
    settings.AMPLITUDE_API_URL = "http://us.example"
    settings.AMPLITUDE_EU_API_URL = "http://eu.example"
    assert [h.url() for h in AMPLITUDE.hosts] == ["http://us.example", "http://eu.example"]


def test_identify_goes_before_the_events_in_a_round():
    assert AMPLITUDE.endpoints == ("/identify", "/groupidentify", "/2/httpapi", "/batch")
    assert AMPLITUDE.max_batch_items == 2000 and AMPLITUDE.max_batch_bytes < 1_000_000


def test_every_variant_has_sample_events_that_transform():
    for variant in AMPLITUDE.variants:
        samples = AMPLITUDE.sample_events(variant.key)
        assert samples, variant.key
        blueprint = AMPLITUDE.load_blueprint(variant.key)
        for sample in samples:
            outcome = AMPLITUDE.transform(sample["event"], blueprint, {"api_key": "k" * 32}, None)
            assert outcome.status in ("deliver", "suppressed"), sample["name"]


def test_a_bad_min_id_length_is_refused():
    assert AMPLITUDE.validate_config({"min_id_length": "two"}) == {
        "min_id_length": "Enter a whole number of characters, such as 3."
    }
    assert AMPLITUDE.validate_config({"min_id_length": "3"}) == {}


def test_every_warning_code_is_described_and_has_a_hint():
    blueprint = AMPLITUDE.load_blueprint("default")
    for code in AMPLITUDE.warning_codes:
        assert AMPLITUDE.hint(code, HintContext(blueprint=blueprint)), code


def test_the_revenue_hint_names_the_blueprints_own_events_and_fields():
    context = HintContext(blueprint=AMPLITUDE.load_blueprint("b2b_saas"))
    hint = AMPLITUDE.hint("revenue_without_amount", context)
    assert "Subscription Started" in hint and "`mrr`" in hint


def test_a_rejected_field_hint_names_the_field():
    context = HintContext(field="time", message="invalid")
    assert "`time`" in AMPLITUDE.hint("invalid_field", context)
    assert "5 characters" in AMPLITUDE.hint("invalid_field", HintContext(field="userId"))


def test_an_id_rejected_as_a_placeholder_gets_the_placeholder_hint_not_the_length_one():
    message = "'undefined' is a placeholder Amplitude refuses as an id"
    hint = AMPLITUDE.hint("invalid_field", HintContext(field="anonymousId", message=message))
    assert '"undefined"' in hint and "5 characters" not in hint


def test_group_identify_takes_its_documented_1024_items_a_request_and_the_others_2000():
    assert AMPLITUDE.max_items("/groupidentify") == 1024
    assert AMPLITUDE.max_items("/2/httpapi") == AMPLITUDE.max_items("/identify") == 2000


def test_an_unknown_code_has_no_hint():
    assert AMPLITUDE.hint("no-such-code", HintContext()) is None


def test_every_failure_code_has_a_finished_hint():
    from integrations.destinations.amplitude import hints

    codes = [
        hints.INVALID_API_KEY,
        hints.BLOCKED,
        hints.INVALID_EVENTS,
        hints.MISSING_FIELD,
        hints.SILENCED,
        hints.MALFORMED,
        hints.TOO_LARGE,
        hints.THROTTLED,
        hints.QUOTA_EXCEEDED,
        hints.UNAVAILABLE,
    ]
    context = HintContext(error="Amplitude refused it", response={"missing_field": "api_key"})
    for code in codes:
        text = AMPLITUDE.hint(code, context)
        assert text and "{" not in text, code
