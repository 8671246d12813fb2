"""The catalog: one explicit registry of destinations, and config validation from its fields.

A destination is one folder under `integrations/destinations/<key>/`; its `Destination`
subclass (integrations/destinations/base.py) is the only thing the rest of Signal talks to.
Adding one is adding its folder and one line to `REGISTRY`.
"""

from typing import Any

from integrations.destinations.amplitude.entry import AMPLITUDE
from integrations.destinations.base import (
    ChoiceGroup,
    ConfigField,
    Destination,
    FieldType,
    Variant,
)
from integrations.destinations.mixpanel.entry import MIXPANEL

__all__ = ["ChoiceGroup", "ConfigField", "Destination", "FieldType", "Variant"]

REGISTRY: dict[str, Destination] = {d.key: d for d in (MIXPANEL, AMPLITUDE)}


def destinations() -> list[Destination]:
    return list(REGISTRY.values())


def get_destination(key: str) -> Destination | None:
    return REGISTRY.get(key)


def _coerce(spec: ConfigField, value: Any) -> tuple[Any, str | None]:
    if spec.type == "boolean":
        if isinstance(value, bool):
            return value, None
        return None, "must be true or false"
    if not isinstance(value, str):
        return None, "must be a string"
    return value.strip(), None


def clean_config(
    destination: Destination,
    data: Any,
    *,
    existing_secrets: dict[str, Any] | None = None,
    partial: bool = False,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """Validate submitted config against the destination's fields.

    Returns (plain config, secrets, errors by field). A blank or missing secret keeps the
    stored one, so edit forms never need to show it. With `partial`, missing fields keep
    their current value (the caller merges).
    """
    if not isinstance(data, dict):
        return {}, {}, {"config": "must be an object"}
    existing_secrets = existing_secrets or {}
    config: dict[str, Any] = {}
    secrets: dict[str, Any] = dict(existing_secrets)
    errors: dict[str, str] = {}
    for name in data:
        if destination.field(name) is None:
            errors[name] = f"unknown field for {destination.name}"
    for spec in destination.fields:
        value = data.get(spec.key)
        if value is None or value == "":
            if spec.secret and existing_secrets.get(spec.key):
                continue
            if spec.required and not partial:
                errors[spec.key] = "This field is required."
            elif spec.default is not None and not partial:
                config[spec.key] = spec.default
            continue
        value, error = _coerce(spec, value)
        if error:
            errors[spec.key] = error
        elif spec.secret:
            secrets[spec.key] = value
        else:
            config[spec.key] = value
    if not errors:
        errors.update(destination.validate_config({**config, **secrets}))
    return config, secrets, errors
