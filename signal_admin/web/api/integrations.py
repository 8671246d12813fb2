"""Management API: installed integrations and their blueprints."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.db import transaction
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, Field, StrictBool, WithJsonSchema

from integrations import blueprints
from integrations.catalog import ConfigField, Destination, destinations
from integrations.models import Integration
from integrations.nul import nul_fields
from signal_admin.web import services
from signal_admin.web.api.support import (
    TEXT_PATTERN,
    ApiError,
    bounded_name,
    error_responses,
    get_integration_or_404,
    omit_default,
    row_id,
)

router = Router(tags=["integrations"])

INTEGRATION_ID = "The integration's id."
DeliveryMode = Literal[tuple(dict(Integration.DELIVERY_MODES))]  # type: ignore[valid-type]
IntegrationName = bounded_name(Integration._meta.get_field("name").max_length)


def _field_schema(spec: ConfigField, *, required: bool) -> dict[str, Any]:
    """One catalog field as JSON Schema; null (or a blank string) leaves it unset."""
    if spec.type == "boolean":
        schema: dict[str, Any] = {"type": "boolean" if required else ["boolean", "null"]}
    elif required:
        schema = {"type": "string", "minLength": 1, "pattern": TEXT_PATTERN}
    else:
        schema = {"type": ["string", "null"], "pattern": TEXT_PATTERN}
    if spec.secret:
        schema["writeOnly"] = True
    schema["description"] = spec.help or spec.label
    return schema


def _destination_config_schema(destination: Destination, *, partial: bool) -> dict[str, Any]:
    required = [] if partial else [f.key for f in destination.fields if f.required]
    return {
        "type": "object",
        "title": f"{destination.name} config",
        "properties": {
            f.key: _field_schema(f, required=f.key in required) for f in destination.fields
        },
        "required": required,
        "additionalProperties": False,
    }


def config_type(*, partial: bool) -> Any:
    """`config` as the catalog defines it: its fields, types and required ones, no others.

    The server checks it with `catalog.clean_config` (messages by field); combinations a
    destination refuses (e.g. two data residencies) are checked too and answer 400.
    """
    schemas = [_destination_config_schema(d, partial=partial) for d in destinations()]
    schema = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    return Annotated[dict[str, Any], WithJsonSchema(schema)]


class IntegrationOut(Schema):
    """An installed integration. Secret values are never returned: only their names."""

    id: int
    name: str
    catalog_key: str
    variant: str
    delivery_mode: DeliveryMode
    enabled: bool
    blueprint_version: str
    blueprint_revision: int
    blueprint_customised: bool
    status: str
    config: dict[str, Any]
    secrets_set: list[str]
    auth_error: str
    created_at: datetime
    updated_at: datetime


class IntegrationPatchIn(Schema):
    """Any of these; `config` is merged, and a blank or missing secret keeps the stored one.

    A field may be left out, never null: its default only stands for "not sent".
    """

    model_config = ConfigDict(extra="forbid")

    name: IntegrationName = Field(None, json_schema_extra=omit_default)
    enabled: StrictBool = Field(None, json_schema_extra=omit_default)
    config: config_type(partial=True) = Field(None, json_schema_extra=omit_default)


def integration_out(integration: Integration) -> dict[str, Any]:
    """The API's JSON for an integration: plain config, and the names of secrets set."""
    destination = integration.destination
    order = [f.key for f in destination.fields] if destination else []

    def secret(key: str) -> bool:
        spec = destination.field(key) if destination else None
        return key in integration.secrets or bool(spec and spec.secret)

    def position(key: str) -> tuple[int, str]:
        return (order.index(key) if key in order else len(order), key)

    return {
        "id": integration.pk,
        "name": integration.name,
        "catalog_key": integration.catalog_key,
        "variant": integration.variant,
        "delivery_mode": integration.delivery_mode,
        "enabled": integration.enabled,
        "blueprint_version": integration.blueprint_version,
        "blueprint_revision": integration.blueprint_revision,
        "blueprint_customised": blueprints.origin(integration).customised if destination else True,
        "status": destination.status if destination else "unknown",
        "config": {k: v for k, v in integration.config.items() if not secret(k)},
        "secrets_set": sorted(
            (k for k, v in integration.secrets.items() if v not in (None, "")), key=position
        ),
        "auth_error": integration.auth_error,
        "created_at": integration.created_at,
        "updated_at": integration.updated_at,
    }


@router.get("", response={200: list[IntegrationOut], **error_responses(401)})
def list_integrations(request):
    """Every installed integration."""
    return [integration_out(i) for i in Integration.objects.all()]


@router.get("/{int:id}", response={200: IntegrationOut, **error_responses(400, 401, 404)})
def get_integration(request, id: int = row_id(INTEGRATION_ID)):
    return integration_out(get_integration_or_404(id))


@router.patch("/{int:id}", response={200: IntegrationOut, **error_responses(400, 401, 404)})
def patch_integration(request, payload: IntegrationPatchIn, id: int = row_id(INTEGRATION_ID)):
    """Rename, enable or disable, or change settings (partial: sent keys only)."""
    given = payload.model_fields_set
    with transaction.atomic():
        integration = get_integration_or_404(id)
        errors: dict[str, str] = {}
        if "name" in given:
            integration.name = payload.name.strip()
        if "config" in given:
            errors.update(nul_fields(payload.config, "config"))
            try:
                if not errors:
                    services.update_config(integration, payload.config, partial=True)
            except services.InstallError as exc:
                errors.update(exc.fields)
        if errors:
            raise ApiError(400, "Invalid input.", errors)
        integration.save()
        if "enabled" in given:
            # Enabling queues what was held while disabled (sent once this commits).
            services.set_enabled(integration, payload.enabled)
    return integration_out(integration)


@router.delete("/{int:id}", response={204: None, **error_responses(400, 401, 404)})
def delete_integration(request, id: int = row_id(INTEGRATION_ID)):
    get_integration_or_404(id).delete()
    return Status(204, None)
