"""Amplitude's catalog entry: fields, hosts, endpoints, limits and hints.

Variants, status and version come from `blueprints/*.json`; the behaviour from this folder.
"""

from pathlib import Path
from typing import Any

from integrations.destinations._shared.destination import FolderDestination
from integrations.destinations.amplitude import blueprint, client, transform
from integrations.destinations.amplitude import hints as troubleshooting
from integrations.destinations.amplitude.editor import SECTIONS as EDITOR_SECTIONS
from integrations.destinations.base import ConfigField

API_KEYS = "https://amplitude.com/docs/apis/authentication"

FIELDS = (
    ConfigField(
        "api_key",
        "API Key",
        "string",
        required=True,
        help=(
            "Your Amplitude project's API key: Settings > Projects > (your project) > "
            "General. Every ingestion API Signal uses authenticates with it alone."
        ),
        link=API_KEYS,
    ),
    ConfigField(
        "secret_key",
        "Secret Key",
        "secret",
        help=(
            "Optional. None of the ingestion APIs Signal calls (HTTP V2, Batch, Identify, "
            "Group Identify) needs it; it is kept for Amplitude's export and user privacy "
            "APIs, and never sent with events."
        ),
        link=API_KEYS,
        advanced=True,
    ),
    ConfigField(
        "eu_data_residency",
        "EU Data Residency",
        "boolean",
        default=False,
        help=(
            "Send data to Amplitude's EU data center (api.eu.amplitude.com). Required when "
            "your project lives in app.eu.amplitude.com: US and EU keys are not interchangeable."
        ),
    ),
    ConfigField(
        "min_id_length",
        "Minimum ID Length",
        "string",
        help=(
            "Optional. Amplitude refuses user and device ids shorter than 5 characters; set a "
            "smaller number (sent as options.min_id_length) if your ids are shorter."
        ),
        advanced=True,
    ),
)


class Amplitude(FolderDestination):
    key = "amplitude"
    name = "Amplitude"
    category = "Analytics"
    description = (
        "Server-side event, user property and group delivery to Amplitude through its HTTP "
        "V2, Batch, Identify and Group Identify APIs."
    )
    docs_url = "https://amplitude.com/docs/apis/analytics/http-v2"
    folder = Path(__file__).parent
    fields = FIELDS
    # User properties and the user/device link first, so the events that follow carry them.
    endpoints = ("/identify", "/groupidentify", "/2/httpapi", "/batch")
    hosts = client.HOSTS
    max_batch_items = 2000
    endpoint_max_items = {"/groupidentify": 1024}  # Group Identify's documented maximum
    # Under HTTP V2's 1 MB per request, leaving room for the envelope (api_key, options).
    max_batch_bytes = 1_000_000 - 16_384
    editor_sections = EDITOR_SECTIONS
    blueprint_module = blueprint
    transform_module = transform
    client = client
    troubleshooting = troubleshooting
    hints = troubleshooting.HINTS
    warning_codes = troubleshooting.WARNING_CODES
    variant_order = ("default", "retail", "b2b_saas")

    def validate_config(self, config: dict[str, Any]) -> dict[str, str]:
        raw = str(config.get("min_id_length") or "").strip()
        if raw and not (raw.isdigit() and int(raw) > 0):
            return {"min_id_length": "Enter a whole number of characters, such as 3."}
        return {}


AMPLITUDE = Amplitude()
