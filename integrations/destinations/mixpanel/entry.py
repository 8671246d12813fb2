"""Mixpanel's catalog entry: fields, variants and help, from the product page."""

import json
from pathlib import Path
from typing import Any

from integrations.catalog import ChoiceGroup, ConfigField, Destination, Variant
from integrations.destinations.mixpanel.editor import SECTIONS as EDITOR_SECTIONS

BLUEPRINT_DIR = Path(__file__).parent / "blueprints"
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

VARIANTS = (
    Variant(
        "default",
        "Default",
        "General product analytics: pages, screens, tracks, identify and revenue.",
    ),
    Variant("retail", "Retail", "E-commerce event tracking with distinct_id matching."),
    Variant(
        "b2b_saas", "B2B / SaaS", "Product analytics with feature tracking and subscription events."
    ),
)


def load_blueprint(variant: str) -> dict[str, Any]:
    return json.loads((BLUEPRINT_DIR / f"{variant}.json").read_text())


def sample_events(variant: str) -> list[dict[str, Any]]:
    """Events a marketer recognises, to preview the variant's blueprint with."""
    samples = json.loads((Path(__file__).parent / "samples.json").read_text())
    return samples.get(variant, samples["default"])


def validate_blueprint(data: Any) -> list[str]:
    from integrations.destinations.mixpanel.blueprint import validation_errors

    return validation_errors(data)


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


def transform(event, blueprint, config, now):
    from integrations.destinations.mixpanel.transform import transform as run

    return run(event, blueprint, config, now)


def send(http, config, endpoint, items):
    from integrations.destinations.mixpanel.client import send as run

    return run(http, config, endpoint, items)


def build_request(config, endpoint, items):
    from integrations.destinations.mixpanel.client import build_request as run

    return run(config, endpoint, items)


MIXPANEL = Destination(
    key="mixpanel",
    name="Mixpanel",
    category="Analytics",
    status="alpha",
    description=(
        "Server-side event and profile delivery to Mixpanel via the Ingestion API for "
        "product analytics, funnel analysis, and user segmentation."
    ),
    docs_url="https://developer.mixpanel.com/reference/ingestion-api",
    blueprint_version="0.1.0",
    fields=FIELDS,
    choice_groups=(RESIDENCY,),
    variants=VARIANTS,
    load_blueprint=load_blueprint,
    validate_blueprint=validate_blueprint,
    validate_config=validate_config,
    sample_events=sample_events,
    editor_sections=EDITOR_SECTIONS,
    transform=transform,
    send=send,
    build_request=build_request,
    max_batch_items=2000,
    max_batch_bytes=2 * 1024 * 1024,
)
