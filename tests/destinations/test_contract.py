"""Every registered destination keeps the contract the pipeline speaks through.

These run over the registry, so a destination added with one folder and one registry line is
checked by them without a line of its own here.
"""

import inspect
from datetime import UTC, datetime

import pytest

from integrations.catalog import REGISTRY, destinations
from integrations.destinations.base import Destination, Outcome

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
EVERY = pytest.mark.parametrize("destination", destinations(), ids=lambda d: d.key)


def test_the_registry_is_keyed_by_each_destinations_own_key():
    assert all(key == destination.key for key, destination in REGISTRY.items())


@EVERY
def test_a_destination_implements_the_whole_contract(destination):
    assert isinstance(destination, Destination)
    assert not inspect.isabstract(type(destination))
    for name in ("name", "category", "description", "docs_url", "fields", "endpoints"):
        assert getattr(destination, name), name


@EVERY
def test_its_variants_status_and_version_come_from_its_blueprint_files(destination):
    files = {path.stem for path in (destination.folder / "blueprints").glob("*.json")}
    assert {v.key for v in destination.variants} == files
    assert destination.variants[0].key == "default"
    for variant in destination.variants:
        blueprint = destination.load_blueprint(variant.key)
        assert variant.description == blueprint["description"]
        assert blueprint["version"] == destination.blueprint_version


@EVERY
def test_each_shipped_blueprint_passes_its_own_validation(destination):
    for variant in destination.variants:
        assert destination.validate_blueprint(destination.load_blueprint(variant.key)) == []


@EVERY
def test_its_hosts_are_settings_named_after_it(destination):
    for host in destination.hosts:
        assert host.setting.startswith(destination.key.upper() + "_"), host.setting
        assert host.default.startswith("https://")


@EVERY
def test_its_sample_events_map_to_its_own_endpoints_with_declared_warning_codes(destination):
    config = {field.key: field.default or "sample-value" for field in destination.fields}
    config |= {field.key: False for field in destination.fields if field.type == "boolean"}
    for variant in destination.variants:
        blueprint = destination.load_blueprint(variant.key)
        samples = destination.sample_events(variant.key)
        assert samples, variant.key
        for sample in samples:
            outcome = destination.transform(sample["event"], blueprint, config, NOW)
            assert isinstance(outcome, Outcome)
            assert {op.endpoint for op in outcome.operations} <= set(destination.endpoints)
            assert set(outcome.warning_codes) <= set(destination.warning_codes), sample["name"]


@EVERY
def test_every_endpoint_has_a_place_in_the_round(destination):
    ranks = [destination.endpoint_rank(endpoint) for endpoint in destination.endpoints]
    assert ranks == sorted(ranks) == list(range(len(destination.endpoints)))
    assert destination.endpoint_rank("/nowhere") == len(destination.endpoints)


@EVERY
def test_a_hint_for_an_unknown_code_is_none(destination):
    from integrations.destinations.base import HintContext

    assert destination.hint("no-such-code", HintContext()) is None
