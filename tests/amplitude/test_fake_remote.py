"""The fake Amplitude runs in its own process too (`python -m tests.support.fake_amplitude`)."""

import httpx

from integrations.destinations.amplitude.entry import AMPLITUDE
from tests.amplitude.helpers import events
from tests.support.fake_amplitude_fixtures import API_KEY


def test_a_remote_fake_ingests_scripts_and_throttles_like_the_local_one(
    settings, remote_fake_amplitude
):
    settings.AMPLITUDE_API_URL = remote_fake_amplitude.url
    config = {"api_key": API_KEY}
    with httpx.Client(timeout=5) as http:
        remote_fake_amplitude.script("/2/httpapi", 503)
        remote_fake_amplitude.throttle(user_id="user-12345")
        kinds = [AMPLITUDE.send(http, config, "/2/httpapi", events(2)).kind for _ in range(3)]
    assert kinds == ["retry", "retry", "delivered"]
    assert len(remote_fake_amplitude.events()) == 2
    assert len(remote_fake_amplitude.received("/2/httpapi")) == 3
    remote_fake_amplitude.reset()
    assert remote_fake_amplitude.events() == []
