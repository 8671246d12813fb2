"""The catalog: one explicit registry of destinations, and config validation from its fields.

A destination is described by data (`Destination`); its behaviour lives in its own folder
under `integrations/destinations/<key>/` and is reached through the functions named here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

FieldType = Literal["string", "secret", "boolean"]


@dataclass(frozen=True)
class ConfigField:
    key: str
    label: str
    type: FieldType
    required: bool = False
    default: Any = None
    help: str = ""
    link: str = ""
    # Shown folded under "Advanced" in the install and edit forms.
    advanced: bool = False

    @property
    def secret(self) -> bool:
        return self.type == "secret"


@dataclass(frozen=True)
class ChoiceGroup:
    """Boolean config fields that are really one choice, shown as radio buttons.

    The config keeps one boolean per option (so the Management API is unchanged); the forms
    show one choice, and choosing an option turns its boolean on and the others off. An
    option with an empty key is "none of them" (e.g. US residency: neither EU nor India).
    """

    key: str
    label: str
    options: tuple[tuple[str, str], ...]  # (config key or "", label)
    help: str = ""
    link: str = ""
    required: bool = False
    advanced: bool = False
    type: str = "choice"
    secret: bool = False

    @property
    def members(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.options if key)

    def value_of(self, config: dict[str, Any]) -> str:
        """The chosen option's key for a config; the first switched-on member wins."""
        return next((key for key in self.members if config.get(key)), "")


@dataclass(frozen=True)
class Variant:
    key: str
    name: str
    description: str


@dataclass(frozen=True)
class Destination:
    key: str
    name: str
    category: str
    status: str
    description: str
    docs_url: str
    blueprint_version: str
    fields: tuple[ConfigField, ...]
    variants: tuple[Variant, ...]
    # Behaviour, from the destination's folder.
    load_blueprint: Callable[[str], dict[str, Any]]
    validate_blueprint: Callable[[Any], list[str]]
    validate_config: Callable[[dict[str, Any]], dict[str, str]] = field(default=lambda config: {})
    # sample_events(variant) -> [{"name": label, "event": {...}}]: for previews in the editor
    sample_events: Callable[[str], list[dict[str, Any]]] = field(default=lambda variant: [])
    # The blueprint editor's sections (integrations.editor.FormSection / RowsSection).
    editor_sections: tuple[Any, ...] = ()
    # transform(event, blueprint, config, now) -> Outcome  (pure; see destinations/base.py)
    transform: Callable[..., Any] | None = None
    # send(http_client, config, endpoint, items) -> SendResult
    send: Callable[..., Any] | None = None
    # build_request(config, endpoint, items) -> {"method", "url", "headers", "body"}, redacted
    build_request: Callable[..., Any] | None = None
    # Boolean fields the forms show as one choice (e.g. data residency).
    choice_groups: tuple[ChoiceGroup, ...] = ()
    max_batch_items: int = 1000
    max_batch_bytes: int = 1024 * 1024

    def variant(self, key: str) -> Variant | None:
        return next((v for v in self.variants if v.key == key), None)

    def field(self, key: str) -> ConfigField | None:
        return next((f for f in self.fields if f.key == key), None)


def _registry() -> dict[str, Destination]:
    from integrations.destinations.mixpanel.entry import MIXPANEL

    return {d.key: d for d in [MIXPANEL]}


def destinations() -> list[Destination]:
    return list(_registry().values())


def get_destination(key: str) -> Destination | None:
    return _registry().get(key)


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
