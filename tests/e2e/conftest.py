"""Two destinations on Signal's real processes: Mixpanel (US host) and another one.

The other is Amplitude, or a second Mixpanel project in the EU region: both are fan-outs to
two integrations at two fakes, and the tests run once with each.
"""

from collections.abc import Iterator

import pytest

from integrations.catalog import get_destination
from tests.e2e.destinations import AmplitudeAt, At, MixpanelAt
from tests.support.fake_mixpanel import DEFAULT_PROJECT, FakeMixpanel
from tests.support.fanout import SECOND_PROJECT
from tests.support.stack import Stack


@pytest.fixture
def mixpanel_us(fake_mixpanel) -> MixpanelAt:
    return MixpanelAt(fake_mixpanel, DEFAULT_PROJECT)


@pytest.fixture(params=["amplitude", "mixpanel-eu"])
def other(request) -> Iterator[At]:
    if request.param == "amplitude":
        if get_destination("amplitude") is None:
            pytest.skip("Amplitude is not in the catalog")
        from tests.support.fake_amplitude import FakeAmplitude
        from tests.support.fake_amplitude_fixtures import API_KEY

        with FakeAmplitude([API_KEY]) as fake:
            yield AmplitudeAt(fake)
        return
    with FakeMixpanel([SECOND_PROJECT]) as fake:
        yield MixpanelAt(
            fake,
            SECOND_PROJECT,
            host="MIXPANEL_EU_API_URL",
            residency={"eu_data_residency": True},
            label="Mixpanel EU",
        )


@pytest.fixture
def two_stack(transactional_db, artifacts, request, mixpanel_us, other) -> Iterator[Stack]:
    """daphne, a Celery worker and beat, with Mixpanel and `other` each at its fake."""
    from tests.support.services import require_redis
    from tests.support.stack import flush_redis

    redis_url = require_redis()
    flush_redis(redis_url)
    logs = artifacts / "stack" / request.node.name
    logs.mkdir(parents=True, exist_ok=True)
    stack = Stack(logs, redis_url, mixpanel_us.fake.url, **other.env())
    try:
        stack.start_web()
        stack.start_worker()
        stack.start_beat()
        yield stack
    finally:
        stack.stop()
        flush_redis(redis_url)
