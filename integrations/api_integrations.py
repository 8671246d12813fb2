"""Management API: installed integrations and their blueprints."""

from datetime import datetime
from typing import Any

from django.db import transaction
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, StrictBool, StrictStr

from integrations import blueprints, services
from integrations.api_support import (
    ApiError,
    error_responses,
    get_integration_or_404,
)
from integrations.models import Integration

router = Router(tags=["integrations"])


class IntegrationOut(Schema):
    """An installed integration. Secret values are never returned: only their names."""

    id: int
    name: str
    catalog_key: str
    variant: str
    delivery_mode: str
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
    """Any of these; `config` is merged, and a blank or missing secret keeps the stored one."""

    model_config = ConfigDict(extra="forbid")

    name: StrictStr | None = None
    enabled: StrictBool | None = None
    config: dict[str, Any] | None = None


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


@router.get("/{int:id}", response={200: IntegrationOut, **error_responses(401, 404)})
def get_integration(request, id: int):
    return integration_out(get_integration_or_404(id))


@router.patch("/{int:id}", response={200: IntegrationOut, **error_responses(400, 401, 404)})
def patch_integration(request, id: int, payload: IntegrationPatchIn):
    """Rename, enable or disable, or change settings (partial: sent keys only)."""
    given = payload.model_fields_set
    with transaction.atomic():
        integration = get_integration_or_404(id)
        errors: dict[str, str] = {}
        if "name" in given:
            if payload.name is None or not payload.name.strip():
                errors["name"] = "This field is required."
            else:
                integration.name = payload.name.strip()
        if "enabled" in given:
            if payload.enabled is None:
                errors["enabled"] = "must be true or false"
            else:
                integration.enabled = payload.enabled
        if "config" in given:
            if payload.config is None:
                errors["config"] = "must be an object"
            else:
                try:
                    services.update_config(integration, payload.config, partial=True)
                except services.InstallError as exc:
                    errors.update(exc.fields)
        if errors:
            raise ApiError(400, "Invalid input.", errors)
        integration.save()
    return integration_out(integration)


@router.delete("/{int:id}", response={204: None, **error_responses(401, 404)})
def delete_integration(request, id: int):
    get_integration_or_404(id).delete()
    return Status(204, None)
