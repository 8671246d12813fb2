"""Management API: an integration's blueprint, its revisions, rollback and reset.

Versioned with HTTP preconditions: every answer carries the blueprint's `ETag`, and a write
must send it back in `If-Match`. A missing `If-Match` is `428`, a stale one `412`, both with
the current ETag, so two writers can never undo each other's change without knowing it.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema

from integrations import blueprints
from integrations.models import BlueprintRevision, Integration
from signal_admin.web.api.support import (
    ApiError,
    bounded_text,
    error_responses,
    get_integration_or_404,
    read_json_body,
    row_id,
)

router = Router(tags=["blueprints"])

INTEGRATION_ID = "The integration's id."
MAX_REVISION = 2**31 - 1  # the column is a PostgreSQL integer
COMMENT = Query("", description="Kept with the new revision in the history.")
Comment = bounded_text(500)


def revision_number() -> Any:
    return Path(..., ge=1, le=MAX_REVISION, description="The revision's number.")


IF_MATCH_HINT = "Send the ETag of the blueprint you edited (GET …/blueprint answers it)."

BLUEPRINT_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
        "description": "The whole blueprint; its `version` becomes the blueprint_version.",
    },
    "parameters": [
        {
            "in": "header",
            "name": "If-Match",
            "required": True,
            "schema": {"type": "string", "minLength": 1},
            "description": "The ETag of the blueprint this one was edited from.",
        }
    ],
}
IF_MATCH = {"parameters": BLUEPRINT_BODY["parameters"]}


class RevisionOut(Schema):
    """One saved state of the blueprint."""

    number: int
    kind: str = Field(json_schema_extra={"enum": [k for k, _ in BlueprintRevision.KINDS]})
    author: str
    comment: str
    blueprint_version: str
    created_at: datetime
    current: bool


class RevisionDetailOut(RevisionOut):
    blueprint: dict[str, Any]
    diff: str = Field(description="Unified diff against the revision before it.")


def revision_out(revision: BlueprintRevision, integration: Integration) -> dict[str, Any]:
    return {
        "number": revision.number,
        "kind": revision.kind,
        "author": revision.author,
        "comment": revision.comment,
        "blueprint_version": revision.blueprint_version,
        "created_at": revision.created_at,
        "current": revision.number == integration.blueprint_revision,
    }


def author_of(request: HttpRequest) -> str:
    return f"API token {request.auth.name}"


def expected_revision(request: HttpRequest, integration: Integration) -> int | None:
    """The revision `If-Match` names (None for `*`); 428 without it, 412 if stale."""
    current = blueprints.etag(integration)
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise ApiError(
            428,
            "If-Match required.",
            {"If-Match": IF_MATCH_HINT},
            headers={"ETag": current},
            etag=current,
        )
    if header == "*":
        return None
    number = blueprints.revision_of(header, integration)
    if number is None or number != integration.blueprint_revision:
        raise stale(integration.blueprint_revision, integration)
    return number


def stale(current: int, integration: Integration) -> ApiError:
    tag = f'"{integration.pk}.{current}"'
    return ApiError(
        412,
        "The blueprint changed since you read it.",
        {"If-Match": f"The blueprint is now at {tag}; read it again and redo your change."},
        headers={"ETag": tag},
        etag=tag,
    )


def saved(integration: Integration, response: HttpResponse) -> dict[str, Any]:
    response["ETag"] = blueprints.etag(integration)
    return integration.blueprint


def write(request: HttpRequest, integration: Integration, action) -> Integration:
    """Run a save with the request's precondition, answering 412 / 400 as the API does."""
    expected = expected_revision(request, integration)
    try:
        integration, _ = action(expected)
    except blueprints.StaleBlueprint as exc:
        raise stale(exc.current, integration)
    except blueprints.InvalidBlueprint as exc:
        raise ApiError(400, "Invalid blueprint.", exc.by_path(), errors=exc.problems)
    return integration


@router.get(
    "/{int:id}/blueprint",
    response={200: dict[str, Any], **error_responses(400, 401, 404)},
)
def get_blueprint(request, response: HttpResponse, id: int = row_id(INTEGRATION_ID)):
    """The integration's own copy of its blueprint, with its `ETag`."""
    return saved(get_integration_or_404(id), response)


@router.put(
    "/{int:id}/blueprint",
    response={200: dict[str, Any], **error_responses(400, 401, 404, 412, 428)},
    openapi_extra=BLUEPRINT_BODY,
)
def put_blueprint(
    request,
    response: HttpResponse,
    id: int = row_id(INTEGRATION_ID),
    comment: Comment = COMMENT,
):
    """Replace the blueprint (a new revision). A 400 lists every problem in `errors` and by
    path in `fields`; saving an unchanged blueprint adds no revision."""
    integration = get_integration_or_404(id)
    data = read_json_body(request)
    author = author_of(request)
    integration = write(
        request,
        integration,
        lambda expected: blueprints.save(
            integration.pk, data, expected=expected, author=author, comment=comment
        ),
    )
    return saved(integration, response)


@router.get(
    "/{int:id}/blueprint/revisions",
    response={200: list[RevisionOut], **error_responses(400, 401, 404)},
)
def list_revisions(request, id: int = row_id(INTEGRATION_ID)):
    """Every saved state of the blueprint, newest first."""
    integration = get_integration_or_404(id)
    return [revision_out(r, integration) for r in integration.revisions.all()]


def get_revision_or_404(integration: Integration, number: int) -> BlueprintRevision:
    revision = integration.revisions.filter(number=number).first()
    if revision is None:
        raise ApiError(404, "Revision not found.", {"number": f"No revision {number}."})
    return revision


@router.get(
    "/{int:id}/blueprint/revisions/{int:number}",
    response={200: RevisionDetailOut, **error_responses(400, 401, 404)},
)
def get_revision(request, id: int = row_id(INTEGRATION_ID), number: int = revision_number()):
    """One revision's blueprint, and what it changed against the one before."""
    integration = get_integration_or_404(id)
    revision = get_revision_or_404(integration, number)
    return revision_out(revision, integration) | {
        "blueprint": revision.blueprint,
        "diff": blueprints.revision_diff(revision),
    }


@router.post(
    "/{int:id}/blueprint/revisions/{int:number}/rollback",
    response={200: dict[str, Any], **error_responses(400, 401, 404, 412, 428)},
    openapi_extra=IF_MATCH,
)
def rollback_blueprint(
    request,
    response: HttpResponse,
    id: int = row_id(INTEGRATION_ID),
    number: int = revision_number(),
):
    """Make revision `number`'s blueprint current again (saved as a new revision)."""
    integration = get_integration_or_404(id)
    get_revision_or_404(integration, number)
    author = author_of(request)
    integration = write(
        request,
        integration,
        lambda expected: blueprints.rollback(integration, number, expected=expected, author=author),
    )
    return saved(integration, response)


@router.post(
    "/{int:id}/blueprint/reset",
    response={200: dict[str, Any], **error_responses(400, 401, 404, 412, 428)},
    openapi_extra=IF_MATCH,
)
def reset_blueprint(request, response: HttpResponse, id: int = row_id(INTEGRATION_ID)):
    """Make the variant's shipped blueprint current again (saved as a new revision)."""
    integration = get_integration_or_404(id)
    author = author_of(request)
    integration = write(
        request,
        integration,
        lambda expected: blueprints.reset(integration, expected=expected, author=author),
    )
    return saved(integration, response)
