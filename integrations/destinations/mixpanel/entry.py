"""Mixpanel's catalog entry: fields, hosts, endpoints and hints, from the product page.

Variants, status and version come from `blueprints/*.json`; the behaviour from this folder.
"""

from pathlib import Path
from typing import Any

from integrations.destinations._shared.destination import FolderDestination
from integrations.destinations.base import ChoiceGroup, ConfigField
from integrations.destinations.mixpanel import blueprint, client, transform
from integrations.destinations.mixpanel import hints as troubleshooting
from integrations.destinations.mixpanel.editor import SECTIONS as EDITOR_SECTIONS

ACCESS_KEYS = "https://docs.mixpanel.com/docs/orgs-and-projects/managing-projects"

FIELDS = (
    ConfigField(
        "project_token",
        "Project Token",
        "string",
        required=True,
        help="Your Mixpanel project token. Found in Project Settings > Access Keys.",
        link=ACCESS_KEYS,
    ),
    ConfigField(
        "api_secret",
        "API Secret",
        "secret",
        required=True,
        help=(
            "Your Mixpanel project API secret for server-side authentication. Found in "
            "Project Settings > Access Keys: click Show to reveal it."
        ),
        link=ACCESS_KEYS,
    ),
    ConfigField(
        "eu_data_residency",
        "EU Data Residency",
        "boolean",
        default=False,
        help=(
            "Send data to Mixpanel's EU data center (api-eu.mixpanel.com). Required for "
            "EU-resident organizations: your dashboard URL starts with eu.mixpanel.com."
        ),
    ),
    ConfigField(
        "in_data_residency",
        "India Data Residency",
        "boolean",
        default=False,
        help="Send data to Mixpanel's India data center (api-in.mixpanel.com).",
        advanced=True,
    ),
    ConfigField(
        "service_account_username",
        "Service Account Username",
        "string",
        help=(
            "Optional. Mixpanel retires the project API secret on 2027-03-03: create a "
            "service account in Organization Settings > Service Accounts (Owner or Admin role)."
        ),
        link="https://docs.mixpanel.com/docs/orgs-and-projects/service-accounts",
        advanced=True,
    ),
    ConfigField(
        "service_account_secret",
        "Service Account Secret",
        "secret",
        help="Optional. The secret shown once when the service account is created.",
        advanced=True,
    ),
    ConfigField(
        "project_id",
        "Project ID",
        "string",
        help="Needed with a service account. Found in Project Settings > Overview.",
        advanced=True,
    ),
)

RESIDENCY = ChoiceGroup(
    "data_residency",
    "Data Residency",
    (("", "US (default)"), ("eu_data_residency", "EU"), ("in_data_residency", "India")),
    help=(
        "Where your Mixpanel project stores its data. EU-resident organizations have a "
        "dashboard URL starting with eu.mixpanel.com (api-eu.mixpanel.com); India uses "
        "api-in.mixpanel.com."
    ),
)


class Mixpanel(FolderDestination):
    key = "mixpanel"
    name = "Mixpanel"
    category = "Analytics"
    description = (
        "Server-side event and profile delivery to Mixpanel via the Ingestion API for "
        "product analytics, funnel analysis, and user segmentation."
    )
    docs_url = "https://developer.mixpanel.com/reference/ingestion-api"
    folder = Path(__file__).parent
    fields = FIELDS
    choice_groups = (RESIDENCY,)
    # Events before profiles, so an $identify goes out before the profile updates it merges.
    endpoints = ("/import", "/track", "/groups", "/engage")
    hosts = client.HOSTS
    max_batch_items = 2000
    max_batch_bytes = 2 * 1024 * 1024
    editor_sections = EDITOR_SECTIONS
    blueprint_module = blueprint
    transform_module = transform
    client = client
    troubleshooting = troubleshooting
    hints = troubleshooting.HINTS
    warning_codes = troubleshooting.WARNING_CODES
    variant_order = ("default", "retail", "b2b_saas")

    def validate_config(self, config: dict[str, Any]) -> dict[str, str]:
        return validate_config(config)


def validate_config(config: dict[str, Any]) -> dict[str, str]:
    errors = {}
    if config.get("eu_data_residency") and config.get("in_data_residency"):
        errors["in_data_residency"] = "Choose one residency: EU or India, not both."
    account = [config.get("service_account_username"), config.get("service_account_secret")]
    if any(account) and not all(account):
        errors["service_account_secret"] = (
            "A service account needs both its username and its secret."
        )
    if all(account) and not config.get("project_id"):
        errors["project_id"] = "A service account needs the project ID."
    return errors


MIXPANEL = Mixpanel()
