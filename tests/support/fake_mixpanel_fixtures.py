"""pytest fixtures for the fake Mixpanel (register with
`pytest_plugins = ["tests.support.fake_mixpanel_fixtures"]` in tests/conftest.py)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.fake_mixpanel import DEFAULT_PROJECT, FakeMixpanel
from tests.support.fake_mixpanel_remote import RemoteFakeMixpanel, fake_mixpanel_process
from tests.support.fake_mixpanel_rules import Project

TOKEN = DEFAULT_PROJECT.token
API_SECRET = DEFAULT_PROJECT.api_secret
SA_USER, SA_SECRET = next(iter(DEFAULT_PROJECT.service_accounts.items()))
PROJECT_ID = DEFAULT_PROJECT.project_id
# Nothing listens on port 1: a request that reaches the wrong region fails fast, offline.
UNREACHABLE = "http://127.0.0.1:1"


@dataclass
class FakeRegions:
    us: FakeMixpanel
    eu: FakeMixpanel
    india: FakeMixpanel


def point_mixpanel_at(
    settings: Any,
    us: FakeMixpanel | None = None,
    eu: FakeMixpanel | None = None,
    india: FakeMixpanel | None = None,
) -> None:
    """Point the three residency hosts at fakes; a host without a fake is unreachable."""
    settings.MIXPANEL_API_URL = us.url if us else UNREACHABLE
    settings.MIXPANEL_EU_API_URL = eu.url if eu else UNREACHABLE
    settings.MIXPANEL_IN_API_URL = india.url if india else UNREACHABLE


@pytest.fixture
def fake_mixpanel() -> Iterator[FakeMixpanel]:
    """A fake Mixpanel in this process knowing the test project (TOKEN, API_SECRET, ...)."""
    with FakeMixpanel([DEFAULT_PROJECT]) as fake:
        yield fake


@pytest.fixture
def start_fake_mixpanel() -> Iterator[Callable[..., FakeMixpanel]]:
    """Start more fakes (e.g. one per region); all stop after the test."""
    started: list[FakeMixpanel] = []

    def start(projects: list[Project] | None = None) -> FakeMixpanel:
        started.append(FakeMixpanel(projects or [DEFAULT_PROJECT]).start())
        return started[-1]

    yield start
    for fake in started:
        fake.stop()


@pytest.fixture
def mixpanel_at_fake(settings, fake_mixpanel) -> FakeMixpanel:
    """Settings point the US host at `fake_mixpanel`; EU and India hosts are unreachable."""
    point_mixpanel_at(settings, us=fake_mixpanel)
    return fake_mixpanel


@pytest.fixture
def fake_mixpanel_regions(settings, start_fake_mixpanel) -> FakeRegions:
    """One fake per residency host, with settings pointing at each."""
    regions = FakeRegions(start_fake_mixpanel(), start_fake_mixpanel(), start_fake_mixpanel())
    point_mixpanel_at(settings, us=regions.us, eu=regions.eu, india=regions.india)
    return regions


@pytest.fixture
def remote_fake_mixpanel() -> Iterator[RemoteFakeMixpanel]:
    """A fake Mixpanel in its own process, for tests whose sender is another process."""
    with fake_mixpanel_process() as remote:
        yield remote


@pytest.fixture
def mixpanel_config() -> dict[str, Any]:
    """An integration config for the test project (API secret auth, US residency)."""
    return {
        "project_token": TOKEN,
        "api_secret": API_SECRET,
        "eu_data_residency": False,
        "in_data_residency": False,
    }
