"""Install and update integrations: shared by the admin UI and the Management API."""

import copy
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from delivery.outbox import release_held
from integrations import blueprints
from integrations.catalog import Destination, clean_config
from integrations.models import Integration


@dataclass
class InstallError(Exception):
    fields: dict[str, str] = field(default_factory=dict)
    message: str = "Invalid input."


def install(
    destination: Destination,
    *,
    name: str,
    variant: str,
    config: Any,
    delivery_mode: str = "server_side",
    author: str = "",
) -> Integration:
    """Create an integration with its own copy of the variant's blueprint."""
    errors: dict[str, str] = {}
    if not isinstance(name, str) or not name.strip():
        errors["name"] = "This field is required."
    if destination.variant(variant) is None:
        known = ", ".join(v.key for v in destination.variants)
        errors["variant"] = f"Unknown variant {variant!r}; choose one of: {known}."
    if delivery_mode not in dict(Integration.DELIVERY_MODES):
        errors["delivery_mode"] = "Only 'server_side' is supported."
    plain, secrets, config_errors = clean_config(destination, config)
    errors.update({f"config.{k}": v for k, v in config_errors.items()})
    if errors:
        raise InstallError(errors)
    blueprint = copy.deepcopy(destination.load_blueprint(variant))
    problems = destination.validate_blueprint(blueprint)
    if problems:  # a shipped blueprint is tested, so this is a bug, not the user's input
        raise InstallError({"variant": f"The {variant} blueprint is invalid: {problems[0]}"})
    with transaction.atomic():
        integration = Integration.objects.create(
            catalog_key=destination.key,
            variant=variant,
            name=name.strip(),
            config=plain,
            secrets=secrets,
            blueprint=blueprint,
            blueprint_version=destination.blueprint_version,
            delivery_mode=delivery_mode,
        )
        blueprints.record_install(integration, author)
    return integration


def update_config(integration: Integration, config: Any, *, partial: bool) -> None:
    """Apply new settings; blank secrets keep the stored ones. Clears an auth flag."""
    destination = integration.destination
    plain, secrets, errors = clean_config(
        destination, config, existing_secrets=integration.secrets, partial=partial
    )
    if errors:
        raise InstallError({f"config.{k}": v for k, v in errors.items()})
    merged = {**integration.config, **plain} if partial else plain
    extra = destination.validate_config({**merged, **secrets})
    if extra:
        raise InstallError({f"config.{k}": v for k, v in extra.items()})
    integration.config = merged
    integration.secrets = secrets
    integration.auth_error = ""


def set_enabled(integration: Integration, enabled: bool) -> int:
    """Enable or disable; on enable, the deliveries held while disabled are queued and the
    sender woken. Returns how many were released (0 on disable)."""
    was_enabled = integration.enabled
    integration.enabled = enabled
    integration.save(update_fields=["enabled", "updated_at"])
    if enabled and not was_enabled:
        return release_held(integration)
    return 0
