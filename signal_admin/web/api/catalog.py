"""Management API: the integration catalog, and installing from it."""

from typing import Annotated, Any, Literal

from ninja import Path, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, Field, WithJsonSchema

from integrations.catalog import Destination, FieldType, destinations, get_destination
from integrations.nul import nul_fields
from signal_admin.web import services
from signal_admin.web.api.integrations import (
    DeliveryMode,
    IntegrationName,
    IntegrationOut,
    config_type,
    integration_out,
)
from signal_admin.web.api.support import ApiError, error_responses

router = Router(tags=["catalog"])

# The catalog is fixed at start-up: its keys and variants are the document's enums.
CatalogKey = Literal[tuple(d.key for d in destinations())]  # type: ignore[valid-type]
VariantKey = Literal[  # type: ignore[valid-type]
    tuple(dict.fromkeys(v.key for d in destinations() for v in d.variants))
]
KEY_PATH = Path(..., description="A catalog key (GET /integration-catalog lists them).")
# Any other key answers 404 naming the known ones, so the path takes any string.
KeyPath = Annotated[str, WithJsonSchema({"type": "string", "enum": list(CatalogKey.__args__)})]


class CatalogFieldOut(Schema):
    key: str
    label: str
    type: FieldType
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
    key: CatalogKey
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

    name: IntegrationName
    variant: VariantKey = "default"
    config: config_type(partial=False) = Field(
        description="The catalog entry's fields (see GET /integration-catalog/{key}); "
        "secret fields are write-only."
    )
    delivery_mode: DeliveryMode = "server_side"


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


@router.get("/{key}", response={200: CatalogEntryOut, **error_responses(400, 401, 404)})
def get_catalog_entry(request, key: KeyPath = KEY_PATH):
    """One destination: its config fields and variants."""
    return catalog_entry_out(get_destination_or_404(key))


@router.post(
    "/{key}/install",
    response={201: IntegrationOut, **error_responses(400, 401, 404)},
)
def install(request, payload: InstallIn, key: KeyPath = KEY_PATH):
    """Install a destination: the variant's blueprint is copied into the new integration.

    The variant must be one of the destination's; combinations of config fields the
    destination refuses (e.g. two data residencies) answer 400 naming the field.
    """
    destination = get_destination_or_404(key)
    nul = nul_fields(payload.config, "config")
    if nul:
        raise ApiError(400, "Invalid input.", nul)
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
