"""Management API: the integration catalog, and installing from it."""

from typing import Any

from ninja import Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, Field, StrictStr

from integrations import services
from integrations.api_integrations import IntegrationOut, integration_out
from integrations.api_support import ApiError, error_responses
from integrations.catalog import Destination, destinations, get_destination

router = Router(tags=["catalog"])


class CatalogFieldOut(Schema):
    key: str
    label: str
    type: str
    required: bool
    default: Any = None
    help: str
    link: str
    advanced: bool = False  # a form folds it under "Advanced"


class CatalogVariantOut(Schema):
    key: str
    name: str
    description: str


class CatalogEntryOut(Schema):
    key: str
    name: str
    category: str
    status: str
    description: str
    docs_url: str
    blueprint_version: str
    fields: list[CatalogFieldOut]
    variants: list[CatalogVariantOut]


class InstallIn(Schema):
    """The product page's body: name, variant, config and delivery mode."""

    model_config = ConfigDict(extra="forbid")

    name: StrictStr
    variant: StrictStr = "default"
    config: dict[str, Any] = Field(
        description="The catalog entry's fields (see GET /integration-catalog/{key}); "
        "secret fields are write-only."
    )
    delivery_mode: StrictStr = "server_side"


def catalog_entry_out(destination: Destination) -> dict[str, Any]:
    return {
        "key": destination.key,
        "name": destination.name,
        "category": destination.category,
        "status": destination.status,
        "description": destination.description,
        "docs_url": destination.docs_url,
        "blueprint_version": destination.blueprint_version,
        "fields": [
            {
                "key": f.key,
                "label": f.label,
                "type": f.type,
                "required": f.required,
                "default": f.default,
                "help": f.help,
                "link": f.link,
                "advanced": f.advanced,
            }
            for f in destination.fields
        ],
        "variants": [
            {"key": v.key, "name": v.name, "description": v.description}
            for v in destination.variants
        ],
    }


def get_destination_or_404(key: str) -> Destination:
    destination = get_destination(key)
    if destination is None:
        known = ", ".join(d.key for d in destinations())
        raise ApiError(
            404,
            "Unknown catalog key.",
            {"key": f"No destination {key!r} in the catalog; known: {known}."},
        )
    return destination


@router.get("", response={200: list[CatalogEntryOut], **error_responses(401)})
def list_catalog(request):
    """Every destination Signal can deliver to."""
    return [catalog_entry_out(d) for d in destinations()]


@router.get("/{key}", response={200: CatalogEntryOut, **error_responses(401, 404)})
def get_catalog_entry(request, key: str):
    """One destination: its config fields and variants."""
    return catalog_entry_out(get_destination_or_404(key))


@router.post(
    "/{key}/install",
    response={201: IntegrationOut, **error_responses(400, 401, 404)},
)
def install(request, key: str, payload: InstallIn):
    """Install a destination: the variant's blueprint is copied into the new integration."""
    destination = get_destination_or_404(key)
    try:
        integration = services.install(
            destination,
            name=payload.name,
            variant=payload.variant,
            config=payload.config,
            delivery_mode=payload.delivery_mode,
            author=f"API token {request.auth.name}",
        )
    except services.InstallError as exc:
        raise ApiError(400, exc.message, exc.fields)
    return Status(201, integration_out(integration))
