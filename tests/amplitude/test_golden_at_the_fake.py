"""Every golden mapping Signal would deliver is accepted by the fake Amplitude as sent, and
each event arrives once: the transform's output and the client's request agree with the
API the fake enforces (ids, time in ms, insert_id, form-encoded identifications)."""

import json

import httpx

from integrations.destinations.amplitude.entry import AMPLITUDE
from tests.amplitude.golden import CONFIG, NOW, cases, merged
from tests.support.fake_amplitude import FakeAmplitude


def _operations() -> dict[str, list[dict]]:
    by_endpoint: dict[str, list[dict]] = {}
    for path in cases():
        case = json.loads(path.read_text())
        blueprint = merged(
            AMPLITUDE.load_blueprint(path.parent.name), case.get("blueprint_patch", {})
        )
        config = {**CONFIG, **case.get("config_patch", {})}
        if config.get("min_id_length"):
            continue  # sent with its own options; covered by the client tests
        outcome = AMPLITUDE.transform(case["event"], blueprint, config, NOW)
        for op in outcome.operations:
            by_endpoint.setdefault(op.endpoint, []).append(op.item)
    return by_endpoint


def test_the_fake_accepts_every_golden_operation_and_ingests_each_once(settings):
    with FakeAmplitude([CONFIG["api_key"]]) as fake, httpx.Client(timeout=5) as http:
        settings.AMPLITUDE_API_URL = fake.url
        operations = _operations()
        for endpoint in AMPLITUDE.endpoints:
            items = operations.get(endpoint, [])
            if items:
                result = AMPLITUDE.send(http, CONFIG, endpoint, items)
                assert result.kind == "delivered", (endpoint, result.response_body)
                AMPLITUDE.send(http, CONFIG, endpoint, items)  # resent: deduped by insert_id
        sent = operations["/2/httpapi"] + operations.get("/batch", [])
        assert len(fake.events()) == len(sent)
        assert len(fake.identifies()) == 2 * len(operations["/identify"])  # no dedupe there
        assert fake.group_identifies()
