"""The destinations of the two-destination tests, each at its own fake, behind one shape.

An `At` installs an integration pointed at its fake and reads back what that fake kept for
it, so the tests say "each destination got exactly its mapping, once" without naming which.
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from integrations.catalog import get_destination
from integrations.models import Integration
from signal_admin.web.services import install
from tests.support.fake_mixpanel import FakeMixpanel
from tests.support.fake_mixpanel_rules import Project
from tests.support.fanout import MIXPANEL_EVENT_PATHS, install_mixpanel

Kept = list[tuple[str, Any]]  # (endpoint, item), as the destination stored it


class At(Protocol):
    label: str
    integration: Integration | None
    days_ago: float  # how old the events of `refuse_next` must be to meet that answer
    keeps_refused: bool

    def env(self) -> dict[str, str]:
        """Settings for Signal's processes that point this destination at its fake."""

    def install(self, variant: str = "retail", name: str = "") -> Integration: ...

    def kept(self) -> Kept:
        """Everything the fake kept for this integration (duplicates too, where the fake
        keeps them as its destination would)."""

    def kept_ids(self) -> Counter:
        """Each event the fake kept for this integration (its dedupe id), with a count;
        where the fake dedupes as its destination does, each count is 1."""

    def arrived_ids(self) -> Counter:
        """Each event's dedupe id, counted in every request that carried it, refused or not."""

    def refuse_next(self, event: dict, index: int) -> None:
        """Make the fake's next event request answer a 400 naming its `index`th event alone
        (`event`): the destination keeps none of that request, or (`keeps_refused`) all of
        it, the refused one included, where its fake cannot refuse records one by one."""

    def storm(self) -> None:
        """From now on every request is answered 429, until `calm()`."""

    def calm(self) -> None: ...


@dataclass
class MixpanelAt:
    """A Mixpanel integration for `project`, at the fake serving `host` (a residency)."""

    fake: FakeMixpanel
    project: Project
    host: str = "MIXPANEL_API_URL"
    residency: dict[str, bool] = field(default_factory=dict)
    label: str = "Mixpanel"
    integration: Integration | None = None
    days_ago: float = 10  # /import, where Mixpanel names the records it refuses
    keeps_refused: bool = True

    def env(self) -> dict[str, str]:
        return {self.host: self.fake.url}

    def install(self, variant: str = "retail", name: str = "") -> Integration:
        self.integration = install_mixpanel(
            name or self.label, self.project, variant, **self.residency
        )
        return self.integration

    def kept(self) -> Kept:
        return [(r["path"], r["item"]) for r in self.fake.ingested() if r["token"] == self.token]

    def kept_ids(self) -> Counter:
        return Counter(
            item["properties"]["$insert_id"]
            for path, item in self.kept()
            if path in MIXPANEL_EVENT_PATHS
        )

    def arrived_ids(self) -> Counter:
        return Counter(
            item["properties"]["$insert_id"]
            for path in MIXPANEL_EVENT_PATHS
            for request in self.fake.received(path)
            for item in request["items"]
            if item["properties"].get("token", self.token) == self.token
        )

    @property
    def token(self) -> str:
        return self.project.token

    def refuse_next(self, event: dict, index: int) -> None:
        """/import's 400 listing `failed_records` (so the events must be older than 5 days).
        The fake ingests the request and then answers as scripted."""
        self.fake.script(
            status=400,
            path="/import",
            times=1,
            process=True,  # the others are in: Mixpanel ingests all but the failed records
            body={
                "code": 400,
                "error": "some data points in the request failed validation",
                "num_records_imported": "all but one",
                "status": "Bad Request",
                "failed_records": [
                    {
                        "index": index,
                        "$insert_id": event["messageId"],
                        "field": "properties.time",
                        "message": "'properties.time' is invalid",
                    }
                ],
            },
        )

    def storm(self) -> None:
        self.fake.script(status=429, body={"error": "rate limited"}, times=1_000_000)

    def calm(self) -> None:
        # Nothing is kept while the fake answers 429, so starting afresh loses no delivery.
        self.fake.reset()


@dataclass
class AmplitudeAt:
    """An Amplitude integration at a fake Amplitude (tests.support.fake_amplitude)."""

    fake: Any
    label: str = "Amplitude"
    integration: Integration | None = None
    # Old events go to the Batch API; the tests' own are recent, for HTTP V2.
    days_ago: float = 0
    # A scripted 400 ingests nothing, as Amplitude's does: the refused event is not kept.
    keeps_refused: bool = False

    def env(self) -> dict[str, str]:
        return {"AMPLITUDE_API_URL": self.fake.url, "AMPLITUDE_EU_API_URL": self.fake.url}

    def install(self, variant: str = "retail", name: str = "") -> Integration:
        from tests.support.fake_amplitude_fixtures import API_KEY, SECRET_KEY

        self.integration = install(
            get_destination("amplitude"),
            name=name or self.label,
            variant=variant,
            config={"api_key": API_KEY, "secret_key": SECRET_KEY},
        )
        return self.integration

    def kept(self) -> Kept:
        """As Amplitude reports them: events once per insert_id, then user and group
        properties."""
        return (
            [("/2/httpapi", e) for e in self.fake.events()]
            + [("/identify", i) for i in self.fake.identifies()]
            + [("/groupidentify", g) for g in self.fake.group_identifies()]
        )

    def kept_ids(self) -> Counter:
        return Counter(event.get("insert_id") for event in self.fake.events())

    def arrived_ids(self) -> Counter:
        return Counter(
            event.get("insert_id")
            for request in self.fake.received()
            if request["path"] in ("/2/httpapi", "/batch")
            for event in json.loads(request["body"]).get("events", [])
        )

    def refuse_next(self, event: dict, index: int) -> None:
        self.fake.script(
            "/2/httpapi",
            400,
            body={
                "code": 400,
                "error": "Invalid field values on some events",
                "events_with_invalid_fields": {"time": [index]},
            },
        )

    def storm(self) -> None:
        """Amplitude's throttling of every user and device: 429s listing all the events."""
        self.fake.throttle(times=1_000_000)

    def calm(self) -> None:
        self.fake.reset()
