"""One event, several integrations: installing them at the fakes, and checking what each got.

A second Mixpanel project (SECOND_PROJECT) lives beside the test project in the same fake
Mixpanel, so two Mixpanel integrations with different project tokens can be told apart by
the token each item carries.
"""

import json
from collections import Counter
from typing import Any

from delivery.models import Delivery
from integrations.catalog import get_destination
from integrations.models import Integration
from signal_admin.web.services import install
from tests.support.fake_mixpanel import DEFAULT_PROJECT
from tests.support.fake_mixpanel_rules import Project

SECOND_PROJECT = Project(
    token="fed987cba654321",
    api_secret="secret-two",
    project_id="67890",
    service_accounts={"sa-two": "sa-two-secret"},
)
MIXPANEL_PROJECTS = [DEFAULT_PROJECT, SECOND_PROJECT]
MIXPANEL_EVENT_PATHS = ("/track", "/import")


def install_mixpanel(
    name: str, project: Project = DEFAULT_PROJECT, variant: str = "retail", **config: Any
) -> Integration:
    base = {"project_token": project.token, "api_secret": project.api_secret}
    return install(get_destination("mixpanel"), name=name, variant=variant, config=base | config)


def delivered_count(integration: Integration | None = None) -> int:
    rows = Delivery.objects.filter(status=Delivery.DELIVERED)
    return (rows if integration is None else rows.filter(integration=integration)).count()


def statuses(integration: Integration) -> Counter:
    return Counter(
        Delivery.objects.filter(integration=integration).values_list("status", flat=True)
    )


def sent_operations(integration: Integration) -> list[tuple[str, Any]]:
    """(endpoint, item) for every operation of this integration's delivered rows: what the
    transform produced once, at fan-out, and the sender sent as it is."""
    rows = Delivery.objects.filter(integration=integration, status=Delivery.DELIVERED)
    return [
        (op["endpoint"], op["item"])
        for operations in rows.values_list("operations", flat=True)
        for op in operations
    ]


def mixpanel_ingested(fake, token: str) -> list[tuple[str, Any]]:
    """(path, item) of everything the fake Mixpanel kept for one project, duplicates kept."""
    return [(r["path"], r["item"]) for r in fake.ingested() if r["token"] == token]


def insert_id_counts(fake, token: str) -> Counter:
    """How many times the fake Mixpanel kept each event ($insert_id) for one project."""
    return Counter(
        item["properties"]["$insert_id"]
        for path, item in mixpanel_ingested(fake, token)
        if path in MIXPANEL_EVENT_PATHS
    )


def as_multiset(pairs: list[tuple[str, Any]]) -> Counter:
    """Order-free comparison of (endpoint, item) lists; items compare by their JSON."""
    return Counter(f"{path} {json.dumps(item, sort_keys=True)}" for path, item in pairs)
